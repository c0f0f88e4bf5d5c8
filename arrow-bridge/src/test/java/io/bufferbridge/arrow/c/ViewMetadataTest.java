package io.bufferbridge.arrow.c;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bufferbridge.arrow.vector.ArrowVectors;
import io.bufferbridge.arrow.vector.VectorOfView;
import io.bufferbridge.view.BufferView;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;

/** The public reader and writer of the {@code bufferbridge.*} metadata (docs/contract.md §3). */
class ViewMetadataTest {

    private static Map<String, String> md(String format, String shape, String strides) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("ARROW:extension:name", "arrow.fixed_shape_tensor");
        m.put(ViewMetadata.FORMAT, format);
        m.put(ViewMetadata.SHAPE, shape);
        m.put(ViewMetadata.STRIDES, strides);
        m.put(ViewMetadata.READONLY, "true");
        m.put(ViewMetadata.COPIED, "false");
        return m;
    }

    @Test
    void keysAreTheContractsKeys() {
        assertEquals(List.of("bufferbridge.format", "bufferbridge.shape", "bufferbridge.strides",
                "bufferbridge.readonly", "bufferbridge.copied", "bufferbridge.itemsize"),
                List.of(ViewMetadata.FORMAT, ViewMetadata.SHAPE, ViewMetadata.STRIDES, ViewMetadata.READONLY,
                        ViewMetadata.COPIED, ViewMetadata.ITEMSIZE));
        assertTrue(ViewMetadata.FORMAT.startsWith(ViewMetadata.PREFIX));
    }

    @Test
    void parsesEveryKeyAndIgnoresOthers() {
        Map<String, String> m = md("<i", "2,3", "-4,+8");
        m.put(ViewMetadata.ITEMSIZE, "4");
        ViewMetadata v = ViewMetadata.parse(m);
        assertEquals("<i", v.format().text());
        assertEquals(4, v.itemsize());
        assertEquals(2, v.ndim());
        assertArrayEquals(new long[] {2, 3}, v.shape());
        assertArrayEquals(new long[] {-4, 8}, v.strides());
        assertEquals(3, v.dimension(1));
        assertEquals(-4, v.stride(0));
        assertTrue(v.isReadOnly());
        assertFalse(v.isCopied());
        // shape() is a copy: changing it changes nothing.
        v.shape()[0] = 99;
        assertEquals(2, v.dimension(0));
    }

    @Test
    void itemsizeDefaultsToTheFormatsRule() {
        assertEquals(5, ViewMetadata.parse(md("ic", "1", "5")).itemsize());
        assertEquals(8, ViewMetadata.parse(md("T{i:a:c:b:}", "1", "8")).itemsize());
    }

    @Test
    void zeroDimensionalIsEmptyLists() {
        ViewMetadata v = ViewMetadata.parse(md("d", "", ""));
        assertEquals(0, v.ndim());
        assertEquals("{bufferbridge.format=d, bufferbridge.shape=, bufferbridge.strides=, bufferbridge.readonly=true,"
                + " bufferbridge.copied=false, bufferbridge.itemsize=8}", v.toString());
    }

    @Test
    void extremeIntegersAreReadAsLongParseLongReadsThem() {
        ViewMetadata v = ViewMetadata.parse(md("B", "9223372036854775807,0", "-9223372036854775808,1"));
        assertArrayEquals(new long[] {Long.MAX_VALUE, 0}, v.shape());
        assertArrayEquals(new long[] {Long.MIN_VALUE, 1}, v.strides());
    }

    @Test
    void refusalsNameTheKeyAndWhatWasFound() {
        assertEquals("bufferbridge metadata incomplete: path=root missing=bufferbridge.format",
                refusal(new LinkedHashMap<>()));
        Map<String, String> noShape = md("i", "1", "4");
        noShape.remove(ViewMetadata.SHAPE);
        assertEquals("bufferbridge metadata incomplete: path=root missing=bufferbridge.shape", refusal(noShape));
        for (String bad : List.of("1,", ",1", "1,,2", "x", "-", "9223372036854775808", "1 ", "0x10")) {
            assertEquals("bufferbridge metadata is not a list of integers: path=root key=bufferbridge.shape found='"
                    + bad + "'", refusal(md("i", bad, "4")), bad);
        }
        assertEquals("bufferbridge.shape and bufferbridge.strides disagree: path=root shape=[1, 2] strides=[4]",
                refusal(md("i", "1,2", "4")));
        assertEquals("bufferbridge.shape has a negative dimension: path=root shape=[-1]", refusal(md("i", "-1", "4")));
        Map<String, String> yes = md("i", "1", "4");
        yes.put(ViewMetadata.READONLY, "yes");
        assertEquals("bufferbridge metadata is not true/false: path=root key=bufferbridge.readonly found='yes'",
                refusal(yes));
        Map<String, String> two = md("i", "1", "4");
        two.put(ViewMetadata.ITEMSIZE, "4,4");
        assertEquals("bufferbridge.itemsize is not one integer: path=root found='4,4'", refusal(two));
        Map<String, String> six = md("ic", "1", "4");
        six.put(ViewMetadata.ITEMSIZE, "6");
        assertEquals("bufferbridge.itemsize does not match bufferbridge.format: path=root format='ic' itemsize=6"
                + " expected=5 or 8", refusal(six));
        assertEquals("bufferbridge.format does not parse: path=root format='i('", refusal(md("i(", "1", "4")));
    }

    private static String refusal(Map<String, String> m) {
        return assertThrows(ArrowImportException.class, () -> ViewMetadata.parse(m)).getMessage();
    }

    @Test
    void ofAViewDescribesTheExportAndRoundTripsThroughToMap() {
        int[] values = {1, 2, 3, 4, 5, 6};
        try (BufferView v = BufferView.of(MemorySegment.ofArray(values), 20, "i", 4, new long[] {2, 3},
                new long[] {-12, -4}, false)) {
            ViewMetadata zeroCopy = ViewMetadata.of(v, false);
            assertEquals(Map.of(ViewMetadata.FORMAT, "i", ViewMetadata.SHAPE, "2,3", ViewMetadata.STRIDES, "-12,-4",
                    ViewMetadata.READONLY, "false", ViewMetadata.COPIED, "false", ViewMetadata.ITEMSIZE, "4"),
                    zeroCopy.toMap());
            assertEquals(List.copyOf(zeroCopy.toMap().keySet()), List.of(ViewMetadata.FORMAT, ViewMetadata.SHAPE,
                    ViewMetadata.STRIDES, ViewMetadata.READONLY, ViewMetadata.COPIED, ViewMetadata.ITEMSIZE));
            assertEquals(zeroCopy, ViewMetadata.parse(zeroCopy.toMap()));
            assertEquals(zeroCopy.hashCode(), ViewMetadata.parse(zeroCopy.toMap()).hashCode());
            ViewMetadata copy = ViewMetadata.of(v, true);
            assertEquals("12,4", copy.toMap().get(ViewMetadata.STRIDES));
            assertEquals("true", copy.toMap().get(ViewMetadata.COPIED));
            assertFalse(copy.equals(zeroCopy));
        }
    }

    @Test
    void readsTheFieldOfAnArrowJavaVector() {
        long[] values = {7, 8, 9};
        try (BufferAllocator allocator = new RootAllocator();
                BufferView v = BufferView.of(MemorySegment.ofArray(values), 0, "q", 8, new long[] {3},
                        new long[] {8}, true);
                VectorOfView vector = ArrowVectors.toVector(v, allocator)) {
            Map<String, String> field = vector.vector().getField().getMetadata();
            assertTrue(ViewMetadata.isPresent(field));
            ViewMetadata m = ViewMetadata.parse(field);
            assertEquals("q", m.format().text());
            assertArrayEquals(new long[] {3}, m.shape());
            assertTrue(m.isReadOnly());
            // A heap view is exported as a copy: C strides, copied=true.
            assertTrue(m.isCopied());
            assertArrayEquals(new long[] {8}, m.strides());
        }
        assertFalse(ViewMetadata.isPresent(Map.of("ARROW:extension:name", "arrow.bool8")));
    }
}
