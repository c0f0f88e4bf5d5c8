package io.bufferbridge.conformance;

import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.InvalidViewException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs every case through every path. */
public final class Runner {
    private Runner() {}

    /**
     * Runs the corpus.
     *
     * @param corpus the cases and the unreadable lines
     * @param paths the paths, in column order
     * @param progress where a progress line goes for long runs (stderr), or null
     * @return one row per case
     */
    public static Results run(Corpus corpus, List<RoundTripPath> paths, PrintStream progress) {
        List<String> names = paths.stream().map(RoundTripPath::name).toList();
        List<Results.Row> rows = new ArrayList<>();
        int done = 0;
        long started = System.nanoTime();
        for (Case c : corpus.cases()) {
            Map<String, Outcome> outcomes = new LinkedHashMap<>();
            String precheck = c.reject() ? null : precheck(c);
            for (RoundTripPath path : paths) {
                outcomes.put(path.name(), outcome(c, precheck, path));
            }
            rows.add(new Results.Row(c, outcomes));
            done++;
            if (progress != null && (done % 50 == 0 || done == corpus.cases().size())
                    && System.nanoTime() - started > 2_000_000_000L) {
                progress.printf("progress: %d/%d cases%n", done, corpus.cases().size());
            }
        }
        return new Results(names, rows, corpus.problems());
    }

    /**
     * {@return what {@code path} does with {@code c}}: a skip where the path is unavailable, the
     * refusal check for a reject case, a failure where the case's own view failed
     * {@link #precheck}, else the path's outcome (a path that throws fails)
     *
     * @param precheck {@link #precheck}'s answer for {@code c}, computed once for every path
     */
    static Outcome outcome(Case c, String precheck, RoundTripPath path) {
        if (path.unavailable() != null) {
            return Outcome.skip(path.unavailable());
        }
        if (c.reject()) {
            return refused(c);
        }
        if (precheck != null) {
            return Outcome.fail(precheck);
        }
        try {
            return path.run(c);
        } catch (RuntimeException | Error e) {
            return Outcome.fail("path threw " + e);
        }
    }

    /** An invalid view must be refused when it is built, with the typed exception. */
    static Outcome refused(Case c) {
        try (Arena arena = Arena.ofConfined()) {
            BufferView v = c.view(arena);
            v.close();
            return Outcome.fail("an invalid view was accepted: " + v);
        } catch (InvalidViewException e) {
            return Outcome.pass();
        }
    }

    /**
     * The case must describe a valid view whose contents are its logical bytes and values, and
     * claim zero-copy only where the contract does not copy.
     */
    static String precheck(Case c) {
        try (Arena arena = Arena.ofConfined(); BufferView v = c.view(arena)) {
            String d = CaseChecks.logical(c, v);
            if (d == null) {
                d = CaseChecks.values(c, v);
            }
            if (d == null) {
                d = ZeroCopyClaim.check(c, v);
            }
            return d == null ? null : "the case's own view: " + d;
        } catch (InvalidViewException e) {
            return "the case's view was refused: " + e.getMessage();
        }
    }
}
