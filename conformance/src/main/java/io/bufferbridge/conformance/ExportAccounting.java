package io.bufferbridge.conformance;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowDiagnostics;
import io.bufferbridge.arrow.c.ArrowExporter;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import java.lang.foreign.Arena;

/**
 * A snapshot of bufferbridge's export counters, taken before a case, so that a path can check
 * after it that each release callback ran exactly once and no export memory was left behind.
 *
 * @param releases root release callbacks run so far
 * @param spurious release callbacks run on an already released struct so far
 * @param live export struct trees not yet freed
 */
record ExportAccounting(long releases, long spurious, int live) {

    static ExportAccounting snapshot() {
        // Releases deferred by earlier cases' epochs run now, not inside this case's count.
        ForeignMemory.flushReleases();
        return new ExportAccounting(ArrowDiagnostics.snapshot().exportReleases(), ArrowDiagnostics.snapshot().spuriousExportReleases(),
                ArrowDiagnostics.snapshot().liveExports());
    }

    /** {@return null when exactly one schema and one array release ran since the snapshot, else what differs} */
    String difference() {
        // An import's release of our export waits for its epoch (ForeignMemory.view): run it.
        ForeignMemory.flushReleases();
        long ran = ArrowDiagnostics.snapshot().exportReleases() - releases;
        if (ran != 2) {
            return "release callbacks: expected=2 (schema and array) ran=" + ran;
        }
        if (ArrowDiagnostics.snapshot().spuriousExportReleases() != spurious) {
            return "a release callback ran on an already released struct";
        }
        int left = ArrowDiagnostics.snapshot().liveExports() - live;
        return left == 0 ? null : "export memory left behind: live=" + left;
    }

    /** What a path does with a case's export: the first difference found, or null. */
    @FunctionalInterface
    interface Exchange {
        String run(BufferView view, ArrowSchema schema, ArrowArray array, Arena arena);
    }

    /**
     * {@return the outcome of a path that exports the case's view and hands the pair to
     * {@code exchange}}: the case's memory and the structs live in one arena, freed only after the
     * view is released and every deferred release of it has run; then every release callback must
     * have run exactly once
     */
    static Outcome exported(Case c, Exchange exchange) {
        ExportAccounting before = snapshot();
        String difference;
        try (Arena arena = Arena.ofConfined()) {
            BufferView view = c.view(arena);
            ArrowSchema schema = ArrowSchema.allocate(arena);
            ArrowArray array = ArrowArray.allocate(arena);
            ArrowExporter.exportView(view, schema, array);
            difference = exchange.run(view, schema, array, arena);
            view.close();
            ForeignMemory.flushReleases();
        }
        if (difference == null) {
            difference = before.difference();
        }
        return difference == null ? Outcome.pass() : Outcome.fail(difference);
    }
}
