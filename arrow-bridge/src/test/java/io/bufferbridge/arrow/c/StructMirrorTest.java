package io.bufferbridge.arrow.c;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The struct mirrors match the C definitions, and the release protocol's corner cases hold. */
class StructMirrorTest {

    @Test
    void arrowSchemaLayoutIsTheCStruct() {
        assertEquals(72, ArrowSchema.LAYOUT.byteSize());
        assertEquals(8, ArrowSchema.LAYOUT.byteAlignment());
        String[] fields = {"format", "name", "metadata", "flags", "n_children", "children", "dictionary", "release",
            "private_data"};
        for (int i = 0; i < fields.length; i++) {
            assertEquals(8L * i, ArrowSchema.LAYOUT.byteOffset(PathElement.groupElement(fields[i])), fields[i]);
        }
    }

    @Test
    void arrowArrayLayoutIsTheCStruct() {
        assertEquals(80, ArrowArray.LAYOUT.byteSize());
        String[] fields = {"length", "null_count", "offset", "n_buffers", "n_children", "buffers", "children",
            "dictionary", "release", "private_data"};
        for (int i = 0; i < fields.length; i++) {
            assertEquals(8L * i, ArrowArray.LAYOUT.byteOffset(PathElement.groupElement(fields[i])), fields[i]);
        }
    }

    @Test
    void allocatedStructsStartReleased() {
        try (Arena arena = Arena.ofConfined()) {
            ForeignMemory.flushReleases();
            assertTrue(ArrowSchema.allocate(arena).isReleased());
            assertTrue(ArrowArray.allocate(arena).isReleased());
        }
        assertThrows(IllegalArgumentException.class, () -> ArrowSchema.wrap(0));
        assertThrows(IllegalArgumentException.class, () -> ArrowArray.wrap(MemorySegment.ofArray(new byte[8])));
    }

    @Test
    void aChildMovedOutByTheConsumerOutlivesItsParent() {
        ForeignMemory.flushReleases();
        int live = ArrowDiagnostics.snapshot().liveExports();
        long spurious = ArrowDiagnostics.snapshot().spuriousExportReleases();
        BufferView source = BufferView.ofArray(new int[] {1, 2, 3, 4});
        BufferView pairs = BufferView.of(source.memory(), 0, "2i", 8, new long[] {2}, new long[] {8}, false);
        try (Arena arena = Arena.ofConfined()) {
            ArrowSchema schema = ArrowSchema.allocate(arena);
            ArrowArray array = ArrowArray.allocate(arena);
            ArrowExporter.exportView(pairs, schema, array);
            // Move the child array out, as the C data interface allows a consumer to.
            ArrowArray child = Structs.child(array, 0);
            ArrowArray moved = ArrowArray.allocate(arena);
            moved.segment().copyFrom(child.segment());
            child.releaseCallback(MemorySegment.NULL);
            long buffer = Structs.buffer(moved, 1);
            RoundTripTest.callRelease(array.releaseCallback(), array.segment());
            RoundTripTest.callRelease(schema.releaseCallback(), schema.segment());
            ForeignMemory.flushReleases();
            assertEquals(live + 1, ArrowDiagnostics.snapshot().liveExports(), "the moved child keeps the array's memory");
            int[] values = MemorySegment.ofAddress(buffer).reinterpret(16).toArray(java.lang.foreign.ValueLayout.JAVA_INT);
            assertArrayEquals(new int[] {1, 2, 3, 4}, values);
            RoundTripTest.callRelease(moved.releaseCallback(), moved.segment());
            ForeignMemory.flushReleases();
            assertTrue(moved.isReleased());
            assertEquals(live, ArrowDiagnostics.snapshot().liveExports());
        }
        pairs.close();
        source.close();
        ForeignMemory.flushReleases();
        assertEquals(spurious, ArrowDiagnostics.snapshot().spuriousExportReleases());
    }

    @Test
    void importedViewMayBeReleasedOnAnotherThread() throws Exception {
        ForeignMemory.flushReleases();
        long before = ArrowDiagnostics.snapshot().exportReleases();
        BufferView source = BufferView.ofArray(new long[] {5, 6});
        BufferView back;
        try (Arena arena = Arena.ofConfined()) {
            ArrowSchema schema = ArrowSchema.allocate(arena);
            ArrowArray array = ArrowArray.allocate(arena);
            ArrowExporter.exportView(source, schema, array);
            back = ArrowImporter.importView(schema, array);
        }
        CompletableFuture.runAsync(back::close).get();
        ForeignMemory.flushReleases();
        assertEquals(2, ArrowDiagnostics.snapshot().exportReleases() - before);
    }

    @Test
    void foreignOpaqueWithPep3118VendorGivesItsFormatBack() {
        try (TestProducer p = new TestProducer()) {
            Map<String, String> md = new LinkedHashMap<>();
            md.put("ARROW:extension:name", "arrow.opaque");
            md.put("ARROW:extension:metadata", "{\"type_name\":\">i\",\"vendor_name\":\"PEP 3118\"}");
            ArrowSchema s = p.root(p.schema("w:4", md));
            ArrowArray a = p.root(p.array(1, 0, new MemorySegment[] {MemorySegment.NULL, p.bytes(new byte[] {0, 0, 1, 2})}));
            BufferView v = ArrowImporter.importView(s, a);
            assertEquals(">i", v.format().text());
            assertEquals(258, v.getLong(0));
            assertTrue(v.isReadOnly());
            v.close();
            ForeignMemory.flushReleases();
            assertEquals(1, TestProducer.ARRAY_RELEASES.get());

            // "ic" is 5 or 8 bytes; the storage width decides.
            md.put("ARROW:extension:metadata", "{\"type_name\":\"ic\",\"vendor_name\":\"PEP 3118\"}");
            ArrowSchema s3 = p.root(p.schema("w:8", md));
            ArrowArray a3 = p.root(p.array(1, 0, new MemorySegment[] {MemorySegment.NULL, p.bytes(new byte[8])}));
            BufferView v3 = ArrowImporter.importView(s3, a3);
            assertEquals("ic", v3.format().text());
            assertEquals(8, v3.itemsize());
            v3.close();

            md.put("ARROW:extension:metadata", "{\"type_name\":\"x\",\"vendor_name\":\"someone\"}");
            ArrowSchema s2 = p.root(p.schema("w:4", md));
            ArrowArray a2 = p.root(p.array(1, 0, new MemorySegment[] {MemorySegment.NULL, p.bytes(new byte[4])}));
            BufferView v2 = ArrowImporter.importView(s2, a2);
            assertEquals("4s", v2.format().text());
            v2.close();
        }
    }
}
