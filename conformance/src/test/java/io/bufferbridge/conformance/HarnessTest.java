package io.bufferbridge.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import picocli.CommandLine;

class HarnessTest {

    private static Path someoneElse() {
        return Path.of("src/test/resources/someone-else.jsonl").toAbsolutePath();
    }

    @Test
    void malformedLinesAreReportedWithFileAndLineAndTheRestRuns() throws IOException {
        String text = Files.readString(someoneElse()).lines().findFirst().orElseThrow() + "\n"
                + "{\"id\": 5}\n"
                + "\n"
                + "[1, 2]\n"
                + "{\"id\":\"x\",\"format\":\"i\",\"itemsize\":4,\"shape\":[1],\"strides\":[4],\"readonly\":true,"
                + "\"memory\":\"zz\",\"offset\":0,\"logical\":\"00\",\"expect\":\"roundtrip\"}\n"
                + "{oops\n";
        Corpus corpus = Corpus.read("mine.jsonl", new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
        assertEquals(List.of("their-int16-2x2-f"), corpus.cases().stream().map(Case::id).toList());
        assertEquals("mine.jsonl:1", corpus.cases().get(0).origin());
        List<String> problems = corpus.problems().stream().map(CorpusProblem::toString).toList();
        assertEquals(4, problems.size(), problems.toString());
        assertEquals("mine.jsonl:2: missing key 'expect'", problems.get(0));
        assertEquals("mine.jsonl:4: a case must be a JSON object, found ARRAY", problems.get(1));
        assertTrue(problems.get(2).startsWith("mine.jsonl:5: memory must be hex digits, found 'zz'"), problems.get(2));
        assertTrue(problems.get(3).startsWith("mine.jsonl:6: not JSON: "), problems.get(3));
    }

    @Test
    void theBuiltInCorpusHasTheCoverageTheIssueAsksFor() throws IOException {
        Corpus corpus = Corpus.builtin();
        assertEquals(List.of(), corpus.problems());
        long roundtrip = corpus.cases().stream().filter(c -> !c.reject()).count();
        long reject = corpus.cases().stream().filter(Case::reject).count();
        assertTrue(roundtrip >= 300, "roundtrip=" + roundtrip);
        assertTrue(reject >= 40, "reject=" + reject);
        assertTrue(corpus.cases().stream().anyMatch(c -> c.shape().length == 6), "an ndim-6 case");
        assertTrue(corpus.cases().stream().anyMatch(c -> c.shape().length == 0), "a 0-d case");
    }

    @Test
    void theBuiltInCorpusHoldsOnTheJavaAndNativePaths() throws IOException {
        List<RoundTripPath> paths = Paths.open(List.of("java", "native"));
        Results results = Runner.run(Corpus.builtin(), paths, null);
        paths.forEach(RoundTripPath::close);
        List<String> failures = results.rows().stream()
                .flatMap(r -> r.outcomes().entrySet().stream()
                        .filter(e -> e.getValue() instanceof Outcome.Fail)
                        .map(e -> r.c().id() + " " + e.getKey() + ": " + e.getValue().detail()))
                .toList();
        assertEquals(List.of(), failures);
        Map<String, Long> javaOutcomes = results.rows().stream()
                .collect(Collectors.groupingBy(r -> r.outcomes().get("java").word(), Collectors.counting()));
        assertEquals(Map.of("pass", (long) results.rows().size()), javaOutcomes, "java carries every case");
    }

    @Test
    void aCorpusWrittenBySomeoneElseRunsThroughEveryPath(@TempDir Path reports) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        int exit;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            exit = new CommandLine(new Main()).execute("--corpus", someoneElse().toString(), "--report", reports.toString());
        } finally {
            System.setOut(saved);
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        List<String> lines = printed.lines().toList();
        // DuckDB drops the tensor extension, and with it the permutation of the F-ordered case, which
        // is then checked in memory order; where no Python with pyarrow is found, the pyarrow
        // column skips all three cases (the reject case too: a missing peer never passes), and so do
        // the dlpack columns, which run in that Python (dlpack-torch also where torch is missing)
        boolean pyarrow = PyArrowPython.instance() != null;
        // the cpython column likewise, where the bufferbridge extension is built for that Python
        boolean cpython = new CPythonPath().unavailable() == null;
        boolean torch = pyarrow && DlpackPeers.version("torch") != null;
        int passed = 3 * (3 + (pyarrow ? 2 : 0) + (cpython ? 1 : 0) + (torch ? 1 : 0));
        int skipped = 3 * 7 - passed;
        assertEquals(passed + " passed, 0 failed, " + skipped + " skipped", lines.get(lines.size() - 1), printed);
        // case, java, native, duckdb: all three pass for the F-ordered case
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("their-int16-2x2-f")
                && l.replaceAll(" +", " ").startsWith("their-int16-2x2-f | pass | pass | pass |")), printed);
        assertEquals(0, exit);
        assertTrue(lines.get(0).startsWith("case"), lines.get(0));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("their-reversed-doubles") && l.contains("| pass")), printed);

        Document xml = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(reports.resolve("TEST-conformance.xml").toFile());
        assertEquals("21", xml.getDocumentElement().getAttribute("tests"));
        assertEquals("0", xml.getDocumentElement().getAttribute("failures"));
        assertEquals(String.valueOf(skipped), xml.getDocumentElement().getAttribute("skipped"));
        assertEquals(21, xml.getElementsByTagName("testcase").getLength());
        String json = Files.readString(reports.resolve("report.json"));
        assertTrue(json.contains("\"passed\" : " + passed), json);
        // java, native, duckdb, then pyarrow and cpython: a pass where each was found, else a skip.
        assertTrue(Files.readString(reports.resolve("report.md"))
                .contains("| `their-too-short` | pass | pass | pass | " + (pyarrow ? "pass |" : "skip") + (cpython ? " pass |" : "")));
    }

    @Test
    void exitCodesSayWhatHappened(@TempDir Path dir) throws IOException {
        CommandLine cli = new CommandLine(new Main());
        cli.setErr(new PrintWriter(new StringWriter()));
        PrintStream savedErr = System.err;
        try {
            System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            assertEquals(2, new CommandLine(new Main()).execute("--corpus", dir.resolve("missing.jsonl").toString()));
            assertEquals(2, new CommandLine(new Main()).execute("--path", "nowhere"));
            Path broken = dir.resolve("broken.jsonl");
            Files.writeString(broken, Files.readString(someoneElse()).replace("\"strides\":[-8]", "\"strides\":[8]"));
            PrintStream savedOut = System.out;
            try {
                System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
                assertEquals(1, new CommandLine(new Main()).execute("--corpus", broken.toString(), "--path", "java"),
                        "a case whose logical bytes no longer match fails");
            } finally {
                System.setOut(savedOut);
            }
        } finally {
            System.setErr(savedErr);
        }
    }

    @Test
    void describePrintsOneJsonLinePerFormat() {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out));
        int exit = cli.execute("describe", "ic", "T{<i:a:(2,3)>h:b:}", "T{i");
        assertEquals(List.of(
                "{\"format\":\"ic\",\"itemsize\":5,\"padded_itemsize\":8,\"alignment\":4,\"byteorder\":\"@\",\"fields\":["
                        + "{\"name\":\"f0\",\"offset\":0,\"format\":\"i\",\"shape\":[]},"
                        + "{\"name\":\"f1\",\"offset\":4,\"format\":\"c\",\"shape\":[]}]}",
                "{\"format\":\"T{<i:a:(2,3)>h:b:}\",\"itemsize\":16,\"padded_itemsize\":16,\"alignment\":1,\"byteorder\":\"@\","
                        + "\"fields\":[{\"name\":\"a\",\"offset\":0,\"format\":\"<i\",\"shape\":[]},"
                        + "{\"name\":\"b\",\"offset\":4,\"format\":\">h\",\"shape\":[2,3]}]}",
                "{\"format\":\"T{i\",\"error\":\"unterminated record started at 0 in format 'T{i'\",\"position\":0}"),
                out.toString().lines().toList());
        assertEquals(1, exit, "a format that does not parse makes describe exit 1");
    }
}
