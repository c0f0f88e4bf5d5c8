package io.bufferbridge.arrow.c;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigDecimal;
import java.util.List;
import org.apache.arrow.c.Data;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.FixedSizeBinaryVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.TimeStampMicroVector;
import org.apache.arrow.vector.UInt1Vector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * bufferbridge against Arrow Java 19's own C data interface: Arrow Java reads our exports, and we
 * read Arrow Java's. The allocator is closed after each test, so any buffer Arrow Java still holds
 * (a release that never ran) fails the test.
 */
class ArrowJavaInteropTest {
    private BufferAllocator allocator;
    private Arena arena;
    private long releasesBefore;
    private int liveBefore;
    private boolean lastCopied;

    private int importsBefore;

    @BeforeEach
    void open() {
        ForeignMemory.flushReleases();
        importsBefore = ArrowDiagnostics.snapshot().liveImports();
        allocator = new RootAllocator();
        arena = Arena.ofShared();
        ForeignMemory.flushReleases();
        releasesBefore = ArrowDiagnostics.snapshot().exportReleases();
        liveBefore = ArrowDiagnostics.snapshot().liveExports();
    }

    @AfterEach
    void close() {
        ForeignMemory.flushReleases();
        assertEquals(importsBefore, ArrowDiagnostics.snapshot().liveImports(), "every import freed");
        allocator.close();
        arena.close();
        ForeignMemory.flushReleases();
        assertEquals(liveBefore, ArrowDiagnostics.snapshot().liveExports(), "every exported tree freed");
    }

    // ------------------------------------------------------------ Arrow Java reads our exports

    private BufferView nativeView(String format, long itemsize, long[] shape, long[] strides, byte[] bytes) {
        MemorySegment m = arena.allocate(bytes.length, 16);
        MemorySegment.copy(bytes, 0, m, ValueLayout.JAVA_BYTE, 0, bytes.length);
        return BufferView.of(m, 0, format, itemsize, shape, strides, false);
    }

    private BufferView ints(int... values) {
        MemorySegment m = arena.allocate(ValueLayout.JAVA_INT, Math.max(1, values.length));
        MemorySegment.copy(values, 0, m, ValueLayout.JAVA_INT, 0, values.length);
        return BufferView.of(m, 0, "i", 4, new long[] {values.length}, new long[] {4}, false);
    }

    /** Exports with bufferbridge into structs Arrow Java allocated, and lets Arrow Java import them. */
    private FieldVector arrowJavaImports(BufferView view) {
        try (org.apache.arrow.c.ArrowSchema s = org.apache.arrow.c.ArrowSchema.allocateNew(allocator);
                org.apache.arrow.c.ArrowArray a = org.apache.arrow.c.ArrowArray.allocateNew(allocator)) {
            ArrowExporter.exportView(view, ArrowSchema.wrap(s.memoryAddress()), ArrowArray.wrap(a.memoryAddress()));
            return Data.importVector(allocator, a, s, null);
        }
    }

    @Test
    void arrowJavaReadsInt32() {
        BufferView view = ints(7, -1, 42);
        try (FieldVector v = arrowJavaImports(view)) {
            IntVector iv = (IntVector) v;
            assertEquals(new ArrowType.Int(32, true), v.getField().getType());
            assertEquals(3, iv.getValueCount());
            assertEquals(7, iv.get(0));
            assertEquals(-1, iv.get(1));
            assertEquals(42, iv.get(2));
            assertEquals("i", v.getField().getMetadata().get("bufferbridge.format"));
            assertEquals("false", v.getField().getMetadata().get("bufferbridge.copied"));
            assertEquals(view.address(), iv.getDataBuffer().memoryAddress(), "Arrow Java reads our memory in place");
        }
        view.close();
        ForeignMemory.flushReleases();
        assertEquals(2, ArrowDiagnostics.snapshot().exportReleases() - releasesBefore, "Arrow Java released both, once each");
    }

    @Test
    void arrowJavaReadsFloatsAndSmallInts() {
        BufferView d = BufferView.ofArray(new double[] {1.5, -2.25});
        try (FieldVector v = arrowJavaImports(d)) {
            assertEquals(new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE), v.getField().getType());
            assertEquals(1.5, ((Float8Vector) v).get(0));
            assertEquals(-2.25, ((Float8Vector) v).get(1));
        }
        BufferView f = BufferView.ofArray(new float[] {0.5f, 3f, -1f});
        try (FieldVector v = arrowJavaImports(f)) {
            assertEquals(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE), v.getField().getType());
            assertEquals(3f, ((Float4Vector) v).get(1));
        }
        BufferView h = BufferView.ofArray(new short[] {-300, 300});
        try (FieldVector v = arrowJavaImports(h)) {
            assertEquals(new ArrowType.Int(16, true), v.getField().getType());
            assertEquals(-300, ((SmallIntVector) v).get(0));
        }
        BufferView ub = nativeView("B", 1, new long[] {2}, new long[] {1}, new byte[] {(byte) 200, 1});
        try (FieldVector v = arrowJavaImports(ub)) {
            assertEquals(new ArrowType.Int(8, false), v.getField().getType());
            assertEquals(200, ((UInt1Vector) v).getValueAsLong(0));
        }
        ub.close();
    }

    @Test
    void arrowJavaReadsFixedSizeBinary() {
        BufferView view = nativeView("3s", 3, new long[] {2}, new long[] {3}, "abcxyz".getBytes());
        try (FieldVector v = arrowJavaImports(view)) {
            assertEquals(new ArrowType.FixedSizeBinary(3), v.getField().getType());
            assertArrayEquals("abc".getBytes(), ((FixedSizeBinaryVector) v).get(0));
            assertArrayEquals("xyz".getBytes(), ((FixedSizeBinaryVector) v).get(1));
        }
        view.close();
    }

    @Test
    void arrowJavaReadsFixedSizeListsFromRepeatCountsComplexAndTensors() {
        BufferView pairs = BufferView.of(ints(1, 2, 3, 4, 5, 6).memory(), 0, "2i", 8, new long[] {3}, new long[] {8},
                false);
        try (FieldVector v = arrowJavaImports(pairs)) {
            FixedSizeListVector l = (FixedSizeListVector) v;
            assertEquals(new ArrowType.FixedSizeList(2), v.getField().getType());
            assertEquals(3, l.getValueCount());
            assertEquals(List.of(3, 4), l.getObject(1));
        }
        pairs.close();
        BufferView complex = BufferView.of(BufferView.ofArray(new double[] {1, 2, 3, 4}).asSegment(), 0, "Zd", 16,
                new long[] {2}, new long[] {16}, false);
        try (FieldVector v = arrowJavaImports(complex)) {
            assertEquals(new ArrowType.FixedSizeList(2), v.getField().getType());
            assertEquals(new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE),
                    v.getField().getChildren().get(0).getType());
            assertEquals(List.of(3.0, 4.0), ((FixedSizeListVector) v).getObject(1));
        }
        BufferView matrix = BufferView.of(ints(1, 2, 3, 4, 5, 6).memory(), 0, "i", 4, new long[] {2, 3},
                new long[] {12, 4}, false);
        try (FieldVector v = arrowJavaImports(matrix)) {
            // Arrow Java 19 has no fixed_shape_tensor class: it keeps the storage and the metadata.
            assertEquals(new ArrowType.FixedSizeList(3), v.getField().getType());
            assertEquals("arrow.fixed_shape_tensor", v.getField().getMetadata().get("ARROW:extension:name"));
            assertEquals(List.of(4, 5, 6), ((FixedSizeListVector) v).getObject(1));
        }
        matrix.close();
    }

    @Test
    void arrowJavaReadsStructs() {
        byte[] bytes = new byte[32];
        MemorySegment tmp = MemorySegment.ofArray(bytes);
        tmp.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) 5);
        tmp.set(ValueLayout.JAVA_DOUBLE_UNALIGNED, 8, 0.5);
        tmp.set(ValueLayout.JAVA_SHORT_UNALIGNED, 16, (short) -6);
        tmp.set(ValueLayout.JAVA_DOUBLE_UNALIGNED, 24, 1.5);
        BufferView rec = nativeView("T{h:a:d:b:}", 16, new long[] {2}, new long[] {16}, bytes);
        try (FieldVector v = arrowJavaImports(rec)) {
            StructVector s = (StructVector) v;
            assertEquals(List.of("a", "b"), v.getField().getChildren().stream().map(Field::getName).toList());
            assertEquals((short) -6, ((SmallIntVector) s.getChild("a")).get(1));
            assertEquals(0.5, ((Float8Vector) s.getChild("b")).get(0));
        }
        rec.close();
    }

    @Test
    void arrowJavaImportsFieldAlone() {
        BufferView view = ints(1, 2);
        try (org.apache.arrow.c.ArrowSchema s = org.apache.arrow.c.ArrowSchema.allocateNew(allocator);
                org.apache.arrow.c.ArrowArray a = org.apache.arrow.c.ArrowArray.allocateNew(allocator)) {
            ArrowExporter.exportView(view, ArrowSchema.wrap(s.memoryAddress()), ArrowArray.wrap(a.memoryAddress()));
            Field field = Data.importField(allocator, s, null);
            assertEquals(new ArrowType.Int(32, true), field.getType());
            assertEquals("2", field.getMetadata().get("bufferbridge.shape"));
            ForeignMemory.flushReleases();
            assertEquals(1, ArrowDiagnostics.snapshot().exportReleases() - releasesBefore, "importField released the schema");
            a.release();
        }
        view.close();
        ForeignMemory.flushReleases();
        assertEquals(2, ArrowDiagnostics.snapshot().exportReleases() - releasesBefore);
    }

    // ------------------------------------------------------------ we read Arrow Java's exports

    /** Arrow Java exports, we import into a view; the structs are moved so Arrow Java's may close. */
    private BufferView importFromArrowJava(FieldVector vector) {
        return importFromArrowJava(vector, 0, -1);
    }

    private BufferView importFromArrowJava(FieldVector vector, long offset, long length) {
        try (org.apache.arrow.c.ArrowSchema s = org.apache.arrow.c.ArrowSchema.allocateNew(allocator);
                org.apache.arrow.c.ArrowArray a = org.apache.arrow.c.ArrowArray.allocateNew(allocator)) {
            Data.exportVector(allocator, vector, null, a, s);
            ArrowArray mine = ArrowArray.wrap(a.memoryAddress());
            if (length >= 0) {
                // Arrow Java 19 always exports offset 0: slice the struct as a foreign producer would.
                mine.offset(offset);
                mine.length(length);
            }
            ImportedView imported = ArrowImporter.importPair(ArrowSchema.wrap(s.memoryAddress()), mine);
            lastCopied = imported.copied();
            BufferView view = imported.view();
            ForeignMemory.flushReleases();
            assertTrue(mine.isReleased(), "moved");
            return view;
        }
    }

    @Test
    void intVectorFromArrowJavaIsReadOnlyAndZeroCopy() {
        BufferView view;
        long address;
        try (IntVector v = new IntVector("x", allocator)) {
            v.allocateNew(3);
            v.set(0, 10);
            v.set(1, -20);
            v.set(2, 30);
            v.setValueCount(3);
            view = importFromArrowJava(v);
            address = v.getDataBuffer().memoryAddress();
        }
        assertEquals("i", view.format().text());
        assertEquals(4, view.itemsize());
        assertArrayEquals(new long[] {3}, view.shape());
        assertTrue(view.isReadOnly());
        assertEquals(address, view.address(), "zero-copy");
        assertFalse(lastCopied);
        assertArrayEquals(new int[] {10, -20, 30}, view.toIntArray());
        ForeignMemory.flushReleases();
        assertTrue(allocator.getAllocatedMemory() > 0, "the view holds Arrow Java's buffers");
        view.close();
        ForeignMemory.flushReleases();
        assertEquals(0, allocator.getAllocatedMemory(), "closing the view released Arrow Java's array");
    }

    @Test
    void float8VectorFromArrowJava() {
        BufferView view;
        try (Float8Vector v = new Float8Vector("x", allocator)) {
            v.allocateNew(2);
            v.set(0, 2.5);
            v.set(1, -1e10);
            v.setValueCount(2);
            view = importFromArrowJava(v);
        }
        assertEquals("d", view.format().text());
        assertArrayEquals(new double[] {2.5, -1e10}, view.toDoubleArray());
        view.close();
    }

    @Test
    void fixedSizeBinaryVectorFromArrowJava() {
        BufferView view;
        try (FixedSizeBinaryVector v = new FixedSizeBinaryVector("x", allocator, 4)) {
            v.allocateNew(2);
            v.set(0, "abcd".getBytes());
            v.set(1, "wxyz".getBytes());
            v.setValueCount(2);
            view = importFromArrowJava(v);
        }
        assertEquals("4s", view.format().text());
        assertEquals(4, view.itemsize());
        assertArrayEquals("abcdwxyz".getBytes(), view.toBytes());
        assertTrue(view.isReadOnly());
        view.close();
    }

    @Test
    void slicedVectorWithNonZeroOffsetFromArrowJava() {
        BufferView view;
        long address;
        try (IntVector v = new IntVector("x", allocator)) {
            v.allocateNew(6);
            for (int i = 0; i < 6; i++) {
                v.set(i, i * 11);
            }
            v.setValueCount(6);
            view = importFromArrowJava(v, 2, 3);
            address = v.getDataBuffer().memoryAddress();
        }
        assertArrayEquals(new int[] {22, 33, 44}, view.toIntArray());
        assertEquals(address + 8, view.address());
        view.close();
    }

    @Test
    void vectorSplitByArrowJavaItself() {
        BufferView view;
        try (IntVector v = new IntVector("x", allocator); IntVector part = new IntVector("x", allocator)) {
            v.allocateNew(6);
            for (int i = 0; i < 6; i++) {
                v.set(i, 100 + i);
            }
            v.setValueCount(6);
            v.makeTransferPair(part).splitAndTransfer(2, 3);
            view = importFromArrowJava(part);
        }
        assertEquals("i", view.format().text());
        assertArrayEquals(new int[] {102, 103, 104}, view.toIntArray());
        assertTrue(view.isReadOnly());
        view.close();
    }

    @Test
    void exportOfAReleasedViewFailsAndLeavesNothing() {
        BufferView view = ints(1);
        view.close();
        try (org.apache.arrow.c.ArrowSchema s = org.apache.arrow.c.ArrowSchema.allocateNew(allocator);
                org.apache.arrow.c.ArrowArray a = org.apache.arrow.c.ArrowArray.allocateNew(allocator)) {
            assertThrows(IllegalStateException.class, () -> ArrowExporter.exportView(view,
                    ArrowSchema.wrap(s.memoryAddress()), ArrowArray.wrap(a.memoryAddress())));
            ForeignMemory.flushReleases();
            assertTrue(ArrowSchema.wrap(s.memoryAddress()).isReleased());
            assertTrue(ArrowArray.wrap(a.memoryAddress()).isReleased());
        }
    }

    @Test
    void bitVectorBecomesBoolCopy() {
        BufferView view;
        try (BitVector v = new BitVector("x", allocator)) {
            v.allocateNew(10);
            for (int i = 0; i < 10; i++) {
                v.set(i, i % 3 == 0 ? 1 : 0);
            }
            v.setValueCount(10);
            view = importFromArrowJava(v, 1, 8);
        }
        ForeignMemory.flushReleases();
        assertEquals(0, allocator.getAllocatedMemory(), "a copy releases Arrow Java's array at once");
        assertEquals("?", view.format().text());
        assertTrue(lastCopied);
        assertArrayEquals(new boolean[] {false, false, true, false, false, true, false, false}, view.toBooleanArray());
        view.close();
    }

    @Test
    void fixedSizeListFromArrowJavaIsMoreDimensions() {
        BufferView view;
        try (FixedSizeListVector v = FixedSizeListVector.empty("x", 2, allocator)) {
            v.addOrGetVector(FieldType.notNullable(new ArrowType.Int(32, true)));
            IntVector child = (IntVector) v.getDataVector();
            v.allocateNew();
            child.allocateNew(6);
            for (int i = 0; i < 6; i++) {
                child.set(i, i + 1);
            }
            child.setValueCount(6);
            for (int i = 0; i < 3; i++) {
                v.setNotNull(i);
            }
            v.setValueCount(3);
            view = importFromArrowJava(v, 1, 2);
        }
        assertEquals("i", view.format().text());
        assertArrayEquals(new long[] {2, 2}, view.shape());
        assertArrayEquals(new long[] {8, 4}, view.strides());
        assertArrayEquals(new int[] {3, 4, 5, 6}, view.toIntArray());
        view.close();
    }

    @Test
    void structVectorFromArrowJavaIsARecordCopy() {
        BufferView view;
        try (StructVector v = StructVector.empty("x", allocator)) {
            IntVector a = v.addOrGet("a", FieldType.notNullable(new ArrowType.Int(32, true)), IntVector.class);
            Float8Vector b = v.addOrGet("b", FieldType.notNullable(new ArrowType.FloatingPoint(
                    FloatingPointPrecision.DOUBLE)), Float8Vector.class);
            v.allocateNew();
            for (int i = 0; i < 2; i++) {
                a.setSafe(i, 100 + i);
                b.setSafe(i, i + 0.25);
                v.setIndexDefined(i);
            }
            a.setValueCount(2);
            b.setValueCount(2);
            v.setValueCount(2);
            view = importFromArrowJava(v);
        }
        assertEquals("T{i:a:d:b:}", view.format().text());
        assertEquals(16, view.itemsize());
        assertEquals(List.of(List.of(100, 0.25), List.of(101, 1.25)), normalize(view.toList()));
        view.close();
    }

    @SuppressWarnings("unchecked")
    private static Object normalize(Object o) {
        if (o instanceof List<?> l) {
            return l.stream().map(ArrowJavaInteropTest::normalize).toList();
        }
        if (o instanceof Object[] a) {
            return java.util.Arrays.stream(a).map(ArrowJavaInteropTest::normalize).toList();
        }
        if (o instanceof Long n && n == n.intValue()) {
            return n.intValue();
        }
        return o;
    }

    @Test
    void temporalAndDecimalBecomeStorage() {
        BufferView date;
        try (DateDayVector v = new DateDayVector("d", allocator)) {
            v.allocateNew(1);
            v.set(0, 19000);
            v.setValueCount(1);
            date = importFromArrowJava(v);
        }
        assertEquals("i", date.format().text());
        assertArrayEquals(new int[] {19000}, date.toIntArray());
        date.close();
        BufferView ts;
        try (TimeStampMicroVector v = new TimeStampMicroVector("t", allocator)) {
            v.allocateNew(1);
            v.set(0, 1234567L);
            v.setValueCount(1);
            ts = importFromArrowJava(v);
        }
        assertEquals("q", ts.format().text());
        assertArrayEquals(new long[] {1234567L}, ts.toLongArray());
        ts.close();
        BufferView dec;
        try (DecimalVector v = new DecimalVector("m", allocator, 10, 2)) {
            v.allocateNew(1);
            v.set(0, new BigDecimal("1.25"));
            v.setValueCount(1);
            dec = importFromArrowJava(v);
        }
        assertEquals("16s", dec.format().text());
        assertEquals(125, dec.memory().get(ValueLayout.JAVA_LONG_UNALIGNED, dec.offset()));
        dec.close();
    }

    @Test
    void nullsAreRefusedAndArrowJavaIsReleased() {
        try (IntVector v = new IntVector("x", allocator)) {
            v.allocateNew(2);
            v.set(0, 1);
            v.setNull(1);
            v.setValueCount(2);
            ArrowImportException e = assertThrows(ArrowImportException.class, () -> importFromArrowJava(v));
            assertTrue(e.getMessage().contains("null_count=1"), e.getMessage());
        }
        ForeignMemory.flushReleases();
        assertEquals(0, allocator.getAllocatedMemory());
    }

    @Test
    void ourExportThroughArrowJavaAndBack() {
        // bufferbridge -> Arrow Java vector -> Arrow Java export -> bufferbridge: the metadata survives.
        BufferView source = BufferView.of(ints(1, 2, 3, 4, 5, 6).memory(), 0, "i", 4, new long[] {3, 2},
                new long[] {4, 12}, true);
        BufferView back;
        try (FieldVector v = arrowJavaImports(source)) {
            back = importFromArrowJava(v);
        }
        assertEquals("i", back.format().text());
        assertArrayEquals(new long[] {3, 2}, back.shape());
        assertArrayEquals(new long[] {4, 12}, back.strides());
        assertTrue(back.isReadOnly());
        assertArrayEquals(source.toIntArray(), back.toIntArray());
        assertEquals(source.address(), back.address());
        back.close();
        source.close();
    }
}
