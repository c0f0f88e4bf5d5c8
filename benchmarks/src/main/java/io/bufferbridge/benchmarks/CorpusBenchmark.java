package io.bufferbridge.benchmarks;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowExporter;
import io.bufferbridge.arrow.c.ArrowImporter;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.conformance.Case;
import io.bufferbridge.conformance.CaseChecks;
import io.bufferbridge.conformance.Corpus;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.InvalidViewException;
import java.io.IOException;
import java.lang.foreign.Arena;
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
 * case count divided by the time per pass (no target). The conformance module's {@code JavaPath}
 * is package-private, so its few lines are repeated here with the public pieces it uses: a case's
 * view over native memory, export into C structs, {@code CaseChecks.imported} (SPEC §3 metadata,
 * same address when zero-copy, logical bytes, values), release; a case that must be rejected is
 * built and must throw {@link InvalidViewException}. Not included: the runner's pre-check of each
 * case's own view and the export accounting snapshot.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--sun-misc-unsafe-memory-access=allow"})
public class CorpusBenchmark {

    private List<Case> cases;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Corpus corpus = Corpus.builtin();
        Checks.require(corpus.problems().isEmpty(), "corpus problems: " + corpus.problems());
        cases = corpus.cases();
        int passed = javaPath();
        Checks.require(passed == cases.size(), "java path passed " + passed + " of " + cases.size() + " cases");
        System.out.println("corpus cases per pass: " + cases.size());
    }

    /** One pass over the corpus; returns the number of cases that passed. */
    @Benchmark
    public int javaPath() {
        int passed = 0;
        for (Case c : cases) {
            if (run(c) == null) {
                passed++;
            }
        }
        return passed;
    }

    private static String run(Case c) {
        if (c.reject()) {
            try (Arena arena = Arena.ofConfined()) {
                c.view(arena).close();
                return "an invalid view was accepted";
            } catch (InvalidViewException e) {
                return null;
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            BufferView view = c.view(arena);
            ArrowSchema schema = ArrowSchema.allocate(arena);
            ArrowArray array = ArrowArray.allocate(arena);
            ArrowExporter.exportView(view, schema, array);
            String difference = CaseChecks.imported(c, view, ArrowImporter.importPair(schema, array));
            view.close();
            return difference;
        }
    }
}
