package io.bufferbridge.conformance;

import io.bufferbridge.arrow.c.ArrowExporter;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;

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
        return new ExportAccounting(ArrowExporter.releaseCount(), ArrowExporter.spuriousReleaseCount(),
                ArrowExporter.liveCount());
    }

    /** {@return null when exactly one schema and one array release ran since the snapshot, else what differs} */
    String difference() {
        // An import's release of our export waits for its epoch (ForeignMemory.view): run it.
        ForeignMemory.flushReleases();
        long ran = ArrowExporter.releaseCount() - releases;
        if (ran != 2) {
            return "release callbacks: expected=2 (schema and array) ran=" + ran;
        }
        if (ArrowExporter.spuriousReleaseCount() != spurious) {
            return "a release callback ran on an already released struct";
        }
        int left = ArrowExporter.liveCount() - live;
        return left == 0 ? null : "export memory left behind: live=" + left;
    }
}
