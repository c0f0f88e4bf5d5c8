package io.bufferbridge.arrow.vector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowDiagnostics;
import io.bufferbridge.arrow.c.ArrowExporter;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.view.BufferException;
import io.bufferbridge.view.BufferExporter;
import io.bufferbridge.view.BufferFlags;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import io.bufferbridge.view.NativeBuffer;
import org.apache.arrow.c.Data;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.TinyIntVector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A class that is an exporter by delegation (the BufferExporter Javadoc's example) through Arrow. */
class DelegatingExporterTest {

    /** DNA bases in a byte[], exported by delegating to a view of the array. */
    static final class Sequence implements BufferExporter {
        private final BufferView bases;

        Sequence(byte[] bases) {
            this.bases = BufferView.ofArray(bases);
        }

        @Override
        public BufferView getBuffer(int flags) {
            return bases.getBuffer(flags);
        }

        int exports() {
            return bases.exports();
        }
    }

    private BufferAllocator allocator;
    private int importsBefore;
    private int exportsBefore;
    private long releasesBefore;

    @BeforeEach
    void open() {
        ForeignMemory.flushReleases();
        importsBefore = ArrowDiagnostics.snapshot().liveImports();
        ForeignMemory.flushReleases();
        exportsBefore = ArrowDiagnostics.snapshot().liveExports();
        releasesBefore = ArrowDiagnostics.snapshot().exportReleases();
        allocator = new RootAllocator();
    }

    @AfterEach
    void close() {
        ForeignMemory.flushReleases();
        assertEquals(importsBefore, ArrowDiagnostics.snapshot().liveImports());
        assertEquals(exportsBefore, ArrowDiagnostics.snapshot().liveExports());
        assertEquals(0, allocator.getAllocatedMemory());
        allocator.close();
    }

    @Test
    void delegatingExporterGoesThroughArrowExporter() {
        Sequence seq = new Sequence("GATTACA".getBytes());
        BufferView view = seq.getBuffer(BufferFlags.FULL_RO);
        assertEquals(1, seq.exports());
        try (org.apache.arrow.c.ArrowSchema s = org.apache.arrow.c.ArrowSchema.allocateNew(allocator);
                org.apache.arrow.c.ArrowArray a = org.apache.arrow.c.ArrowArray.allocateNew(allocator)) {
            ArrowExporter.exportView(view, ArrowSchema.wrap(s.memoryAddress()), ArrowArray.wrap(a.memoryAddress()));
            try (FieldVector v = Data.importVector(allocator, a, s, null)) {
                TinyIntVector t = (TinyIntVector) v;
                assertEquals(7, t.getValueCount());
                assertEquals('G', t.get(0));
                assertEquals('A', t.get(6));
                assertEquals("true", v.getField().getMetadata().get("bufferbridge.copied"), "heap memory is copied");
                assertEquals("b", v.getField().getMetadata().get("bufferbridge.format"));
            }
        }
        ForeignMemory.flushReleases();
        assertEquals(2, ArrowDiagnostics.snapshot().exportReleases() - releasesBefore, "schema and array released once each");
        view.close();
        assertEquals(0, seq.exports());
    }

    @Test
    void delegatingExporterBecomesAVector() {
        Sequence seq = new Sequence("ACGT".getBytes());
        try (VectorOfView vv = ArrowVectors.toVector(seq, "bases", allocator)) {
            assertTrue(vv.copied(), "a byte[] is on the heap: copied once");
            TinyIntVector t = (TinyIntVector) vv.vector();
            assertEquals("bases", t.getName());
            byte[] got = new byte[4];
            for (int k = 0; k < 4; k++) {
                got[k] = t.get(k);
            }
            assertArrayEquals("ACGT".getBytes(), got);
            assertEquals(0, seq.exports(), "after a copy the vector needs nothing from the exporter");
            try (BufferView back = ArrowVectors.toView(t)) {
                assertEquals("b", back.format().text());
                assertArrayEquals("ACGT".getBytes(), back.toBytes());
            }
        }
        assertEquals(0, seq.exports());
    }

    @Test
    void delegatingNativeExporterIsHeldUntilTheVectorCloses() {
        NativeBuffer owner = NativeBuffer.allocate("B", 3);
        try (BufferView fill = owner.getBuffer(BufferFlags.FULL)) {
            fill.memory().copyFrom(java.lang.foreign.MemorySegment.ofArray("xyz".getBytes()));
        }
        // A class that wraps the owner and delegates to it, as user code does.
        BufferExporter wrapper = owner::getBuffer;
        long address;
        try (VectorOfView vv = ArrowVectors.toVector(wrapper, "w", allocator)) {
            assertEquals(false, vv.copied());
            address = vv.vector().getDataBuffer().memoryAddress();
            assertEquals(1, owner.exports(), "the vector holds the exporter's memory");
            BufferException e = assertThrows(BufferException.class, owner::close);
            assertEquals("cannot free memory with live exports: exports=1 bytes=3", e.getMessage());
            assertEquals((byte) 'y', vv.vector().getObject(1));
        }
        ForeignMemory.flushReleases();
        assertEquals(0, owner.exports(), "closing the vector released it");
        assertTrue(address != 0);
        owner.close();
    }
}
