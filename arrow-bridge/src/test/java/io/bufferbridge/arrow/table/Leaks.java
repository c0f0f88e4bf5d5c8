package io.bufferbridge.arrow.table;

import io.bufferbridge.arrow.c.ArrowDiagnostics;
import io.bufferbridge.view.ForeignMemory;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.arrow.memory.BufferAllocator;

/**
 * The one place the table tests check that everything was released: exports, imports, streams,
 * spurious releases and the Arrow allocators, against counts taken when the test started.
 */
final class Leaks {
    private final int exports = ArrowDiagnostics.snapshot().liveExports();
    private final int imports = ArrowDiagnostics.snapshot().liveImports();
    private final int streams = ArrowDiagnostics.snapshot().liveStreams();
    private final long spuriousStreams = ArrowDiagnostics.snapshot().spuriousStreamReleases();
    private final long spuriousStructs = ArrowDiagnostics.snapshot().spuriousExportReleases();

    /** Asserts every export, import and stream is released and every allocator is at zero. */
    void assertAllReleased(BufferAllocator... allocators) {
        ForeignMemory.flushReleases();
        assertEquals(exports, ArrowDiagnostics.snapshot().liveExports(), "every exported schema and array freed");
        assertEquals(imports, ArrowDiagnostics.snapshot().liveImports(), "every import freed");
        ForeignMemory.flushReleases();
        assertEquals(streams, ArrowDiagnostics.snapshot().liveStreams(), "every stream released");
        assertEquals(spuriousStreams, ArrowDiagnostics.snapshot().spuriousStreamReleases(), "no stream released twice");
        assertEquals(spuriousStructs, ArrowDiagnostics.snapshot().spuriousExportReleases(), "no struct released twice");
        for (BufferAllocator a : allocators) {
            assertEquals(0, a.getAllocatedMemory(), "allocator at zero: " + a.getName());
        }
    }
}
