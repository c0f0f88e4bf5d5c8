package io.bufferbridge.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.opentest4j.AssertionFailedError;

/**
 * The conformance suite inside another project's {@code mvn test}: one JUnit 5 {@link DynamicTest}
 * per case and path, grouped by path, for a {@code @TestFactory}.
 *
 * <pre>{@code
 * class MyConformanceTest {
 *     @TestFactory
 *     Stream<DynamicNode> bufferbridgeCorpus() {
 *         return ConformanceTests.builtIn("java", "native");
 *     }
 * }
 * }</pre>
 *
 * A case that passes on a path is a passing test; a failure is an {@link AssertionFailedError}
 * with the first difference; a skip (the path's peer is missing, or cannot carry the case) is an
 * aborted test with the reason, never a pass. The paths are opened when the stream is built and
 * closed when it is closed (JUnit closes a factory's stream after running it).
 */
public final class ConformanceTests {
    private ConformanceTests() {
    }

    /**
     * {@return the built-in corpus through the named paths}
     *
     * @param paths path names ({@code java}, {@code native}, {@code duckdb}, {@code pyarrow}); none
     *     for every path
     * @throws IllegalArgumentException if a name is not a path's
     */
    public static Stream<DynamicNode> builtIn(String... paths) {
        try {
            return of(Corpus.builtin(), paths);
        } catch (IOException e) {
            throw new UncheckedIOException("the built-in corpus is unreadable", e);
        }
    }

    /**
     * {@return the corpus files' cases (the JSON Lines format of docs/contract.md) through the
     * named paths}; an unreadable line is a failing test of its own
     *
     * @param corpus a corpus file
     * @param paths path names; none for every path
     * @throws UncheckedIOException if the file cannot be read
     * @throws IllegalArgumentException if a name is not a path's
     */
    public static Stream<DynamicNode> of(Path corpus, String... paths) {
        try {
            return of(Corpus.read(corpus), paths);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read corpus file " + corpus, e);
        }
    }

    private static Stream<DynamicNode> of(Corpus corpus, String... names) {
        List<String> wanted = names.length == 0 ? Paths.NAMES : List.of(names);
        for (String name : wanted) {
            if (!Paths.NAMES.contains(name)) {
                throw new IllegalArgumentException("unknown path '" + name + "' (paths: "
                        + String.join(", ", Paths.NAMES) + ")");
            }
        }
        List<RoundTripPath> paths = Paths.open(wanted);
        List<String> prechecks = new ArrayList<>();
        for (Case c : corpus.cases()) {
            prechecks.add(c.reject() ? null : Runner.precheck(c));
        }
        List<DynamicNode> nodes = new ArrayList<>();
        for (CorpusProblem p : corpus.problems()) {
            nodes.add(DynamicTest.dynamicTest("corpus: " + p, () -> {
                throw new AssertionFailedError("corpus line unusable: " + p);
            }));
        }
        for (RoundTripPath path : paths) {
            List<DynamicTest> tests = new ArrayList<>();
            for (int i = 0; i < corpus.cases().size(); i++) {
                Case c = corpus.cases().get(i);
                String precheck = prechecks.get(i);
                tests.add(DynamicTest.dynamicTest(c.id(), () -> check(Runner.outcome(c, precheck, path), c, path)));
            }
            nodes.add(DynamicContainer.dynamicContainer(path.name(), tests));
        }
        return nodes.stream().onClose(() -> paths.forEach(ConformanceTests::close));
    }

    private static void check(Outcome o, Case c, RoundTripPath path) {
        switch (o) {
            case Outcome.Pass p -> {
            }
            case Outcome.Fail f -> throw new AssertionFailedError(c.id() + " on " + path.name() + ": " + f.detail());
            case Outcome.Skip s -> Assumptions.abort(c.id() + " on " + path.name() + ": skip: " + s.detail());
        }
    }

    private static void close(RoundTripPath path) {
        try {
            path.close();
        } catch (Exception e) {
            throw new IllegalStateException("path " + path.name() + " did not close: " + e, e);
        }
    }
}
