package io.bufferbridge.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;

/**
 * JMH's annotation processor must have run: on JDK 23 and later javac runs a processor found on
 * the class path only when asked, and then the jar holds no benchmark and JMH says "No matching
 * benchmarks" at run time. The pom lists it in annotationProcessorPaths; this test fails the
 * build when the list is missing or incomplete, and checks every fork gets the JVM flags.
 */
class BenchmarkListTest {

    private static final Set<String> EXPECTED = Set.of(
            "io.bufferbridge.benchmarks.ExportImportBenchmark.bufferbridge",
            "io.bufferbridge.benchmarks.ExportImportBenchmark.bufferbridgeReusedStructs",
            "io.bufferbridge.benchmarks.ExportImportBenchmark.foreignImport",
            "io.bufferbridge.benchmarks.ExportImportBenchmark.foreignCProducer",
            "io.bufferbridge.benchmarks.ExportImportBenchmark.arrowJava",
            "io.bufferbridge.benchmarks.ExportImportBenchmark.arrowJavaExportOnly",
            "io.bufferbridge.benchmarks.ExportImportBenchmark.structsOnly",
            "io.bufferbridge.benchmarks.ViewToVectorBenchmark.wrap",
            "io.bufferbridge.benchmarks.ViewToVectorBenchmark.copyIntoNewVector",
            "io.bufferbridge.benchmarks.MaterializeBenchmark.copyToC",
            "io.bufferbridge.benchmarks.MaterializeBenchmark.memcpy",
            "io.bufferbridge.benchmarks.MaterializeBenchmark.glibcMemcpy",
            "io.bufferbridge.benchmarks.MaterializeScalarBenchmark.copyToC",
            "io.bufferbridge.benchmarks.MaterializeScalarBenchmark.memcpy",
            "io.bufferbridge.benchmarks.MaterializeScalarBenchmark.glibcMemcpy",
            "io.bufferbridge.benchmarks.ElementAccessBenchmark.plainArray",
            "io.bufferbridge.benchmarks.ElementAccessBenchmark.viewNative",
            "io.bufferbridge.benchmarks.ElementAccessBenchmark.viewHeap",
            "io.bufferbridge.benchmarks.ElementAccessBenchmark.arrowFloat8Vector",
            "io.bufferbridge.benchmarks.FormatParseBenchmark.parseUncached",
            "io.bufferbridge.benchmarks.FormatParseBenchmark.ofFreshText",
            "io.bufferbridge.benchmarks.FormatParseBenchmark.ofCached",
            "io.bufferbridge.benchmarks.FormatParseBenchmark.missAndScanCeiling",
            "io.bufferbridge.benchmarks.CorpusBenchmark.javaPath",
            "io.bufferbridge.benchmarks.TableExportImportBenchmark.bufferbridge",
            "io.bufferbridge.benchmarks.TableExportImportBenchmark.arrowJava",
            "io.bufferbridge.benchmarks.DuckDbTableBenchmark.bufferbridge",
            "io.bufferbridge.benchmarks.DuckDbTableBenchmark.arrowJava",
            "io.bufferbridge.benchmarks.DlpackBenchmark.javaRoundTrip",
            "io.bufferbridge.benchmarks.DlpackBenchmark.numpyRoundTrip",
            "io.bufferbridge.benchmarks.DlpackBenchmark.callOnly");

    private static List<BenchmarkListEntry> entries() throws IOException {
        try (InputStream in = BenchmarkListTest.class.getResourceAsStream(BenchmarkList.BENCHMARK_LIST)) {
            assertNotNull(in, "no " + BenchmarkList.BENCHMARK_LIST + " resource: JMH's annotation processor did not run"
                    + " (is jmh-generator-annprocess in the compiler plugin's annotationProcessorPaths?)");
            return BenchmarkList.readBenchmarkList(in);
        }
    }

    @Test
    void theListNamesEveryBenchmark() throws IOException {
        List<BenchmarkListEntry> entries = entries();
        assertFalse(entries.isEmpty(), "the benchmark list is empty");
        Set<String> names = new TreeSet<>();
        for (BenchmarkListEntry e : entries) {
            names.add(e.getUsername());
        }
        assertEquals(new TreeSet<>(EXPECTED), names);
    }

    @Test
    void everyForkGetsTheJvmFlags() throws IOException {
        for (BenchmarkListEntry e : entries()) {
            assertTrue(e.getJvmArgsAppend().hasValue(), e.getUsername() + " has no jvmArgsAppend");
            // The strided copies' benchmark resolves the Vector API, its scalar twin does not.
            List<String> flags = e.getUsername().startsWith("io.bufferbridge.benchmarks.MaterializeBenchmark.")
                    ? Jvm.VECTOR_FLAGS : Jvm.FLAGS;
            assertEquals(flags, List.copyOf(e.getJvmArgsAppend().get()), e.getUsername());
        }
    }
}
