package io.bufferbridge.dlpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Coverage-guided fuzzing of the DLPack importer: managed tensors whose every field is fuzzed
 * (struct kind, version, device, dtype, ndim, shape and strides values, NULL pointers,
 * {@code byte_offset}, data). The shape and strides arrays are real allocations of exactly
 * {@code ndim} values (a producer's word the importer cannot check), and the data pointer is a real
 * buffer, NULL, or an address nothing is at. The import gives a view or a {@link DLPackException},
 * never a crash; either way the deleter runs exactly once (after the view is closed, when it was
 * accepted), and the live-import count returns to where it was. A view that lies inside the real
 * buffer is read in full.
 */
class ImportFuzzTest {
    private static final int[] DEVICES = {DLDevice.CPU, DLDevice.CUDA_HOST, DLDevice.CUDA, 0, 13, -1};
    private static final int[] CODES = {DLDataType.INT, DLDataType.UINT, DLDataType.FLOAT, DLDataType.COMPLEX,
        DLDataType.BOOL, DLDataType.BFLOAT, 3, 17, 255};
    private static final int[] BITS = {8, 16, 32, 64, 128, 1, 12, 0, 255};
    private static final long[] EXTREMES = {0, 1, 2, 3, -1, -2, 1L << 31, 1L << 32, 1L << 61, 1L << 62, Long.MAX_VALUE,
        Long.MIN_VALUE, Long.MAX_VALUE / 8, 1L << 40};

    @FuzzTest
    void hostileTensorsAreRefusedOrGiveAViewAndTheDeleterRunsOnce(FuzzedDataProvider data) {
        ForeignMemory.flushReleases();
        int imports = DLPack.liveImportCount();
        try (Arena arena = Arena.ofConfined()) {
            boolean versioned = data.consumeBoolean();
            MemorySegment struct = arena.allocate(DLManagedTensorVersioned.LAYOUT);
            DLTensor t;
            if (versioned) {
                DLManagedTensorVersioned m = DLManagedTensorVersioned.wrap(struct);
                m.version().major(data.pickValue(new int[] {1, 1, 1, 0, 2, -1}));
                m.version().minor(data.consumeInt());
                m.flags(data.consumeLong());
                m.deleter(data.consumeInt(0, 15) == 0 ? MemorySegment.NULL : Deleters.COUNTING);
                t = m.tensor();
            } else {
                DLManagedTensor m = DLManagedTensor.wrap(struct);
                m.deleter(data.consumeInt(0, 15) == 0 ? MemorySegment.NULL : Deleters.COUNTING);
                t = m.tensor();
            }
            int before = Deleters.calls(struct.address());
            MemorySegment deleter = versioned ? DLManagedTensorVersioned.wrap(struct).deleter()
                    : DLManagedTensor.wrap(struct).deleter();
            t.device().deviceType(data.pickValue(DEVICES));
            t.device().deviceId(data.consumeInt());
            t.dtype().code(data.pickValue(CODES));
            t.dtype().bits(data.pickValue(BITS));
            t.dtype().lanes(data.consumeInt(0, 15) == 0 ? data.consumeInt(0, 65535) : 1);
            int ndim = data.consumeInt(0, 15) == 0 ? data.consumeInt() : data.consumeInt(0, 6);
            t.ndim(ndim);
            int n = Math.max(0, Math.min(ndim, 64));
            t.shape(pointerTo(arena, data, n, false));
            t.strides(data.consumeBoolean() ? MemorySegment.NULL : pointerTo(arena, data, n, true));
            t.byteOffset(data.consumeBoolean() ? data.consumeLong(0, 64) : data.pickValue(EXTREMES));
            MemorySegment buffer = arena.allocate(256, 16);
            int where = data.consumeInt(0, 3);
            t.data(where == 0 ? MemorySegment.NULL : where == 1 ? MemorySegment.ofAddress(8) : buffer.asSlice(128));
            try {
                ImportedTensor imported = versioned ? DLPack.importVersioned(DLManagedTensorVersioned.wrap(struct))
                        : DLPack.importLegacy(DLManagedTensor.wrap(struct));
                BufferView v = imported.view();
                MemorySegment m = v.memory();
                // Zero strides can make a view of 2^80 elements over a few bytes: read only small ones.
                if (v.elementCount() > 0 && v.byteLength() <= 1 << 16 && m.address() >= buffer.address()
                        && m.address() + m.byteSize() <= buffer.address() + buffer.byteSize()) {
                    assertEquals(v.byteLength(), v.toBytes().length);
                }
                assertEquals(before, Deleters.calls(struct.address()), "not before the view is released");
                v.close();
            } catch (DLPackException refused) {
                assertTrue(refused.getMessage().contains("="), refused.getMessage());
            }
            ForeignMemory.flushReleases();
            assertEquals(before + (deleter.address() == 0 ? 0 : 1), Deleters.calls(struct.address()));
            assertEquals(imports, DLPack.liveImportCount());
        }
    }

    /** {@return NULL now and then, else exactly {@code n} fuzzed longs} */
    private static MemorySegment pointerTo(Arena arena, FuzzedDataProvider data, int n, boolean signed) {
        if (n > 0 && data.consumeInt(0, 15) == 0) {
            return MemorySegment.NULL;
        }
        MemorySegment a = arena.allocate(ValueLayout.JAVA_LONG, Math.max(1, n));
        for (int k = 0; k < n; k++) {
            long v = data.consumeBoolean() ? data.consumeLong(signed ? -4 : 0, 5) : data.pickValue(EXTREMES);
            a.setAtIndex(ValueLayout.JAVA_LONG, k, v);
        }
        return a;
    }
}
