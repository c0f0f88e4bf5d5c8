package io.bufferbridge.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowDiagnostics;
import io.bufferbridge.arrow.c.ArrowImportException;
import io.bufferbridge.arrow.c.ArrowImporter;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.arrow.c.ImportedView;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * pyarrow, in an embedded CPython sharing the test JVM ({@link PyArrowPython}), as a producer:
 * arrays it makes from NumPy arrays are imported by bufferbridge as foreign data (docs/contract.md §2–3), and
 * the {@code pyarrow} conformance path runs on the built-in corpus. Skipped (an assumption) where
 * no Python with NumPy and pyarrow is found; {@code .ci/run} installs pyarrow, so CI runs them.
 */
class PyArrowPeerTest {
    private static PyArrowPython python;

    @BeforeAll
    static void python() {
        python = PyArrowPython.instance();
        assumeTrue(python != null, () -> "pyarrow peer unavailable: " + PyArrowPython.unavailable());
    }

    private static long pyarrowAllocated() {
        return python.call(PyArrowPython.request("allocated")).path("bytes").asLong();
    }

    @TestFactory
    Stream<DynamicTest> arraysPyarrowMakesFromNumPyImportAsForeignData() {
        JsonNode made = python.call(PyArrowPython.request("made"));
        List<String> names = new ArrayList<>();
        made.path("names").forEach(n -> names.add(n.asText()));
        assertTrue(names.size() >= 25, names.toString());
        return names.stream().map(name -> DynamicTest.dynamicTest(name, () -> importOne(name)));
    }

    private static void importOne(String name) {
        long pyBefore = pyarrowAllocated();
        ForeignMemory.flushReleases();
        int importsBefore = ArrowDiagnostics.snapshot().liveImports();
        try (Arena arena = Arena.ofConfined()) {
            ArrowSchema schema = ArrowSchema.allocate(arena);
            ArrowArray array = ArrowArray.allocate(arena);
            JsonNode answer = python.call(PyArrowPython.request("export").put("name", name)
                    .put("schema", schema.address()).put("array", array.address()));
            assertFalse(answer.has("error"), () -> answer.path("error").asText() + "\n" + answer.path("traceback").asText());
            long nulls = answer.path("null_count").asLong();
            if (nulls > 0) {
                ArrowImportException e = assertThrows(ArrowImportException.class, () -> ArrowImporter.importPair(schema, array));
                assertTrue(e.getMessage().contains("null_count=" + nulls), e.getMessage());
                ForeignMemory.flushReleases();
                assertTrue(schema.isReleased() && array.isReleased(), "a refused import releases both structs");
            } else {
                ImportedView imported = ArrowImporter.importPair(schema, array);
                ForeignMemory.flushReleases();
                assertTrue(schema.isReleased() && array.isReleased(), "the import moves both structs");
                try (BufferView view = imported.view()) {
                    check(name, answer, imported, view);
                }
            }
        }
        ForeignMemory.flushReleases();
        assertEquals(importsBefore, ArrowDiagnostics.snapshot().liveImports(), "imports left live");
        assertEquals(pyBefore, pyarrowAllocated(), "pyarrow memory left behind (its release did not run once)");
    }

    private static void check(String name, JsonNode answer, ImportedView imported, BufferView view) {
        String where = name + " (" + answer.path("type").asText() + ")";
        assertTrue(view.isReadOnly(), where + ": foreign data is read-only");
        assertEquals(answer.path("format").asText(), view.format().text(), where + ": canonical format");
        assertArrayEquals(longs(answer.path("shape")), view.shape(), where + ": shape");
        if (view.elementCount() > 0) {
            assertArrayEquals(longs(answer.path("strides")), view.strides(), where + ": strides");
        }
        assertEquals(answer.path("logical").asText(), HexFormat.of().formatHex(view.toBytes()), where + ": values in C order");
        long address = answer.path("address").asLong();
        if (address == 0) {
            assertTrue(imported.copied(), where + ": bit-packed booleans are copied");
        } else {
            assertFalse(imported.copied(), where + ": zero-copy");
            if (view.elementCount() > 0) {
                assertEquals(address, view.address(), where + ": the view is pyarrow's memory, offset honoured");
            }
        }
        if (answer.has("pyarrow_note")) {
            // pyarrow's from_numpy_ndarray writes the inverse permutation for a non-involutory
            // axis order; bufferbridge reads the canonical definition (checked above), so NumPy's
            // own array must be exactly the inverse reading, and nothing else may differ
            assertTrue(answer.path("pyarrow_inverse_permutation").asBoolean(),
                    where + ": the difference is more than pyarrow's inverse permutation: "
                            + answer.path("pyarrow_note").asText());
            assertFalse(Arrays.equals(longs(answer.path("numpy_strides")), view.strides()),
                    where + ": pyarrow's note without a difference in strides");
        } else if (view.elementCount() > 0 && answer.path("type").asText().contains("fixed_shape_tensor")) {
            assertArrayEquals(longs(answer.path("numpy_strides")), view.strides(), where + ": NumPy's strides");
        }
    }

    @Test
    void theEmbeddedInterpreterHasNumPyAndPyarrow() {
        assertTrue(python.description().contains("pyarrow"), python.description());
        assertSame(python, PyArrowPython.instance(), "one interpreter per process, started once");
    }

    @Test
    void thePyarrowPathRunsTheBuiltInCorpusWithoutFailures() throws IOException {
        ForeignMemory.flushReleases();
        long releases = ArrowDiagnostics.snapshot().exportReleases();
        int live = ArrowDiagnostics.snapshot().liveExports();
        Results results;
        try (RoundTripPath path = new PyArrowPath()) {
            results = Runner.run(Corpus.builtin(), List.of(path), null);
        }
        List<String> failed = results.rows().stream()
                .filter(r -> r.outcomes().get("pyarrow") instanceof Outcome.Fail)
                .map(r -> r.c().id() + ": " + r.outcomes().get("pyarrow").detail())
                .toList();
        assertEquals(List.of(), failed);
        long passed = results.rows().stream().filter(r -> r.outcomes().get("pyarrow") instanceof Outcome.Pass).count();
        assertTrue(passed >= 600, "passed=" + passed);
        ForeignMemory.flushReleases();
        assertTrue(ArrowDiagnostics.snapshot().exportReleases() > releases, "exports were released");
        assertEquals(live, ArrowDiagnostics.snapshot().liveExports(), "export memory left behind");
    }

    private static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int k = 0; k < out.length; k++) {
            out[k] = array.get(k).asLong();
        }
        return out;
    }
}
