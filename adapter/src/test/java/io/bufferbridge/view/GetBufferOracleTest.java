package io.bufferbridge.view;

import io.bufferbridge.testing.Oracle;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays {@code oracle/getbuffer.jsonl}, written by {@code src/test/python/buffer_oracle.py} from
 * CPython 3.11's {@code _testbuffer.ndarray}: one row per (exporter layout, request flag). Each
 * row's exporter is rebuilt as a {@link BufferView} over the recorded memory, asked with
 * {@link BufferView#getBuffer(int)} for the row's flag, and must grant or refuse exactly as
 * CPython did.
 *
 * <p>NULL fields: the oracle's {@code filled} object records null for a field CPython left NULL
 * because the request did not ask for it. For a 0-d result CPython leaves shape and strides NULL
 * even when asked (nothing to describe); the script records {@code []} there when the field was
 * requested and null when it was not, so "filled" is always "not null" in the JSON.
 */
class GetBufferOracleTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The 17 request flags of {@code PyObject_GetBuffer} (contract §1), with CPython's values. */
    private static final Map<String, Integer> REQUEST_FLAGS = requestFlags();

    private static Map<String, Integer> requestFlags() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("PyBUF_SIMPLE", BufferFlags.SIMPLE);
        m.put("PyBUF_WRITABLE", BufferFlags.WRITABLE);
        m.put("PyBUF_FORMAT", BufferFlags.FORMAT);
        m.put("PyBUF_ND", BufferFlags.ND);
        m.put("PyBUF_STRIDES", BufferFlags.STRIDES);
        m.put("PyBUF_C_CONTIGUOUS", BufferFlags.C_CONTIGUOUS);
        m.put("PyBUF_F_CONTIGUOUS", BufferFlags.F_CONTIGUOUS);
        m.put("PyBUF_ANY_CONTIGUOUS", BufferFlags.ANY_CONTIGUOUS);
        m.put("PyBUF_INDIRECT", BufferFlags.INDIRECT);
        m.put("PyBUF_CONTIG", BufferFlags.CONTIG);
        m.put("PyBUF_CONTIG_RO", BufferFlags.CONTIG_RO);
        m.put("PyBUF_STRIDED", BufferFlags.STRIDED);
        m.put("PyBUF_STRIDED_RO", BufferFlags.STRIDED_RO);
        m.put("PyBUF_RECORDS", BufferFlags.RECORDS);
        m.put("PyBUF_RECORDS_RO", BufferFlags.RECORDS_RO);
        m.put("PyBUF_FULL", BufferFlags.FULL);
        m.put("PyBUF_FULL_RO", BufferFlags.FULL_RO);
        return m;
    }

    static List<JsonNode> rows() throws IOException {
        return Oracle.rows("/oracle/getbuffer.jsonl");
    }

    @Test
    void oracleHasTheCountsTheReadmeStates() throws IOException {
        List<JsonNode> rows = rows();
        Map<String, Set<String>> flagsByLayout = new LinkedHashMap<>();
        for (JsonNode row : rows) {
            String name = row.get("flag_name").asText();
            int flag = row.get("flag").asInt();
            // the recorded value of every named flag is CPython's, and ours
            if (REQUEST_FLAGS.containsKey(name)) {
                assertEquals(REQUEST_FLAGS.get(name), flag, name);
            }
            flagsByLayout.computeIfAbsent(row.get("layout").asText(), k -> new TreeSet<>()).add(name);
        }
        List<String> complete = flagsByLayout.entrySet().stream()
                .filter(e -> e.getValue().containsAll(REQUEST_FLAGS.keySet()))
                .map(Map.Entry::getKey)
                .collect(Collectors.toList());
        assertTrue(complete.size() >= 12, "layouts with all 17 request flags: " + complete);
        assertEquals(flagsByLayout.keySet().size(), complete.size(), "every layout has every request flag");
        assertTrue(rows.stream().anyMatch(r -> !r.get("granted").asBoolean()), "some refusals");
        assertTrue(rows.stream().anyMatch(r -> r.get("granted").asBoolean()), "some grants");
    }

    @TestFactory
    Stream<DynamicTest> everyRowAgrees() throws IOException {
        return rows().stream().map(row -> DynamicTest.dynamicTest(
                row.get("layout").asText() + " " + row.get("flag_name").asText(), () -> check(row)));
    }

    private static void check(JsonNode row) {
        BufferView exporter = exporterOf(row);
        assertEquals(row.get("c_contiguous").asBoolean(), exporter.isCContiguous(), "c_contiguous");
        assertEquals(row.get("f_contiguous").asBoolean(), exporter.isFContiguous(), "f_contiguous");
        assertEquals(row.get("contiguous").asBoolean(), exporter.isContiguous(Order.A), "contiguous");
        int flag = row.get("flag").asInt();

        if (!row.get("granted").asBoolean()) {
            String reason = ourReason(row.get("error").asText());
            BufferException e = assertThrows(BufferException.class, () -> exporter.getBuffer(flag),
                    "CPython refused: " + row.get("error").asText());
            assertTrue(e.getMessage().contains(reason),
                    "message should contain '" + reason + "' (CPython: " + row.get("error").asText() + "), was: "
                            + e.getMessage());
            assertEquals(0, exporter.exports(), "a refused request is not counted as an export");
            exporter.close();
            assertFalse(exporter.isAlive());
            return;
        }

        JsonNode filled = row.get("filled");
        BufferView granted = exporter.getBuffer(flag);
        assertEquals(1, exporter.exports(), "the granted view is counted");
        assertEquals(flag, granted.flags(), "granted flags");

        boolean formatFilled = !filled.get("format").isNull();
        boolean shapeFilled = !filled.get("shape").isNull();
        boolean stridesFilled = !filled.get("strides").isNull();
        assertEquals(formatFilled, BufferFlags.fillsFormat(flag), "fillsFormat");
        assertEquals(shapeFilled, BufferFlags.fillsShape(flag), "fillsShape");
        assertEquals(stridesFilled, BufferFlags.fillsStrides(flag), "fillsStrides");
        // a granted view always carries the exporter's own format, whether or not CPython filled it
        assertEquals(row.get("format").asText(), granted.format().text(), "granted format");
        if (formatFilled) {
            assertEquals(filled.get("format").asText(), granted.format().text(), "filled format");
        }
        if (shapeFilled) {
            assertArrayEquals(longs(filled.get("shape")), granted.shape(), "filled shape");
            assertEquals(filled.get("ndim").asInt(), granted.ndim(), "filled ndim");
        }
        if (stridesFilled) {
            assertArrayEquals(longs(filled.get("strides")), granted.strides(), "filled strides");
        } else {
            assertTrue(granted.isCContiguous(), "strides not filled: the consumer assumes C order");
        }
        assertEquals(filled.get("itemsize").asLong(), granted.itemsize(), "itemsize");
        assertEquals(filled.get("readonly").asBoolean(), granted.isReadOnly(), "readonly");
        assertEquals(filled.get("len").asLong(), granted.byteLength(), "len");
        assertEquals(row.get("buf_offset").asLong(), granted.offset(), "buf");

        // release: the exporter cannot be released while the export is alive, then can
        assertThrows(BufferException.class, exporter::close, "exporter with a live export");
        assertTrue(exporter.isAlive());
        granted.close();
        assertFalse(granted.isAlive());
        assertEquals(0, exporter.exports(), "exports after release");
        exporter.close();
        assertFalse(exporter.isAlive());
    }

    static BufferView exporterOf(JsonNode row) {
        byte[] memory = HexFormat.of().parseHex(row.get("memory").asText());
        assertEquals(row.get("memory_size").asLong(), memory.length, "memory_size");
        return BufferView.of(MemorySegment.ofArray(memory), row.get("offset").asLong(), row.get("format").asText(),
                row.get("itemsize").asLong(), longs(row.get("shape")), longs(row.get("strides")),
                row.get("readonly").asBoolean());
    }

    /**
     * CPython's {@code BufferError} message with {@code _testbuffer}'s "ndarray" wording replaced
     * by ours: "ndarray is not writable" is "underlying buffer is not writable", "ndarray: cannot
     * cast …" is "cannot cast …".
     */
    static String ourReason(String cpython) {
        String prefix = "BufferError: ";
        if (!cpython.startsWith(prefix)) {
            fail("not a BufferError: " + cpython);
        }
        String reason = cpython.substring(prefix.length());
        if (reason.startsWith("ndarray is ")) {
            return "underlying buffer is " + reason.substring("ndarray is ".length());
        }
        if (reason.startsWith("ndarray: ")) {
            return reason.substring("ndarray: ".length());
        }
        fail("unexpected CPython reason: " + cpython);
        return null;
    }

    static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int k = 0; k < out.length; k++) {
            out[k] = array.get(k).asLong();
        }
        return out;
    }

    @Test
    void reasonMappingCoversEveryRecordedRefusal() throws IOException {
        Set<String> reasons = new TreeSet<>();
        for (JsonNode row : rows()) {
            if (!row.get("granted").asBoolean()) {
                reasons.add(ourReason(row.get("error").asText()));
            }
        }
        assertEquals(Set.of("underlying buffer is not writable", "underlying buffer is not C-contiguous",
                "underlying buffer is not Fortran contiguous", "underlying buffer is not contiguous",
                "cannot cast to unsigned bytes if the format flag is present"), reasons);
    }
}
