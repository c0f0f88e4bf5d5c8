package io.bufferbridge.conformance;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.view.BufferView;
import java.lang.foreign.Arena;

/**
 * The {@code java} path: export the case's view into C structs in native memory and import them
 * back, in-process. {@link PeerPath} checks the round trip ({@code docs/contract.md} §3), zero-copy
 * by address, the values, and that both release callbacks ran exactly once and nothing of the
 * export is left. Public so that the benchmarks run this path itself through {@link Runner#run},
 * not a copy of it.
 */
public final class JavaPath extends PeerPath {

    /** A path with nothing to open or close: it runs in this JVM. */
    public JavaPath() {
    }

    @Override
    public String name() {
        return "java";
    }

    @Override
    Reply exchange(Case c, BufferView view, ArrowSchema schema, ArrowArray array, Arena arena) {
        // No peer: the exported pair itself is imported back.
        return new Reply.Pair(schema, array, null);
    }
}
