package io.bufferbridge.arrow.c;

import io.bufferbridge.arrow.internal.ExportReleases;
import io.bufferbridge.arrow.internal.StreamExport;
import io.bufferbridge.arrow.internal.ViewImport;

/**
 * Diagnostics: the JVM-wide counts of bufferbridge's Arrow C data exports, imports and streams,
 * read at one moment by {@link #snapshot()}. They are for tests and leak checks (the difference
 * of two snapshots around a piece of work says what it left live and how many release callbacks
 * it saw), not for program logic: they count every thread's work, and a release may take effect
 * shortly after the call that asked for it ({@code docs/contract.md} §3, "Lifetime").
 *
 * <p>The counts are read one after the other, not atomically together: a snapshot taken while
 * other threads export or release may mix moments.
 *
 * @param liveExports exported struct trees (schemas and arrays, from {@link ArrowExporter}) not
 *     freed yet
 * @param exportReleases root release callbacks (schema or array) of those exports that have run
 * @param spuriousExportReleases release callbacks that ran on an export that was not live (a
 *     consumer releasing twice through a stale copy); stays 0 when every consumer keeps the
 *     protocol
 * @param liveImports imports (from {@link ArrowImporter}) that still hold memory: their view, or a
 *     view derived from it, is not released yet; a refused import never counts
 * @param liveStreams streams exported by {@link ArrowStreams} and not released yet
 * @param streamReleases exported streams' {@code release} callbacks that have run
 * @param spuriousStreamReleases {@code release} calls on an exported stream that was not live;
 *     stays 0 when consumers keep the protocol
 */
public record ArrowDiagnostics(int liveExports, long exportReleases, long spuriousExportReleases, int liveImports,
        int liveStreams, long streamReleases, long spuriousStreamReleases) {

    /** {@return the counts now} */
    public static ArrowDiagnostics snapshot() {
        return new ArrowDiagnostics(ExportReleases.liveHalves(), ExportReleases.rootReleases(),
                ExportReleases.spuriousReleases(), ViewImport.liveImports(), StreamExport.liveStreams(),
                StreamExport.releases(), StreamExport.spuriousReleases());
    }
}
