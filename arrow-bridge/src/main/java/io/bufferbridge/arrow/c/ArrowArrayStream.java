package io.bufferbridge.arrow.c;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * A mirror of the C stream interface's {@code struct ArrowArrayStream}, over FFM: a thin, mutable
 * window on 40 bytes of native memory that someone owns.
 *
 * <pre>{@code
 * struct ArrowArrayStream {
 *   // Callbacks providing stream functionality
 *   int (*get_schema)(struct ArrowArrayStream*, struct ArrowSchema* out);
 *   int (*get_next)(struct ArrowArrayStream*, struct ArrowArray* out);
 *   const char* (*get_last_error)(struct ArrowArrayStream*);
 *
 *   // Release callback
 *   void (*release)(struct ArrowArrayStream*);
 *
 *   // Opaque producer-specific data
 *   void* private_data;
 * };
 * }</pre>
 *
 * <p>Ownership is in the factory's name, as for {@link ArrowSchema}: {@link #allocate(Arena)}
 * takes the struct's memory from an arena the caller owns; {@link #wrap(long)} owns nothing, for
 * example a struct Arrow Java allocated ({@code org.apache.arrow.c.ArrowArrayStream.memoryAddress()}).
 * Conversely a consumer holding only an address, such as DuckDB's
 * {@code registerArrowStream(name, org.apache.arrow.c.ArrowArrayStream.wrap(address()))}, can read
 * a stream this class describes.
 */
public final class ArrowArrayStream {
    /** The C layout: five pointers, x86-64 / aarch64 LP64. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            ValueLayout.ADDRESS.withName("get_schema"),
            ValueLayout.ADDRESS.withName("get_next"),
            ValueLayout.ADDRESS.withName("get_last_error"),
            ValueLayout.ADDRESS.withName("release"),
            ValueLayout.ADDRESS.withName("private_data"))
            .withName("ArrowArrayStream");

    private static final long GET_SCHEMA = offset("get_schema");
    private static final long GET_NEXT = offset("get_next");
    private static final long GET_LAST_ERROR = offset("get_last_error");
    private static final long RELEASE = offset("release");
    private static final long PRIVATE_DATA = offset("private_data");

    private final MemorySegment segment;

    private ArrowArrayStream(MemorySegment segment) {
        this.segment = segment;
    }

    /**
     * {@return a zeroed struct (so {@code release} is NULL) in memory from {@code arena}}
     *
     * @param arena owns the struct's memory
     */
    public static ArrowArrayStream allocate(Arena arena) {
        return new ArrowArrayStream(arena.allocate(LAYOUT));
    }

    /**
     * {@return a window on an existing struct; owns nothing}
     *
     * @param segment at least {@code LAYOUT.byteSize()} bytes
     * @throws IllegalArgumentException if the segment is too small or NULL
     */
    public static ArrowArrayStream wrap(MemorySegment segment) {
        Objects.requireNonNull(segment, "segment");
        if (segment.address() == 0 || segment.byteSize() < LAYOUT.byteSize()) {
            throw new IllegalArgumentException("not an ArrowArrayStream: address=" + segment.address() + " bytes="
                    + segment.byteSize() + " expected=" + LAYOUT.byteSize());
        }
        return new ArrowArrayStream(segment.asSlice(0, LAYOUT.byteSize()));
    }

    /**
     * {@return a window on the struct at {@code address}; owns nothing}
     *
     * @param address a non-zero native address
     * @throws IllegalArgumentException if the address is 0
     */
    public static ArrowArrayStream wrap(long address) {
        if (address == 0) {
            throw new IllegalArgumentException("not an ArrowArrayStream: address=0");
        }
        return new ArrowArrayStream(MemorySegment.ofAddress(address).reinterpret(LAYOUT.byteSize()));
    }

    /** {@return the struct's memory} */
    public MemorySegment segment() {
        return segment;
    }

    /** {@return the struct's address} */
    public long address() {
        return segment.address();
    }

    /** {@return the {@code get_schema} callback (a function pointer)} */
    public MemorySegment getSchemaCallback() {
        return segment.get(ValueLayout.ADDRESS, GET_SCHEMA);
    }

    /** @param value {@code get_schema} */
    public void getSchemaCallback(MemorySegment value) {
        segment.set(ValueLayout.ADDRESS, GET_SCHEMA, value);
    }

    /** {@return the {@code get_next} callback (a function pointer)} */
    public MemorySegment getNextCallback() {
        return segment.get(ValueLayout.ADDRESS, GET_NEXT);
    }

    /** @param value {@code get_next} */
    public void getNextCallback(MemorySegment value) {
        segment.set(ValueLayout.ADDRESS, GET_NEXT, value);
    }

    /** {@return the {@code get_last_error} callback (a function pointer)} */
    public MemorySegment getLastErrorCallback() {
        return segment.get(ValueLayout.ADDRESS, GET_LAST_ERROR);
    }

    /** @param value {@code get_last_error} */
    public void getLastErrorCallback(MemorySegment value) {
        segment.set(ValueLayout.ADDRESS, GET_LAST_ERROR, value);
    }

    /**
     * {@return the {@code release} callback: the function pointer, not a call to it (to release,
     * call it with this struct); NULL once the stream is released or moved}
     */
    public MemorySegment releaseCallback() {
        return segment.get(ValueLayout.ADDRESS, RELEASE);
    }

    /** @param value {@code release} */
    public void releaseCallback(MemorySegment value) {
        segment.set(ValueLayout.ADDRESS, RELEASE, value);
    }

    /** {@return whether {@code release} is NULL: the stream was released or moved away} */
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
        return "ArrowArrayStream[address=" + address() + " released=" + isReleased() + "]";
    }

    private static long offset(String field) {
        return LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }
}
