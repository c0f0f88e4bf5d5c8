package io.bufferbridge.dlpack;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Managed tensors a foreign producer could hand over, built field by field for the tests. */
final class Hostile {
    private Hostile() {
    }

    /** {@return a versioned int64 tensor over {@code data} with the counting deleter; strides null = NULL} */
    static DLManagedTensorVersioned tensor(Arena arena, MemorySegment data, int deviceType, long[] shape, long[] strides) {
        DLManagedTensorVersioned m = DLManagedTensorVersioned.allocate(arena);
        m.version().major(1);
        m.version().minor(0);
        m.deleter(Deleters.COUNTING);
        fill(m.tensor(), arena, data, deviceType, shape, strides);
        return m;
    }

    /** {@return the same as a legacy tensor} */
    static DLManagedTensor legacy(Arena arena, MemorySegment data, long[] shape, long[] strides) {
        DLManagedTensor m = DLManagedTensor.allocate(arena);
        m.deleter(Deleters.COUNTING);
        fill(m.tensor(), arena, data, DLDevice.CPU, shape, strides);
        return m;
    }

    private static void fill(DLTensor t, Arena arena, MemorySegment data, int deviceType, long[] shape, long[] strides) {
        t.data(data);
        t.device().deviceType(deviceType);
        t.ndim(shape.length);
        t.dtype().code(DLDataType.INT);
        t.dtype().bits(64);
        t.dtype().lanes(1);
        t.shape(shape.length == 0 ? MemorySegment.NULL : arena.allocateFrom(ValueLayout.JAVA_LONG, shape));
        t.strides(strides == null || strides.length == 0 ? MemorySegment.NULL
                : arena.allocateFrom(ValueLayout.JAVA_LONG, strides));
    }
}
