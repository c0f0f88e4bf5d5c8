package io.bufferbridge.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowDiagnostics;
import io.bufferbridge.arrow.c.ArrowImporter;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/** The base every path extends checks what a peer may get wrong, whatever the peer answers. */
class PeerPathTest {

    private static Case intCase() throws IOException {
        return Corpus.builtin().cases().stream().filter(c -> c.id().equals("np-int8-c-1d")).findFirst()
                .orElseThrow();
    }

    /** A peer named "test" whose exchange sees only the exported pair. */
    private static PeerPath peer(BiFunction<ArrowSchema, ArrowArray, PeerPath.Reply> exchange) {
        return PeerPath.of("test", (c, view, schema, array, arena) -> exchange.apply(schema, array));
    }

    @Test
    void aPeerThatHandsThePairBackPasses() throws IOException {
        assertEquals(Outcome.pass(), peer((s, a) -> new PeerPath.Reply.Pair(s, a, null)).run(intCase()));
    }

    @Test
    void aPeerThatPassesButKeepsAnImportLiveFails() throws IOException {
        List<BufferView> kept = new ArrayList<>();
        Outcome o = peer((s, a) -> {
            kept.add(ArrowImporter.importView(s, a));
            return new PeerPath.Reply.Checked(Outcome.pass());
        }).run(intCase());
        kept.forEach(BufferView::close);
        ForeignMemory.flushReleases();
        assertEquals(Outcome.fail("release callbacks: expected=2 (schema and array) ran=1"), o);
        assertEquals(0, ArrowDiagnostics.snapshot().liveImports());
    }

    @Test
    void aPairThePeerDidNotTakeIsReleasedOnceAndThePeersVerdictStands() throws IOException {
        assertEquals(Outcome.skip("the peer could not"),
                peer((s, a) -> new PeerPath.Reply.Checked(Outcome.skip("the peer could not"))).run(intCase()));
    }

    @Test
    void thePeersOwnVerdictComesAfterTheRoundTripChecks() throws IOException {
        assertEquals(Outcome.fail("peer: wrong"),
                peer((s, a) -> new PeerPath.Reply.Pair(s, a, Outcome.fail("peer: wrong"))).run(intCase()));
    }

    @Test
    void theRegistryNamesThePathsInColumnOrder() {
        // The built-in four first; paths registered after them follow in registry order.
        assertEquals(List.of("java", "native", "duckdb", "pyarrow"), Paths.NAMES.subList(0, 4));
        assertEquals("unknown path 'nosuch' (paths: " + String.join(", ", Paths.NAMES) + ")",
                assertThrows(IllegalArgumentException.class, () -> Paths.open(List.of("nosuch"))).getMessage());
    }
}
