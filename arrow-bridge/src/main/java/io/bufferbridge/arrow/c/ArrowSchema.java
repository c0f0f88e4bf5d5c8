package io.bufferbridge.arrow.c;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * A mirror of the C data interface's {@code struct ArrowSchema}, over FFM: a thin, mutable window
 * on 72 bytes of native memory that someone owns.
 *
 * <pre>{@code
 * struct ArrowSchema {
 *   // Array type description
 *   const char* format;
 *   const char* name;
 *   const char* metadata;
 *   int64_t flags;
 *   int64_t n_children;
 *   struct ArrowSchema** children;
 *   struct ArrowSchema* dictionary;
 *
 *   // Release callback
 *   void (*release)(struct ArrowSchema*);
 *   // Opaque producer-specific data
 *   void* private_data;
 * };
 * }</pre>
 *
 * <p>Ownership is in the factory's name: {@link #allocate(Arena)} takes the struct's memory from an
 * arena the caller owns; {@link #wrap(MemorySegment)} and {@link #wrap(long)} own nothing, for a
 * struct that a consumer such as Arrow Java allocated. Neither releases the <em>contents</em>: that
 * is the job of the {@code release} callback the producer stored in the struct.
 */
public final class ArrowSchema {
    /** {@code ARROW_FLAG_DICTIONARY_ORDERED}. */
    public static final long FLAG_DICTIONARY_ORDERED = 1;
    /** {@code ARROW_FLAG_NULLABLE}. */
    public static final long FLAG_NULLABLE = 2;
    /** {@code ARROW_FLAG_MAP_KEYS_SORTED}. */
    public static final long FLAG_MAP_KEYS_SORTED = 4;

    /** The C layout: x86-64 / aarch64 LP64, natural alignment, no padding. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            ValueLayout.ADDRESS.withName("format"),
            ValueLayout.ADDRESS.withName("name"),
            ValueLayout.ADDRESS.withName("metadata"),
            ValueLayout.JAVA_LONG.withName("flags"),
            ValueLayout.JAVA_LONG.withName("n_children"),
            ValueLayout.ADDRESS.withName("children"),
            ValueLayout.ADDRESS.withName("dictionary"),
            ValueLayout.ADDRESS.withName("release"),
            ValueLayout.ADDRESS.withName("private_data"))
            .withName("ArrowSchema");

    private static final long FORMAT = offset("format");
    private static final long NAME = offset("name");
    private static final long METADATA = offset("metadata");
    private static final long FLAGS = offset("flags");
    private static final long N_CHILDREN = offset("n_children");
    private static final long CHILDREN = offset("children");
    private static final long DICTIONARY = offset("dictionary");
    private static final long RELEASE = offset("release");
    private static final long PRIVATE_DATA = offset("private_data");

    private final MemorySegment segment;

    private ArrowSchema(MemorySegment segment) {
        this.segment = segment;
    }

    /**
     * {@return a zeroed struct (so {@code release} is NULL) in memory from {@code arena}}
     *
     * @param arena owns the struct's memory
     */
    public static ArrowSchema allocate(Arena arena) {
        return new ArrowSchema(arena.allocate(LAYOUT));
    }

    /**
     * {@return a window on an existing struct; owns nothing}
     *
     * @param segment at least {@code LAYOUT.byteSize()} bytes
     * @throws IllegalArgumentException if the segment is too small or NULL
     */
    public static ArrowSchema wrap(MemorySegment segment) {
        Objects.requireNonNull(segment, "segment");
        if (segment.address() == 0 || segment.byteSize() < LAYOUT.byteSize()) {
            throw new IllegalArgumentException("not an ArrowSchema: address=" + segment.address() + " bytes="
                    + segment.byteSize() + " expected=" + LAYOUT.byteSize());
        }
        return new ArrowSchema(segment.asSlice(0, LAYOUT.byteSize()));
    }

    /**
     * {@return a window on the struct at {@code address}, for example Arrow Java's
     * {@code org.apache.arrow.c.ArrowSchema.memoryAddress()}; owns nothing}
     *
     * @param address a non-zero native address
     * @throws IllegalArgumentException if the address is 0
     */
    public static ArrowSchema wrap(long address) {
        if (address == 0) {
            throw new IllegalArgumentException("not an ArrowSchema: address=0");
        }
        return new ArrowSchema(MemorySegment.ofAddress(address).reinterpret(LAYOUT.byteSize()));
    }

    /** {@return the struct's memory} */
    public MemorySegment segment() {
        return segment;
    }

    /** {@return the struct's address} */
    public long address() {
        return segment.address();
    }

    /** {@return {@code format}, a pointer to a NUL-terminated string} */
    public MemorySegment format() {
        return segment.get(ValueLayout.ADDRESS, FORMAT);
    }

    /** @param value {@code format} */
    public void format(MemorySegment value) {
        segment.set(ValueLayout.ADDRESS, FORMAT, value);
    }

    /** {@return {@code name}, a pointer to a NUL-terminated string or NULL} */
    public MemorySegment name() {
        return segment.get(ValueLayout.ADDRESS, NAME);
    }

    /** @param value {@code name} */
    public void name(MemorySegment value) {
        segment.set(ValueLayout.ADDRESS, NAME, value);
    }

    /** {@return {@code metadata}, a pointer to the encoded key/value blob or NULL} */
    public MemorySegment metadata() {
        return segment.get(ValueLayout.ADDRESS, METADATA);
    }

    /** @param value {@code metadata} */
    public void metadata(MemorySegment value) {
        segment.set(ValueLayout.ADDRESS, METADATA, value);
    }

    /** {@return {@code flags}} */
    public long flags() {
        return segment.get(ValueLayout.JAVA_LONG, FLAGS);
    }

    /** @param value {@code flags} */
    public void flags(long value) {
        segment.set(ValueLayout.JAVA_LONG, FLAGS, value);
    }

    /** {@return {@code n_children}} */
    public long nChildren() {
        return segment.get(ValueLayout.JAVA_LONG, N_CHILDREN);
    }

    /** @param value {@code n_children} */
    public void nChildren(long value) {
        segment.set(ValueLayout.JAVA_LONG, N_CHILDREN, value);
    }

    /** {@return {@code children}, a pointer to {@code n_children} struct pointers} */
    public MemorySegment children() {
        return segment.get(ValueLayout.ADDRESS, CHILDREN);
    }

    /** @param value {@code children} */
    public void children(MemorySegment value) {
        segment.set(ValueLayout.ADDRESS, CHILDREN, value);
    }

    /** {@return {@code dictionary}} */
    public MemorySegment dictionary() {
        return segment.get(ValueLayout.ADDRESS, DICTIONARY);
    }

    /** @param value {@code dictionary} */
    public void dictionary(MemorySegment value) {
        segment.set(ValueLayout.ADDRESS, DICTIONARY, value);
    }

    /**
     * {@return the {@code release} callback: the function pointer, not a call to it (to release,
     * call it with this struct); NULL once the struct is released or moved}
     */
    public MemorySegment releaseCallback() {
        return segment.get(ValueLayout.ADDRESS, RELEASE);
    }

    /** @param value {@code release} */
    public void releaseCallback(MemorySegment value) {
        segment.set(ValueLayout.ADDRESS, RELEASE, value);
    }

    /** {@return whether {@code release} is NULL: the struct was released or moved away} */
    public boolean isReleased() {
        return releaseCallback().address() == 0;
    }

    /** {@return {@code private_data}} */
    public MemorySegment privateData() {
        return segment.get(ValueLayout.ADDRESS, PRIVATE_DATA);
    }

    /** @param value {@code private_data} */
    public void privateData(MemorySegment value) {
        segment.set(ValueLayout.ADDRESS, PRIVATE_DATA, value);
    }

    @Override
    public String toString() {
        return "ArrowSchema[address=" + address() + " released=" + isReleased() + "]";
    }

    private static long offset(String field) {
        return LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }
}
