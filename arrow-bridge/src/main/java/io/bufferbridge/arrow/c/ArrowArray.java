package io.bufferbridge.arrow.c;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * A mirror of the C data interface's {@code struct ArrowArray}, over FFM: a thin, mutable window
 * on 80 bytes of native memory that someone owns.
 *
 * <pre>{@code
 * struct ArrowArray {
 *   // Array data description
 *   int64_t length;
 *   int64_t null_count;
 *   int64_t offset;
 *   int64_t n_buffers;
 *   int64_t n_children;
 *   const void** buffers;
 *   struct ArrowArray** children;
 *   struct ArrowArray* dictionary;
 *
 *   // Release callback
 *   void (*release)(struct ArrowArray*);
 *   // Opaque producer-specific data
 *   void* private_data;
 * };
 * }</pre>
 *
 * <p>Ownership is in the factory's name: {@link #allocate(Arena)} takes the struct's memory from an
 * arena the caller owns; {@link #wrap(MemorySegment)} and {@link #wrap(long)} own nothing. Neither
 * releases the <em>contents</em>: that is the job of the {@code release} callback.
 */
public final class ArrowArray {
    /** The C layout: x86-64 / aarch64 LP64, natural alignment, no padding. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("length"),
            ValueLayout.JAVA_LONG.withName("null_count"),
            ValueLayout.JAVA_LONG.withName("offset"),
            ValueLayout.JAVA_LONG.withName("n_buffers"),
            ValueLayout.JAVA_LONG.withName("n_children"),
            ValueLayout.ADDRESS.withName("buffers"),
            ValueLayout.ADDRESS.withName("children"),
            ValueLayout.ADDRESS.withName("dictionary"),
            ValueLayout.ADDRESS.withName("release"),
            ValueLayout.ADDRESS.withName("private_data"))
            .withName("ArrowArray");

    private static final long LENGTH = offset("length");
    private static final long NULL_COUNT = offset("null_count");
    private static final long OFFSET = offset("offset");
    private static final long N_BUFFERS = offset("n_buffers");
    private static final long N_CHILDREN = offset("n_children");
    private static final long BUFFERS = offset("buffers");
    private static final long CHILDREN = offset("children");
    private static final long DICTIONARY = offset("dictionary");
    private static final long RELEASE = offset("release");
    private static final long PRIVATE_DATA = offset("private_data");

    private final MemorySegment segment;

    private ArrowArray(MemorySegment segment) {
        this.segment = segment;
    }

    /**
     * {@return a zeroed struct (so {@code release} is NULL) in memory from {@code arena}}
     *
     * @param arena owns the struct's memory
     */
    public static ArrowArray allocate(Arena arena) {
        return new ArrowArray(arena.allocate(LAYOUT));
    }

    /**
     * {@return a window on an existing struct; owns nothing}
     *
     * @param segment at least {@code LAYOUT.byteSize()} bytes
     * @throws IllegalArgumentException if the segment is too small or NULL
     */
    public static ArrowArray wrap(MemorySegment segment) {
        Objects.requireNonNull(segment, "segment");
        if (segment.address() == 0 || segment.byteSize() < LAYOUT.byteSize()) {
            throw new IllegalArgumentException("not an ArrowArray: address=" + segment.address() + " bytes="
                    + segment.byteSize() + " expected=" + LAYOUT.byteSize());
        }
        return new ArrowArray(segment.asSlice(0, LAYOUT.byteSize()));
    }

    /**
     * {@return a window on the struct at {@code address}, for example Arrow Java's
     * {@code org.apache.arrow.c.ArrowArray.memoryAddress()}; owns nothing}
     *
     * @param address a non-zero native address
     * @throws IllegalArgumentException if the address is 0
     */
    public static ArrowArray wrap(long address) {
        if (address == 0) {
            throw new IllegalArgumentException("not an ArrowArray: address=0");
        }
        return new ArrowArray(MemorySegment.ofAddress(address).reinterpret(LAYOUT.byteSize()));
    }

    /** {@return the struct's memory} */
    public MemorySegment segment() {
        return segment;
    }

    /** {@return the struct's address} */
    public long address() {
        return segment.address();
    }

    /** {@return {@code length}, in elements} */
    public long length() {
        return segment.get(ValueLayout.JAVA_LONG, LENGTH);
    }

    /** @param value {@code length} */
    public void length(long value) {
        segment.set(ValueLayout.JAVA_LONG, LENGTH, value);
    }

    /** {@return {@code null_count}; -1 when not computed} */
    public long nullCount() {
        return segment.get(ValueLayout.JAVA_LONG, NULL_COUNT);
    }

    /** @param value {@code null_count} */
    public void nullCount(long value) {
        segment.set(ValueLayout.JAVA_LONG, NULL_COUNT, value);
    }

    /** {@return {@code offset}, in elements, into the buffers} */
    public long offset() {
        return segment.get(ValueLayout.JAVA_LONG, OFFSET);
    }

    /** @param value {@code offset} */
    public void offset(long value) {
        segment.set(ValueLayout.JAVA_LONG, OFFSET, value);
    }

    /** {@return {@code n_buffers}} */
    public long nBuffers() {
        return segment.get(ValueLayout.JAVA_LONG, N_BUFFERS);
    }

    /** @param value {@code n_buffers} */
    public void nBuffers(long value) {
        segment.set(ValueLayout.JAVA_LONG, N_BUFFERS, value);
    }

    /** {@return {@code n_children}} */
    public long nChildren() {
        return segment.get(ValueLayout.JAVA_LONG, N_CHILDREN);
    }

    /** @param value {@code n_children} */
    public void nChildren(long value) {
        segment.set(ValueLayout.JAVA_LONG, N_CHILDREN, value);
    }

    /** {@return {@code buffers}, a pointer to {@code n_buffers} buffer pointers} */
    public MemorySegment buffers() {
        return segment.get(ValueLayout.ADDRESS, BUFFERS);
    }

    /** @param value {@code buffers} */
    public void buffers(MemorySegment value) {
        segment.set(ValueLayout.ADDRESS, BUFFERS, value);
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
        return "ArrowArray[address=" + address() + " length=" + length() + " released=" + isReleased() + "]";
    }

    private static long offset(String field) {
        return LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }
}
