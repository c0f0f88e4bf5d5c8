package io.bufferbridge.dlpack;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * A mirror of DLPack's {@code DLTensor}, over FFM: a window on 48 bytes of native memory that
 * someone owns. Strides count elements, not bytes; NULL strides mean C order. The address of
 * element (0,…,0) is {@code data + byte_offset}.
 *
 * <pre>{@code
 * typedef struct {
 *   void* data;
 *   DLDevice device;
 *   int32_t ndim;
 *   DLDataType dtype;
 *   int64_t* shape;
 *   int64_t* strides;    // in elements; can be NULL, indicating tensor is compact and row-majored
 *   uint64_t byte_offset;
 * } DLTensor;
 * }</pre>
 */
public final class DLTensor {
    /** The C layout: x86-64 / aarch64 LP64, natural alignment, no padding. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            ValueLayout.ADDRESS.withName("data"),
            DLDevice.LAYOUT.withName("device"),
            ValueLayout.JAVA_INT.withName("ndim"),
            DLDataType.LAYOUT.withName("dtype"),
            ValueLayout.ADDRESS.withName("shape"),
            ValueLayout.ADDRESS.withName("strides"),
            ValueLayout.JAVA_LONG.withName("byte_offset"))
            .withName("DLTensor");

    private static final long DATA = offset("data");
    private static final long DEVICE = offset("device");
    private static final long NDIM = offset("ndim");
    private static final long DTYPE = offset("dtype");
    private static final long SHAPE = offset("shape");
    private static final long STRIDES = offset("strides");
    private static final long BYTE_OFFSET = offset("byte_offset");

    private final MemorySegment segment;

    private DLTensor(MemorySegment segment) {
        this.segment = segment;
    }

    private static long offset(String name) {
        return LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement(name));
    }

    /** {@return a zeroed struct in memory from {@code arena}, which owns it} @param arena owns it */
    public static DLTensor allocate(Arena arena) {
        return new DLTensor(arena.allocate(LAYOUT));
    }

    /**
     * {@return a window on an existing struct; owns nothing}
     *
     * @param segment at least {@code LAYOUT.byteSize()} bytes
     * @throws IllegalArgumentException if the segment is NULL or too small
     */
    public static DLTensor wrap(MemorySegment segment) {
        return new DLTensor(Structs.window(segment, LAYOUT));
    }

    /** {@return the struct's memory} */
    public MemorySegment segment() {
        return segment;
    }

    /** {@return {@code data}, a zero-length segment} */
    public MemorySegment data() {
        return segment.get(ValueLayout.ADDRESS, DATA);
    }

    /** Sets {@code data}. @param v the pointer */
    public void data(MemorySegment v) {
        segment.set(ValueLayout.ADDRESS, DATA, v);
    }

    /** {@return a window on {@code device}} */
    public DLDevice device() {
        return DLDevice.wrap(segment.asSlice(DEVICE, DLDevice.LAYOUT.byteSize()));
    }

    /** {@return {@code ndim}} */
    public int ndim() {
        return segment.get(ValueLayout.JAVA_INT, NDIM);
    }

    /** Sets {@code ndim}. @param v the value */
    public void ndim(int v) {
        segment.set(ValueLayout.JAVA_INT, NDIM, v);
    }

    /** {@return a window on {@code dtype}} */
    public DLDataType dtype() {
        return DLDataType.wrap(segment.asSlice(DTYPE, DLDataType.LAYOUT.byteSize()));
    }

    /** {@return {@code shape}, a zero-length segment} */
    public MemorySegment shape() {
        return segment.get(ValueLayout.ADDRESS, SHAPE);
    }

    /** Sets {@code shape}. @param v the pointer */
    public void shape(MemorySegment v) {
        segment.set(ValueLayout.ADDRESS, SHAPE, v);
    }

    /** {@return {@code strides}, a zero-length segment; NULL means C order} */
    public MemorySegment strides() {
        return segment.get(ValueLayout.ADDRESS, STRIDES);
    }

    /** Sets {@code strides}. @param v the pointer, or NULL for C order */
    public void strides(MemorySegment v) {
        segment.set(ValueLayout.ADDRESS, STRIDES, v);
    }

    /** {@return {@code byte_offset}, unsigned in C, as read} */
    public long byteOffset() {
        return segment.get(ValueLayout.JAVA_LONG, BYTE_OFFSET);
    }

    /** Sets {@code byte_offset}. @param v the value */
    public void byteOffset(long v) {
        segment.set(ValueLayout.JAVA_LONG, BYTE_OFFSET, v);
    }
}
