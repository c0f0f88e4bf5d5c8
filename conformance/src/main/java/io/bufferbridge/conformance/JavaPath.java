package io.bufferbridge.conformance;

import io.bufferbridge.arrow.c.ArrowImporter;

/**
 * The {@code java} path: export the case's view into C structs in native memory and import them
 * back, in-process. Checks SPEC §3, zero-copy by address, the values, and that both release
 * callbacks ran exactly once and nothing of the export is left.
 */
final class JavaPath implements RoundTripPath {

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
