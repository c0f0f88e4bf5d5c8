package io.bufferbridge.arrow.c;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile and broken pairs, built by hand with FFM: each is refused with a typed exception naming
 * the problem, before any buffer is read, and both producer callbacks still run exactly once.
 */
class ImportRefusalTest {
    private TestProducer p;

    private int importsBefore;

    @BeforeEach
    void open() {
        ForeignMemory.flushReleases();
        importsBefore = ArrowDiagnostics.snapshot().liveImports();
        p = new TestProducer();
    }

    @AfterEach
    void close() {
        ForeignMemory.flushReleases();
        assertEquals(importsBefore, ArrowDiagnostics.snapshot().liveImports(), "every import freed");
        p.close();
    }

    private MemorySegment[] fixed(MemorySegment data) {
        return new MemorySegment[] {MemorySegment.NULL, data};
    }

    private MemorySegment[] nested() {
        return new MemorySegment[] {MemorySegment.NULL};
    }

    private static Map<String, String> bb(String format, String shape, String strides, boolean readonly,
            boolean copied) {
        Map<String, String> md = new LinkedHashMap<>();
        md.put("bufferbridge.format", format);
        md.put("bufferbridge.shape", shape);
        md.put("bufferbridge.strides", strides);
        md.put("bufferbridge.readonly", Boolean.toString(readonly));
        md.put("bufferbridge.copied", Boolean.toString(copied));
        return md;
    }

    private static Map<String, String> tensor(String json) {
        Map<String, String> md = new LinkedHashMap<>();
        md.put("ARROW:extension:name", "arrow.fixed_shape_tensor");
        md.put("ARROW:extension:metadata", json);
        return md;
    }

    private ArrowImportException refused(ArrowSchema s, ArrowArray a, String message) {
        return refused(s, a, message, 1, 1);
    }

    /** The import is refused with exactly {@code message}, every release callback run once. */
    private ArrowImportException refused(ArrowSchema s, ArrowArray a, String message, int schemaReleases,
            int arrayReleases) {
        ArrowImportException e = assertThrows(ArrowImportException.class, () -> ArrowImporter.importView(s, a));
        assertEquals(message, e.getMessage());
        ForeignMemory.flushReleases();
        assertEquals(schemaReleases, TestProducer.SCHEMA_RELEASES.get(), "schema release callback runs");
        assertEquals(arrayReleases, TestProducer.ARRAY_RELEASES.get(), "array release callback runs");
        assertTrue(s.isReleased());
        assertTrue(a.isReleased());
        return e;
    }

    private ArrowArray ints3() {
        return p.root(p.array(3, 0, fixed(p.ints(1, 2, 3))));
    }

    @Test
    void nullFormat() {
        ArrowSchema s = p.root(p.schema(null));
        ArrowImportException e = refused(s, ints3(), "ArrowSchema format is NULL: path=root");
        assertEquals("root", e.path());
    }

    @Test
    void unknownFormat() {
        refused(p.root(p.schema("z")), ints3(), "unsupported Arrow format: path=root format='z'");
        p = new TestProducer();
        refused(p.root(p.schema("+m")), ints3(), "unsupported Arrow format: path=root format='+m'");
    }

    @Test
    void intervalIsRefusedByName() {
        refused(p.root(p.schema("tiM")), ints3(), "unsupported Arrow format: path=root format='tiM'");
    }

    @Test
    void fixedSizeBinaryWithoutSize() {
        refused(p.root(p.schema("w:")), ints3(), "fixed size missing: path=root format='w:' expected=w:N");
    }

    @Test
    void fixedSizeBinaryNegative() {
        refused(p.root(p.schema("w:-1")), ints3(), "fixed size is not a non-negative integer: path=root format='w:-1' found='-1'");
    }

    @Test
    void fixedSizeListWithoutChild() {
        ArrowSchema s = p.root(p.schema("+w:0"));
        ArrowArray a = p.root(p.array(3, 0, nested()));
        refused(s, a, "schema n_children does not match the type: path=root format='+w:0' expected=1 found=0");
    }

    @Test
    void wrongNumberOfBuffers() {
        ArrowArray a = p.root(p.array(3, 0, new MemorySegment[] {MemorySegment.NULL, p.ints(1, 2, 3), MemorySegment.NULL}));
        refused(p.root(p.schema("i")), a, "n_buffers does not match the type: path=root format='i' expected=2 found=3");
    }

    @Test
    void arrayChildrenDisagreeWithSchema() {
        ArrowSchema s = p.root(p.schema("+w:1", p.schema("i")));
        ArrowArray a = p.root(p.array(3, 0, nested()));
        refused(s, a, "array n_children does not match the schema: path=root format='+w:1' expected=1 found=0");
    }

    @Test
    void nullDataBufferWithLength() {
        ArrowArray a = p.root(p.array(3, 0, fixed(MemorySegment.NULL)));
        refused(p.root(p.schema("i")), a, "data buffer is NULL: path=root format='i' length=3");
    }

    @Test
    void negativeLength() {
        ArrowArray a = p.root(p.array(-1, 0, fixed(p.ints(1))));
        refused(p.root(p.schema("i")), a, "negative length or offset: path=root format='i' length=-1 offset=0");
    }

    @Test
    void negativeOffset() {
        ArrowArray a = p.root(p.array(1, -2, fixed(p.ints(1))));
        refused(p.root(p.schema("i")), a, "negative length or offset: path=root format='i' length=1 offset=-2");
    }

    @Test
    void offsetPlusLengthOverflows() {
        ArrowArray a = p.root(p.array(Long.MAX_VALUE, 1, fixed(p.ints(1))));
        refused(p.root(p.schema("i")), a, "offset + length overflows: path=root format='i' a=1 b=9223372036854775807");
    }

    @Test
    void listChildShorterThanParentNeeds() {
        ArrowSchema s = p.root(p.schema("+w:2", p.schema("i")));
        ArrowArray child = p.array(5, 0, fixed(p.ints(1, 2, 3, 4, 5)));
        ArrowArray a = p.root(p.array(2, 1, nested(), child));
        refused(s, a, "child too short for its parent's offset and length: path=root.0 length=5 expected>=6"
                + " parent.offset=1 parent.length=2 list_size=2");
    }

    @Test
    void structChildShorterThanParentNeeds() {
        ArrowSchema s = p.root(p.schema("+s", p.schema("i")));
        ArrowArray child = p.array(2, 0, fixed(p.ints(1, 2)));
        ArrowArray a = p.root(p.array(3, 0, nested(), child));
        refused(s, a, "child too short for its parent's offset and length: path=root.0 length=2 expected>=3 parent.offset=0 parent.length=3");
    }

    @Test
    void shapeProductContradictsLength() {
        ArrowSchema s = p.root(p.schema("i", bb("i", "5", "4", true, false)));
        refused(s, ints3(), "bufferbridge.shape contradicts the array length: path=root shape=[5] product=5 arrow_elements=3");
    }

    @Test
    void stridesOfACopyThatAreNotCStrides() {
        // A copy is C-contiguous: strides of 8 over a dense int32 copy would walk out of it.
        ArrowSchema s = p.root(p.schema("i", bb("i", "3", "8", true, true)));
        refused(s, ints3(), "bufferbridge.strides contradict bufferbridge.copied=true: path=root strides=[8]"
                + " expected=[4] (a copy's C-contiguous strides)");
    }

    @Test
    void stridesReachOutside() {
        ArrowSchema s = p.root(p.schema("i", bb("i", "3", "8", true, false)));
        ArrowImportException e = assertThrows(ArrowImportException.class, () -> ArrowImporter.importView(s, ints3()));
        assertTrue(e.getCause() instanceof io.bufferbridge.view.InvalidViewException, String.valueOf(e.getCause()));
        ForeignMemory.flushReleases();
        assertEquals(1, TestProducer.SCHEMA_RELEASES.get());
        assertEquals(1, TestProducer.ARRAY_RELEASES.get());
    }

    @Test
    void formatContradictsType() {
        ArrowSchema s = p.root(p.schema("i", bb("d", "3", "8", true, false)));
        refused(s, ints3(), "bufferbridge.format contradicts the Arrow type: path=root format='d' expected=g found=i");
    }

    @Test
    void formatDoesNotParse() {
        ArrowSchema s = p.root(p.schema("i", bb("i(", "3", "4", true, false)));
        refused(s, ints3(), "bufferbridge.format does not parse: path=root format='i('");
    }

    @Test
    void readonlyNotABoolean() {
        Map<String, String> md = bb("i", "3", "4", true, false);
        md.put("bufferbridge.readonly", "yes");
        refused(p.root(p.schema("i", md)), ints3(), "bufferbridge metadata is not true/false: path=root"
                + " key=bufferbridge.readonly found='yes'");
    }

    @Test
    void ndim2WithoutTensor() {
        ArrowSchema s = p.root(p.schema("i", bb("i", "1,3", "12,4", true, false)));
        refused(s, ints3(), "bufferbridge.shape has ndim>=2 but the type is no fixed_shape_tensor: path=root ndim=2 format='i' extension=null");
    }

    private ArrowArray list6(long length, long listSize) {
        ArrowArray child = p.array(6, 0, fixed(p.ints(1, 2, 3, 4, 5, 6)));
        return p.root(p.array(length, 0, nested(), child));
    }

    @Test
    void tensorPermutationNotAPermutation() {
        ArrowSchema s = p.root(p.schema("+w:6", tensor("{\"shape\":[2,3],\"permutation\":[0,0]}"), p.schema("i")));
        refused(s, list6(1, 6), "fixed_shape_tensor permutation is not a permutation of 0..1: path=root permutation=[0,0]");
    }

    @Test
    void tensorPermutationWrongLength() {
        ArrowSchema s = p.root(p.schema("+w:6", tensor("{\"shape\":[2,3],\"permutation\":[0]}"), p.schema("i")));
        refused(s, list6(1, 6), "fixed_shape_tensor permutation has the wrong length: path=root expected=2 found=[0]");
    }

    @Test
    void tensorShapeProductNotListSize() {
        ArrowSchema s = p.root(p.schema("+w:6", tensor("{\"shape\":[2,2]}"), p.schema("i")));
        refused(s, list6(1, 6), "fixed_shape_tensor shape does not match the list size: path=root shape=[2, 2]"
                + " product=4 list_size=6");
    }

    @Test
    void tensorMetadataNotJson() {
        ArrowSchema s = p.root(p.schema("+w:6", tensor("{shape:"), p.schema("i")));
        refused(s, list6(1, 6), "fixed_shape_tensor metadata is not JSON: path=root metadata='{shape:'");
    }

    @Test
    void tensorMetadataWithoutShape() {
        ArrowSchema s = p.root(p.schema("+w:6", tensor("{\"permutation\":[0]}"), p.schema("i")));
        refused(s, list6(1, 6), "fixed_shape_tensor metadata has no shape array: path=root metadata='{\"permutation\":[0]}'");
    }

    @Test
    void tensorInBufferbridgeMetadataIsCheckedToo() {
        Map<String, String> md = tensor("{\"shape\":[3],\"permutation\":[1]}");
        md.putAll(bb("i", "2,3", "12,4", true, false));
        ArrowSchema s = p.root(p.schema("+w:3", md, p.schema("i")));
        refused(s, list6(2, 3), "fixed_shape_tensor permutation is not a permutation of 0..0: path=root permutation=[1]");
    }

    @Test
    void tensorLogicalShapeContradictsBufferbridgeShape() {
        Map<String, String> md = tensor("{\"shape\":[3],\"permutation\":[0]}");
        md.putAll(bb("i", "3,2", "8,4", true, false));
        ArrowSchema s = p.root(p.schema("+w:3", md, p.schema("i")));
        // 2 rows of 3 = 6 elements like shape (3,2), but neither rows nor one whole tensor of it.
        refused(s, list6(2, 3), "fixed_shape_tensor contradicts bufferbridge.shape: path=root shape=[3, 2] length=2"
                + " tensor_logical_shape=[3]");
    }

    @Test
    void truncatedMetadataBlob() {
        // One pair announced and complete, a second announced whose key length is garbage (the
        // bytes after a truncated blob): 0xFFFFFFFF reads as -1.
        byte[] blob = new byte[4 + 4 + 1 + 4 + 1 + 4];
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(blob).order(java.nio.ByteOrder.nativeOrder());
        b.putInt(2).putInt(1).put((byte) 'k').putInt(1).put((byte) 'v').putInt(-1);
        ArrowSchema s = p.root(p.schema("i", p.bytes(blob)));
        refused(s, ints3(), "metadata blob truncated or malformed: path=root pair=1 key length=-1 expected=0..16777216");
    }

    @Test
    void metadataBlobLargerThanTheCapAsAWhole() {
        // Each string under the 16 MiB cap, the blob past it: refused before anything is copied.
        int len = 9 << 20;
        byte[] blob = new byte[4 + 4 + 1 + 4 + len + 4];
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(blob).order(java.nio.ByteOrder.nativeOrder());
        b.putInt(2).putInt(1).put((byte) 'k').putInt(len);
        // The second key announces another 9 MiB.
        java.nio.ByteBuffer.wrap(blob, 13 + len, 4).order(java.nio.ByteOrder.nativeOrder()).putInt(len);
        ArrowSchema s = p.root(p.schema("i", p.bytes(blob)));
        refused(s, ints3(), "metadata blob truncated or malformed: path=root pair=1 blobBytes>=" + (13L + len + 4 + len)
                + " expected=0..16777216");
    }

    @Test
    void metadataBlobWithNegativeCount() {
        byte[] blob = new byte[4];
        java.nio.ByteBuffer.wrap(blob).order(java.nio.ByteOrder.nativeOrder()).putInt(-5);
        refused(p.root(p.schema("i", p.bytes(blob))), ints3(), "metadata blob truncated or malformed: path=root pairs=-5 expected=0..65536");
    }

    @Test
    void schemaAlreadyReleased() {
        ArrowSchema s = p.schema("i");
        s.releaseCallback(MemorySegment.NULL);
        refused(s, ints3(), "ArrowSchema already released: path=root release=NULL", 0, 1);
    }

    @Test
    void arrayAlreadyReleased() {
        ArrowArray a = p.array(3, 0, fixed(p.ints(1, 2, 3)));
        a.releaseCallback(MemorySegment.NULL);
        refused(p.root(p.schema("i")), a, "ArrowArray already released: path=root release=NULL", 1, 0);
    }

    @Test
    void childAlreadyReleased() {
        ArrowSchema child = p.schema("i");
        child.releaseCallback(MemorySegment.NULL);
        ArrowSchema s = p.root(p.schema("+w:1", child));
        refused(s, list6(6, 1), "ArrowSchema already released: path=root.0 release=NULL");
    }

    @Test
    void dictionaryIsRefused() {
        ArrowSchema s = p.root(p.schema("i"));
        s.dictionary(p.schema("u").segment());
        refused(s, ints3(), "dictionary-encoded arrays are not supported: path=root format='i'");
    }

    @Test
    void nullsAreRefused() {
        ArrowArray a = p.root(p.array(3, 0, new MemorySegment[] {p.bytes(new byte[] {5}), p.ints(1, 2, 3)}));
        a.nullCount(1);
        refused(p.root(p.schema("i")), a, "nulls cannot be represented in a buffer view: path=root format='i' null_count=1");
    }

    @Test
    void uncomputedNullCountIsCountedInTheBitmap() {
        // Bits 1..3 are the range: 1, 1, 0 -> one null.
        ArrowArray a = p.root(p.array(3, 1, new MemorySegment[] {p.bytes(new byte[] {0b0110}), p.ints(1, 2, 3, 4)}));
        a.nullCount(-1);
        refused(p.root(p.schema("i")), a, "nulls cannot be represented in a buffer view: path=root format='i'"
                + " null_count=-1 nulls=1");
    }

    @Test
    void uncomputedNullCountWithAllValidIsAccepted() {
        ArrowArray a = p.root(p.array(2, 1, new MemorySegment[] {p.bytes(new byte[] {0b0110}), p.ints(1, 2, 3)}));
        a.nullCount(-1);
        BufferView v = ArrowImporter.importView(p.root(p.schema("i")), a);
        assertArrayEquals(new int[] {2, 3}, v.toIntArray());
        v.close();
        ForeignMemory.flushReleases();
        assertEquals(1, TestProducer.ARRAY_RELEASES.get());
    }

    @Test
    void structWithColonInFieldName() {
        ArrowSchema f = p.schema("i");
        f.name(p.cString("a:b"));
        ArrowSchema s = p.root(p.schema("+s", f));
        ArrowArray a = p.root(p.array(3, 0, nested(), p.array(3, 0, fixed(p.ints(1, 2, 3)))));
        ArrowImportException e = refused(s, a, "struct field name contains ':': path=root.0 name='a:b'");
        assertEquals("root.0", e.path());
    }

    // ------------------------------------------------------------ what a foreign producer gets back

    @Test
    void foreignOffsetIsHonouredAndReleaseRunsOnViewClose() {
        MemorySegment data = p.ints(10, 20, 30, 40, 50);
        ArrowSchema s = p.root(p.schema("i"));
        ArrowArray a = p.root(p.array(2, 3, fixed(data)));
        BufferView v = ArrowImporter.importView(s, a);
        ForeignMemory.flushReleases();
        assertTrue(s.isReleased() && a.isReleased(), "both moved");
        assertEquals(1, TestProducer.SCHEMA_RELEASES.get(), "schema released once read");
        assertEquals(0, TestProducer.ARRAY_RELEASES.get(), "zero-copy: array held by the view");
        assertArrayEquals(new int[] {40, 50}, v.toIntArray());
        assertEquals(data.address() + 12, v.address());
        assertTrue(v.isReadOnly());
        BufferView derived = v.asSlice(0, 1, 1);
        v.close();
        ForeignMemory.flushReleases();
        assertEquals(0, TestProducer.ARRAY_RELEASES.get(), "a derived view still holds it");
        derived.close();
        ForeignMemory.flushReleases();
        assertEquals(1, TestProducer.ARRAY_RELEASES.get());
    }

    @Test
    void foreignTensorWithPermutation() {
        // Two tensors of physical shape [3,2] with permutation [1,0]: logical shape [2,3].
        ArrowSchema s = p.root(p.schema("+w:6", tensor("{\"shape\":[3,2],\"permutation\":[1,0]}"), p.schema("i")));
        ArrowArray child = p.array(12, 0, fixed(p.ints(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)));
        ArrowArray a = p.root(p.array(1, 1, nested(), child));
        BufferView v = ArrowImporter.importView(s, a);
        assertEquals("i", v.format().text());
        assertArrayEquals(new long[] {1, 2, 3}, v.shape());
        assertArrayEquals(new long[] {24, 4, 8}, v.strides());
        // Physical element (j, i) holds 6 + 2j + i; logical (i, j) is physical (j, i).
        assertArrayEquals(new int[] {6, 8, 10, 7, 9, 11}, v.toIntArray());
        v.close();
        ForeignMemory.flushReleases();
        assertEquals(1, TestProducer.ARRAY_RELEASES.get());
    }

    @Test
    void foreignStructOfListsWithOffsets() {
        ArrowSchema xs = p.schema("+w:2", p.schema("s"));
        xs.name(p.cString("xy"));
        ArrowSchema flag = p.schema("b");
        flag.name(p.cString("ok"));
        ArrowSchema s = p.root(p.schema("+s", xs, flag));
        MemorySegment shorts = p.bytes(new byte[] {1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0});
        ArrowArray xsa = p.array(3, 0, nested(), p.array(6, 0, fixed(shorts)));
        // Struct element k is struct index 1 + k; the flags child has its own offset 1: bit 2 + k.
        ArrowArray flags = p.array(3, 1, fixed(p.bytes(new byte[] {0b0100})));
        ArrowArray a = p.root(p.array(2, 1, nested(), xsa, flags));
        BufferView v = ArrowImporter.importView(s, a);
        ForeignMemory.flushReleases();
        assertEquals(1, TestProducer.ARRAY_RELEASES.get(), "a copy releases the array at once");
        assertEquals("T{(2)h:xy:?:ok:}", v.format().text());
        assertEquals(6, v.itemsize());
        assertEquals(java.util.List.of(java.util.List.of(3L, 4L), true), deep(v.toList()).get(0));
        assertEquals(java.util.List.of(java.util.List.of(5L, 6L), false), deep(v.toList()).get(1));
        v.close();
    }

    private static java.util.List<Object> deep(Object o) {
        java.util.List<Object> out = new java.util.ArrayList<>();
        for (Object e : (java.util.List<?>) o) {
            out.add(norm(e));
        }
        return out;
    }

    private static Object norm(Object o) {
        if (o instanceof java.util.List<?> l) {
            return l.stream().map(ImportRefusalTest::norm).toList();
        }
        if (o instanceof Object[] a) {
            return java.util.Arrays.stream(a).map(ImportRefusalTest::norm).toList();
        }
        if (o instanceof Number n && !(o instanceof Double) && !(o instanceof Float)) {
            return n.longValue();
        }
        return o;
    }

    /** One corruption of the base pair and the refusal it gets. */
    record Case(String name, BiConsumer<TestProducer, ArrowSchema[]> schema, BiConsumer<TestProducer, ArrowArray[]> array,
            String message, int schemaReleases, int arrayReleases) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final BiConsumer<TestProducer, ArrowSchema[]> SAME_SCHEMA = (p, s) -> { };
    private static final BiConsumer<TestProducer, ArrowArray[]> SAME_ARRAY = (p, a) -> { };

    private static Case schemaCase(String name, BiConsumer<TestProducer, ArrowSchema[]> change, String message) {
        return new Case(name, change, SAME_ARRAY, message, 1, 1);
    }

    private static Case arrayCase(String name, BiConsumer<TestProducer, ArrowArray[]> change, String message) {
        return new Case(name, SAME_SCHEMA, change, message, 1, 1);
    }

    private static Case format(String format, String message) {
        return schemaCase("format " + format, (p, s) -> s[0].format(p.cString(format)), message);
    }

    /** The base array with {@code length} and {@code offset}. */
    private static Case extent(String name, String format, long length, long offset, String message) {
        return new Case(name, (p, s) -> s[0].format(p.cString(format)), (p, a) -> {
            a[0].length(length);
            a[0].offset(offset);
        }, message, 1, 1);
    }

    private static MemorySegment buffers(TestProducer p, MemorySegment... b) {
        MemorySegment list = p.arena.allocate(ValueLayout.ADDRESS, Math.max(1, b.length));
        for (int i = 0; i < b.length; i++) {
            list.setAtIndex(ValueLayout.ADDRESS, i, b[i]);
        }
        return list;
    }

    /** Bytes of all-set validity bits, but for bit {@code cleared} (none when negative). */
    private static MemorySegment bitmap(TestProducer p, int cleared) {
        MemorySegment m = p.arena.allocate(8);
        m.fill((byte) -1);
        if (cleared >= 0) {
            m.set(ValueLayout.JAVA_BYTE, cleared / 8, (byte) ~(1 << (cleared % 8)));
        }
        return m;
    }

    static Stream<Case> leafCorruptions() {
        List<Case> c = new ArrayList<>();
        c.add(new Case("schema released", (p, s) -> s[0].releaseCallback(MemorySegment.NULL), SAME_ARRAY,
                "ArrowSchema already released: path=root release=NULL", 0, 1));
        c.add(new Case("array released", SAME_SCHEMA, (p, a) -> a[0].releaseCallback(MemorySegment.NULL),
                "ArrowArray already released: path=root release=NULL", 1, 0));
        c.add(schemaCase("format NULL", (p, s) -> s[0].format(MemorySegment.NULL), "ArrowSchema format is NULL: path=root"));
        c.add(format("", "unsupported Arrow format: path=root format=''"));
        for (String f : new String[] {"ll", "l ", "x", "q", "t", "td", "tdd", "tdDs", "tt", "ttx", "tD", "tDx", "ts",
            "tsu", "tsx:", "tsu-UTC", "tss", "c\u00e9"}) {
            c.add(format(f, "unsupported Arrow format: path=root format='" + f + "'"));
        }
        c.add(schemaCase("format not NUL-terminated", (p, s) -> {
            // 'l' then 2^20 more non-NUL bytes: past the importer's limit for a C string.
            MemorySegment m = p.arena.allocate((1 << 20) + 2);
            m.fill((byte) 'l');
            s[0].format(m);
        }, "ArrowSchema format is not NUL-terminated: path=root limit=1048576"));
        c.add(schemaCase("timestamp not NUL-terminated", (p, s) -> {
            MemorySegment m = p.arena.allocate((1 << 20) + 1);
            m.fill((byte) 'x');
            m.setString(0, "tsu:");
            m.set(ValueLayout.JAVA_BYTE, 4, (byte) 'x');
            m.set(ValueLayout.JAVA_BYTE, 1 << 20, (byte) 0);
            s[0].format(m);
        }, "ArrowSchema format is not NUL-terminated: path=root limit=1048576"));
        c.add(schemaCase("schema dictionary", (p, s) -> s[0].dictionary(p.schema("i").segment()),
                "dictionary-encoded arrays are not supported: path=root format='l'"));
        c.add(schemaCase("schema n_children 1, children NULL", (p, s) -> s[0].nChildren(1),
                "ArrowSchema children is NULL: path=root n_children=1"));
        c.add(schemaCase("schema n_children -1", (p, s) -> s[0].nChildren(-1),
                "ArrowSchema n_children out of range: path=root n_children=-1 expected=0..65536"));
        c.add(schemaCase("schema n_children MIN", (p, s) -> s[0].nChildren(Long.MIN_VALUE),
                "ArrowSchema n_children out of range: path=root n_children=-9223372036854775808 expected=0..65536"));
        c.add(schemaCase("schema with a child", (p, s) -> {
            s[0].nChildren(1);
            s[0].children(buffers(p, p.schema("l").segment()));
        }, "schema n_children does not match the type: path=root format='l' expected=0 found=1"));
        c.add(schemaCase("metadata pairs -1", (p, s) -> s[0].metadata(p.ints(-1)),
                "metadata blob truncated or malformed: path=root pairs=-1 expected=0..65536"));
        c.add(schemaCase("metadata, bufferbridge shape contradicts length",
                (p, s) -> s[0].metadata(p.blob(Map.of("bufferbridge.format", "q", "bufferbridge.shape", "5",
                        "bufferbridge.strides", "8", "bufferbridge.readonly", "true", "bufferbridge.copied", "false"))),
                "bufferbridge.shape contradicts the array length: path=root shape=[5] product=5 arrow_elements=4"));
        c.add(arrayCase("array dictionary", (p, a) -> a[0].dictionary(p.array(1, 0, new MemorySegment[0]).segment()),
                "dictionary-encoded arrays are not supported: path=root"));
        c.add(arrayCase("n_buffers 1", (p, a) -> a[0].nBuffers(1),
                "n_buffers does not match the type: path=root format='l' expected=2 found=1"));
        c.add(arrayCase("n_buffers 0", (p, a) -> a[0].nBuffers(0),
                "n_buffers does not match the type: path=root format='l' expected=2 found=0"));
        c.add(arrayCase("n_buffers 3", (p, a) -> {
            a[0].nBuffers(3);
            a[0].buffers(buffers(p, MemorySegment.NULL, data(p), MemorySegment.NULL));
        }, "n_buffers does not match the type: path=root format='l' expected=2 found=3"));
        c.add(arrayCase("n_buffers -1", (p, a) -> a[0].nBuffers(-1),
                "ArrowArray n_buffers out of range: path=root n_buffers=-1 expected=0..64"));
        c.add(arrayCase("n_buffers 65", (p, a) -> a[0].nBuffers(65),
                "ArrowArray n_buffers out of range: path=root n_buffers=65 expected=0..64"));
        c.add(arrayCase("n_buffers MAX", (p, a) -> a[0].nBuffers(Long.MAX_VALUE),
                "ArrowArray n_buffers out of range: path=root n_buffers=9223372036854775807 expected=0..64"));
        c.add(arrayCase("buffers NULL", (p, a) -> a[0].buffers(MemorySegment.NULL),
                "ArrowArray buffers is NULL: path=root n_buffers=2"));
        c.add(arrayCase("array n_children 1, children NULL", (p, a) -> a[0].nChildren(1),
                "ArrowArray children is NULL: path=root n_children=1"));
        c.add(arrayCase("array n_children -1", (p, a) -> a[0].nChildren(-1),
                "ArrowArray n_children out of range: path=root n_children=-1 expected=0..65536"));
        c.add(arrayCase("array with a child", (p, a) -> {
            a[0].nChildren(1);
            a[0].children(buffers(p, p.array(5, 0, new MemorySegment[] {MemorySegment.NULL, data(p)}).segment()));
        }, "array n_children does not match the schema: path=root format='l' expected=0 found=1"));
        c.add(extent("length -1", "l", -1, 1, "negative length or offset: path=root format='l' length=-1 offset=1"));
        c.add(extent("length MIN", "l", Long.MIN_VALUE, 1,
                "negative length or offset: path=root format='l' length=-9223372036854775808 offset=1"));
        c.add(extent("offset -1", "l", 4, -1, "negative length or offset: path=root format='l' length=4 offset=-1"));
        c.add(extent("offset + length overflows", "l", 4, Long.MAX_VALUE,
                "offset + length overflows: path=root format='l' a=9223372036854775807 b=4"));
        c.add(extent("length + offset overflows", "c", Long.MAX_VALUE, 1,
                "offset + length overflows: path=root format='c' a=1 b=9223372036854775807"));
        c.add(extent("int64 bytes overflow", "l", Long.MAX_VALUE / 8, 1,
                "size overflows: path=root format='l' a=1152921504606846976 b=8"));
        c.add(extent("int16 bytes overflow", "s", Long.MAX_VALUE / 2, 1,
                "size overflows: path=root format='s' a=4611686018427387904 b=2"));
        c.add(extent("float32 bytes overflow", "f", Long.MAX_VALUE / 4 + 1, 0,
                "size overflows: path=root format='f' a=2305843009213693952 b=4"));
        c.add(extent("time64 bytes overflow", "ttn", Long.MAX_VALUE / 8 + 1, 0,
                "size overflows: path=root format='ttn' a=1152921504606846976 b=8"));
        c.add(extent("timestamp bytes overflow", "tsn:Europe/Paris", Long.MAX_VALUE / 8 + 1, 0,
                "size overflows: path=root format='tsn:Europe/Paris' a=1152921504606846976 b=8"));
        c.add(arrayCase("null_count -2", (p, a) -> a[0].nullCount(-2),
                "null_count out of range: path=root format='l' null_count=-2 expected>=-1"));
        c.add(arrayCase("null_count MIN", (p, a) -> a[0].nullCount(Long.MIN_VALUE),
                "null_count out of range: path=root format='l' null_count=-9223372036854775808 expected>=-1"));
        c.add(arrayCase("null_count 1 without validity", (p, a) -> a[0].nullCount(1),
                "null_count without a validity bitmap: path=root format='l' null_count=1"));
        c.add(arrayCase("null_count MAX without validity", (p, a) -> a[0].nullCount(Long.MAX_VALUE),
                "null_count without a validity bitmap: path=root format='l' null_count=9223372036854775807"));
        c.add(arrayCase("null_count 1 with validity", (p, a) -> {
            a[0].nullCount(1);
            a[0].buffers(buffers(p, bitmap(p, 2), data(p)));
        }, "nulls cannot be represented in a buffer view: path=root format='l' null_count=1"));
        c.add(arrayCase("null_count -1, a null in range", (p, a) -> {
            a[0].nullCount(-1);
            a[0].buffers(buffers(p, bitmap(p, 4), data(p)));
        }, "nulls cannot be represented in a buffer view: path=root format='l' null_count=-1 nulls=1"));
        c.add(arrayCase("null_count -1, the first element null", (p, a) -> {
            a[0].nullCount(-1);
            a[0].buffers(buffers(p, bitmap(p, 1), data(p)));
        }, "nulls cannot be represented in a buffer view: path=root format='l' null_count=-1 nulls=1"));
        c.add(arrayCase("data NULL", (p, a) -> a[0].buffers(buffers(p, MemorySegment.NULL, MemorySegment.NULL)),
                "data buffer is NULL: path=root format='l' length=4"));
        c.add(arrayCase("data NULL with validity", (p, a) -> a[0].buffers(buffers(p, bitmap(p, -1), MemorySegment.NULL)),
                "data buffer is NULL: path=root format='l' length=4"));
        return c.stream();
    }

    /** Five int64 values: the base array's offset 1 and length 4. */
    private static MemorySegment data(TestProducer p) {
        MemorySegment d = p.arena.allocate(ValueLayout.JAVA_LONG, 5);
        for (int i = 0; i < 5; i++) {
            d.setAtIndex(ValueLayout.JAVA_LONG, i, 10 + i);
        }
        return d;
    }

    /**
     * The foreign 1-D leaf pair (format {@code l}, nullable, no metadata, length 4 at offset 1, no
     * validity), which the importer takes without its record tree ({@code ForeignLeaves}), with one
     * field corrupted at a time, overflowing values included: each is refused with exactly the
     * message the importer gave before that shortcut existed (these cases' messages, captured from
     * main at {@code afecc52}), and every release callback runs exactly once.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("leafCorruptions")
    void aCorruptedLeafIsRefusedAsBefore(Case c) {
        ArrowSchema s = p.root(p.schema("l"));
        s.flags(ArrowSchema.FLAG_NULLABLE);
        ArrowArray a = p.root(p.array(4, 1, new MemorySegment[] {MemorySegment.NULL, data(p)}));
        c.schema().accept(p, new ArrowSchema[] {s});
        c.array().accept(p, new ArrowArray[] {a});
        refused(s, a, c.message(), c.schemaReleases(), c.arrayReleases());
    }

    /**
     * A read-only array struct cannot be marked released, so it is not moved: it stays the
     * caller's, and the schema, already moved, is released by the import (it was leaked, and the
     * import counted live, before the moved structs' pool).
     */
    @Test
    void aReadOnlyArrayStructIsNotMovedAndTheMovedSchemaIsReleased() {
        ArrowSchema s = p.root(p.schema("i"));
        ArrowArray writable = ints3();
        ArrowArray a = ArrowArray.wrap(writable.segment().asReadOnly());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ArrowImporter.importView(s, a));
        assertEquals("Attempt to write a read-only segment", e.getMessage());
        ForeignMemory.flushReleases();
        assertTrue(s.isReleased());
        assertEquals(1, TestProducer.SCHEMA_RELEASES.get(), "the moved schema released once");
        assertEquals(0, TestProducer.ARRAY_RELEASES.get(), "the array is still the caller's");
        assertTrue(!writable.isReleased(), "not moved");
        assertEquals(importsBefore, ArrowDiagnostics.snapshot().liveImports(), "nothing kept");
    }
}
