package io.bufferbridge.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code benchmarks/compare.py}, the regression guard of RESULTS.md: two small JMH JSON files in,
 * the exact lines and exit status out. Needs {@code python3} (any 3.x: the script uses only the
 * standard library); skipped, saying so, on a machine without it.
 */
class CompareScriptTest {

    @TempDir
    Path dir;

    private static String entry(String method, String mode, double score, Double alloc) {
        String secondary = alloc == null ? "{}"
                : "{\"gc.alloc.rate.norm\": {\"score\": " + alloc + ", \"scoreUnit\": \"B/op\"}}";
        return "{\"benchmark\": \"io.bufferbridge.benchmarks." + method + "\", \"mode\": \"" + mode + "\","
                + " \"params\": {\"elements\": \"1024\"}, \"primaryMetric\": {\"score\": " + score + "},"
                + " \"secondaryMetrics\": " + secondary + "}";
    }

    private Path file(String name, String... entries) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "[" + String.join(",\n", entries) + "]", StandardCharsets.UTF_8);
        return p;
    }

    private record Run(int status, List<String> lines) {
    }

    private static Run compare(Path old, Path now) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("python3", "compare.py", old.toString(), now.toString()).redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            assumeTrue(false, "python3 is not on PATH: " + e.getMessage());
            throw e;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(p.waitFor(60, TimeUnit.SECONDS), "compare.py did not finish in 60 s");
        return new Run(p.exitValue(), out.lines().toList());
    }

    @Test
    void aRatioWorseByMoreThanTwentyPercentFails() throws Exception {
        // Both sides slower on the new machine: our ratio 1.0 -> 1.25 (worse), allocation equal.
        Path old = file("old.json", entry("ExportImportBenchmark.bufferbridge", "avgt", 1000, 1000.0),
                entry("ExportImportBenchmark.arrowJava", "avgt", 1000, 3000.0));
        Path now = file("new.json", entry("ExportImportBenchmark.bufferbridge", "avgt", 2500, 1000.0),
                entry("ExportImportBenchmark.arrowJava", "avgt", 2000, 3000.0));
        Run r = compare(old, now);
        assertEquals(List.of(
                "REGRESSION ExportImportBenchmark.bufferbridge [elements=1024] / arrowJava: 1 -> 1.25 (+25.0%)",
                "ok         ExportImportBenchmark.arrowJava [elements=1024] alloc B/op: 3000 -> 3000",
                "ok         ExportImportBenchmark.bufferbridge [elements=1024] alloc B/op: 1000 -> 1000",
                "1 regression(s) in 3 comparison(s), threshold 20%"), r.lines());
        assertEquals(1, r.status());
    }

    @Test
    void aSlowerMachineAloneIsNoRegression() throws Exception {
        // Everything twice as slow, the ratio unchanged; throughput inverted; allocation +50 B is slack.
        Path old = file("old.json", entry("FormatParseBenchmark.parseUncached", "thrpt", 2.0e6, 100.0),
                entry("FormatParseBenchmark.ofCached", "thrpt", 2.0e8, null));
        Path now = file("new.json", entry("FormatParseBenchmark.parseUncached", "thrpt", 1.0e6, 150.0),
                entry("FormatParseBenchmark.ofCached", "thrpt", 1.0e8, null));
        Run r = compare(old, now);
        assertEquals(List.of(
                "ok         FormatParseBenchmark.parseUncached [elements=1024] / ofCached: 100 -> 100 (+0.0%)",
                "ok         FormatParseBenchmark.parseUncached [elements=1024] alloc B/op: 100 -> 150",
                "0 regression(s) in 2 comparison(s), threshold 20%"), r.lines());
        assertEquals(0, r.status());
    }

    @Test
    void allocationGrowthBeyondTheSlackFails() throws Exception {
        Path old = file("old.json", entry("MaterializeBenchmark.copyToC", "avgt", 10, 100.0));
        Path now = file("new.json", entry("MaterializeBenchmark.copyToC", "avgt", 10, 400.0));
        Run r = compare(old, now);
        assertEquals(List.of("REGRESSION MaterializeBenchmark.copyToC [elements=1024] alloc B/op: 100 -> 400",
                "1 regression(s) in 1 comparison(s), threshold 20%"), r.lines());
        assertEquals(1, r.status());
    }

    @Test
    void nothingInCommonIsAUsageError() throws Exception {
        Path old = file("old.json", entry("CorpusBenchmark.javaPath", "avgt", 10, null));
        Path now = file("new.json", entry("CorpusBenchmark.javaPath", "avgt", 10, null));
        Run r = compare(old, now);
        assertEquals(List.of("compare.py: the two files have no ratio and no allocation in common"), r.lines());
        assertEquals(2, r.status());
        Files.writeString(now, "{\"not\": \"a list\"}");
        Run bad = compare(old, now);
        assertEquals(List.of("compare.py: " + now + " is not a JMH JSON result list (found dict)"), bad.lines());
        assertEquals(2, bad.status());
    }
}
