package io.bufferbridge.conformance;

import java.util.ArrayList;
import java.util.List;

/** The round-trip paths the harness knows, by name. */
final class Paths {
    private Paths() {}

    /** Every path, in column order. */
    static final List<String> NAMES = List.of("java", "native", "duckdb", "pyarrow", "dlpack-numpy", "dlpack-torch");

    /**
     * Opens the named paths.
     *
     * @param names path names from {@link #NAMES}
     * @return the paths, in the order given
     */
    static List<RoundTripPath> open(List<String> names) {
        List<RoundTripPath> paths = new ArrayList<>();
        for (String name : names) {
            paths.add(switch (name) {
                case "java" -> new JavaPath();
                case "native" -> new NativePath();
                case "duckdb" -> DuckDbPath.open();
                case "pyarrow" -> new PyArrowPath();
                case "dlpack-numpy" -> new DlpackNumpyPath();
                case "dlpack-torch" -> new DlpackTorchPath();
                default -> throw new IllegalArgumentException("unknown path '" + name + "'");
            });
        }
        return paths;
    }
}
