package io.bufferbridge.conformance;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowExporter;
import io.bufferbridge.arrow.c.ArrowImporter;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.arrow.c.ImportedView;
import io.bufferbridge.view.BufferView;
import java.lang.foreign.Arena;

/**
 * The {@code java} path: export the case's view into C structs in native memory and import them
 * back, in-process. Checks SPEC §3, zero-copy by address, the values, and that both release
 * callbacks ran exactly once and nothing of the export is left.
 */
final class JavaPath implements RoundTripPath {

    @Override
    public String name() {
        return "java";
    }

    @Override
    public Outcome run(Case c) {
        long releasesBefore = ArrowExporter.releaseCount();
        long spuriousBefore = ArrowExporter.spuriousReleaseCount();
        int liveBefore = ArrowExporter.liveCount();
        String difference;
        try (Arena arena = Arena.ofConfined()) {
            BufferView view = c.view(arena);
            ArrowSchema schema = ArrowSchema.allocate(arena);
            ArrowArray array = ArrowArray.allocate(arena);
            ArrowExporter.exportView(view, schema, array);
            ImportedView imported = ArrowImporter.importPair(schema, array);
            boolean copied = imported.copied();
            BufferView back = imported.view();
            try {
                difference = CaseChecks.roundTrip(c, back, copied);
                if (difference == null && !copied && back.elementCount() > 0 && back.address() != view.address()) {
                    difference = "zero-copy export came back at another address: exported=0x"
                            + Long.toHexString(view.address()) + " imported=0x" + Long.toHexString(back.address());
                }
                if (difference == null) {
                    difference = CaseChecks.values(c, back);
                }
            } finally {
                back.close();
            }
            view.close();
        }
        if (difference != null) {
            return Outcome.fail(difference);
        }
        long releases = ArrowExporter.releaseCount() - releasesBefore;
        if (releases != 2) {
            return Outcome.fail("release callbacks: expected=2 (schema and array) ran=" + releases);
        }
        if (ArrowExporter.spuriousReleaseCount() != spuriousBefore) {
            return Outcome.fail("a release callback ran on an already released struct");
        }
        if (ArrowExporter.liveCount() != liveBefore) {
            return Outcome.fail("export memory left behind: live=" + (ArrowExporter.liveCount() - liveBefore));
        }
        return Outcome.pass();
    }
}
