package io.bufferbridge.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.bufferbridge.arrow.c.ArrowDiagnostics;
import io.bufferbridge.view.ForeignMemory;
import java.io.IOException;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code cpython} path: the built-in corpus through bufferbridge's CPython extension and
 * memoryview without a failure or a skip, and cases that lie about their data failing with the
 * first difference. Skipped (an assumption) where the embedded Python or the built extension is
 * missing; {@code mvn verify} builds it in the {@code python} module, before this one.
 */
class CPythonPathTest {
    private static CPythonPath path;

    @BeforeAll
    static void path() {
        path = new CPythonPath();
        assumeTrue(path.unavailable() == null, () -> "cpython path unavailable: " + path.unavailable());
    }

    @AfterAll
    static void close() {
        if (path != null) {
            path.close();
        }
    }

    @Test
    void theBuiltInCorpusPassesWithoutASkip() throws IOException {
        ForeignMemory.flushReleases();
        int live = ArrowDiagnostics.snapshot().liveExports();
        Results results = Runner.run(Corpus.builtin(), List.of(path), null);
        List<String> notPassed = results.rows().stream()
                .filter(r -> !(r.outcomes().get("cpython") instanceof Outcome.Pass))
                .map(r -> r.c().id() + ": " + r.outcomes().get("cpython"))
                .toList();
        assertEquals(List.of(), notPassed);
        assertEquals(657, results.rows().size());
        ForeignMemory.flushReleases();
        assertEquals(live, ArrowDiagnostics.snapshot().liveExports(), "export memory left behind");
    }

    private static Case int32(String logical, String values) throws IOException {
        byte[] memory = HexFormat.of().parseHex("0100000002000000");
        return new Case("lie", "<i", 4, new long[] {2}, new long[] {4}, true, memory, 0, HexFormat.of().parseHex(logical),
                values == null ? null : new ObjectMapper().readTree(values), true, false, "CPythonPathTest", "test");
    }

    @Test
    void aTruthfulCasePasses() throws IOException {
        assertInstanceOf(Outcome.Pass.class, path.run(int32("0100000002000000", "[1, 2]")));
    }

    @Test
    void wrongLogicalBytesFailAtTheFirstByte() throws IOException {
        Outcome o = path.run(int32("0100000003000000", null));
        assertEquals("cpython: memoryview.tobytes() byte=4: expected=0x03 found=0x02", ((Outcome.Fail) o).detail());
    }

    @Test
    void wrongValuesFailOnTolist() throws IOException {
        Outcome o = path.run(int32("0100000002000000", "[1, 5]"));
        assertEquals("cpython: struct.unpack: expected=[1, 5] found=[1, 2]", ((Outcome.Fail) o).detail());
    }

    @Test
    void failedCasesLeaveNoViewOrExportLive() throws IOException {
        ExportAccounting before = ExportAccounting.snapshot();
        for (int k = 0; k < 3; k++) {
            assertInstanceOf(Outcome.Fail.class, path.run(int32("0100000003000000", null)));
            assertInstanceOf(Outcome.Fail.class, path.run(int32("0100000002000000", "[2, 2]")));
        }
        var counters = PyArrowPython.instance().call("cpython_peer", PyArrowPython.request("counters"));
        assertEquals(0, counters.path("views_live").asLong(), counters.toString());
        assertEquals(0, counters.path("exports_live").asLong(), counters.toString());
        ForeignMemory.flushReleases();
        assertEquals(before.releases() + 12, ArrowDiagnostics.snapshot().exportReleases(), "each schema and array released once");
        assertEquals(before.live(), ArrowDiagnostics.snapshot().liveExports());
    }
}
