package io.bufferbridge.conformance;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.conformance.peer.NativePeer;
import io.bufferbridge.view.BufferView;
import java.lang.foreign.Arena;

/**
 * The {@code native} path: the C peer checks the exported structs on its own (Arrow format,
 * {@code bufferbridge.*} metadata, buffers and lengths, the logical bytes rebuilt from memory,
 * shape and strides), then moves them and hands back a re-exported pair, which {@link PeerPath}
 * imports and checks ({@code docs/contract.md} §3). Every release is counted on both sides.
 */
final class NativePath extends PeerPath {
    private final NativePeer peer = NativePeer.instance();
    private long peerOriginal;
    private long peerSchemas;
    private long peerArrays;

    @Override
    public String name() {
        return "native";
    }

    @Override
    Reply exchange(Case c, BufferView view, ArrowSchema schema, ArrowArray array, Arena arena) {
        peerOriginal = peer.originalReleases();
        peerSchemas = peer.schemaReleases();
        peerArrays = peer.arrayReleases();
        NativePeer.Result checked = peer.check(schema.segment(), array.segment(), c.logical());
        ArrowSchema outSchema = ArrowSchema.allocate(arena);
        ArrowArray outArray = ArrowArray.allocate(arena);
        peer.reexport(schema.segment(), array.segment(), outSchema.segment(), outArray.segment());
        Outcome verdict = switch (checked.status()) {
            case MISMATCH -> Outcome.fail("peer: " + checked.message());
            case UNSUPPORTED -> Outcome.skip("peer cannot check it (round trip through the peer held): "
                    + checked.message());
            default -> null;
        };
        return new Reply.Pair(outSchema, outArray, verdict);
    }

    /** The peer called each original release once; the importer released each re-export once. */
    @Override
    String leftBehind() {
        long original = peer.originalReleases() - peerOriginal;
        long schemas = peer.schemaReleases() - peerSchemas;
        long arrays = peer.arrayReleases() - peerArrays;
        if (original != 2 || schemas != 1 || arrays != 1) {
            return "peer release callbacks: expected original=2 schema=1 array=1, found original=" + original
                    + " schema=" + schemas + " array=" + arrays;
        }
        return null;
    }
}
