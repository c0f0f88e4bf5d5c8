package io.bufferbridge.conformance;

import io.bufferbridge.arrow.c.ArrowDiagnostics;
import io.bufferbridge.view.ForeignMemory;

/**
 * A snapshot of bufferbridge's export and import counters ({@link ArrowDiagnostics}), taken before
 * a case, so that a path can check after it that each release callback ran exactly once and no
 * export memory or import was left behind.
 *
 * @param releases root release callbacks run so far
 * @param spurious release callbacks run on an already released struct so far
 * @param live export struct trees not yet freed
 * @param imports imports still holding memory
 */
record ExportAccounting(long releases, long spurious, int live, int imports) {

    static ExportAccounting snapshot() {
        // Releases deferred by earlier cases' epochs run now, not inside this case's count.
        ForeignMemory.flushReleases();
        ArrowDiagnostics d = ArrowDiagnostics.snapshot();
        return new ExportAccounting(d.exportReleases(), d.spuriousExportReleases(), d.liveExports(), d.liveImports());
    }

    /** {@return null when exactly one schema and one array release ran since the snapshot, else what differs} */
    String difference() {
        // An import's release of our export waits for its epoch (ForeignMemory.view): run it.
        ForeignMemory.flushReleases();
        ArrowDiagnostics d = ArrowDiagnostics.snapshot();
        long ran = d.exportReleases() - releases;
        if (ran != 2) {
            return "release callbacks: expected=2 (schema and array) ran=" + ran;
        }
        if (d.spuriousExportReleases() != spurious) {
            return "a release callback ran on an already released struct";
        }
        if (d.liveExports() != live) {
            return "export memory left behind: live=" + (d.liveExports() - live);
        }
        return d.liveImports() == imports ? null : "imports left live: " + (d.liveImports() - imports);
    }
}
