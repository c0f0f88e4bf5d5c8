package io.bufferbridge.benchmarks;

import io.bufferbridge.conformance.Corpus;
import io.bufferbridge.conformance.JavaPath;
import io.bufferbridge.conformance.RoundTripPath;
import io.bufferbridge.conformance.Runner;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Benchmark 6: the whole built-in corpus ({@code conformance/src/main/resources/corpus/builtin.jsonl})
 * through the {@code java} path, one operation per pass over all cases; cases per second is the
 * case count divided by the time per pass (no target). The pass is the conformance runner's own,
 * {@link Runner#run} with {@link JavaPath}: for each case the runner's pre-check of the case's own
 * view, then the path (export into C structs, the export accounting, {@code CaseChecks.imported}:
 * docs/contract.md §3 metadata, same address when zero-copy, logical bytes, values; release), or
 * for a case that must be rejected the check that building its view throws.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--sun-misc-unsafe-memory-access=allow"})
public class CorpusBenchmark {

    private Corpus corpus;
    private List<RoundTripPath> paths;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        corpus = Corpus.builtin();
        Checks.require(corpus.problems().isEmpty(), "corpus problems: " + corpus.problems());
        paths = List.of(new JavaPath());
        long passed = javaPath();
        Checks.require(passed == corpus.cases().size(), "java path passed " + passed + " of " + corpus.cases().size()
                + " cases");
        System.out.println("corpus cases per pass: " + corpus.cases().size());
    }

    /** One pass over the corpus; returns the number of cases that passed. */
    @Benchmark
    public long javaPath() {
        return Runner.run(corpus, paths, null).passed();
    }
}
