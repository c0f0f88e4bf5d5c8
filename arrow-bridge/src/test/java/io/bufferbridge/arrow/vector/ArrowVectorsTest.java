package io.bufferbridge.arrow.vector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bufferbridge.arrow.c.ArrowDiagnostics;
import io.bufferbridge.arrow.c.ImportedView;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DateMilliVector;
import org.apache.arrow.vector.Decimal256Vector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.DurationVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.FixedSizeBinaryVector;
import org.apache.arrow.vector.Float2Vector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.TimeMicroVector;
import org.apache.arrow.vector.TimeSecVector;
import org.apache.arrow.vector.TimeStampNanoVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.UInt1Vector;
import org.apache.arrow.vector.UInt2Vector;
import org.apache.arrow.vector.UInt4Vector;
import org.apache.arrow.vector.UInt8Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Arrow Java vectors to views and back. The allocator is closed after each test with every
 * exported and imported tree checked freed, so a buffer still held (a release that never ran)
 * fails the test.
 */
class ArrowVectorsTest {
    private BufferAllocator allocator;
    private Arena arena;
    private int importsBefore;
    private int exportsBefore;
    private long spuriousBefore;

    @BeforeEach
    void open() {
        ForeignMemory.flushReleases();
        spuriousBefore = ArrowDiagnostics.snapshot().spuriousExportReleases();
        importsBefore = ArrowDiagnostics.snapshot().liveImports();
        ForeignMemory.flushReleases();
        exportsBefore = ArrowDiagnostics.snapshot().liveExports();
        allocator = new RootAllocator();
        arena = Arena.ofShared();
    }

    @AfterEach
    void close() {
        ForeignMemory.flushReleases();
        assertEquals(importsBefore, ArrowDiagnostics.snapshot().liveImports(), "every import freed");
        assertEquals(exportsBefore, ArrowDiagnostics.snapshot().liveExports(), "every exported tree freed");
        assertEquals(spuriousBefore, ArrowDiagnostics.snapshot().spuriousExportReleases(), "no export released twice");
        assertEquals(0, allocator.getAllocatedMemory(), "allocator back at zero");
        allocator.close();
        arena.close();
    }

    // ------------------------------------------------------------ vectors to views

    private static void assertZeroCopy(FieldVector v, BufferView view) {
        assertEquals(v.getDataBuffer().memoryAddress(), view.address(), "zero-copy");
    }

    @Test
    void integerVectorsAreZeroCopyReadOnlyViews() {
        try (TinyIntVector b = new TinyIntVector("b", allocator);
                SmallIntVector h = new SmallIntVector("h", allocator);
                IntVector i = new IntVector("i", allocator);
                BigIntVector q = new BigIntVector("q", allocator);
                UInt1Vector ub = new UInt1Vector("B", allocator);
                UInt2Vector uh = new UInt2Vector("H", allocator);
                UInt4Vector ui = new UInt4Vector("I", allocator);
                UInt8Vector uq = new UInt8Vector("Q", allocator)) {
            for (int k = 0; k < 3; k++) {
                b.setSafe(k, (byte) (k - 1));
                h.setSafe(k, (short) (k * 1000 - 1000));
                i.setSafe(k, k * 100000 - 7);
                q.setSafe(k, k * 10_000_000_000L - 3);
                ub.setSafe(k, 200 + k);
                uh.setSafe(k, 60000 + k);
                ui.setSafe(k, -1 - k);
                uq.setSafe(k, -1L - k);
            }
            for (FieldVector v : List.<FieldVector>of(b, h, i, q, ub, uh, ui, uq)) {
                v.setValueCount(3);
            }
            Map<FieldVector, String> formats = Map.of(b, "b", h, "h", i, "i", q, "q", ub, "B", uh, "H", ui, "I", uq,
                    "Q");
            for (Map.Entry<FieldVector, String> e : formats.entrySet()) {
                try (BufferView view = ArrowVectors.toView(e.getKey())) {
                    assertEquals(e.getValue(), view.format().text(), e.getKey().getName());
                    assertArrayEquals(new long[] {3}, view.shape());
                    assertTrue(view.isReadOnly());
                    assertZeroCopy(e.getKey(), view);
                }
            }
            try (BufferView view = ArrowVectors.toView(b)) {
                assertArrayEquals(new byte[] {-1, 0, 1}, view.toByteArray());
            }
            try (BufferView view = ArrowVectors.toView(h)) {
                assertArrayEquals(new short[] {-1000, 0, 1000}, view.toShortArray());
            }
            try (BufferView view = ArrowVectors.toView(i)) {
                assertArrayEquals(new int[] {-7, 99993, 199993}, view.toIntArray());
            }
            try (BufferView view = ArrowVectors.toView(q)) {
                assertArrayEquals(new long[] {-3, 9_999_999_997L, 19_999_999_997L}, view.toLongArray());
            }
            try (BufferView view = ArrowVectors.toView(ub)) {
                assertEquals(List.of(200L, 201L, 202L), view.toList());
            }
            try (BufferView view = ArrowVectors.toView(uh)) {
                assertEquals(List.of(60000L, 60001L, 60002L), view.toList());
            }
            try (BufferView view = ArrowVectors.toView(ui)) {
                assertEquals(List.of(4294967295L, 4294967294L, 4294967293L), view.toList());
            }
            try (BufferView view = ArrowVectors.toView(uq)) {
                assertArrayEquals(new long[] {-1, -2, -3}, view.toLongArray());
                assertEquals(new java.math.BigInteger("18446744073709551615"), view.get(0));
            }
        }
    }

    @Test
    void floatVectors() {
        try (Float2Vector e = new Float2Vector("e", allocator);
                Float4Vector f = new Float4Vector("f", allocator);
                Float8Vector d = new Float8Vector("d", allocator)) {
            e.setSafeWithPossibleTruncate(0, 1.5f);
            e.setSafeWithPossibleTruncate(1, -2.0f);
            f.setSafe(0, 0.25f);
            f.setSafe(1, Float.NaN);
            d.setSafe(0, 1e300);
            d.setSafe(1, -0.0);
            e.setValueCount(2);
            f.setValueCount(2);
            d.setValueCount(2);
            try (BufferView ve = ArrowVectors.toView(e); BufferView vf = ArrowVectors.toView(f);
                    BufferView vd = ArrowVectors.toView(d)) {
                assertEquals("e", ve.format().text());
                assertEquals(List.of(1.5, -2.0), ve.toList());
                assertZeroCopy(e, ve);
                assertEquals("f", vf.format().text());
                assertEquals(0.25f, vf.toFloatArray()[0]);
                assertTrue(Float.isNaN(vf.toFloatArray()[1]));
                assertEquals("d", vd.format().text());
                assertArrayEquals(new double[] {1e300, -0.0}, vd.toDoubleArray());
                assertZeroCopy(d, vd);
            }
        }
    }

    @Test
    void viewOutlivesTheVectorAndHoldsItsBuffers() {
        BufferView view;
        long address;
        try (IntVector v = new IntVector("x", allocator)) {
            v.allocateNew(4);
            for (int k = 0; k < 4; k++) {
                v.set(k, k * k);
            }
            v.setValueCount(4);
            view = ArrowVectors.toView(v);
            address = v.getDataBuffer().memoryAddress();
        }
        ForeignMemory.flushReleases();
        assertTrue(allocator.getAllocatedMemory() > 0, "the view holds the vector's buffers");
        assertEquals(address, view.address());
        assertArrayEquals(new int[] {0, 1, 4, 9}, view.toIntArray());
        BufferView derived = view.asSlice(1, 3, 1);
        view.close();
        ForeignMemory.flushReleases();
        assertTrue(allocator.getAllocatedMemory() > 0, "a derived view still holds them");
        assertArrayEquals(new int[] {1, 4}, derived.toIntArray());
        derived.close();
        ForeignMemory.flushReleases();
        assertEquals(0, allocator.getAllocatedMemory(), "the last release gave the buffers back");
    }

    @Test
    void fixedSizeBinaryAndDecimalsAndTemporals() {
        try (FixedSizeBinaryVector w = new FixedSizeBinaryVector("w", allocator, 3);
                DecimalVector dec = new DecimalVector("dec", allocator, 10, 2);
                Decimal256Vector dec256 = new Decimal256Vector("dec256", allocator, 40, 0);
                DateDayVector day = new DateDayVector("day", allocator);
                DateMilliVector ms = new DateMilliVector("ms", allocator);
                TimeSecVector ts = new TimeSecVector("ts", allocator);
                TimeMicroVector tu = new TimeMicroVector("tu", allocator);
                TimeStampNanoVector tn = new TimeStampNanoVector("tn", allocator);
                DurationVector du = new DurationVector("du", FieldType.notNullable(
                        new ArrowType.Duration(TimeUnit.MILLISECOND)), allocator)) {
            w.setSafe(0, "abc".getBytes());
            w.setSafe(1, "xyz".getBytes());
            dec.setSafe(0, new BigDecimal("-1.25"));
            dec.setSafe(1, new BigDecimal("3.00"));
            dec256.setSafe(0, new BigDecimal("7"));
            dec256.setSafe(1, new BigDecimal("-1"));
            day.setSafe(0, 19000);
            day.setSafe(1, -1);
            ms.setSafe(0, 86_400_000L);
            ms.setSafe(1, 0);
            ts.setSafe(0, 59);
            ts.setSafe(1, 3600);
            tu.setSafe(0, 1_000_000L);
            tu.setSafe(1, 5);
            tn.setSafe(0, 1_700_000_000_000_000_000L);
            tn.setSafe(1, -5);
            du.setSafe(0, 1500L);
            du.setSafe(1, -2L);
            for (FieldVector v : List.<FieldVector>of(w, dec, dec256, day, ms, ts, tu, tn, du)) {
                v.setValueCount(2);
            }
            try (BufferView v = ArrowVectors.toView(w)) {
                assertEquals("3s", v.format().text());
                assertArrayEquals("abcxyz".getBytes(), v.toBytes());
                assertZeroCopy(w, v);
            }
            try (BufferView v = ArrowVectors.toView(dec)) {
                assertEquals("16s", v.format().text());
                assertEquals(-125L, v.memory().get(ValueLayout.JAVA_LONG_UNALIGNED, v.offset()));
                assertEquals(-1L, v.memory().get(ValueLayout.JAVA_LONG_UNALIGNED, v.offset() + 8));
                assertEquals(300L, v.memory().get(ValueLayout.JAVA_LONG_UNALIGNED, v.offset() + 16));
                assertZeroCopy(dec, v);
            }
            try (BufferView v = ArrowVectors.toView(dec256)) {
                assertEquals("32s", v.format().text());
                assertEquals(7L, v.memory().get(ValueLayout.JAVA_LONG_UNALIGNED, v.offset()));
                assertEquals(-1L, v.memory().get(ValueLayout.JAVA_LONG_UNALIGNED, v.offset() + 32 + 24));
            }
            try (BufferView v = ArrowVectors.toView(day)) {
                assertEquals("i", v.format().text());
                assertArrayEquals(new int[] {19000, -1}, v.toIntArray());
            }
            try (BufferView v = ArrowVectors.toView(ms)) {
                assertEquals("q", v.format().text());
                assertArrayEquals(new long[] {86_400_000L, 0}, v.toLongArray());
            }
            try (BufferView v = ArrowVectors.toView(ts)) {
                assertEquals("i", v.format().text());
                assertArrayEquals(new int[] {59, 3600}, v.toIntArray());
            }
            try (BufferView v = ArrowVectors.toView(tu)) {
                assertEquals("q", v.format().text());
                assertArrayEquals(new long[] {1_000_000L, 5}, v.toLongArray());
            }
            try (BufferView v = ArrowVectors.toView(tn)) {
                assertEquals("q", v.format().text());
                assertArrayEquals(new long[] {1_700_000_000_000_000_000L, -5}, v.toLongArray());
            }
            try (BufferView v = ArrowVectors.toView(du)) {
                assertEquals("q", v.format().text());
                assertArrayEquals(new long[] {1500L, -2L}, v.toLongArray());
                assertZeroCopy(du, v);
            }
        }
    }

    private FixedSizeListVector listOfInts(String name, int listSize, int rows, Map<String, String> metadata) {
        FixedSizeListVector v = new FixedSizeListVector(name, allocator,
                new FieldType(false, new ArrowType.FixedSizeList(listSize), null, metadata), null);
        v.addOrGetVector(FieldType.notNullable(new ArrowType.Int(32, true)));
        IntVector child = (IntVector) v.getDataVector();
        v.allocateNew();
        for (int k = 0; k < rows * listSize; k++) {
            child.setSafe(k, k + 1);
        }
        child.setValueCount(rows * listSize);
        for (int r = 0; r < rows; r++) {
            v.setNotNull(r);
        }
        v.setValueCount(rows);
        return v;
    }

    @Test
    void nestedFixedSizeListsAreMoreDimensions() {
        try (FixedSizeListVector outer = new FixedSizeListVector("m", allocator,
                FieldType.notNullable(new ArrowType.FixedSizeList(2)), null)) {
            outer.addOrGetVector(FieldType.notNullable(new ArrowType.FixedSizeList(3)));
            FixedSizeListVector inner = (FixedSizeListVector) outer.getDataVector();
            inner.addOrGetVector(FieldType.notNullable(new ArrowType.Int(16, true)));
            SmallIntVector leaf = (SmallIntVector) inner.getDataVector();
            outer.allocateNew();
            for (int k = 0; k < 12; k++) {
                leaf.setSafe(k, k * 10);
            }
            leaf.setValueCount(12);
            for (int r = 0; r < 4; r++) {
                inner.setNotNull(r);
            }
            inner.setValueCount(4);
            outer.setNotNull(0);
            outer.setNotNull(1);
            outer.setValueCount(2);
            try (BufferView v = ArrowVectors.toView(outer)) {
                assertEquals("h", v.format().text());
                assertArrayEquals(new long[] {2, 2, 3}, v.shape());
                assertArrayEquals(new long[] {12, 6, 2}, v.strides());
                assertEquals(List.of(List.of(List.of(0L, 10L, 20L), List.of(30L, 40L, 50L)),
                        List.of(List.of(60L, 70L, 80L), List.of(90L, 100L, 110L))), v.toList());
                assertEquals(leaf.getDataBuffer().memoryAddress(), v.address(), "zero-copy");
            }
        }
    }

    @Test
    void fixedShapeTensorMetadataGivesItsPermutedShape() {
        // Rows of 2x3 tensors stored as physical (3, 2), logical axis i = physical permutation[i].
        Map<String, String> md = Map.of("ARROW:extension:name", "arrow.fixed_shape_tensor",
                "ARROW:extension:metadata", "{\"shape\":[3,2],\"permutation\":[1,0]}");
        try (FixedSizeListVector v = listOfInts("t", 6, 2, md)) {
            try (BufferView view = ArrowVectors.toView(v)) {
                assertEquals("i", view.format().text());
                assertArrayEquals(new long[] {2, 2, 3}, view.shape());
                assertArrayEquals(new long[] {24, 4, 8}, view.strides());
                // Physical row 0: [[1,2],[3,4],[5,6]]; logical [j][i] = physical [i][j].
                assertEquals(List.of(1L, 3L, 5L), ((List<?>) ((List<?>) view.toList()).get(0)).get(0));
                assertEquals(((IntVector) v.getDataVector()).getDataBuffer().memoryAddress(), view.address());
            }
        }
    }

    @Test
    void bool8MetadataOnATinyIntVectorGivesBool() {
        Map<String, String> md = Map.of("ARROW:extension:name", "arrow.bool8", "ARROW:extension:metadata", "");
        try (TinyIntVector v = new TinyIntVector("ok", new FieldType(false, new ArrowType.Int(8, true), null, md),
                allocator)) {
            v.setSafe(0, 1);
            v.setSafe(1, 0);
            v.setSafe(2, 1);
            v.setValueCount(3);
            ImportedView imported = ArrowVectors.toImportedView(v);
            try (BufferView view = imported.view()) {
                assertEquals("?", view.format().text());
                assertFalse(imported.copied());
                assertArrayEquals(new boolean[] {true, false, true}, view.toBooleanArray());
                assertZeroCopy(v, view);
            }
        }
    }

    @Test
    void bitAndStructVectorsAreCopies() {
        try (BitVector bits = new BitVector("bits", allocator); StructVector s = StructVector.empty("s", allocator)) {
            for (int k = 0; k < 9; k++) {
                bits.setSafe(k, k % 4 == 0 ? 1 : 0);
            }
            bits.setValueCount(9);
            ImportedView b = ArrowVectors.toImportedView(bits);
            assertTrue(b.copied());
            assertEquals("?", b.view().format().text());
            assertArrayEquals(new boolean[] {true, false, false, false, true, false, false, false, true},
                    b.view().toBooleanArray());
            b.view().close();

            IntVector a = s.addOrGet("a", FieldType.notNullable(new ArrowType.Int(32, true)), IntVector.class);
            Float8Vector d = s.addOrGet("d", FieldType.notNullable(
                    new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)), Float8Vector.class);
            s.allocateNew();
            for (int k = 0; k < 2; k++) {
                a.setSafe(k, 7 - k);
                d.setSafe(k, k + 0.5);
                s.setIndexDefined(k);
            }
            a.setValueCount(2);
            d.setValueCount(2);
            s.setValueCount(2);
            ImportedView r = ArrowVectors.toImportedView(s);
            assertTrue(r.copied());
            try (BufferView view = r.view()) {
                assertEquals("T{i:a:d:d:}", view.format().text());
                assertEquals(List.of(List.of(7L, 0.5), List.of(6L, 1.5)), view.toList());
            }
        }
    }

    @Test
    void slicedVectorGivesItsOwnElements() {
        try (IntVector v = new IntVector("x", allocator); IntVector part = new IntVector("x", allocator)) {
            for (int k = 0; k < 8; k++) {
                v.setSafe(k, 100 + k);
            }
            v.setValueCount(8);
            v.makeTransferPair(part).splitAndTransfer(3, 4);
            try (BufferView view = ArrowVectors.toView(part)) {
                assertArrayEquals(new int[] {103, 104, 105, 106}, view.toIntArray());
                assertEquals(v.getDataBuffer().memoryAddress() + 12, view.address(), "a slice, not a copy");
            }
        }
        try (FixedSizeListVector v = listOfInts("l", 2, 5, null);
                FixedSizeListVector part = (FixedSizeListVector) v.getTransferPair(allocator).getTo()) {
            v.makeTransferPair(part).splitAndTransfer(1, 3);
            try (BufferView view = ArrowVectors.toView(part)) {
                assertArrayEquals(new long[] {3, 2}, view.shape());
                assertArrayEquals(new int[] {3, 4, 5, 6, 7, 8}, view.toIntArray());
            }
        }
    }

    @Test
    void unsupportedTypeIsRefusedAndNothingLeaks() {
        try (VarCharVector v = new VarCharVector("s", allocator)) {
            v.setSafe(0, "hi".getBytes());
            v.setValueCount(1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ArrowVectors.toView(v));
            assertTrue(e.getMessage().contains("'u'"), e.getMessage());
        }
    }

    // ------------------------------------------------------------ nulls

    private IntVector intsWithNulls() {
        IntVector v = new IntVector("n", allocator);
        for (int k = 0; k < 10; k++) {
            if (k % 3 == 1) {
                v.setNull(k);
            } else {
                v.setSafe(k, k * 10);
            }
        }
        v.setValueCount(10);
        return v;
    }

    @Test
    void nullsAreRefusedNamingTheCount() {
        try (IntVector v = intsWithNulls()) {
            ForeignMemory.flushReleases();
            long before = allocator.getAllocatedMemory();
            VectorHasNullsException e = assertThrows(VectorHasNullsException.class, () -> ArrowVectors.toView(v));
            assertTrue(e.getMessage().startsWith("vector has nulls: nullCount=3 length=10 field='n'"), e.getMessage());
            assertTrue(e.getMessage().endsWith("; ask for a fill value or the validity view"), e.getMessage());
            assertEquals(3, e.nullCount());
            assertEquals(10, e.length());
            assertEquals(before, allocator.getAllocatedMemory(), "nothing exported");
        }
    }

    @Test
    void fillValueGoesIntoEveryNullSlot() {
        try (IntVector v = intsWithNulls()) {
            // Garbage under the nulls, which must not show through.
            v.getDataBuffer().setInt(4, 0xDEAD);
            try (BufferView view = ArrowVectors.copyFilled(v, -1L)) {
                assertArrayEquals(new int[] {0, -1, 20, 30, -1, 50, 60, -1, 80, 90}, view.toIntArray());
                assertTrue(view.isReadOnly());
                assertNotEquals(v.getDataBuffer().memoryAddress(), view.address(), "a copy");
            }
            assertThrows(IllegalArgumentException.class, () -> ArrowVectors.copyFilled(v, "nope"));
        }
    }

    @Test
    void validityViewComesWithZeroedValues() {
        try (IntVector v = intsWithNulls()) {
            v.getDataBuffer().setInt(4, 0xDEAD);
            try (ValuesAndValidity vv = ArrowVectors.withValidity(v)) {
                assertEquals(3, vv.nullCount());
                assertArrayEquals(new int[] {0, 0, 20, 30, 0, 50, 60, 0, 80, 90}, vv.values().toIntArray());
                assertEquals("?", vv.validity().format().text());
                assertArrayEquals(new boolean[] {true, false, true, true, false, true, true, false, true, true},
                        vv.validity().toBooleanArray());
            }
        }
        try (IntVector v = new IntVector("x", allocator)) {
            v.setSafe(0, 5);
            v.setSafe(1, 6);
            v.setValueCount(2);
            try (ValuesAndValidity vv = ArrowVectors.withValidity(v)) {
                assertEquals(0, vv.nullCount());
                assertZeroCopy(v, vv.values());
                assertArrayEquals(new boolean[] {true, true}, vv.validity().toBooleanArray());
            }
        }
    }

    @Test
    void nullsInNestedListsMaskTheirElements() {
        try (FixedSizeListVector v = listOfInts("l", 2, 3, null)) {
            // Row 1 null as a whole; leaf 5 (row 2, column 1) null on its own.
            v.setNull(1);
            ((IntVector) v.getDataVector()).setNull(5);
            VectorHasNullsException e = assertThrows(VectorHasNullsException.class, () -> ArrowVectors.toView(v));
            assertEquals(2, e.nullCount(), "one list null and one value null");
            try (BufferView filled = ArrowVectors.copyFilled(v, 0L)) {
                assertArrayEquals(new long[] {3, 2}, filled.shape());
                assertArrayEquals(new int[] {1, 2, 0, 0, 5, 0}, filled.toIntArray());
            }
            try (ValuesAndValidity vv = ArrowVectors.withValidity(v)) {
                assertArrayEquals(new long[] {3, 2}, vv.validity().shape());
                assertArrayEquals(new boolean[] {true, true, false, false, true, false},
                        vv.validity().toBooleanArray());
            }
        }
    }

    @Test
    void nullRecordOfAStructIsFilled() {
        try (StructVector s = StructVector.empty("s", allocator)) {
            IntVector a = s.addOrGet("a", FieldType.nullable(new ArrowType.Int(32, true)), IntVector.class);
            s.allocateNew();
            a.setSafe(0, 1);
            a.setSafe(2, 3);
            a.setNull(1);
            s.setIndexDefined(0);
            s.setNull(1);
            s.setIndexDefined(2);
            a.setValueCount(3);
            s.setValueCount(3);
            try (BufferView view = ArrowVectors.copyFilled(s, List.of(-9L))) {
                assertEquals(List.of(List.of(1L), List.of(-9L), List.of(3L)), view.toList());
            }
        }
    }

    // ------------------------------------------------------------ views to vectors

    @Test
    void nativeViewBecomesAVectorWithoutCopy() {
        MemorySegment m = arena.allocate(ValueLayout.JAVA_INT, 4);
        MemorySegment.copy(new int[] {4, 3, 2, 1}, 0, m, ValueLayout.JAVA_INT, 0, 4);
        AtomicInteger memoryReleases = new AtomicInteger();
        BufferView view = BufferView.of(m, 0, "i", 4, new long[] {4}, new long[] {4}, false,
                memoryReleases::incrementAndGet);
        ForeignMemory.flushReleases();
        long releases = ArrowDiagnostics.snapshot().exportReleases();
        try (VectorOfView vv = ArrowVectors.toVector(view, "col", allocator)) {
            assertFalse(vv.copied());
            IntVector iv = assertInstanceOf(IntVector.class, vv.vector());
            assertEquals("col", iv.getName());
            assertEquals(view.address(), iv.getDataBuffer().memoryAddress(), "zero-copy");
            assertEquals(4, iv.getValueCount());
            assertEquals(List.of(4, 3, 2, 1), List.of(iv.get(0), iv.get(1), iv.get(2), iv.get(3)));
            assertEquals(0, iv.getNullCount());
            // The vector holds the memory, not a view: the view may go first.
            view.close();
            assertEquals(0, memoryReleases.get(), "the vector holds the view's memory");
            assertEquals(3, iv.get(1));
        }
        ForeignMemory.flushReleases();
        assertEquals(1, memoryReleases.get(), "closing the vector lets the memory go");
        assertEquals(2, ArrowDiagnostics.snapshot().exportReleases() - releases, "schema and array released once each");
    }

    @Test
    void heapStridedAndRecordViewsAreCopiedOnce() {
        BufferView heap = BufferView.ofArray(new long[] {5, -6, 7});
        try (VectorOfView vv = ArrowVectors.toVector(heap, allocator)) {
            assertTrue(vv.copied());
            BigIntVector v = (BigIntVector) vv.vector();
            assertEquals(List.of(5L, -6L, 7L), List.of(v.get(0), v.get(1), v.get(2)));
        }
        MemorySegment m = arena.allocate(ValueLayout.JAVA_INT, 6);
        MemorySegment.copy(new int[] {0, 1, 2, 3, 4, 5}, 0, m, ValueLayout.JAVA_INT, 0, 6);
        BufferView every = BufferView.ofSegment(m, "i", 6).asSlice(0, 6, 2);
        try (VectorOfView vv = ArrowVectors.toVector(every, allocator)) {
            assertTrue(vv.copied());
            IntVector v = (IntVector) vv.vector();
            assertEquals(List.of(0, 2, 4), List.of(v.get(0), v.get(1), v.get(2)));
        }
        every.close();
        // Unaligned standard-size record "=id" (12 bytes) twice: written above as 4+8 packed.
        MemorySegment packed = arena.allocate(24);
        packed.set(ValueLayout.JAVA_INT_UNALIGNED, 0, 11);
        packed.set(ValueLayout.JAVA_DOUBLE_UNALIGNED, 4, 1.5);
        packed.set(ValueLayout.JAVA_INT_UNALIGNED, 12, 22);
        packed.set(ValueLayout.JAVA_DOUBLE_UNALIGNED, 16, 2.5);
        BufferView rec = BufferView.ofSegment(packed, "=i:n:d:x:", 2);
        try (VectorOfView vv = ArrowVectors.toVector(rec, allocator)) {
            assertTrue(vv.copied());
            StructVector s = (StructVector) vv.vector();
            assertEquals(List.of("n", "x"), s.getChildFieldNames());
            assertEquals(22, ((IntVector) s.getChild("n")).get(1));
            assertEquals(1.5, ((Float8Vector) s.getChild("x")).get(0));
        }
        rec.close();
    }

    @Test
    void twoDimensionalViewBecomesATensorList() {
        MemorySegment m = arena.allocate(ValueLayout.JAVA_FLOAT, 6);
        MemorySegment.copy(new float[] {1, 2, 3, 4, 5, 6}, 0, m, ValueLayout.JAVA_FLOAT, 0, 6);
        BufferView view = BufferView.ofSegment(m, "f", 2, 3);
        try (VectorOfView vv = ArrowVectors.toVector(view, allocator)) {
            assertFalse(vv.copied());
            FixedSizeListVector v = (FixedSizeListVector) vv.vector();
            assertEquals(3, v.getListSize());
            assertEquals("arrow.fixed_shape_tensor", v.getField().getMetadata().get("ARROW:extension:name"));
            assertEquals(view.address(), ((Float4Vector) v.getDataVector()).getDataBuffer().memoryAddress());
            assertEquals(List.of(4.0f, 5.0f, 6.0f), v.getObject(1));
        }
        view.close();
    }

    private static FieldVector leaf(FieldVector v) {
        while (v instanceof FixedSizeListVector l) {
            v = l.getDataVector();
        }
        return v;
    }

    /** A native view of {@code count} elements of {@code itemsize} bytes, byte j = j (or 0/1 for '?'). */
    private BufferView nativeView(String format, long itemsize, long[] shape, long[] strides, long bytes) {
        MemorySegment m = arena.allocate(Math.max(1, bytes), 16);
        for (long j = 0; j < bytes; j++) {
            m.set(ValueLayout.JAVA_BYTE, j, format.equals("?") ? (byte) (j % 2) : (byte) (j * 7 + 1));
        }
        return BufferView.of(m, 0, format, itemsize, shape, strides, true);
    }

    @Test
    void everyDenseNativeLayoutBecomesAVectorWithoutCopyAndComesBack() {
        record Case(String format, long itemsize, long[] shape, long[] strides) {
        }
        List<Case> cases = List.of(
                new Case("b", 1, new long[] {5}, new long[] {1}),
                new Case("B", 1, new long[] {5}, new long[] {1}),
                new Case("h", 2, new long[] {4}, new long[] {2}),
                new Case("H", 2, new long[] {4}, new long[] {2}),
                new Case("i", 4, new long[] {3}, new long[] {4}),
                new Case("I", 4, new long[] {3}, new long[] {4}),
                new Case("q", 8, new long[] {2}, new long[] {8}),
                new Case("Q", 8, new long[] {2}, new long[] {8}),
                new Case("l", 8, new long[] {2}, new long[] {8}),
                new Case("=l", 4, new long[] {2}, new long[] {4}),
                new Case("n", 8, new long[] {2}, new long[] {8}),
                new Case("P", 8, new long[] {2}, new long[] {8}),
                new Case("e", 2, new long[] {3}, new long[] {2}),
                new Case("f", 4, new long[] {3}, new long[] {4}),
                new Case("d", 8, new long[] {3}, new long[] {8}),
                new Case("?", 1, new long[] {6}, new long[] {1}),
                new Case("c", 1, new long[] {4}, new long[] {1}),
                new Case("7s", 7, new long[] {2}, new long[] {7}),
                new Case("Zf", 8, new long[] {2}, new long[] {8}),
                new Case("Zd", 16, new long[] {2}, new long[] {16}),
                new Case("(2,3)h", 12, new long[] {2}, new long[] {12}),
                new Case("2i", 8, new long[] {3}, new long[] {8}),
                new Case("d", 8, new long[] {}, new long[] {}),
                new Case("i", 4, new long[] {2, 3}, new long[] {12, 4}),
                new Case("i", 4, new long[] {2, 3}, new long[] {4, 8}),
                new Case("h", 2, new long[] {2, 3, 2}, new long[] {2, 8, 4}),
                new Case(">i", 4, new long[] {3}, new long[] {4}),
                new Case("g", 16, new long[] {2}, new long[] {16}),
                new Case("i", 4, new long[] {1, 3}, new long[] {100, 4}));
        for (Case c : cases) {
            String what = c.format() + " shape=" + Arrays.toString(c.shape()) + " strides="
                    + Arrays.toString(c.strides());
            long count = 1;
            for (long d : c.shape()) {
                count *= d;
            }
            BufferView view = nativeView(c.format(), c.itemsize(), c.shape(), c.strides(), count * c.itemsize());
            try (VectorOfView vv = ArrowVectors.toVector(view, "v", allocator)) {
                assertFalse(vv.copied(), what);
                assertEquals(view.address(), leaf(vv.vector()).getDataBuffer().memoryAddress(), what + " zero-copy");
                try (BufferView back = ArrowVectors.toView(vv.vector())) {
                    assertEquals(c.format(), back.format().text(), what);
                    assertEquals(c.itemsize(), back.itemsize(), what);
                    assertArrayEquals(c.shape(), back.shape(), what);
                    assertArrayEquals(c.strides(), back.strides(), what);
                    assertArrayEquals(view.toBytes(), back.toBytes(), what);
                    assertEquals(view.address(), back.address(), what);
                }
            }
            view.close();
        }
    }

    // ------------------------------------------------------------ round trips vector -> view -> vector

    /** Vector to view to vector to view: same format, shape and bytes; zero-copy unless {@code copies}. */
    private void roundTrip(FieldVector original, String format, boolean copies, boolean sameJavaType) {
        try (BufferView first = ArrowVectors.toView(original)) {
            assertEquals(format, first.format().text(), original.getField().toString());
            try (VectorOfView back = ArrowVectors.toVector(first, original.getName(), allocator)) {
                assertEquals(copies, back.copied(), format);
                try (BufferView second = ArrowVectors.toView(back.vector())) {
                    assertEquals(format, second.format().text());
                    assertArrayEquals(first.shape(), second.shape(), format);
                    assertArrayEquals(first.toBytes(), second.toBytes(), format);
                    if (!copies) {
                        assertEquals(first.address(), second.address(), format + " zero-copy both ways");
                    }
                }
                if (sameJavaType) {
                    for (int k = 0; k < original.getValueCount(); k++) {
                        Object a = original.getObject(k);
                        Object b = back.vector().getObject(k);
                        if (a instanceof byte[] x) {
                            assertArrayEquals(x, (byte[]) b, format);
                        } else {
                            assertEquals(a, b, format + " element " + k);
                        }
                    }
                }
            }
        }
    }

    @Test
    void everySpecRowRoundTripsThroughAVector() {
        try (TinyIntVector b = new TinyIntVector("b", allocator);
                UInt1Vector ub = new UInt1Vector("B", allocator);
                SmallIntVector h = new SmallIntVector("h", allocator);
                UInt2Vector uh = new UInt2Vector("H", allocator);
                IntVector i = new IntVector("i", allocator);
                UInt4Vector ui = new UInt4Vector("I", allocator);
                BigIntVector q = new BigIntVector("q", allocator);
                UInt8Vector uq = new UInt8Vector("Q", allocator);
                Float2Vector e = new Float2Vector("e", allocator);
                Float4Vector f = new Float4Vector("f", allocator);
                Float8Vector d = new Float8Vector("d", allocator);
                FixedSizeBinaryVector w = new FixedSizeBinaryVector("w", allocator, 5);
                TinyIntVector bool8 = new TinyIntVector("bool8", new FieldType(false, new ArrowType.Int(8, true), null,
                        Map.of("ARROW:extension:name", "arrow.bool8", "ARROW:extension:metadata", "")), allocator);
                FixedSizeBinaryVector opaque = new FixedSizeBinaryVector("o", new FieldType(false,
                        new ArrowType.FixedSizeBinary(2), null, Map.of("ARROW:extension:name", "arrow.opaque",
                                "ARROW:extension:metadata", "{\"type_name\":\">h\",\"vendor_name\":\"PEP 3118\"}")),
                        allocator);
                FixedSizeListVector list = listOfInts("l", 3, 2, null);
                FixedSizeListVector complex = new FixedSizeListVector("z", allocator,
                        FieldType.notNullable(new ArrowType.FixedSizeList(2)), null);
                StructVector s = StructVector.empty("s", allocator);
                DateDayVector day = new DateDayVector("day", allocator);
                DecimalVector dec = new DecimalVector("dec", allocator, 9, 3)) {
            for (int k = 0; k < 3; k++) {
                b.setSafe(k, -k);
                ub.setSafe(k, 250 + k);
                h.setSafe(k, -300 * k);
                uh.setSafe(k, 65000 + k);
                i.setSafe(k, 1 << (10 * k));
                ui.setSafe(k, -k);
                q.setSafe(k, Long.MIN_VALUE + k);
                uq.setSafe(k, Long.MAX_VALUE - k);
                e.setSafeWithPossibleTruncate(k, k / 4f);
                f.setSafe(k, k / 3f);
                d.setSafe(k, k * Math.PI);
                w.setSafe(k, new byte[] {(byte) k, 1, 2, 3, (byte) -k});
                bool8.setSafe(k, k % 2);
                opaque.setSafe(k, new byte[] {0, (byte) k});
                day.setSafe(k, 20000 + k);
                dec.setSafe(k, new BigDecimal(k + ".125"));
            }
            complex.addOrGetVector(FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)));
            Float4Vector parts = (Float4Vector) complex.getDataVector();
            complex.allocateNew();
            for (int k = 0; k < 6; k++) {
                parts.setSafe(k, k - 2.5f);
            }
            parts.setValueCount(6);
            IntVector sa = s.addOrGet("a", FieldType.notNullable(new ArrowType.Int(32, true)), IntVector.class);
            s.allocateNew();
            for (int k = 0; k < 3; k++) {
                complex.setNotNull(k);
                sa.setSafe(k, k + 40);
                s.setIndexDefined(k);
            }
            sa.setValueCount(3);
            for (FieldVector v : List.<FieldVector>of(b, ub, h, uh, i, ui, q, uq, e, f, d, w, bool8, opaque, complex,
                    s, day, dec)) {
                v.setValueCount(3);
            }
            roundTrip(b, "b", false, true);
            roundTrip(ub, "B", false, true);
            roundTrip(h, "h", false, true);
            roundTrip(uh, "H", false, true);
            roundTrip(i, "i", false, true);
            roundTrip(ui, "I", false, true);
            roundTrip(q, "q", false, true);
            roundTrip(uq, "Q", false, true);
            roundTrip(e, "e", false, true);
            roundTrip(f, "f", false, true);
            roundTrip(d, "d", false, true);
            roundTrip(w, "5s", false, true);
            roundTrip(bool8, "?", false, true);
            roundTrip(opaque, ">h", false, true);
            roundTrip(list, "i", false, true);
            roundTrip(complex, "f", false, true);
            roundTrip(s, "T{i:a:}", true, false);
            roundTrip(day, "i", false, false);
            roundTrip(dec, "16s", false, false);
        }
    }

    @Test
    void structRoundTripKeepsFieldValues() {
        try (StructVector s = StructVector.empty("s", allocator)) {
            IntVector a = s.addOrGet("a", FieldType.notNullable(new ArrowType.Int(32, true)), IntVector.class);
            Float8Vector x = s.addOrGet("x", FieldType.notNullable(
                    new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)), Float8Vector.class);
            s.allocateNew();
            for (int k = 0; k < 2; k++) {
                a.setSafe(k, k - 5);
                x.setSafe(k, k * 0.5);
                s.setIndexDefined(k);
            }
            a.setValueCount(2);
            x.setValueCount(2);
            s.setValueCount(2);
            try (BufferView view = ArrowVectors.toView(s);
                    VectorOfView back = ArrowVectors.toVector(view, allocator)) {
                StructVector t = (StructVector) back.vector();
                assertEquals(-5, ((IntVector) t.getChild("a")).get(0));
                assertEquals(-4, ((IntVector) t.getChild("a")).get(1));
                assertEquals(0.5, ((Float8Vector) t.getChild("x")).get(1));
                assertEquals(Arrays.asList(0.0, 0.5), Arrays.asList(((Float8Vector) t.getChild("x")).getObject(0),
                        ((Float8Vector) t.getChild("x")).getObject(1)));
            }
        }
    }
}
