package io.bufferbridge.conformance;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowExporter;
import io.bufferbridge.arrow.c.ArrowImporter;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
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
        ExportAccounting before = ExportAccounting.snapshot();
        String difference;
        try (Arena arena = Arena.ofConfined()) {
            BufferView view = c.view(arena);
            ArrowSchema schema = ArrowSchema.allocate(arena);
            ArrowArray array = ArrowArray.allocate(arena);
            ArrowExporter.exportView(view, schema, array);
            difference = CaseChecks.imported(c, view, ArrowImporter.importPair(schema, array));
            view.close();
            // The case's memory (this arena) goes only after every deferred release of it ran.
            ForeignMemory.flushReleases();
        }
        if (difference == null) {
            difference = before.difference();
        }
        return difference == null ? Outcome.pass() : Outcome.fail(difference);
    }
}
