package io.bufferbridge.conformance;

import io.bufferbridge.arrow.c.ArrowDiagnostics;
import io.bufferbridge.view.ForeignMemory;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowExporter;
import io.bufferbridge.arrow.c.ArrowImporter;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.arrow.c.ImportedView;
import io.bufferbridge.conformance.peer.NativePeer;
import io.bufferbridge.conformance.peer.NativePeerException;
import io.bufferbridge.view.BufferView;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * C hands Java a buffer: every built-in corpus case exported by Java, imported in C by
 * {@code bufferbridge.h}'s {@code bb_view_import}, exported again by its {@code bb_view_export}
 * (the native peer's {@code bbpeer_reexport_view}) and imported by Java. What comes back must be
 * what docs/contract.md §3 promises of a round trip: the same format, itemsize, shape, read-only flag, logical
 * bytes and values; the same strides and the same address when nothing on the way copied, else
 * C-contiguous strides; every release exactly once.
 */
class HeaderExportCorpusTest {
    private final NativePeer peer = NativePeer.instance();

    /**
     * {@return null when everything one case exported and imported on both sides has been
     * released, else what was not}: the one place of these checks
     */
    private String released(ExportAccounting before, long viewReleasesBefore, long cExports) {
        String d = before.difference();
        if (d == null && ArrowDiagnostics.snapshot().liveImports() != 0) {
            ForeignMemory.flushReleases();
            d = "live Java imports: " + ArrowDiagnostics.snapshot().liveImports();
        }
        if (d == null && peer.viewReleases() != viewReleasesBefore + cExports) {
            ForeignMemory.flushReleases();
            d = "C exports released: expected=" + cExports + " found=" + (peer.viewReleases() - viewReleasesBefore);
        }
        return d;
    }

    @Test
    void everyCorpusCaseComesBackThroughTheHeader() throws IOException {
        List<String> failures = new ArrayList<>();
        int cases = 0;
        for (Case c : Corpus.builtin().cases()) {
            if (c.reject()) {
                continue;
            }
            cases++;
            ExportAccounting before = ExportAccounting.snapshot();
            ForeignMemory.flushReleases();
            long viewReleases = peer.viewReleases();
            try (Arena arena = Arena.ofConfined()) {
                BufferView view = c.view(arena);
                ArrowSchema schema = ArrowSchema.allocate(arena);
                ArrowArray array = ArrowArray.allocate(arena);
                ArrowExporter.exportView(view, schema, array);
                ArrowSchema fromC = ArrowSchema.allocate(arena);
                ArrowArray fromCArray = ArrowArray.allocate(arena);
                boolean copiedInC = peer.reexportView(schema.segment(), array.segment(), fromC.segment(),
                        fromCArray.segment());
                ImportedView imported = ArrowImporter.importPair(fromC, fromCArray);
                boolean copied = copiedInC || imported.copied();
                try (BufferView back = imported.view()) {
                    String d = CaseChecks.roundTrip(c, back, copied);
                    if (d == null && !copied && back.elementCount() > 0 && back.address() != view.address()) {
                        d = "no copy on the way, yet another address: exported=0x" + Long.toHexString(view.address())
                                + " imported=0x" + Long.toHexString(back.address());
                    }
                    if (d == null) {
                        d = CaseChecks.values(c, back);
                    }
                    if (d != null) {
                        failures.add(c.id() + ": " + d);
                    }
                }
                view.close();
            }
            String r = released(before, viewReleases, 1);
            if (r != null) {
                failures.add(c.id() + ": " + r);
            }
        }
        assertEquals(List.of(), failures);
        assertEquals(576, cases); // 657 in the corpus, 81 of them invalid views
    }

    @Test
    void aRefusalReleasesWhatWasMoved() {
        ExportAccounting before = ExportAccounting.snapshot();
        ForeignMemory.flushReleases();
        long viewReleases = peer.viewReleases();
        try (Arena arena = Arena.ofConfined()) {
            BufferView view = BufferView.ofArray(new int[] {1, 2, 3});
            ArrowSchema schema = ArrowSchema.allocate(arena);
            ArrowArray array = ArrowArray.allocate(arena);
            ArrowExporter.exportView(view, schema, array);
            // A lie the header must refuse: the array claims more values than the shape says.
            array.segment().set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, 4L);
            NativePeerException e = assertThrows(NativePeerException.class, () -> peer.reexportView(schema.segment(),
                    array.segment(), ArrowSchema.allocate(arena).segment(), ArrowArray.allocate(arena).segment()));
            assertEquals("bufferbridge.shape contradicts the array length: path=root shape=[3] product=3 arrow_elements=4",
                    e.getMessage());
            view.close();
        }
        ForeignMemory.flushReleases();
        assertNull(released(before, viewReleases, 0));
    }
}
