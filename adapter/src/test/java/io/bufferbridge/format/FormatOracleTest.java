package io.bufferbridge.format;

import io.bufferbridge.testing.Oracle;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays {@code oracle/formats.jsonl}, written by {@code src/test/python/format_oracle.py} from
 * CPython's {@code struct.calcsize} and NumPy's PEP 3118 parser. Every row must agree.
 */
class FormatOracleTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static List<JsonNode> rows() throws IOException {
        return Oracle.rows("/oracle/formats.jsonl");
    }

    @Test
    void oracleHasTheCountsTheReadmeStates() throws IOException {
        List<JsonNode> rows = rows();
        long structRows = rows.stream().filter(r -> !r.get("origin").asText().equals("random-numpy")).count();
        long numpyRecords = rows.stream()
                .filter(r -> r.get("numpy").has("itemsize") && r.get("struct").has("error"))
                .count();
        assertTrue(structRows >= 400, "struct rows: " + structRows);
        assertTrue(numpyRecords >= 100, "NumPy-only accepted rows: " + numpyRecords);
    }

    @TestFactory
    Stream<DynamicTest> everyRowAgrees() throws IOException {
        return rows().stream().map(row -> DynamicTest.dynamicTest(
                row.get("origin").asText() + " " + JSON.valueToTree(row.get("format").asText()),
                () -> check(row)));
    }

    private static void check(JsonNode row) {
        String text = row.get("format").asText();
        JsonNode struct = row.get("struct");
        JsonNode numpy = row.get("numpy");
        boolean lenient = row.has("lenient");
        if (struct.has("itemsize")) {
            Format f = Format.of(text);
            assertEquals(struct.get("itemsize").asLong(), f.itemsize(), "struct.calcsize");
            assertTrue(f.isStructCompatible());
            if (numpy.has("itemsize")) {
                checkNumpy(f, numpy);
            }
        } else if (numpy.has("itemsize") && !lenient) {
            Format f = Format.of(text);
            assertFalse(f.isStructCompatible());
            checkNumpy(f, numpy);
        } else {
            FormatException e = assertThrows(FormatException.class, () -> Format.of(text),
                    "struct says " + struct + ", NumPy says " + numpy + (lenient ? ", lenient: " + row.get("lenient") : ""));
            assertEquals(text, e.format());
            assertTrue(e.position() >= 0 && e.position() <= text.length(), "position " + e.position());
        }
    }

    private static void checkNumpy(Format f, JsonNode numpy) {
        assertEquals(numpy.get("itemsize").asLong(), f.paddedItemsize(), "NumPy itemsize");
        if (numpy.has("alignment")) {
            assertEquals(numpy.get("alignment").asLong(), f.alignment(), "NumPy common alignment");
        }
        Element root = f.element();
        switch (numpy.get("kind").asText()) {
            case "scalar" -> {
                Scalar s = assertInstance(Scalar.class, root);
                assertEquals(numpy.get("dtype").asText(), s.numpyDtype(), "dtype");
            }
            case "subarray" -> {
                SubArray a = assertInstance(SubArray.class, root);
                assertEquals(longs(numpy.get("shape")), a.shape(), "sub-array shape");
                checkDtype(numpy.get("dtype"), a.element());
            }
            case "record" -> {
                Record r = assertInstance(Record.class, root);
                JsonNode fields = numpy.get("fields");
                assertEquals(fields.size(), r.fields().size(), "field count of " + r);
                for (int k = 0; k < fields.size(); k++) {
                    JsonNode want = fields.get(k);
                    Field got = r.fields().get(k);
                    assertEquals(want.get("name").asText(), got.name(), "name of field " + k);
                    assertEquals(want.get("offset").asLong(), got.offset(), "offset of field " + k);
                    assertEquals(want.get("itemsize").asLong(), got.element().size(), "itemsize of field " + k);
                    Element base = got.element();
                    if (base instanceof SubArray a) {
                        assertEquals(longs(want.get("shape")), a.shape(), "shape of field " + k);
                        base = a.element();
                    } else {
                        assertEquals(List.of(), longs(want.get("shape")), "shape of field " + k);
                    }
                    checkDtype(want.get("dtype"), base);
                }
            }
            default -> fail("unknown kind " + numpy.get("kind"));
        }
    }

    private static void checkDtype(JsonNode dtype, Element element) {
        if (dtype == null || dtype.isNull()) {
            assertInstance(Record.class, element);
        } else {
            assertEquals(dtype.asText(), assertInstance(Scalar.class, element).numpyDtype(), "dtype");
        }
    }

    private static <T> T assertInstance(Class<T> type, Object o) {
        if (!type.isInstance(o)) {
            fail("expected a " + type.getSimpleName() + ", found " + o);
        }
        return type.cast(o);
    }

    private static List<Long> longs(JsonNode array) {
        List<Long> out = new ArrayList<>();
        if (array != null) {
            array.forEach(n -> out.add(n.asLong()));
        }
        return out;
    }

    @TestFactory
    Stream<DynamicTest> canonicalStringParsesBackToTheSameLayout() throws IOException {
        return rows().stream()
                .map(r -> r.get("format").asText())
                .filter(FormatOracleTest::parses)
                .map(text -> DynamicTest.dynamicTest(JSON.valueToTree(text).toString(), () -> {
                    Format f = Format.of(text);
                    Format back = Format.of(f.canonical());
                    assertEquals(f, back, "canonical " + f.canonical());
                    assertEquals(f.canonical(), back.canonical());
                    assertEquals(f.isStructCompatible(), back.isStructCompatible(), "canonical " + f.canonical());
                }));
    }

    private static boolean parses(String text) {
        try {
            Format.of(text);
            return true;
        } catch (FormatException e) {
            return false;
        }
    }

    @Test
    void lenientRowsExist() throws IOException {
        assertTrue(rows().stream().filter(r -> r.has("lenient")).count() >= 5);
        assertNull(rows().get(0).get("lenient"));
    }
}
