package io.bufferbridge.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/**
 * {@link ConformanceTests} as another project uses it: a {@code @TestFactory} that runs the
 * built-in corpus through the in-process and native paths inside this module's own test run, and
 * the three outcomes a user's corpus can have, each as JUnit reports it.
 */
class ConformanceTestsTest {

    /** What a user writes: the whole built-in corpus through two paths, one test per case and path. */
    @TestFactory
    Stream<DynamicNode> builtInCorpusThroughJavaAndNative() {
        return ConformanceTests.builtIn("java", "native");
    }

    private static Path someoneElse() {
        return Path.of("src/test/resources/someone-else.jsonl").toAbsolutePath();
    }

    private static List<DynamicTest> tests(Stream<DynamicNode> nodes, String path) {
        DynamicContainer c = (DynamicContainer) nodes.filter(n -> n.getDisplayName().equals(path)).findFirst()
                .orElseThrow();
        return c.getChildren().map(DynamicTest.class::cast).toList();
    }

    @Test
    void aUsersCorpusGivesOneTestPerCaseUnderEachPath() throws Throwable {
        try (Stream<DynamicNode> nodes = ConformanceTests.of(someoneElse(), "java")) {
            List<DynamicTest> tests = tests(nodes, "java");
            assertEquals(List.of("their-int16-2x2-f", "their-reversed-doubles", "their-too-short"),
                    tests.stream().map(DynamicTest::getDisplayName).toList());
            for (DynamicTest t : tests) {
                t.getExecutable().execute();
            }
        }
    }

    @Test
    void aFailingCaseIsAnAssertionFailureWithTheFirstDifference(@TempDir Path dir) throws Exception {
        Path broken = dir.resolve("broken.jsonl");
        Files.writeString(broken, Files.readString(someoneElse()).replace("\"strides\":[-8]", "\"strides\":[8]"));
        try (Stream<DynamicNode> nodes = ConformanceTests.of(broken, "java")) {
            DynamicTest reversed = tests(nodes, "java").get(1);
            AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> reversed.getExecutable().execute());
            assertEquals("their-reversed-doubles on java: the case's view was refused: element bytes reach outside"
                    + " memory: lowest=8 highest=24 memory=16 offset=8 itemsize=8 shape=[2] strides=[8]", e.getMessage());
        }
    }

    @Test
    void aSkipIsAnAbortedTestNeverAPass(@TempDir Path dir) throws Exception {
        Path f16 = dir.resolve("half.jsonl");
        Files.writeString(f16, "{\"id\":\"half\",\"format\":\"e\",\"itemsize\":2,\"shape\":[1],\"strides\":[2],"
                + "\"readonly\":true,\"memory\":\"003c\",\"offset\":0,\"logical\":\"003c\",\"expect\":\"roundtrip\"}\n");
        try (Stream<DynamicNode> nodes = ConformanceTests.of(f16, "duckdb")) {
            DynamicTest half = tests(nodes, "duckdb").get(0);
            TestAbortedException e = assertThrows(TestAbortedException.class, () -> half.getExecutable().execute());
            assertEquals("half on duckdb: skip: DuckDB rejects float16", e.getMessage());
        }
    }

    @Test
    void anUnknownPathIsRefusedWithThePaths() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConformanceTests.builtIn("nosuch"));
        assertEquals("unknown path 'nosuch' (paths: java, native, duckdb, pyarrow, cpython,"
                + " dlpack-numpy, dlpack-torch)", e.getMessage());
    }
}
