package io.bufferbridge.dlpack;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * A mirror of DLPack's {@code DLDevice}: where a tensor's memory lives. bufferbridge exports
 * {@code kDLCPU} and imports {@code kDLCPU} and {@code kDLCUDAHost} (page-locked host memory);
 * docs/contract.md ("DLPack").
 *
 * <pre>{@code
 * typedef struct {
 *   DLDeviceType device_type;   // an int32_t enum: kDLCPU = 1, kDLCUDA = 2, kDLCUDAHost = 3, ...
 *   int32_t device_id;
 * } DLDevice;
 * }</pre>
 */
public final class DLDevice {
    /** The C layout. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("device_type"),
            ValueLayout.JAVA_INT.withName("device_id"))
            .withName("DLDevice");

    /** {@code kDLCPU}. */
    public static final int CPU = 1;
    /** {@code kDLCUDA}. */
    public static final int CUDA = 2;
    /** {@code kDLCUDAHost}: host memory pinned by the CUDA driver, readable by the CPU. */
    public static final int CUDA_HOST = 3;

    private final MemorySegment segment;

    private DLDevice(MemorySegment segment) {
        this.segment = segment;
    }

    /** {@return a zeroed struct in memory from {@code arena}, which owns it} @param arena owns it */
    public static DLDevice allocate(Arena arena) {
        return new DLDevice(arena.allocate(LAYOUT));
    }

    /**
     * {@return a window on an existing struct; owns nothing}
     *
     * @param segment at least {@code LAYOUT.byteSize()} bytes
     * @throws IllegalArgumentException if the segment is NULL or too small
     */
    public static DLDevice wrap(MemorySegment segment) {
        return new DLDevice(Structs.window(segment, LAYOUT));
    }

    /** {@return the struct's memory} */
    public MemorySegment segment() {
        return segment;
    }

    /** {@return {@code device_type}} */
    public int deviceType() {
        return segment.get(ValueLayout.JAVA_INT, 0);
    }

    /** Sets {@code device_type}. @param v the value */
    public void deviceType(int v) {
        segment.set(ValueLayout.JAVA_INT, 0, v);
    }

    /** {@return {@code device_id}} */
    public int deviceId() {
        return segment.get(ValueLayout.JAVA_INT, 4);
    }

    /** Sets {@code device_id}. @param v the value */
    public void deviceId(int v) {
        segment.set(ValueLayout.JAVA_INT, 4, v);
    }
}
