package io.bufferbridge.conformance;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowExporter;
import io.bufferbridge.arrow.c.ArrowImporter;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.arrow.c.ImportedView;
import io.bufferbridge.conformance.peer.NativePeer;
import io.bufferbridge.view.BufferView;
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
        long ours = ArrowExporter.releaseCount();
        int liveBefore = ArrowExporter.liveCount();
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
            ImportedView imported = ArrowImporter.importPair(outSchema, outArray);
            BufferView back = imported.view();
            try {
                difference = CaseChecks.roundTrip(c, back, imported.copied());
                if (difference == null && !imported.copied() && back.elementCount() > 0 && back.address() != view.address()) {
                    difference = "zero-copy through the peer came back at another address: exported=0x"
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
        if (checked.status() == NativePeer.Status.MISMATCH) {
            return Outcome.fail("peer: " + checked.message());
        }
        if (difference != null) {
            return Outcome.fail(difference);
        }
        String counts = releaseCounts(peer.originalReleases() - peerOriginal, peer.schemaReleases() - peerSchemas,
                peer.arrayReleases() - peerArrays, ArrowExporter.releaseCount() - ours);
        if (counts != null) {
            return Outcome.fail(counts);
        }
        if (ArrowExporter.liveCount() != liveBefore) {
            return Outcome.fail("export memory left behind: live=" + (ArrowExporter.liveCount() - liveBefore));
        }
        if (checked.status() == NativePeer.Status.UNSUPPORTED) {
            return Outcome.skip("peer cannot check it (round trip through the peer held): " + checked.message());
        }
        return Outcome.pass();
    }

    /** The peer called each original release once; the importer released each re-export once. */
    private static String releaseCounts(long original, long schemas, long arrays, long ours) {
        if (original != 2 || schemas != 1 || arrays != 1 || ours != 2) {
            return "release callbacks: expected peer.original=2 peer.schema=1 peer.array=1 bufferbridge=2, found peer.original="
                    + original + " peer.schema=" + schemas + " peer.array=" + arrays + " bufferbridge=" + ours;
        }
        return null;
    }
}
