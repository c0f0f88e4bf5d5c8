package io.bufferbridge.arrow.c;

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
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Export then import by bufferbridge gives the view back (docs/contract.md §3), for every row of docs/contract.md §2. */
class RoundTripTest {
    private Arena arena;
    private long releasesBefore;
    private int liveBefore;
    private long spuriousBefore;

    private int importsBefore;

    @BeforeEach
    void open() {
        ForeignMemory.flushReleases();
        importsBefore = ArrowDiagnostics.snapshot().liveImports();
        arena = Arena.ofShared();
        ForeignMemory.flushReleases();
        releasesBefore = ArrowDiagnostics.snapshot().exportReleases();
        liveBefore = ArrowDiagnostics.snapshot().liveExports();
        spuriousBefore = ArrowDiagnostics.snapshot().spuriousExportReleases();
    }

    @AfterEach
    void close() {
        ForeignMemory.flushReleases();
        assertEquals(importsBefore, ArrowDiagnostics.snapshot().liveImports(), "every import freed");
        arena.close();
        ForeignMemory.flushReleases();
        assertEquals(liveBefore, ArrowDiagnostics.snapshot().liveExports(), "every exported tree freed");
        assertEquals(spuriousBefore, ArrowDiagnostics.snapshot().spuriousExportReleases(), "no export released twice");
    }

    /** A native view over patterned bytes: byte k is {@code 7k + 3}, or {@code k % 2} for booleans. */
    private BufferView view(String format, long[] shape, long[] strides, long span, long offset, boolean readOnly) {
        Format f = Format.of(format);
        long itemsize = f.isStructCompatible() ? f.itemsize() : f.paddedItemsize();
        MemorySegment memory = arena.allocate(Math.max(1, span), 16).asSlice(0, span);
        for (long k = 0; k < span; k++) {
            memory.set(ValueLayout.JAVA_BYTE, k, (byte) (format.equals("?") ? k % 2 : 7 * k + 3));
        }
        return BufferView.of(memory, offset, format, itemsize, shape, strides, readOnly);
    }

    private BufferView vector(String format, long n) {
        Format f = Format.of(format);
        long itemsize = f.isStructCompatible() ? f.itemsize() : f.paddedItemsize();
        return view(format, new long[] {n}, new long[] {itemsize}, n * itemsize, 0, false);
    }

    /** The schema the export wrote, read before import moves it. */
    private record Exported(String signature, Map<String, String> metadata, long length) {
    }

    private Exported lastExport;
    private boolean lastCopied;

    private BufferView roundTrip(BufferView source) {
        try (Arena structs = Arena.ofConfined()) {
            ArrowSchema schema = ArrowSchema.allocate(structs);
            ArrowArray array = ArrowArray.allocate(structs);
            ArrowExporter.exportView(source, schema, array);
            lastExport = new Exported(Structs.signature(schema), Structs.metadata(schema), array.length());
            ImportedView imported = ArrowImporter.importPair(schema, array);
            lastCopied = imported.copied();
            BufferView back = imported.view();
            ForeignMemory.flushReleases();
            assertTrue(schema.isReleased(), "import moves the schema");
            assertTrue(array.isReleased(), "import moves the array");
            return back;
        }
    }

    private static void assertSameLogicalBytes(BufferView expected, BufferView actual) {
        byte[] e = expected.toBytes();
        byte[] a = actual.toBytes();
        assertEquals(e.length, a.length);
        boolean[] mask = Structs.dataMask(expected.format(), expected.itemsize());
        for (int k = 0; k < e.length; k++) {
            if (mask[k % mask.length]) {
                assertEquals(e[k], a[k], "byte " + k);
            }
        }
    }

    private void assertRoundTrip(BufferView source, boolean zeroCopy) {
        ForeignMemory.flushReleases();
        long before = ArrowDiagnostics.snapshot().exportReleases();
        BufferView back = roundTrip(source);
        try {
            assertEquals(source.format().text(), back.format().text());
            assertEquals(source.itemsize(), back.itemsize());
            assertArrayEquals(source.shape(), back.shape());
            assertEquals(source.isReadOnly(), back.isReadOnly());
            assertEquals(Boolean.toString(!zeroCopy), lastExport.metadata().get("bufferbridge.copied"));
            assertEquals(!zeroCopy, lastCopied, "the import reports the copy");
            if (zeroCopy) {
                assertArrayEquals(source.strides(), back.strides());
                assertEquals(source.address(), back.address(), "zero-copy: same address");
            } else if (source.elementCount() > 0) {
                long[] c = new long[source.ndim()];
                long s = source.itemsize();
                for (int i = c.length - 1; i >= 0; i--) {
                    c[i] = s;
                    s *= source.shape()[i];
                }
                assertArrayEquals(c, back.strides(), "copied: C strides");
                if (back.isNative() && source.isNative() && source.byteLength() > 0) {
                    assertNotEquals(source.address(), back.address());
                }
            }
            assertSameLogicalBytes(source, back);
        } finally {
            back.close();
            source.close();
        }
        ForeignMemory.flushReleases();
        assertEquals(2, ArrowDiagnostics.snapshot().exportReleases() - before, "schema and array released exactly once");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "b|c|true", "B|C|true", "h|s|true", "H|S|true", "i|i|true", "I|I|true",
        "q|l|true", "Q|L|true", "l|l|true", "L|L|true", "n|l|true", "N|L|true", "P|L|true",
        "=l|i|true", "<L|I|true", "<q|l|true",
        "e|e|true", "f|f|true", "d|g|true",
        "?|c{arrow.bool8}|true",
        "c|w:1|true", "5s|w:5|true",
        "Zf|+w:2<f>|true", "Zd|+w:2<g>|true",
        "2i|+w:2<i>|true", "(2,3)h|+w:2<+w:3<s>>|true", "(2)Zf|+w:2<+w:2<f>>|true",
        "T{<i:a:<d:b:}|+s<i,g>|false", "hd|+s<s,g>|false", "ic|+s<i,w:1>|false",
        "T{b:a:xxxi:b:}|+s<c,i>|false", "bxxxxxxxd|+s<c,g>|false", "T{(2)h:p:T{?:q:}:r:}|+s<+w:2<s>,+s<c{arrow.bool8}>>|false",
        ">i|w:4{arrow.opaque}|true", "g|w:16{arrow.opaque}|true", "3p|w:3{arrow.opaque}|true", "2w|w:8{arrow.opaque}|true",
        "T{>i:a:}|w:4{arrow.opaque}|true", "Zg|w:32{arrow.opaque}|true",
    })
    void everyMappingRowRoundTrips(String format, String arrowType, boolean zeroCopy) {
        BufferView source = vector(format, 5);
        assertRoundTrip(source, zeroCopy);
        assertEquals(arrowType, lastExport.signature().replace("{arrow.fixed_shape_tensor}", ""));
        assertEquals(5, lastExport.length());
        assertEquals(format, lastExport.metadata().get("bufferbridge.format"));
    }

    @Test
    void opaqueCarriesTheFormatAsJson() {
        assertRoundTrip(vector(">i", 3), true);
        assertEquals("arrow.opaque", lastExport.metadata().get("ARROW:extension:name"));
        assertEquals("{\"type_name\":\">i\",\"vendor_name\":\"PEP 3118\"}",
                lastExport.metadata().get("ARROW:extension:metadata"));
    }

    @Test
    void bool8HasEmptyExtensionMetadata() {
        assertRoundTrip(vector("?", 4), true);
        assertEquals("arrow.bool8", lastExport.metadata().get("ARROW:extension:name"));
        assertEquals("", lastExport.metadata().get("ARROW:extension:metadata"));
    }

    @Test
    void recordsWithBothItemsizeRules() {
        MemorySegment m = arena.allocate(40);
        assertRoundTrip(BufferView.of(m, 0, "ic", 5, new long[] {8}, new long[] {5}, false), false);
        assertEquals("5", lastExport.metadata().get("bufferbridge.itemsize"));
        assertRoundTrip(BufferView.of(m, 0, "ic", 8, new long[] {5}, new long[] {8}, true), false);
        assertEquals("8", lastExport.metadata().get("bufferbridge.itemsize"));
    }

    @Test
    void ndim0IsOneElement() {
        assertRoundTrip(view("d", new long[0], new long[0], 8, 0, false), true);
        assertEquals(1, lastExport.length());
        assertEquals("g", lastExport.signature());
        assertEquals("", lastExport.metadata().get("bufferbridge.shape"));
        assertEquals("", lastExport.metadata().get("bufferbridge.strides"));
    }

    @Test
    void ndim1WithOffsetIntoMemory() {
        assertRoundTrip(view("h", new long[] {3}, new long[] {2}, 20, 6, true), true);
        assertEquals("3", lastExport.metadata().get("bufferbridge.shape"));
        assertEquals("2", lastExport.metadata().get("bufferbridge.strides"));
        assertEquals("true", lastExport.metadata().get("bufferbridge.readonly"));
    }

    @Test
    void cOrder2dIsRowsOfTensors() {
        assertRoundTrip(view("i", new long[] {2, 3}, new long[] {12, 4}, 24, 0, false), true);
        assertEquals("+w:3{arrow.fixed_shape_tensor}<i>", lastExport.signature());
        assertEquals(2, lastExport.length());
        assertEquals("{\"shape\":[3],\"permutation\":[0]}", lastExport.metadata().get("ARROW:extension:metadata"));
        assertEquals("2,3", lastExport.metadata().get("bufferbridge.shape"));
        assertEquals("12,4", lastExport.metadata().get("bufferbridge.strides"));
    }

    @Test
    void fortranOrder2dIsOneTensorWithPermutation() {
        assertRoundTrip(view("i", new long[] {2, 3}, new long[] {4, 8}, 24, 0, false), true);
        assertEquals("+w:6{arrow.fixed_shape_tensor}<i>", lastExport.signature());
        assertEquals(1, lastExport.length());
        // Physical (row-major) shape [3,2]; logical axis i is physical axis permutation[i].
        assertEquals("{\"shape\":[3,2],\"permutation\":[1,0]}", lastExport.metadata().get("ARROW:extension:metadata"));
    }

    @Test
    void cOrder3d() {
        assertRoundTrip(view("h", new long[] {2, 3, 4}, new long[] {24, 8, 2}, 48, 0, true), true);
        assertEquals("+w:12{arrow.fixed_shape_tensor}<s>", lastExport.signature());
        assertEquals("{\"shape\":[3,4],\"permutation\":[0,1]}", lastExport.metadata().get("ARROW:extension:metadata"));
    }

    @Test
    void fortranOrder3d() {
        assertRoundTrip(view("f", new long[] {2, 3, 4}, new long[] {4, 8, 24}, 96, 0, false), true);
        assertEquals("+w:24{arrow.fixed_shape_tensor}<f>", lastExport.signature());
        assertEquals(1, lastExport.length());
        assertEquals("{\"shape\":[4,3,2],\"permutation\":[2,1,0]}",
                lastExport.metadata().get("ARROW:extension:metadata"));
    }

    @Test
    void permutedInnerAxesAreRowsWithPermutation() {
        // shape (2,3,4), axis 0 outermost, then axis 2, then axis 1 fastest.
        assertRoundTrip(view("i", new long[] {2, 3, 4}, new long[] {48, 4, 12}, 96, 0, false), true);
        assertEquals("+w:12{arrow.fixed_shape_tensor}<i>", lastExport.signature());
        assertEquals(2, lastExport.length());
        assertEquals("{\"shape\":[4,3],\"permutation\":[1,0]}", lastExport.metadata().get("ARROW:extension:metadata"));
    }

    @Test
    void permutedOuterAxisIsOneTensor() {
        // shape (2,3,4) with axis 1 outermost, then axis 0, then axis 2.
        assertRoundTrip(view("b", new long[] {2, 3, 4}, new long[] {4, 8, 1}, 24, 0, true), true);
        assertEquals("+w:24{arrow.fixed_shape_tensor}<c>", lastExport.signature());
        assertEquals("{\"shape\":[3,2,4],\"permutation\":[1,0,2]}",
                lastExport.metadata().get("ARROW:extension:metadata"));
    }

    @Test
    void lengthOneAxisWithAnyStrideStaysZeroCopy() {
        assertRoundTrip(view("i", new long[] {3, 1}, new long[] {4, 1000}, 12, 0, false), true);
        assertEquals("{\"shape\":[1],\"permutation\":[0]}", lastExport.metadata().get("ARROW:extension:metadata"));
    }

    @Test
    void recordsIn2dAreCopiedIntoCOrder() {
        assertRoundTrip(view("T{h:a:d:b:}", new long[] {2, 2}, new long[] {16, 32}, 64, 0, false), false);
        // Copied into C order first, so axis 0 is outermost: rows of 2.
        assertEquals("+w:2{arrow.fixed_shape_tensor}<+s<s,g>>", lastExport.signature());
        assertEquals(2, lastExport.length());
    }

    @Test
    void steppedIsCopied() {
        assertRoundTrip(view("i", new long[] {5}, new long[] {8}, 40, 0, false), false);
        // The metadata describes the buffer as exported: the copy's C strides, not the view's 8.
        assertEquals("4", lastExport.metadata().get("bufferbridge.strides"));
    }

    @Test
    void negativeStrideIsCopied() {
        assertRoundTrip(view("q", new long[] {4}, new long[] {-8}, 32, 24, true), false);
        assertEquals("8", lastExport.metadata().get("bufferbridge.strides"), "the copy's C strides");
    }

    @Test
    void zeroStrideIsCopied() {
        assertRoundTrip(view("d", new long[] {4}, new long[] {0}, 8, 0, false), false);
    }

    @Test
    void stepped2dIsCopiedAsRows() {
        assertRoundTrip(view("i", new long[] {4, 3}, new long[] {24, 8}, 96, 0, false), false);
        assertEquals("+w:3{arrow.fixed_shape_tensor}<i>", lastExport.signature());
        assertEquals("{\"shape\":[3],\"permutation\":[0]}", lastExport.metadata().get("ARROW:extension:metadata"));
    }

    @Test
    void negativeStrides3dAreCopied() {
        assertRoundTrip(view("h", new long[] {2, 2, 3}, new long[] {-12, 6, -2}, 24, 16, true), false);
    }

    @Test
    void heapViewIsCopied() {
        BufferView heap = BufferView.ofArray(new int[] {1, -2, 3});
        BufferView back = roundTrip(heap);
        try {
            assertArrayEquals(new int[] {1, -2, 3}, back.toIntArray());
            assertEquals("true", lastExport.metadata().get("bufferbridge.copied"));
            assertFalse(back.isReadOnly());
        } finally {
            back.close();
        }
    }

    @Test
    void emptyViews() {
        assertRoundTrip(view("i", new long[] {0}, new long[] {4}, 0, 0, false), false);
        assertEquals(0, lastExport.length());
        assertRoundTrip(view("d", new long[] {0, 3}, new long[] {24, 8}, 0, 0, false), false);
        assertEquals(0, lastExport.length());
    }

    @Test
    void zeroCopyWritableViewWritesThrough() {
        BufferView source = view("i", new long[] {3}, new long[] {4}, 12, 0, false);
        BufferView back = roundTrip(source);
        back.setLong(77, 1);
        assertEquals(77, source.getLong(1));
        // The export holds the memory, not a view: the source may go first (as a memoryview may
        // be released before its slices), and the import still reads it.
        source.close();
        assertEquals(77, back.getLong(1));
        back.close();
        ForeignMemory.flushReleases();
        assertEquals(2, ArrowDiagnostics.snapshot().exportReleases() - releasesBefore);
    }

    @Test
    void readOnlyStaysReadOnly() {
        BufferView source = view("d", new long[] {2}, new long[] {8}, 16, 0, true);
        BufferView back = roundTrip(source);
        assertTrue(back.isReadOnly());
        assertThrows(BufferException.class, () -> back.setDouble(1.0, 0));
        back.close();
        source.close();
    }

    @Test
    void valuesSurviveForNumbers() {
        BufferView source = BufferView.ofArray(new double[] {1.5, -0.0, Double.NaN, 1e300});
        BufferView back = roundTrip(source);
        assertArrayEquals(new double[] {1.5, -0.0, Double.NaN, 1e300}, back.toDoubleArray());
        back.close();
    }

    @Test
    void releaseOfSchemaAndArrayAreIndependent() {
        MemorySegment memory = arena.allocate(12, 4);
        AtomicInteger memoryReleases = new AtomicInteger();
        BufferView source = BufferView.of(memory, 0, "i", 4, new long[] {3}, new long[] {4}, false,
                memoryReleases::incrementAndGet);
        try (Arena structs = Arena.ofConfined()) {
            ArrowSchema schema = ArrowSchema.allocate(structs);
            ArrowArray array = ArrowArray.allocate(structs);
            ArrowExporter.exportView(source, schema, array);
            ForeignMemory.flushReleases();
            assertEquals(liveBefore + 2, ArrowDiagnostics.snapshot().liveExports());
            // A consumer releases through the callbacks; each runs once and NULLs release.
            callRelease(schema.releaseCallback(), schema.segment());
            ForeignMemory.flushReleases();
            assertTrue(schema.isReleased());
            assertEquals(1, ArrowDiagnostics.snapshot().exportReleases() - releasesBefore);
            assertEquals(liveBefore + 1, ArrowDiagnostics.snapshot().liveExports());
            source.close();
            assertEquals(0, memoryReleases.get(), "the array still holds the memory");
            callRelease(array.releaseCallback(), array.segment());
            assertEquals(1, memoryReleases.get(), "the array's release lets the memory go");
            ForeignMemory.flushReleases();
            assertTrue(array.isReleased());
            assertEquals(2, ArrowDiagnostics.snapshot().exportReleases() - releasesBefore);
        }
    }

    @Test
    void exportRefusesALiveTarget() {
        BufferView source = vector("i", 3);
        try (Arena structs = Arena.ofConfined()) {
            ArrowSchema schema = ArrowSchema.allocate(structs);
            ArrowArray array = ArrowArray.allocate(structs);
            ArrowExporter.exportView(source, schema, array);
            assertEquals("export target still holds a live struct: schema.released=false array.released=false",
                    assertThrows(ArrowExportException.class, () -> ArrowExporter.exportView(source, schema, array))
                            .getMessage());
            callRelease(schema.releaseCallback(), schema.segment());
            callRelease(array.releaseCallback(), array.segment());
        }
        source.close();
    }

    static void callRelease(MemorySegment function, MemorySegment struct) {
        try {
            java.lang.foreign.Linker.nativeLinker()
                    .downcallHandle(java.lang.foreign.FunctionDescriptor.ofVoid(ValueLayout.ADDRESS))
                    .invokeExact(function, struct);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
