package io.bufferbridge.arrow.table;

import io.bufferbridge.view.ForeignMemory;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bufferbridge.arrow.c.ArrowExporter;
import io.bufferbridge.arrow.c.ArrowImporter;
import io.bufferbridge.arrow.c.ArrowStreams;
import org.apache.arrow.memory.BufferAllocator;

/**
 * The one place the table tests check that everything was released: exports, imports, streams,
 * spurious releases and the Arrow allocators, against counts taken when the test started.
 */
final class Leaks {
    private final int exports = ArrowExporter.liveCount();
    private final int imports = ArrowImporter.liveCount();
    private final int streams = ArrowStreams.liveCount();
    private final long spuriousStreams = ArrowStreams.spuriousReleaseCount();
    private final long spuriousStructs = ArrowExporter.spuriousReleaseCount();

    /** Asserts every export, import and stream is released and every allocator is at zero. */
    void assertAllReleased(BufferAllocator... allocators) {
        ForeignMemory.flushReleases();
        assertEquals(exports, ArrowExporter.liveCount(), "every exported schema and array freed");
        assertEquals(imports, ArrowImporter.liveCount(), "every import freed");
        ForeignMemory.flushReleases();
        assertEquals(streams, ArrowStreams.liveCount(), "every stream released");
        assertEquals(spuriousStreams, ArrowStreams.spuriousReleaseCount(), "no stream released twice");
        assertEquals(spuriousStructs, ArrowExporter.spuriousReleaseCount(), "no struct released twice");
        for (BufferAllocator a : allocators) {
            assertEquals(0, a.getAllocatedMemory(), "allocator at zero: " + a.getName());
        }
    }
}
