package io.bufferbridge.conformance;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowExporter;
import io.bufferbridge.arrow.c.ArrowImporter;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.conformance.peer.NativePeer;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import java.lang.foreign.Arena;

/**
 * The {@code native} path: the C peer checks the exported structs on its own (Arrow format,
 * {@code bufferbridge.*} metadata, buffers and lengths, the logical bytes rebuilt from memory,
 * shape and strides), then moves them and hands back a re-exported pair, which Java imports and
 * checks against SPEC §3. Every release is counted on both sides.
 */
final class NativePath implements RoundTripPath {
    private final NativePeer peer = NativePeer.instance();

    @Override
    public String name() {
        return "native";
    }

    @Override
    public Outcome run(Case c) {
        long peerOriginal = peer.originalReleases();
        long peerSchemas = peer.schemaReleases();
        long peerArrays = peer.arrayReleases();
        ExportAccounting before = ExportAccounting.snapshot();
        NativePeer.Result checked;
        String difference;
        try (Arena arena = Arena.ofConfined()) {
            BufferView view = c.view(arena);
            ArrowSchema schema = ArrowSchema.allocate(arena);
            ArrowArray array = ArrowArray.allocate(arena);
            ArrowExporter.exportView(view, schema, array);
            checked = peer.check(schema.segment(), array.segment(), c.logical());
            ArrowSchema outSchema = ArrowSchema.allocate(arena);
            ArrowArray outArray = ArrowArray.allocate(arena);
            peer.reexport(schema.segment(), array.segment(), outSchema.segment(), outArray.segment());
            difference = CaseChecks.imported(c, view, ArrowImporter.importPair(outSchema, outArray));
            view.close();
            // The case's memory (this arena) goes only after every deferred release of it ran.
            ForeignMemory.flushReleases();
        }
        if (checked.status() == NativePeer.Status.MISMATCH) {
            return Outcome.fail("peer: " + checked.message());
        }
        if (difference == null) {
            difference = peerReleases(peer.originalReleases() - peerOriginal, peer.schemaReleases() - peerSchemas,
                    peer.arrayReleases() - peerArrays);
        }
        if (difference == null) {
            difference = before.difference();
        }
        if (difference != null) {
            return Outcome.fail(difference);
        }
        if (checked.status() == NativePeer.Status.UNSUPPORTED) {
            return Outcome.skip("peer cannot check it (round trip through the peer held): " + checked.message());
        }
        return Outcome.pass();
    }

    /** The peer called each original release once; the importer released each re-export once. */
    private static String peerReleases(long original, long schemas, long arrays) {
        if (original != 2 || schemas != 1 || arrays != 1) {
            return "peer release callbacks: expected original=2 schema=1 array=1, found original=" + original
                    + " schema=" + schemas + " array=" + arrays;
        }
        return null;
    }
}
