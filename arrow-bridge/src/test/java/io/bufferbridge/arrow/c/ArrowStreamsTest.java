package io.bufferbridge.arrow.c;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.c.Data;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Streams of views through the C stream interface, against Arrow Java 19's
 * {@code Data.importArrayStream} (reading ours) and {@code Data.exportArrayStream} (ours reading
 * theirs). Every test ends with the allocator at zero and every stream and tree released.
 */
class ArrowStreamsTest {
    private static final MethodHandle CALL_RELEASE = Linker.nativeLinker()
            .downcallHandle(FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
    private static final MethodHandle CALL_LAST_ERROR = Linker.nativeLinker()
            .downcallHandle(FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS));

    private BufferAllocator allocator;
    private Arena arena;
    private int streamsBefore;
    private long streamReleasesBefore;
    private long spuriousBefore;
    private int exportsBefore;
    private int importsBefore;

    @BeforeEach
    void open() {
        allocator = new RootAllocator();
        arena = Arena.ofShared();
        ForeignMemory.flushReleases();
        streamsBefore = ArrowDiagnostics.snapshot().liveStreams();
        streamReleasesBefore = ArrowDiagnostics.snapshot().streamReleases();
        spuriousBefore = ArrowDiagnostics.snapshot().spuriousStreamReleases();
        exportsBefore = ArrowDiagnostics.snapshot().liveExports();
        importsBefore = ArrowDiagnostics.snapshot().liveImports();
    }

    @AfterEach
    void close() {
        ForeignMemory.flushReleases();
        assertEquals(streamsBefore, ArrowDiagnostics.snapshot().liveStreams(), "every stream released");
        assertEquals(spuriousBefore, ArrowDiagnostics.snapshot().spuriousStreamReleases(), "no stream released twice");
        assertEquals(exportsBefore, ArrowDiagnostics.snapshot().liveExports(), "every batch and schema freed");
        assertEquals(importsBefore, ArrowDiagnostics.snapshot().liveImports(), "every import freed");
        assertEquals(0, allocator.getAllocatedMemory());
        allocator.close();
        arena.close();
    }

    private BufferView ints(int... values) {
        MemorySegment m = arena.allocate(ValueLayout.JAVA_INT, Math.max(1, values.length));
        MemorySegment.copy(values, 0, m, ValueLayout.JAVA_INT, 0, values.length);
        return BufferView.of(m, 0, "i", 4, new long[] {values.length}, new long[] {4}, false);
    }

    @Test
    void arrowJavaReadsOurStreamThroughItsAddress() throws IOException {
        BufferView a = ints(1, 2, 3);
        BufferView b = ints(4);
        BufferView empty = ints();
        BufferView c = ints(5, 6);
        ArrowArrayStream stream = ArrowArrayStream.allocate(arena);
        ArrowStreams.exportViews(List.of(a, b, empty, c), "x", stream);
        assertEquals(1, a.exports(), "the stream holds each view");
        List<List<Integer>> batches = new ArrayList<>();
        long firstAddress = 0;
        // What DuckDB's registerArrowStream is handed: Arrow Java's struct wrapped at our address.
        try (ArrowReader reader = Data.importArrayStream(allocator,
                org.apache.arrow.c.ArrowArrayStream.wrap(stream.address()))) {
            ForeignMemory.flushReleases();
            assertTrue(stream.isReleased(), "Arrow Java moved the stream");
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            assertEquals(1, root.getSchema().getFields().size());
            assertEquals("x", root.getSchema().getFields().get(0).getName());
            assertEquals(new ArrowType.Int(32, true), root.getSchema().getFields().get(0).getType());
            while (reader.loadNextBatch()) {
                IntVector v = (IntVector) root.getVector("x");
                if (batches.isEmpty()) {
                    firstAddress = v.getDataBuffer().memoryAddress();
                }
                List<Integer> values = new ArrayList<>();
                for (int i = 0; i < v.getValueCount(); i++) {
                    values.add(v.get(i));
                }
                batches.add(values);
            }
        }
        assertEquals(List.of(List.of(1, 2, 3), List.of(4), List.of(), List.of(5, 6)), batches);
        assertEquals(a.address(), firstAddress, "zero-copy");
        ForeignMemory.flushReleases();
        assertEquals(1, ArrowDiagnostics.snapshot().streamReleases() - streamReleasesBefore, "released once");
        for (BufferView v : List.of(a, b, empty, c)) {
            assertEquals(0, v.exports(), "every batch released its view");
            v.close();
        }
    }

    @Test
    void arrowJavaReadsTwoDimensionalChunksAsTensorRows() throws IOException {
        // A C-order (2, 3) chunk and a Fortran-order (2, 3) chunk: the second is copied to C order.
        BufferView c = BufferView.of(ints(1, 2, 3, 4, 5, 6).memory(), 0, "i", 4, new long[] {2, 3},
                new long[] {12, 4}, true);
        BufferView f = BufferView.of(ints(10, 40, 20, 50, 30, 60).memory(), 0, "i", 4, new long[] {2, 3},
                new long[] {4, 8}, true);
        ArrowArrayStream stream = ArrowArrayStream.allocate(arena);
        ArrowStreams.exportViews(List.of(c, f), "t", stream);
        List<Object> rows = new ArrayList<>();
        try (ArrowReader reader = Data.importArrayStream(allocator,
                org.apache.arrow.c.ArrowArrayStream.wrap(stream.address()))) {
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            assertEquals("arrow.fixed_shape_tensor",
                    root.getSchema().findField("t").getMetadata().get("ARROW:extension:name"));
            assertFalse(root.getSchema().findField("t").getMetadata().containsKey("bufferbridge.shape"),
                    "per-view metadata stays out of the column");
            while (reader.loadNextBatch()) {
                FixedSizeListVector v = (FixedSizeListVector) root.getVector("t");
                for (int i = 0; i < v.getValueCount(); i++) {
                    rows.add(v.getObject(i));
                }
            }
        }
        assertEquals(List.of(List.of(1, 2, 3), List.of(4, 5, 6), List.of(10, 20, 30), List.of(40, 50, 60)), rows);
        c.close();
        f.close();
    }

    @Test
    void ourStreamReadByUs() {
        BufferView a = ints(7, 8);
        BufferView b = ints(9);
        ArrowArrayStream stream = ArrowArrayStream.allocate(arena);
        ArrowStreams.exportViews(List.of(a, b), "col", stream);
        List<BufferView> views = ArrowStreams.importViews(stream, "col");
        ForeignMemory.flushReleases();
        assertTrue(stream.isReleased(), "moved");
        assertEquals(1, ArrowDiagnostics.snapshot().streamReleases() - streamReleasesBefore);
        assertEquals(2, views.size());
        assertEquals("i", views.get(0).format().text());
        assertTrue(views.get(0).isReadOnly());
        assertArrayEquals(new int[] {7, 8}, views.get(0).toIntArray());
        assertArrayEquals(new int[] {9}, views.get(1).toIntArray());
        assertEquals(a.address(), views.get(0).address(), "zero-copy both ways");
        // Each batch holds its chunk's memory, not a view of it: the chunks may go first.
        assertEquals(0, a.exports());
        a.close();
        b.close();
        assertArrayEquals(new int[] {7, 8}, views.get(0).toIntArray());
        views.forEach(BufferView::close);
    }

    private byte[] ipcBatches() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (IntVector n = new IntVector("n", allocator); Float8Vector d = new Float8Vector("d", allocator);
                VectorSchemaRoot root = new VectorSchemaRoot(List.<FieldVector>of(n, d));
                ArrowStreamWriter writer = new ArrowStreamWriter(root, null, out)) {
            writer.start();
            for (int batch = 0; batch < 2; batch++) {
                root.allocateNew();
                for (int i = 0; i < 3; i++) {
                    n.set(i, batch * 10 + i);
                    d.set(i, batch + i / 4.0);
                }
                root.setRowCount(3);
                writer.writeBatch();
            }
            writer.end();
        }
        return out.toByteArray();
    }

    @Test
    void weReadArrowJavasStream() throws IOException {
        byte[] ipc = ipcBatches();
        ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(ipc), allocator);
        List<BufferView> views;
        try (org.apache.arrow.c.ArrowArrayStream theirs = org.apache.arrow.c.ArrowArrayStream.allocateNew(allocator)) {
            Data.exportArrayStream(allocator, reader, theirs);
            ArrowArrayStream in = ArrowArrayStream.wrap(theirs.memoryAddress());
            views = ArrowStreams.importViews(in, "d");
            ForeignMemory.flushReleases();
            assertTrue(in.isReleased(), "moved and released");
        }
        assertEquals(2, views.size());
        // Read after the whole stream: each view holds its own batch's buffers.
        assertEquals("d", views.get(0).format().text());
        assertArrayEquals(new double[] {0, 0.25, 0.5}, views.get(0).toDoubleArray());
        assertArrayEquals(new double[] {1, 1.25, 1.5}, views.get(1).toDoubleArray());
        ForeignMemory.flushReleases();
        assertTrue(allocator.getAllocatedMemory() > 0);
        views.forEach(BufferView::close);
    }

    @Test
    void firstColumnByDefault() throws IOException {
        ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(ipcBatches()), allocator);
        List<BufferView> views;
        try (org.apache.arrow.c.ArrowArrayStream theirs = org.apache.arrow.c.ArrowArrayStream.allocateNew(allocator)) {
            Data.exportArrayStream(allocator, reader, theirs);
            views = ArrowStreams.importViews(ArrowArrayStream.wrap(theirs.memoryAddress()));
        }
        assertArrayEquals(new int[] {0, 1, 2}, views.get(0).toIntArray());
        assertArrayEquals(new int[] {10, 11, 12}, views.get(1).toIntArray());
        views.forEach(BufferView::close);
    }

    @Test
    void unknownColumnIsRefusedAndTheStreamReleasedOnce() throws IOException {
        BufferView a = ints(1);
        ArrowArrayStream stream = ArrowArrayStream.allocate(arena);
        ArrowStreams.exportViews(List.of(a), "x", stream);
        ArrowImportException e = assertThrows(ArrowImportException.class,
                () -> ArrowStreams.importViews(stream, "y"));
        assertEquals("stream has no such column: path=stream column='y' columns=[x]", e.getMessage());
        ForeignMemory.flushReleases();
        assertEquals(1, ArrowDiagnostics.snapshot().streamReleases() - streamReleasesBefore);
        assertEquals(0, a.exports());
        a.close();
        ForeignMemory.flushReleases();
        assertThrows(ArrowImportException.class, () -> ArrowStreams.importViews(stream), "already released");
    }

    @Test
    void chunksOfDifferentTypesAreRefusedAndNothingHeld() {
        BufferView a = ints(1, 2);
        BufferView b = BufferView.ofArray(new long[] {3});
        ArrowArrayStream stream = ArrowArrayStream.allocate(arena);
        ArrowExportException e = assertThrows(ArrowExportException.class,
                () -> ArrowStreams.exportViews(List.of(a, b), "x", stream));
        assertTrue(e.getMessage().startsWith("stream chunks differ: chunk=1 format='q'"), e.getMessage());
        ForeignMemory.flushReleases();
        assertTrue(stream.isReleased());
        assertEquals(0, a.exports());
        assertEquals("a stream needs at least one view to take its type from: views=0", assertThrows(
                ArrowExportException.class, () -> ArrowStreams.exportViews(List.of(), "x", stream)).getMessage());
        a.close();
    }

    @Test
    void unreadStreamReleasedByAStaleCopyOnlyOnce() throws Throwable {
        BufferView a = ints(1, 2);
        ArrowArrayStream stream = ArrowArrayStream.allocate(arena);
        ArrowStreams.exportViews(List.of(a), "x", stream);
        MemorySegment lastError = (MemorySegment) CALL_LAST_ERROR.invokeExact(stream.getLastErrorCallback(),
                stream.segment());
        assertEquals(0, lastError.address(), "no error yet");
        ArrowArrayStream stale = ArrowArrayStream.allocate(arena);
        stale.segment().copyFrom(stream.segment());
        CALL_RELEASE.invokeExact(stream.releaseCallback(), stream.segment());
        ForeignMemory.flushReleases();
        assertTrue(stream.isReleased());
        assertEquals(1, ArrowDiagnostics.snapshot().streamReleases() - streamReleasesBefore);
        assertEquals(0, a.exports(), "releasing the stream let go of the unread view");
        // A buggy consumer releasing again through its copy: counted, nothing freed twice.
        CALL_RELEASE.invokeExact(stale.releaseCallback(), stale.segment());
        ForeignMemory.flushReleases();
        assertEquals(1, ArrowDiagnostics.snapshot().spuriousStreamReleases() - spuriousBefore);
        spuriousBefore = ArrowDiagnostics.snapshot().spuriousStreamReleases();
        a.close();
    }

    @Test
    void heapAndRecordChunksAreCopiedIntoBatches() {
        BufferView heap = BufferView.ofArray(new short[] {-1, 2});
        ArrowArrayStream stream = ArrowArrayStream.allocate(arena);
        ArrowStreams.exportViews(List.of(heap, BufferView.ofArray(new short[] {3})), "h", stream);
        List<BufferView> views = ArrowStreams.importViews(stream);
        assertEquals("h", views.get(0).format().text());
        assertArrayEquals(new short[] {-1, 2}, views.get(0).toShortArray());
        assertArrayEquals(new short[] {3}, views.get(1).toShortArray());
        views.forEach(BufferView::close);
        assertEquals(0, heap.exports());
    }

    /** An Arrow Java reader whose second batch fails, as a broken file would. */
    private static final class FailingReader extends ArrowReader {
        private int batches;

        FailingReader(BufferAllocator allocator) {
            super(allocator);
        }

        @Override
        protected Schema readSchema() {
            return new Schema(List.of(Field.notNullable("x", new ArrowType.Int(32, true))));
        }

        @Override
        public boolean loadNextBatch() throws IOException {
            if (batches++ == 0) {
                IntVector x = (IntVector) getVectorSchemaRoot().getVector("x");
                x.allocateNew(1);
                x.set(0, 42);
                getVectorSchemaRoot().setRowCount(1);
                return true;
            }
            throw new IOException("disk on fire");
        }

        @Override
        public long bytesRead() {
            return 0;
        }

        @Override
        protected void closeReadSource() {
        }
    }

    @Test
    void producerErrorComesWithItsLastErrorAndEverythingIsReleased() {
        try (org.apache.arrow.c.ArrowArrayStream theirs = org.apache.arrow.c.ArrowArrayStream.allocateNew(allocator)) {
            Data.exportArrayStream(allocator, new FailingReader(allocator), theirs);
            ArrowArrayStream in = ArrowArrayStream.wrap(theirs.memoryAddress());
            ArrowImportException e = assertThrows(ArrowImportException.class, () -> ArrowStreams.importViews(in));
            assertTrue(e.getMessage().startsWith("get_next failed: errno="), e.getMessage());
            assertTrue(e.getMessage().contains("disk on fire"), e.getMessage());
            ForeignMemory.flushReleases();
            assertTrue(in.isReleased());
        }
        // The first batch's view was released before the exception: the allocator is checked at zero.
    }

    // ------------------------------------------------------------ a foreign producer that slices its batches

    private static final MethodHandle CALL_GET = Linker.nativeLinker()
            .downcallHandle(FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    /** The stream the slicing producer wraps; one test at a time uses it. */
    private static ArrowArrayStream inner;
    /** What the slicing producer's release caught, if anything: it cannot throw into C. */
    private static volatile Throwable slicedReleaseFailure;

    static int slicedGetSchema(MemorySegment self, MemorySegment out) {
        try {
            return (int) CALL_GET.invokeExact(inner.getSchemaCallback(), inner.segment(), out);
        } catch (Throwable t) {
            return 5;
        }
    }

    static int slicedGetNext(MemorySegment self, MemorySegment out) {
        int rc;
        try {
            rc = (int) CALL_GET.invokeExact(inner.getNextCallback(), inner.segment(), out);
        } catch (Throwable t) {
            return 5;
        }
        ArrowArray batch = ArrowArray.wrap(out.reinterpret(ArrowArray.LAYOUT.byteSize()));
        if (rc == 0 && !batch.isReleased()) {
            // Struct offset 1, one element shorter: the children keep their own offset 0.
            batch.offset(1);
            batch.length(batch.length() - 1);
        }
        return rc;
    }

    static MemorySegment slicedLastError(MemorySegment self) {
        return MemorySegment.NULL;
    }

    static void slicedRelease(MemorySegment self) {
        try {
            CALL_RELEASE.invokeExact(inner.releaseCallback(), inner.segment());
        } catch (Throwable t) {
            // Nothing may unwind into C; the test asserts that nothing was caught here.
            slicedReleaseFailure = t;
        }
        ArrowArrayStream.wrap(self.reinterpret(ArrowArrayStream.LAYOUT.byteSize())).releaseCallback(MemorySegment.NULL);
    }

    private static MemorySegment stub(String name, FunctionDescriptor d, Class<?> ret, Class<?>... args)
            throws ReflectiveOperationException {
        MethodHandle h = java.lang.invoke.MethodHandles.lookup().findStatic(ArrowStreamsTest.class, name,
                java.lang.invoke.MethodType.methodType(ret, args));
        return Linker.nativeLinker().upcallStub(h, d, Arena.global());
    }

    @Test
    void batchOffsetOfAForeignProducerIsHonoured() throws Throwable {
        BufferView a = ints(1, 2, 3, 4);
        BufferView b = ints(5, 6);
        inner = ArrowArrayStream.allocate(arena);
        ArrowStreams.exportViews(List.of(a, b), "x", inner);
        ArrowArrayStream outer = ArrowArrayStream.allocate(arena);
        outer.getSchemaCallback(stub("slicedGetSchema", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                ValueLayout.ADDRESS), int.class, MemorySegment.class, MemorySegment.class));
        outer.getNextCallback(stub("slicedGetNext", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                ValueLayout.ADDRESS), int.class, MemorySegment.class, MemorySegment.class));
        outer.getLastErrorCallback(stub("slicedLastError", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS),
                MemorySegment.class, MemorySegment.class));
        outer.releaseCallback(stub("slicedRelease", FunctionDescriptor.ofVoid(ValueLayout.ADDRESS), void.class,
                MemorySegment.class));
        ForeignMemory.flushReleases();
        long treeReleases = ArrowDiagnostics.snapshot().exportReleases();
        List<BufferView> views = ArrowStreams.importViews(outer);
        assertArrayEquals(new int[] {2, 3, 4}, views.get(0).toIntArray());
        assertArrayEquals(new int[] {6}, views.get(1).toIntArray());
        assertEquals(a.address() + 4, views.get(0).address(), "zero-copy, offset applied");
        // The stream schema, and per batch the batch struct, the column having been moved out into
        // the view (a batch's column is written without a schema of its own: the stream's has it).
        ForeignMemory.flushReleases();
        assertEquals(1 + 2, ArrowDiagnostics.snapshot().exportReleases() - treeReleases);
        views.forEach(BufferView::close);
        ForeignMemory.flushReleases();
        assertEquals(1 + 2 * 2, ArrowDiagnostics.snapshot().exportReleases() - treeReleases, "each column released with its view");
        assertEquals(1, ArrowDiagnostics.snapshot().streamReleases() - streamReleasesBefore);
        assertNull(slicedReleaseFailure, "the inner stream's release threw");
        a.close();
        b.close();
    }
}
