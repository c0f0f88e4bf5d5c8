package io.bufferbridge.conformance;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.view.BufferView;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A path through someone else's implementation of the Arrow C data interface: a shared library
 * exporting {@code bb_conformance_peer} as {@code bufferbridge.h} declares it
 * ({@code bb_conformance_peer_fn}), given on the command line as {@code --peer NAME=path}. Each
 * case is exported, handed over to the peer, and the pair it returns is imported and checked as
 * the built-in paths' are, with every release callback counted ({@link PeerPath}).
 */
final class ExternalPeerPath extends PeerPath {
    static final String SYMBOL = "bb_conformance_peer";
    /** {@code struct bb_error { char message[1024]; }} */
    static final long ERROR_SIZE = 1024;

    private final String name;
    private final Path library;
    private final String unavailable;
    private final MethodHandle peer;

    private ExternalPeerPath(String name, Path library, String unavailable, MethodHandle peer) {
        this.name = name;
        this.library = library;
        this.unavailable = unavailable;
        this.peer = peer;
    }

    /**
     * Loads {@code library} and finds the peer function in it; a library that cannot be loaded,
     * or lacks the function, gives a path that skips every case with the reason.
     */
    static ExternalPeerPath open(String name, Path library) {
        if (!Files.isRegularFile(library)) {
            return new ExternalPeerPath(name, library, "no such library: " + library, null);
        }
        SymbolLookup lookup;
        try {
            // Loaded for the rest of the run: a library cannot be unloaded while its release
            // callbacks may still be called.
            lookup = SymbolLookup.libraryLookup(library, Arena.global());
        } catch (IllegalArgumentException e) {
            return new ExternalPeerPath(name, library, "cannot load " + library + ": " + e.getMessage(), null);
        }
        MemorySegment function = lookup.find(SYMBOL).orElse(null);
        if (function == null) {
            return new ExternalPeerPath(name, library, library + " has no function " + SYMBOL, null);
        }
        MethodHandle h = Linker.nativeLinker().downcallHandle(function, FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        return new ExternalPeerPath(name, library, null, h);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String unavailable() {
        return unavailable;
    }

    @Override
    Reply exchange(Case c, BufferView view, ArrowSchema schema, ArrowArray array, Arena arena) {
        ArrowSchema outSchema = ArrowSchema.allocate(arena);
        ArrowArray outArray = ArrowArray.allocate(arena);
        MemorySegment error = arena.allocate(ERROR_SIZE);
        int rc;
        try {
            rc = (int) peer.invokeExact(schema.segment(), array.segment(), outSchema.segment(), outArray.segment(),
                    error);
        } catch (Throwable t) {
            throw new IllegalStateException("peer " + name + " could not be called: " + t, t);
        }
        String difference = null;
        if (rc != 0) {
            difference = "peer " + name + " returned " + rc + ": " + error.getString(0, StandardCharsets.UTF_8);
        } else if (outSchema.isReleased() || outArray.isReleased()) {
            difference = "peer " + name + " returned 0 but no pair: schema.released=" + outSchema.isReleased()
                    + " array.released=" + outArray.isReleased();
        } else if (!schema.isReleased() || !array.isReleased()) {
            // A peer must take the pair over, whatever it answered (PeerPath releases what it left).
            difference = "peer " + name + " did not take the exported pair over";
        }
        if (difference == null) {
            return new Reply.Pair(outSchema, outArray, null);
        }
        // Whatever the peer handed back with a failure is released, once.
        releaseIfLive(outSchema.segment(), outSchema.isReleased() ? null : outSchema.releaseCallback());
        releaseIfLive(outArray.segment(), outArray.isReleased() ? null : outArray.releaseCallback());
        return new Reply.Checked(Outcome.fail(difference));
    }

    @Override
    public String toString() {
        return name + "=" + library;
    }
}
