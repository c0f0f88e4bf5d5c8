package io.bufferbridge.dlpack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bufferbridge.format.Format;
import io.bufferbridge.view.BufferException;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Views to managed tensors and back through the struct mirrors, without Python: every dtype of
 * docs/contract.md ("DLPack"), zero-copy and copied layouts, the read-only flag, the deleter.
 */
class DLPackExportTest {
    private int liveExports;
    private long deleters;
    private int liveImports;

    @BeforeEach
    void snapshot() {
        ForeignMemory.flushReleases();
        liveExports = DLPack.liveExportCount();
        deleters = DLPack.deleterCount();
        liveImports = DLPack.liveImportCount();
    }

    @AfterEach
    void nothingLeft() {
        ForeignMemory.flushReleases();
        assertEquals(liveExports, DLPack.liveExportCount(), "exports left live");
        assertEquals(liveImports, DLPack.liveImportCount(), "imports left live");
        assertEquals(0, DLPack.spuriousDeleterCount(), "a deleter ran twice");
    }

    /** A view over {@code n} distinct bytes-pattern elements of {@code itemsize}, off-heap. */
    private static BufferView filled(Arena arena, String format, long itemsize, long[] shape, long[] strides, long span,
            long offset) {
        MemorySegment m = arena.allocate(span, 16);
        for (long i = 0; i < span; i++) {
            m.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 7 + 1));
        }
        if (format.equals("?")) {
            for (long i = 0; i < span; i++) {
                m.set(ValueLayout.JAVA_BYTE, i, (byte) (i % 3 == 0 ? 1 : 0));
            }
        }
        return BufferView.of(m, offset, format, itemsize, shape, strides, false);
    }

    @ParameterizedTest
    @CsvSource({
        "b,1,0,8,b", "B,1,1,8,B", "h,2,0,16,h", "H,2,1,16,H", "i,4,0,32,i", "I,4,1,32,I", "q,8,0,64,q",
        "Q,8,1,64,Q", "l,8,0,64,q", "L,8,1,64,Q", "n,8,0,64,q", "N,8,1,64,Q", "P,8,1,64,Q", "=l,4,0,32,i",
        "<H,2,1,16,H", "e,2,2,16,e", "f,4,2,32,f", "d,8,2,64,d", "Zf,8,5,64,Zf", "Zd,16,5,128,Zd", "?,1,6,8,?"})
    void everyDtypeGoesOutZeroCopyAndComesBack(String format, long itemsize, int code, int bits, String back) {
        try (Arena arena = Arena.ofConfined()) {
            BufferView v = filled(arena, format, itemsize, new long[] {2, 3}, new long[] {3 * itemsize, itemsize},
                    6 * itemsize, 0);
            DLManagedTensorVersioned m = DLPack.exportVersioned(v, CopyMode.NEVER);
            assertEquals(1, m.version().major());
            assertEquals(1, m.version().minor());
            assertEquals(0, m.flags());
            DLTensor t = m.tensor();
            assertEquals(code, t.dtype().code());
            assertEquals(bits, t.dtype().bits());
            assertEquals(1, t.dtype().lanes());
            assertEquals(DLDevice.CPU, t.device().deviceType());
            assertEquals(2, t.ndim());
            assertEquals(v.address(), t.data().address());
            assertEquals(0, t.byteOffset());
            assertArrayEquals(new long[] {2, 3}, t.shape().reinterpret(16).toArray(ValueLayout.JAVA_LONG));
            assertArrayEquals(new long[] {3, 1}, t.strides().reinterpret(16).toArray(ValueLayout.JAVA_LONG));
            assertEquals(liveExports + 1, DLPack.liveExportCount());
            ImportedTensor imported = DLPack.importVersioned(m);
            assertFalse(imported.copied());
            assertTrue(imported.versioned());
            try (BufferView w = imported.view()) {
                assertEquals(back, w.format().text());
                assertEquals(itemsize, w.itemsize());
                assertArrayEquals(v.shape(), w.shape());
                assertArrayEquals(v.strides(), w.strides());
                assertEquals(v.address(), w.address());
                assertFalse(w.isReadOnly());
                assertArrayEquals(v.toBytes(), w.toBytes());
            }
            v.close();
            ForeignMemory.flushReleases();
            assertEquals(deleters + 1, DLPack.deleterCount());
        }
    }

    @ParameterizedTest
    @CsvSource({"g", "2i", "T{i:a:d:b:}", "4s", "c", ">i", "Zg", "w"})
    void formatsWithoutADLPackDtypeAreRefusedNamingTheFormat(String format) {
        BufferView v = BufferView.ofSegment(Arena.ofAuto().allocate(2 * Format.of(format).itemsize(), 16), format, 2);
        DLPackException e = assertThrows(DLPackException.class, () -> DLPack.exportVersioned(v, CopyMode.IF_NEEDED));
        assertEquals("format has no DLPack dtype: format='" + format
                + "' expected=a native-order b B h H i I l L q Q n N P e f d Zf Zd or ?", e.getMessage());
        assertThrows(DLPackException.class, () -> DLPack.exportLegacy(v, CopyMode.ALWAYS));
    }

    @Test
    void negativeAndZeroStridesAreZeroCopy() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(20, 16);
            for (int i = 0; i < 5; i++) {
                m.setAtIndex(ValueLayout.JAVA_INT, i, 10 + i);
            }
            BufferView base = BufferView.of(m, 0, "i", 4, new long[] {5}, new long[] {4}, false);
            BufferView reversed = base.asSlice(Long.MAX_VALUE, Long.MIN_VALUE, -1);
            BufferView repeated = BufferView.of(m, 12, "i", 4, new long[] {3, 4}, new long[] {0, -4}, false);
            assertEquals(List.of(14L, 13L, 12L, 11L, 10L), reversed.toList());
            for (BufferView v : List.of(reversed, repeated)) {
                DLManagedTensorVersioned t = DLPack.exportVersioned(v, CopyMode.NEVER);
                assertEquals(0, t.flags());
                long[] elementStrides = t.tensor().strides().reinterpret(8L * v.ndim()).toArray(ValueLayout.JAVA_LONG);
                assertArrayEquals(Arrays.stream(v.strides()).map(s -> s / 4).toArray(), elementStrides);
                try (BufferView w = DLPack.importVersioned(t).view()) {
                    assertEquals(v.address(), w.address());
                    assertArrayEquals(v.strides(), w.strides());
                    assertEquals(v.toList(), w.toList());
                }
            }
            assertEquals(List.of(List.of(13L, 12L, 11L, 10L), List.of(13L, 12L, 11L, 10L), List.of(13L, 12L, 11L, 10L)),
                    repeated.toList());
            base.close();
            repeated.close();
        }
    }

    @Test
    void aRecordFieldViewIsCopiedInCOrderAndFlagged() {
        try (Arena arena = Arena.ofConfined()) {
            // rec["y"] of a packed {int8 x; double y} record: itemsize 8, stride 9 (NumPy's field view).
            MemorySegment m = arena.allocate(9 * 4, 16);
            for (int i = 0; i < 4; i++) {
                m.set(ValueLayout.JAVA_DOUBLE_UNALIGNED, 9L * i + 1, 1.5 * i);
            }
            BufferView y = BufferView.of(m, 1, "d", 8, new long[] {4}, new long[] {9}, true);
            assertTrue(DLPack.isCopyNeeded(y, CopyMode.IF_NEEDED));
            DLPackException refused = assertThrows(DLPackException.class, () -> DLPack.exportVersioned(y, CopyMode.NEVER));
            assertEquals("a zero-copy export is impossible: copy=False reason='a byte stride is not a multiple of the "
                    + "itemsize' strides=[9] itemsize=8", refused.getMessage());
            DLManagedTensorVersioned t = DLPack.exportVersioned(y, CopyMode.IF_NEEDED);
            assertEquals(DLManagedTensorVersioned.FLAG_IS_COPIED | DLManagedTensorVersioned.FLAG_READ_ONLY, t.flags());
            assertNotEquals(y.address(), t.tensor().data().address());
            assertEquals(0, t.tensor().data().address() % 64, "the copy is aligned");
            assertArrayEquals(new long[] {1}, t.tensor().strides().reinterpret(8).toArray(ValueLayout.JAVA_LONG));
            y.close();
            ImportedTensor back = DLPack.importVersioned(t);
            assertTrue(back.copied());
            try (BufferView w = back.view()) {
                assertTrue(w.isReadOnly());
                assertArrayEquals(new long[] {8}, w.strides());
                assertEquals(List.of(0.0, 1.5, 3.0, 4.5), w.toList());
                assertThrows(BufferException.class, () -> w.setDouble(1, 0));
            }
        }
    }

    @Test
    void aCopyTooLargeToExistIsRefused() {
        try (Arena arena = Arena.ofConfined()) {
            BufferView huge = BufferView.of(arena.allocate(8), 0, "q", 8, new long[] {1L << 40, 1L << 40},
                    new long[] {0, 0}, false);
            assertTrue(DLPack.isCopyNeeded(huge, CopyMode.ALWAYS));
            DLPackException e = assertThrows(DLPackException.class, () -> DLPack.exportVersioned(huge, CopyMode.ALWAYS));
            assertEquals("the copy DLPack needs is too large: elements=" + Long.MAX_VALUE + " itemsize=8 bytes=overflow",
                    e.getMessage());
            DLManagedTensorVersioned shared = DLPack.exportVersioned(huge, CopyMode.IF_NEEDED);
            assertArrayEquals(new long[] {0, 0}, shared.tensor().strides().reinterpret(16).toArray(ValueLayout.JAVA_LONG));
            try (BufferView back = DLPack.importVersioned(shared).view()) {
                assertArrayEquals(new long[] {1L << 40, 1L << 40}, back.shape());
                assertEquals(huge.address(), back.address());
            }
            huge.close();
        }
    }

    @Test
    void heapArraysAreCopiedAndAlwaysCopies() {
        BufferView heap = BufferView.ofArray(new int[] {4, 5, 6});
        DLManagedTensorVersioned t = DLPack.exportVersioned(heap, CopyMode.IF_NEEDED);
        assertEquals(DLManagedTensorVersioned.FLAG_IS_COPIED, t.flags());
        DLPackException e = assertThrows(DLPackException.class, () -> DLPack.exportVersioned(heap, CopyMode.NEVER));
        assertTrue(e.getMessage().contains("reason='heap memory has no stable address'"), e.getMessage());
        try (BufferView w = DLPack.importVersioned(t).view()) {
            assertEquals(List.of(4L, 5L, 6L), w.toList());
        }
        try (Arena arena = Arena.ofConfined()) {
            BufferView v = filled(arena, "d", 8, new long[] {2}, new long[] {8}, 16, 0);
            DLManagedTensor legacy = DLPack.exportLegacy(v, CopyMode.ALWAYS);
            assertNotEquals(v.address(), legacy.tensor().data().address());
            try (BufferView w = DLPack.importLegacy(legacy).view()) {
                assertEquals(v.toList(), w.toList());
            }
            v.close();
        }
    }

    @Test
    void readOnlyTravelsAsTheFlagBothWaysAndLegacyRefusesToShareIt() {
        try (Arena arena = Arena.ofConfined()) {
            BufferView v = filled(arena, "h", 2, new long[] {3}, new long[] {2}, 6, 0).asReadOnly();
            DLManagedTensorVersioned t = DLPack.exportVersioned(v, CopyMode.NEVER);
            assertEquals(DLManagedTensorVersioned.FLAG_READ_ONLY, t.flags());
            try (BufferView w = DLPack.importVersioned(t).view()) {
                assertTrue(w.isReadOnly());
                assertThrows(BufferException.class, () -> w.setLong(1, 0));
            }
            DLPackException e = assertThrows(DLPackException.class, () -> DLPack.exportLegacy(v, CopyMode.IF_NEEDED));
            assertEquals("a read-only view cannot be shared as a legacy DLManagedTensor, which has no read-only flag: "
                    + "readonly=true max_version=None expected=max_version>=(1,0) or copy=True", e.getMessage());
            DLManagedTensor copy = DLPack.exportLegacy(v, CopyMode.ALWAYS);
            ImportedTensor back = DLPack.importLegacy(copy);
            assertFalse(back.versioned());
            try (BufferView w = back.view()) {
                assertFalse(w.isReadOnly(), "a legacy tensor cannot say read-only; this one is a private copy");
                w.setLong(9, 0);
                assertEquals(9, w.getLong(0));
            }
            assertNotEquals(9, v.getLong(0));
            v.close();
        }
    }

    @Test
    void zeroDimensionalAndEmptyTensors() {
        try (Arena arena = Arena.ofConfined()) {
            BufferView scalar = filled(arena, "f", 4, new long[0], new long[0], 4, 0);
            DLManagedTensorVersioned t = DLPack.exportVersioned(scalar, CopyMode.NEVER);
            assertEquals(0, t.tensor().ndim());
            assertEquals(0, t.tensor().shape().address());
            try (BufferView w = DLPack.importVersioned(t).view()) {
                assertEquals(0, w.ndim());
                assertEquals(scalar.get(), w.get());
                assertEquals(scalar.address(), w.address());
            }
            BufferView empty = BufferView.of(arena.allocate(8), 0, "q", 8, new long[] {3, 0}, new long[] {0, 8}, false);
            DLManagedTensor legacy = DLPack.exportLegacy(empty, CopyMode.NEVER);
            assertArrayEquals(new long[] {3, 0}, legacy.tensor().shape().reinterpret(16).toArray(ValueLayout.JAVA_LONG));
            try (BufferView w = DLPack.importLegacy(legacy).view()) {
                assertArrayEquals(new long[] {3, 0}, w.shape());
                assertEquals(0, w.elementCount());
                assertEquals(List.of(List.of(), List.of(), List.of()), w.toList());
            }
            scalar.close();
            empty.close();
        }
    }

    @Test
    void theDeleterRunsOnceFromAnotherThreadAndTheViewMayGoFirst() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            BufferView v = filled(arena, "d", 8, new long[] {4}, new long[] {8}, 32, 0);
            DLManagedTensorVersioned t = DLPack.exportVersioned(v, CopyMode.NEVER);
            // The export holds the memory: the caller's view can go before the consumer is done.
            v.close();
            assertEquals(liveExports + 1, DLPack.liveExportCount());
            AtomicInteger ran = new AtomicInteger();
            Thread consumer = new Thread(() -> {
                MemorySegment self = DLManagedTensorVersioned.wrap(t.address()).segment();
                Deleters.call(t.deleter(), self);
                ran.incrementAndGet();
            });
            consumer.start();
            consumer.join();
            assertEquals(1, ran.get());
            assertEquals(liveExports, DLPack.liveExportCount());
            assertEquals(deleters + 1, DLPack.deleterCount());
        }
    }

    @Test
    void anImportedViewReleasedOnAnotherThreadRunsTheForeignDeleterOnceAndRefusesAccessAfter() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment data = arena.allocate(24, 16);
            data.setAtIndex(ValueLayout.JAVA_LONG, 2, 42);
            DLManagedTensorVersioned m = Hostile.tensor(arena, data, 1, new long[] {3}, null);
            int before = Deleters.calls(m.address());
            ImportedTensor imported = DLPack.importVersioned(m);
            BufferView view = imported.view();
            BufferView derived = view.asSlice(1, 3, 1);
            MemorySegment segment = view.memory();
            assertEquals(42L, derived.getLong(1));
            Thread t = new Thread(view::close);
            t.start();
            t.join();
            assertEquals(before, Deleters.calls(m.address()), "a derived view still holds the memory");
            Thread u = new Thread(derived::close);
            u.start();
            u.join();
            ForeignMemory.flushReleases();
            assertEquals(before + 1, Deleters.calls(m.address()));
            assertThrows(IllegalStateException.class, () -> segment.get(ValueLayout.JAVA_LONG, 0));
            assertThrows(IllegalStateException.class, () -> derived.getLong(0));
            derived.close();
            ForeignMemory.flushReleases();
            assertEquals(before + 1, Deleters.calls(m.address()));
        }
    }
}
