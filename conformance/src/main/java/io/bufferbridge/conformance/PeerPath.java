package io.bufferbridge.conformance;

import static java.lang.foreign.ValueLayout.ADDRESS;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowExporter;
import io.bufferbridge.arrow.c.ArrowImporter;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * A path through a peer, in one place: this class exports the case's view, takes the release
 * accounting, hands the pair to the peer's {@link #exchange}, imports what the peer hands back,
 * runs the round-trip checks ({@code docs/contract.md} §3: {@link CaseChecks#imported}) and, after
 * the case, checks that every release callback of the export ran exactly once and nothing of the
 * export or of an import is left live ({@link ExportAccounting}). {@link #run} is final, so no
 * peer can skip a check; a peer adds only its own ({@link #leftBehind}).
 *
 * <p>A new peer is one class extending this one ({@link #name()} and {@link #exchange}) and one
 * line in {@link Paths}' registry.
 */
abstract class PeerPath implements RoundTripPath {
    private static final MethodHandle RELEASE = Linker.nativeLinker().downcallHandle(FunctionDescriptor.ofVoid(ADDRESS));

    /** What a peer's exchange answers. */
    sealed interface Reply {
        /**
         * The peer handed back a pair, which the base imports and checks.
         *
         * @param schema the pair's schema, live
         * @param array the pair's array, live
         * @param verdict what the peer itself found: null when nothing, a skip when it could not
         *     check the case (the round trip is still checked), a failure
         */
        record Pair(ArrowSchema schema, ArrowArray array, Outcome verdict) implements Reply {}

        /**
         * The peer cannot hand back a pair bufferbridge's checks apply to (DuckDB drops field
         * metadata, so what it returns is compared by the peer, value by value), or refused the case.
         *
         * @param outcome the peer's verdict
         */
        record Checked(Outcome outcome) implements Reply {}
    }

    /** A peer's exchange as a function, for {@link #of}. */
    @FunctionalInterface
    interface Exchange {
        /** As {@link PeerPath#exchange}. */
        Reply exchange(Case c, BufferView view, ArrowSchema schema, ArrowArray array, Arena arena);
    }

    /** {@return a path named {@code name} whose exchange is {@code exchange}, every check the base's} */
    static PeerPath of(String name, Exchange exchange) {
        return new PeerPath() {
            @Override
            public String name() {
                return name;
            }

            @Override
            Reply exchange(Case c, BufferView view, ArrowSchema schema, ArrowArray array, Arena arena) {
                return exchange.exchange(c, view, schema, array, arena);
            }
        };
    }

    /**
     * Hands the case's export to the peer.
     *
     * @param c the case
     * @param view the case's view, exported into {@code schema} and {@code array}; released by the base
     * @param schema the exported schema; the peer takes it over (moves or releases it), else the
     *     base releases it
     * @param array the exported array, likewise
     * @param arena lives until the case is done: structs the peer fills for its reply go here
     * @return the pair the peer handed back, or its own verdict
     */
    abstract Reply exchange(Case c, BufferView view, ArrowSchema schema, ArrowArray array, Arena arena);

    /** {@return what the peer itself left behind after the case (memory, release counts), or null} */
    String leftBehind() {
        return null;
    }

    @Override
    public final Outcome run(Case c) {
        if (unavailable() != null) {
            return Outcome.skip(unavailable());
        }
        ExportAccounting before = ExportAccounting.snapshot();
        Outcome outcome;
        try (Arena arena = Arena.ofConfined()) {
            BufferView view = c.view(arena);
            try {
                ArrowSchema schema = ArrowSchema.allocate(arena);
                ArrowArray array = ArrowArray.allocate(arena);
                ArrowExporter.exportView(view, schema, array);
                try {
                    outcome = switch (exchange(c, view, schema, array, arena)) {
                        case Reply.Pair p -> checked(c, view, p);
                        case Reply.Checked k -> k.outcome();
                    };
                } finally {
                    // What the peer did not take is released once, here, so the accounting holds.
                    releaseIfLive(schema.segment(), schema.isReleased() ? null : schema.releaseCallback());
                    releaseIfLive(array.segment(), array.isReleased() ? null : array.releaseCallback());
                }
            } finally {
                view.close();
                // The case's memory (this arena) goes only after every deferred release of it ran.
                ForeignMemory.flushReleases();
            }
        }
        if (outcome instanceof Outcome.Fail) {
            return outcome;
        }
        String difference = before.difference();
        if (difference == null) {
            difference = leftBehind();
        }
        return difference == null ? outcome : Outcome.fail(difference);
    }

    private static Outcome checked(Case c, BufferView view, Reply.Pair p) {
        String difference = CaseChecks.imported(c, view, ArrowImporter.importPair(p.schema(), p.array()));
        if (difference != null) {
            return Outcome.fail(difference);
        }
        return p.verdict() == null ? Outcome.pass() : p.verdict();
    }

    /** Runs a struct's release callback, if it is still live. */
    static void releaseIfLive(MemorySegment struct, MemorySegment callback) {
        if (callback == null || callback.address() == 0) {
            return;
        }
        try {
            RELEASE.invokeExact(callback, struct);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
