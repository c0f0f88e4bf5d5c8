package io.bufferbridge.conformance;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The round-trip paths the harness knows, by name: one registry, in column order.
 *
 * <p>Adding a path is one class and one line. The class implements {@link RoundTripPath}, best by
 * extending {@link PeerPath}, which exports the case, keeps the release accounting, imports and
 * checks what the peer hands back, so that the new path cannot skip a check; the line is a
 * {@code path("name", NewPath::new)} entry in {@link #REGISTRY} below. A path whose peer is
 * missing on this machine says so in {@link RoundTripPath#unavailable()}; {@link Runner} then
 * skips every case on it with that reason.
 */
final class Paths {
    private Paths() {}

    private static final Map<String, Supplier<RoundTripPath>> REGISTRY = registry(
            path("java", JavaPath::new),
            path("native", NativePath::new),
            path("duckdb", DuckDbPath::open),
            path("pyarrow", PyArrowPath::new),
            path("cpython", CPythonPath::new),
            path("dlpack-numpy", DlpackNumpyPath::new),
            path("dlpack-torch", DlpackTorchPath::new));

    /** Every path, in column order. */
    static final List<String> NAMES = List.copyOf(REGISTRY.keySet());

    /**
     * Opens the named paths.
     *
     * @param names path names from {@link #NAMES}
     * @return the paths, in the order given
     * @throws IllegalArgumentException for a name not in the registry
     */
    static List<RoundTripPath> open(List<String> names) {
        List<RoundTripPath> paths = new ArrayList<>();
        for (String name : names) {
            Supplier<RoundTripPath> open = REGISTRY.get(name);
            if (open == null) {
                throw new IllegalArgumentException("unknown path '" + name + "' (paths: " + String.join(", ", NAMES)
                        + ")");
            }
            paths.add(open.get());
        }
        return paths;
    }

    private static Map.Entry<String, Supplier<RoundTripPath>> path(String name, Supplier<RoundTripPath> open) {
        return Map.entry(name, open);
    }

    @SafeVarargs
    private static Map<String, Supplier<RoundTripPath>> registry(Map.Entry<String, Supplier<RoundTripPath>>... entries) {
        Map<String, Supplier<RoundTripPath>> m = new LinkedHashMap<>();
        for (Map.Entry<String, Supplier<RoundTripPath>> e : entries) {
            if (m.putIfAbsent(e.getKey(), e.getValue()) != null) {
                throw new ExceptionInInitializerError("path registered twice: name='" + e.getKey() + "'");
            }
        }
        return java.util.Collections.unmodifiableMap(m);
    }
}
