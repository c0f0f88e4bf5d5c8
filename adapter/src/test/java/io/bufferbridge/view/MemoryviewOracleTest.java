package io.bufferbridge.view;

import io.bufferbridge.testing.Oracle;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays {@code oracle/memoryview.jsonl}, written by {@code src/test/python/buffer_oracle.py} from
 * CPython 3.11's {@code memoryview} over NumPy, ctypes and {@code _testbuffer} exporters. Each
 * row's view is rebuilt as a {@link BufferView} over the recorded memory, and the row's operation
 * (tolist, tobytes, slice, index, cast, eq) must give CPython's result.
 *
 * <p>Where bufferbridge deliberately goes beyond CPython 3.11, the row is still replayed, against
 * an independent expectation rather than CPython's refusal:
 * <ul>
 *   <li>tolist / index of a format 3.11's {@code memoryview} cannot unpack ({@code e}, {@code <i},
 *       {@code >i}, {@code >d}, {@code =d}, {@code hd}, {@code <ih}, {@code T{…}}): the value is
 *       decoded from the row's memory by hand with {@link ByteBuffer} in this test;
 *   <li>index with fewer integers than dimensions, or with slices ("sub-views are not
 *       implemented"): {@link BufferView#asIndex} / {@link BufferView#asSlice(int, long, long,
 *       long)} under NumPy's semantics, checked against CPython's own {@code tolist()} of the view,
 *       indexed and sliced as Python lists;
 *   <li>eq between {@code T{…}} records, which CPython finds unequal because {@code struct}
 *       cannot unpack NumPy's record syntax: compared by Python {@code ==} of the unpacked values.
 * </ul>
 */
class MemoryviewOracleTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Formats CPython 3.11's memoryview cannot unpack and bufferbridge can; decoded by hand below. */
    private static final Set<String> BEYOND_CPYTHON_FORMATS =
            Set.of("e", "<i", ">i", ">d", "=d", "hd", "<ih", "T{i:a:=d:b:}", "T{i:a:xxxxd:b:}");

    /**
     * Rows without a bufferbridge counterpart, with the reason. Each is still checked to be the
     * refusal recorded here, so that a regenerated oracle cannot slip a new row past the replay.
     */
    private static final Map<String, String> NO_COUNTERPART = Map.of(
            "h_2d_C.index.11", "TypeError: memoryview: invalid slice key");

    static List<JsonNode> rows() throws IOException {
        return Oracle.rows("/oracle/memoryview.jsonl");
    }

    @Test
    void oracleHasTheCountsTheReadmeStates() throws IOException {
        List<JsonNode> rows = rows();
        assertTrue(rows.size() >= 150, "memoryview rows: " + rows.size());
        Map<String, Long> byOp = rows.stream().collect(Collectors.groupingBy(r -> r.get("op").asText(),
                Collectors.counting()));
        assertEquals(Set.of("tolist", "tobytes", "slice", "index", "cast", "eq"), byOp.keySet(), "ops " + byOp);
        assertEquals(rows.size(), rows.stream().map(r -> r.get("id").asText()).distinct().count(), "unique ids");
    }

    @TestFactory
    Stream<DynamicTest> everyRowAgrees() throws IOException {
        List<JsonNode> rows = rows();
        return rows.stream().map(row -> DynamicTest.dynamicTest(row.get("id").asText(), () -> {
            BufferView view = viewOf(row.get("view"));
            switch (row.get("op").asText()) {
                case "tolist" -> checkToList(row, view);
                case "tobytes" -> checkToBytes(row, view);
                case "slice" -> checkSlice(row, view);
                case "index" -> checkIndex(row, view, rows);
                case "cast" -> checkCast(row, view);
                case "eq" -> checkEq(row, view);
                default -> fail("unknown op " + row.get("op"));
            }
        }));
    }

    // ---------------------------------------------------------------- views

    static BufferView viewOf(JsonNode v) {
        byte[] memory = HexFormat.of().parseHex(v.get("memory").asText());
        return BufferView.of(MemorySegment.ofArray(memory), v.get("offset").asLong(), v.get("format").asText(),
                v.get("itemsize").asLong(), longs(v.get("shape")), longs(v.get("strides")),
                v.get("readonly").asBoolean());
    }

    private static long memorySize(JsonNode v) {
        return v.get("memory").asText().length() / 2;
    }

    // ---------------------------------------------------------------- ops

    private static void checkToList(JsonNode row, BufferView view) {
        if (row.has("result")) {
            assertPythonValue(row.get("result"), view.toList(), "tolist");
            return;
        }
        String format = requireUnsupportedFormat(row);
        assertSameValue(decodeAllByHand(row.get("view"), format), view.toList(), "tolist of " + format);
    }

    private static void checkToBytes(JsonNode row, BufferView view) {
        String order = row.get("args").get("order").asText();
        if (row.has("error")) {
            // CPython: ValueError: order must be 'C', 'F' or 'A'. Our order is an enum: there is no 'X'.
            assertEquals("ValueError: order must be 'C', 'F' or 'A'", row.get("error").asText());
            assertThrows(IllegalArgumentException.class, () -> Order.valueOf(order));
            return;
        }
        assertEquals(row.get("result").asText(), hex(view.toBytes(Order.valueOf(order))), "tobytes(" + order + ")");
    }

    private static void checkSlice(JsonNode row, BufferView view) {
        JsonNode args = row.get("args");
        Long start = nullableLong(args.get("start"));
        Long stop = nullableLong(args.get("stop"));
        Long step = nullableLong(args.get("step"));
        long k = step == null ? 1 : step;
        long s = start != null ? start : k > 0 ? 0 : Long.MAX_VALUE;
        long e = stop != null ? stop : k > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
        if (row.has("error")) {
            String error = row.get("error").asText();
            InvalidViewException x = assertThrows(InvalidViewException.class, () -> view.asSlice(s, e, k), error);
            switch (error) {
                case "ValueError: slice step cannot be zero" ->
                        assertTrue(x.getMessage().contains("slice step cannot be zero"), x.getMessage());
                case "TypeError: invalid indexing of 0-dim memory" -> {
                    assertEquals(0, view.ndim());
                    assertTrue(x.getMessage().contains("ndim=0"), x.getMessage());
                }
                default -> fail("unexpected CPython slice error: " + error);
            }
            return;
        }
        BufferView slice = view.asSlice(s, e, k);
        checkViewResult(row.get("result"), slice, memorySize(row.get("view")), "slice");
    }

    /** Compares a derived view with CPython's {@code {shape, strides, offset, logical, readonly}}. */
    private static void checkViewResult(JsonNode want, BufferView got, long memorySize, String what) {
        assertArrayEquals(longs(want.get("shape")), got.shape(), what + " shape");
        assertArrayEquals(longs(want.get("strides")), got.strides(), what + " strides");
        assertEquals(want.get("readonly").asBoolean(), got.isReadOnly(), what + " readonly");
        assertEquals(want.get("logical").asText(), hex(got.toBytes()), what + " logical bytes");
        if (got.elementCount() > 0) {
            assertEquals(want.get("offset").asLong(), got.offset(), what + " offset");
        } else {
            // CPython's pointer of an empty result may lie outside the memory; ours stays valid
            assertTrue(got.offset() >= 0 && got.offset() <= memorySize,
                    what + " offset " + got.offset() + " outside [0, " + memorySize + "]");
        }
    }

    private static void checkIndex(JsonNode row, BufferView view, List<JsonNode> rows) {
        String id = row.get("id").asText();
        JsonNode key = row.get("args").get("index");
        String error = row.has("error") ? row.get("error").asText() : null;

        if (NO_COUNTERPART.containsKey(id)) {
            // m[...] on a view of ndim >= 1: CPython refuses it and bufferbridge has no Ellipsis index
            assertEquals(NO_COUNTERPART.get(id), error, id + " is recorded as having no counterpart");
            return;
        }
        if (key.isTextual()) {
            // m[...] on a 0-d view is the view itself
            assertEquals("...", key.asText());
            assertEquals(0, view.ndim(), "Ellipsis is replayed for 0-d views only");
            checkViewResult(row.get("result").get("view"), view, memorySize(row.get("view")), "m[...]");
            return;
        }
        List<JsonNode> keys = new ArrayList<>();
        if (key.isArray()) {
            key.forEach(keys::add);
        } else {
            keys.add(key);
        }
        boolean allInts = keys.stream().allMatch(JsonNode::isIntegralNumber);

        if (allInts && keys.size() >= view.ndim()) {
            long[] index = keys.stream().mapToLong(JsonNode::asLong).toArray();
            if (error == null) {
                assertPythonValue(row.get("result"), view.get(index), "m" + key);
            } else if (error.startsWith("IndexError: index out of bounds")
                    || error.startsWith("TypeError: cannot index ")
                    || error.equals("TypeError: invalid indexing of 0-dim memory")) {
                // out of range, or more coordinates than dimensions
                assertThrows(IndexOutOfBoundsException.class, () -> view.get(index), error);
            } else {
                String format = requireUnsupportedFormat(row);
                assertSameValue(decodeByHand(format, memoryOf(row.get("view")),
                        position(row.get("view"), index)), view.get(index), "m" + key + " of " + format);
            }
            return;
        }

        // Fewer integers than dimensions, or slices: CPython 3.11 refuses ("sub-views are not
        // implemented", "multi-dimensional slicing is not implemented", "invalid slice key" for a
        // mix). bufferbridge derives the sub-view as NumPy does; compare it with CPython's own
        // tolist() of the same view, indexed and sliced as Python lists.
        assertNotNull(error, "CPython accepted a sub-view key: " + row);
        assertTrue(error.startsWith("NotImplementedError: ") || error.equals("TypeError: memoryview: invalid slice key"),
                error);
        BufferView sub = view;
        int axis = 0;
        for (JsonNode k : keys) {
            if (k.isIntegralNumber()) {
                sub = sub.asIndex(axis, k.asLong());
            } else {
                Long step = nullableLong(k.get("step"));
                long st = step == null ? 1 : step;
                Long start = nullableLong(k.get("start"));
                Long stop = nullableLong(k.get("stop"));
                sub = sub.asSlice(axis, start != null ? start : st > 0 ? 0 : Long.MAX_VALUE,
                        stop != null ? stop : st > 0 ? Long.MAX_VALUE : Long.MIN_VALUE, st);
                axis++;
            }
        }
        assertEquals(view.isReadOnly(), sub.isReadOnly(), "sub-view readonly");
        JsonNode cpythonList = cpythonToList(rows, id);
        assertPythonValue(select(cpythonList, keys), sub.toList(), "m" + key + " against CPython's tolist()");
        Object ours = view.toList();
        assertSameValue(selectJava(ours, keys), sub.toList(), "m" + key + " against our parent's toList()");
    }

    private static void checkCast(JsonNode row, BufferView view) {
        JsonNode args = row.get("args");
        String format = args.get("format").asText();
        long[] shape = args.get("shape").isNull() ? null : longs(args.get("shape"));
        if (row.has("error")) {
            String error = row.get("error").asText();
            String reason = ourCastReason(error);
            // A contiguity refusal is a BufferException wherever it comes from (getBuffer, asSegment,
            // asCast); CPython's cast raises TypeError for it, its getbuffer BufferError.
            Class<? extends RuntimeException> type = reason.startsWith("cast: casts are restricted to C-contiguous")
                    ? BufferException.class : InvalidViewException.class;
            RuntimeException e = assertThrows(type, () -> cast(view, format, shape), error);
            assertTrue(e.getMessage().contains(reason),
                    "message should contain '" + reason + "' (CPython: " + error + "), was: " + e.getMessage());
            return;
        }
        JsonNode want = row.get("result");
        BufferView c = cast(view, format, shape);
        assertEquals(want.get("format").asText(), c.format().text(), "format");
        assertEquals(want.get("itemsize").asLong(), c.itemsize(), "itemsize");
        assertArrayEquals(longs(want.get("shape")), c.shape(), "shape");
        assertArrayEquals(longs(want.get("strides")), c.strides(), "strides");
        assertEquals(want.get("logical").asText(), hex(c.toBytes()), "logical bytes");
        assertEquals(want.get("readonly").asBoolean(), c.isReadOnly(), "readonly");
        assertTrue(c.isCContiguous(), "a cast is C-contiguous");
    }

    private static BufferView cast(BufferView view, String format, long[] shape) {
        return shape == null ? view.asCast(format) : view.asCast(format, shape);
    }

    /** CPython's message with {@code "memoryview: "} (or {@code "memoryview.cast(): "}) as {@code "cast: "}. */
    static String ourCastReason(String cpython) {
        String reason = cpython.replaceFirst("^(TypeError|ValueError): ", "");
        assertFalse(reason.equals(cpython), "not a TypeError or ValueError: " + cpython);
        for (String prefix : List.of("memoryview: ", "memoryview.cast(): ")) {
            if (reason.startsWith(prefix)) {
                return "cast: " + reason.substring(prefix.length());
            }
        }
        fail("unexpected CPython cast error: " + cpython);
        return null;
    }

    private static void checkEq(JsonNode row, BufferView view) {
        JsonNode args = row.get("args");
        BufferView other = args.get("same_object").asBoolean() ? view : viewOf(args.get("other"));
        boolean cpython = row.get("result").asBoolean();
        String mine = row.get("view").get("format").asText();
        String theirs = args.get("other").get("format").asText();
        if (mine.startsWith("T{") || theirs.startsWith("T{")) {
            // CPython answers False because struct cannot unpack NumPy's record syntax, whatever
            // the values; bufferbridge compares the unpacked values with Python's == instead.
            assertFalse(cpython, "CPython compares T{...} records as unequal");
            boolean expected = view.ndim() == other.ndim() && Arrays.equals(view.shape(), other.shape())
                    && pythonEquals(view.toList(), other.toList());
            assertEquals(expected, view.contentEquals(other), "records compared by value");
            assertEquals(expected, other.contentEquals(view), "records compared by value, swapped");
            return;
        }
        assertEquals(cpython, view.contentEquals(other), "==");
        assertEquals(cpython, other.contentEquals(view), "== swapped");
    }

    // ---------------------------------------------------------------- CPython values

    /** Python value (as the script writes it in JSON) against ours. */
    static void assertPythonValue(JsonNode want, Object got, String where) {
        if (want.isArray()) {
            List<?> list = assertInstanceOf(List.class, got, where);
            assertEquals(want.size(), list.size(), where + " length");
            for (int k = 0; k < want.size(); k++) {
                assertPythonValue(want.get(k), list.get(k), where + "[" + k + "]");
            }
        } else if (want.isBoolean()) {
            assertEquals(want.asBoolean(), assertInstanceOf(Boolean.class, got, where), where);
        } else if (want.isIntegralNumber()) {
            if (want.canConvertToLong()) {
                assertEquals(want.asLong(), assertInstanceOf(Long.class, got, where), where);
            } else {
                assertEquals(want.bigIntegerValue(), assertInstanceOf(BigInteger.class, got, where), where);
            }
        } else if (want.isFloatingPointNumber()) {
            assertSameDouble(want.asDouble(), assertInstanceOf(Double.class, got, where), where);
        } else if (want.isTextual() && want.asText().startsWith("hex:")) {
            assertArrayEquals(HexFormat.of().parseHex(want.asText().substring(4)),
                    assertInstanceOf(byte[].class, got, where), where);
        } else if (want.isTextual()) {
            double d = switch (want.asText()) {
                case "nan" -> Double.NaN;
                case "inf" -> Double.POSITIVE_INFINITY;
                case "-inf" -> Double.NEGATIVE_INFINITY;
                default -> throw new AssertionError("unknown JSON value " + want + " at " + where);
            };
            assertSameDouble(d, assertInstanceOf(Double.class, got, where), where);
        } else {
            fail("unexpected JSON value " + want + " at " + where);
        }
    }

    /** Same value and type: -0.0 differs from 0.0, NaN matches NaN. */
    private static void assertSameDouble(double want, double got, String where) {
        assertEquals(0, Double.compare(want, got), where + ": expected " + want + ", was " + got);
    }

    /** The CPython tolist() row of the view an index row is about. */
    private static JsonNode cpythonToList(List<JsonNode> rows, String indexId) {
        String viewId = indexId.substring(0, indexId.indexOf(".index."));
        return rows.stream()
                .filter(r -> r.get("id").asText().equals(viewId + ".tolist.1") && r.has("result"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no CPython tolist() of " + viewId))
                .get("result");
    }

    /** Python's {@code lst[k0][k1]…} on nested lists, NumPy-style for slices followed by more keys. */
    private static JsonNode select(JsonNode list, List<JsonNode> keys) {
        if (keys.isEmpty()) {
            return list;
        }
        JsonNode k = keys.getFirst();
        List<JsonNode> rest = keys.subList(1, keys.size());
        if (k.isIntegralNumber()) {
            long i = k.asLong() < 0 ? k.asLong() + list.size() : k.asLong();
            return select(list.get((int) i), rest);
        }
        var out = JSON.createArrayNode();
        for (long i : sliceIndices(list.size(), k)) {
            out.add(select(list.get((int) i), rest));
        }
        return out;
    }

    private static Object selectJava(Object list, List<JsonNode> keys) {
        if (keys.isEmpty()) {
            return list;
        }
        List<?> l = (List<?>) list;
        JsonNode k = keys.getFirst();
        List<JsonNode> rest = keys.subList(1, keys.size());
        if (k.isIntegralNumber()) {
            long i = k.asLong() < 0 ? k.asLong() + l.size() : k.asLong();
            return selectJava(l.get((int) i), rest);
        }
        List<Object> out = new ArrayList<>();
        for (long i : sliceIndices(l.size(), k)) {
            out.add(selectJava(l.get((int) i), rest));
        }
        return out;
    }

    /** {@code range(*slice(start, stop, step).indices(length))}, as Python computes it. */
    private static List<Long> sliceIndices(long length, JsonNode slice) {
        Long startKey = nullableLong(slice.get("start"));
        Long stopKey = nullableLong(slice.get("stop"));
        Long stepKey = nullableLong(slice.get("step"));
        long step = stepKey == null ? 1 : stepKey;
        long lower = step < 0 ? -1 : 0;
        long upper = step < 0 ? length - 1 : length;
        Function<Long, Long> clamp = b -> b < 0 ? Math.max(b + length, lower) : Math.min(b, upper);
        long start = startKey == null ? (step < 0 ? upper : lower) : clamp.apply(startKey);
        long stop = stopKey == null ? (step < 0 ? lower : upper) : clamp.apply(stopKey);
        List<Long> out = new ArrayList<>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
            out.add(i);
        }
        return out;
    }

    // ---------------------------------------------------------------- decoding by hand

    /** The row must be CPython's "cannot unpack this format" refusal, for a format we decode by hand. */
    private static String requireUnsupportedFormat(JsonNode row) {
        String format = row.get("view").get("format").asText();
        String error = row.get("error").asText();
        assertTrue(error.equals("NotImplementedError: memoryview: format " + format + " not supported")
                || error.equals("NotImplementedError: memoryview: unsupported format " + format),
                "CPython error is not an unsupported-format refusal: " + error);
        assertTrue(BEYOND_CPYTHON_FORMATS.contains(format), "no hand decoder for " + format);
        return format;
    }

    private static ByteBuffer memoryOf(JsonNode v) {
        return ByteBuffer.wrap(HexFormat.of().parseHex(v.get("memory").asText()));
    }

    private static int position(JsonNode v, long[] index) {
        long[] shape = longs(v.get("shape"));
        long[] strides = longs(v.get("strides"));
        long pos = v.get("offset").asLong();
        for (int k = 0; k < index.length; k++) {
            long i = index[k] < 0 ? index[k] + shape[k] : index[k];
            pos += i * strides[k];
        }
        return Math.toIntExact(pos);
    }

    private static Object decodeAllByHand(JsonNode v, String format) {
        ByteBuffer memory = memoryOf(v);
        long[] shape = longs(v.get("shape"));
        long[] strides = longs(v.get("strides"));
        return walk(memory, format, shape, strides, 0, v.get("offset").asLong());
    }

    private static Object walk(ByteBuffer memory, String format, long[] shape, long[] strides, int dim, long pos) {
        if (dim == shape.length) {
            return decodeByHand(format, memory, Math.toIntExact(pos));
        }
        List<Object> out = new ArrayList<>();
        for (long i = 0; i < shape[dim]; i++) {
            out.add(walk(memory, format, shape, strides, dim + 1, pos + i * strides[dim]));
        }
        return out;
    }

    /**
     * One element, decoded as {@code struct.unpack} (or NumPy, for {@code T{…}}) would on the
     * little-endian LP64 machine the oracle was recorded on.
     */
    private static Object decodeByHand(String format, ByteBuffer memory, int pos) {
        ByteBuffer le = memory.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer be = memory.duplicate().order(ByteOrder.BIG_ENDIAN);
        return switch (format) {
            case "e" -> halfToDouble(le.getShort(pos));
            case "<i" -> (long) le.getInt(pos);
            case ">i" -> (long) be.getInt(pos);
            case ">d" -> be.getDouble(pos);
            case "=d" -> le.getDouble(pos);
            // native alignment: the double is aligned to 8
            case "hd" -> List.of((long) le.getShort(pos), le.getDouble(pos + 8));
            // standard sizes, no alignment
            case "<ih" -> List.of((long) le.getInt(pos), (long) le.getShort(pos + 4));
            // native int at 0, then '=' (no alignment): the double at 4
            case "T{i:a:=d:b:}" -> List.of((long) le.getInt(pos), le.getDouble(pos + 4));
            // native int at 0, four pad bytes, native double at 8
            case "T{i:a:xxxxd:b:}" -> List.of((long) le.getInt(pos), le.getDouble(pos + 8));
            default -> throw new AssertionError("no hand decoder for " + format);
        };
    }

    /** IEEE 754 binary16 to double: 1 sign bit, 5 exponent bits (bias 15), 10 fraction bits. */
    static double halfToDouble(short bits) {
        int h = bits & 0xffff;
        int exponent = (h >>> 10) & 0x1f;
        int fraction = h & 0x3ff;
        double magnitude;
        if (exponent == 0x1f) {
            magnitude = fraction == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        } else if (exponent == 0) {
            magnitude = Math.scalb((double) fraction, -24);
        } else {
            magnitude = Math.scalb((double) (fraction | 0x400), exponent - 25);
        }
        return (h & 0x8000) != 0 ? -magnitude : magnitude;
    }

    @Test
    void halfDecoderKnowsItsCorners() {
        assertEquals(1.0, halfToDouble((short) 0x3c00));
        assertEquals(-2.0, halfToDouble((short) 0xc000));
        assertEquals(65504.0, halfToDouble((short) 0x7bff));
        assertEquals(Math.scalb(1.0, -24), halfToDouble((short) 0x0001));
        assertEquals(0, Double.compare(-0.0, halfToDouble((short) 0x8000)));
        assertEquals(Double.NEGATIVE_INFINITY, halfToDouble((short) 0xfc00));
        assertTrue(Double.isNaN(halfToDouble((short) 0x7e00)));
    }

    /** Same Java value: same type, equal numbers ({@link Double#compare}), equal bytes, lists element-wise. */
    private static void assertSameValue(Object want, Object got, String where) {
        if (want instanceof List<?> lw) {
            List<?> lg = assertInstanceOf(List.class, got, where);
            assertEquals(lw.size(), lg.size(), where + " length");
            for (int k = 0; k < lw.size(); k++) {
                assertSameValue(lw.get(k), lg.get(k), where + "[" + k + "]");
            }
        } else if (want instanceof Double d) {
            assertSameDouble(d, assertInstanceOf(Double.class, got, where), where);
        } else if (want instanceof byte[] b) {
            assertArrayEquals(b, assertInstanceOf(byte[].class, got, where), where);
        } else {
            assertNotNull(got, where);
            assertEquals(want.getClass(), got.getClass(), where + " type");
            assertEquals(want, got, where);
        }
    }

    // ---------------------------------------------------------------- Python ==, for T{…} rows

    /** Python's {@code ==} on unpacked values, written here independently of the library. */
    static boolean pythonEquals(Object a, Object b) {
        if (a instanceof List<?> la) {
            if (!(b instanceof List<?> lb) || la.size() != lb.size()) {
                return false;
            }
            for (int k = 0; k < la.size(); k++) {
                if (!pythonEquals(la.get(k), lb.get(k))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof byte[] || b instanceof byte[]) {
            return a instanceof byte[] x && b instanceof byte[] y && Arrays.equals(x, y);
        }
        if (a instanceof Double x && !Double.isFinite(x) || b instanceof Double y && !Double.isFinite(y)) {
            // NaN equals nothing; an infinity equals only the same infinity
            return a instanceof Double x && b instanceof Double y && !Double.isNaN(x) && x.doubleValue() == y.doubleValue();
        }
        BigDecimal x = exact(a);
        BigDecimal y = exact(b);
        return x != null && y != null && x.compareTo(y) == 0;
    }

    /** An exact finite number, or null for anything that is not a number. */
    private static BigDecimal exact(Object o) {
        return switch (o) {
            case Boolean bool -> bool ? BigDecimal.ONE : BigDecimal.ZERO;
            case Long l -> BigDecimal.valueOf(l);
            case BigInteger i -> new BigDecimal(i);
            case Double d when Double.isFinite(d) -> new BigDecimal(d);
            default -> null;
        };
    }

    // ---------------------------------------------------------------- helpers

    static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int k = 0; k < out.length; k++) {
            out[k] = array.get(k).asLong();
        }
        return out;
    }

    private static Long nullableLong(JsonNode n) {
        return n == null || n.isNull() ? null : n.asLong();
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
