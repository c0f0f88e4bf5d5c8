package io.bufferbridge.arrow.c;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

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
}
