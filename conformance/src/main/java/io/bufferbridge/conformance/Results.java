package io.bufferbridge.conformance;

import java.util.List;
import java.util.Map;

/**
 * The outcome of a run: one row per case, one outcome per path, and the corpus lines that could
 * not be read.
 *
 * @param paths the path names, in column order
 * @param rows one row per case, in corpus order
 * @param problems unreadable corpus lines
 */
public record Results(List<String> paths, List<Row> rows, List<CorpusProblem> problems) {

    /**
     * @param c the case
     * @param outcomes the outcome on each path, by path name
     */
    public record Row(Case c, Map<String, Outcome> outcomes) {}

    /** {@return how many (case, path) cells passed} */
    public long passed() {
        return count(Outcome.Pass.class);
    }

    /** {@return how many (case, path) cells failed, plus one per unreadable corpus line} */
    public long failed() {
        return count(Outcome.Fail.class) + problems.size();
    }

    /** {@return how many (case, path) cells were skipped} */
    public long skipped() {
        return count(Outcome.Skip.class);
    }

    private long count(Class<? extends Outcome> type) {
        return rows.stream().flatMap(r -> r.outcomes().values().stream()).filter(type::isInstance).count();
    }

    /** {@return the closing line, {@code N passed, N failed, N skipped}} */
    public String summary() {
        return passed() + " passed, " + failed() + " failed, " + skipped() + " skipped";
    }
}
