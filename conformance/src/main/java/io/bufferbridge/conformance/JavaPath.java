package io.bufferbridge.conformance;

import io.bufferbridge.arrow.c.ArrowImporter;

/**
 * The {@code java} path: export the case's view into C structs in native memory and import them
 * back, in-process. Checks docs/contract.md §3, zero-copy by address, the values, and that both
 * release callbacks ran exactly once and nothing of the export is left. Public so that the
 * benchmarks run this path itself through {@link Runner#run}, not a copy of it.
 */
public final class JavaPath implements RoundTripPath {

    /** A path with nothing to open or close: it runs in this JVM. */
    public JavaPath() {
    }

    @Override
    public String name() {
        return "java";
    }

    @Override
    public Outcome run(Case c) {
        return ExportAccounting.exported(c,
                (view, schema, array, arena) -> CaseChecks.imported(c, view, ArrowImporter.importPair(schema, array)));
    }
}
