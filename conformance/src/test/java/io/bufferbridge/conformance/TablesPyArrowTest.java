package io.bufferbridge.conformance;

import io.bufferbridge.arrow.c.ArrowDiagnostics;
import io.bufferbridge.view.ForeignMemory;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowArrayStream;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.arrow.table.ArrowIpc;
import io.bufferbridge.arrow.table.ArrowTables;
import io.bufferbridge.arrow.table.Column;
import io.bufferbridge.arrow.table.Table;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.Order;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tables with pyarrow, in the embedded CPython ({@link PyArrowPython}): a table read as
 * {@code pa.RecordBatch} and {@code pa.Table}; a chunked, sliced pyarrow table with nulls read
 * back; Arrow IPC streams and files written by each side and read by the other. Skipped where no
 * Python with pyarrow is found ({@code .ci/run} installs it).
 */
class TablesPyArrowTest {
    private static PyArrowPython python;
    private BufferAllocator allocator;
    private Arena arena;
    private int exports;
    private int imports;
    private int streams;
    private long pyarrowBytes;

    @TempDir
    Path dir;

    @BeforeAll
    static void python() {
        python = PyArrowPython.instance();
        assumeTrue(python != null, () -> "pyarrow peer unavailable: " + PyArrowPython.unavailable());
    }

    @BeforeEach
    void open() {
        allocator = new RootAllocator();
        arena = Arena.ofShared();
        ForeignMemory.flushReleases();
        exports = ArrowDiagnostics.snapshot().liveExports();
        imports = ArrowDiagnostics.snapshot().liveImports();
        ForeignMemory.flushReleases();
        streams = ArrowDiagnostics.snapshot().liveStreams();
        pyarrowBytes = pyarrowAllocated();
    }

    @AfterEach
    void close() {
        assertAllReleased();
        allocator.close();
        arena.close();
    }

    /** The one check that both sides let go of everything: bufferbridge's counts, Arrow Java's and pyarrow's allocators. */
    private void assertAllReleased() {
        // Imports of pyarrow's memory give it back in their releases: run those first. A release the
        // epoch reaper runs on its own thread must take the GIL, so give it a moment before failing.
        ForeignMemory.flushReleases();
        long deadline = System.nanoTime() + 2_000_000_000L;
        long found = pyarrowAllocated();
        while (found != pyarrowBytes && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            ForeignMemory.flushReleases();
            found = pyarrowAllocated();
        }
        assertEquals(pyarrowBytes, found, "pyarrow memory back (and its garbage collected)");
        assertEquals(exports, ArrowDiagnostics.snapshot().liveExports(), "every export released by pyarrow, once");
        assertEquals(imports, ArrowDiagnostics.snapshot().liveImports(), "every import released");
        ForeignMemory.flushReleases();
        assertEquals(streams, ArrowDiagnostics.snapshot().liveStreams(), "every stream released");
        assertEquals(0, allocator.getAllocatedMemory(), "Arrow Java allocator at zero");
    }

    private static long pyarrowAllocated() {
        return python.call(PyArrowPython.request("allocated")).path("bytes").asLong();
    }

    private static JsonNode call(com.fasterxml.jackson.databind.node.ObjectNode request) {
        JsonNode answer = python.call(request);
        assertFalse(answer.has("error"), () -> answer.path("error").asText() + "\n" + answer.path("traceback").asText());
        return answer;
    }

    private Table table() {
        MemorySegment a = arena.allocate(ValueLayout.JAVA_LONG, 3);
        for (int i = 0; i < 3; i++) {
            a.setAtIndex(ValueLayout.JAVA_LONG, i, 100 + i);
        }
        float[] t = new float[12];
        for (int i = 0; i < 12; i++) {
            t[i] = i * 0.5f;
        }
        return Table.of(Column.of("a", BufferView.ofSegment(a, "q", 3)),
                Column.of("t", BufferView.ofArray(t, Order.C, 3, 2, 2)),
                Column.of("n", BufferView.ofArray(new int[] {7, 8, 9}), BufferView.ofArray(new boolean[] {true, false, true})));
    }

    /** What pyarrow must see of {@link #table()}: names, nullability, metadata, values and nulls. */
    private static void assertSeen(JsonNode seen, int batches) {
        assertEquals(3, seen.path("rows").asInt());
        assertEquals(batches, seen.path("batches").asInt());
        JsonNode f = seen.path("fields");
        assertEquals(3, f.size());
        assertEquals("a", f.get(0).path("name").asText());
        assertEquals("[100,101,102]", f.get(0).path("values").toString());
        assertFalse(f.get(0).path("nullable").asBoolean());
        assertEquals("q", f.get(0).path("metadata").path("bufferbridge.format").asText());
        assertEquals("t", f.get(1).path("name").asText());
        assertTrue(f.get(1).path("type").asText().startsWith("extension<arrow.fixed_shape_tensor[value_type=float,"
                + " shape=[2,2]"), f.get(1).path("type").asText());
        assertEquals("[[[0.0,0.5],[1.0,1.5]],[[2.0,2.5],[3.0,3.5]],[[4.0,4.5],[5.0,5.5]]]",
                f.get(1).path("values").toString());
        assertEquals("f", f.get(1).path("metadata").path("bufferbridge.format").asText());
        assertEquals("n", f.get(2).path("name").asText());
        assertTrue(f.get(2).path("nullable").asBoolean());
        assertEquals(1, f.get(2).path("null_count").asInt());
        assertEquals("[7,null,9]", f.get(2).path("values").toString());
        assertEquals("i", f.get(2).path("metadata").path("bufferbridge.format").asText());
    }

    @Test
    void aTableIsAPyarrowRecordBatchAndTable() {
        try (Table t = table()) {
            ArrowSchema s = ArrowSchema.allocate(arena);
            ArrowArray a = ArrowArray.allocate(arena);
            ArrowTables.exportBatch(t, s, a);
            JsonNode seen = call(PyArrowPython.request("table_read").put("schema", s.address()).put("array", a.address()));
            ForeignMemory.flushReleases();
            assertTrue(s.isReleased() && a.isReleased(), "pyarrow moved both structs");
            assertSeen(seen, 1);
        }
    }

    @Test
    void aChunkedSlicedPyarrowTableWithNullsComesBackExact() {
        ArrowArrayStream stream = ArrowArrayStream.allocate(arena);
        JsonNode made = call(PyArrowPython.request("table_stream").put("stream", stream.address()));
        assertEquals("[3,2]", made.path("rows_per_batch").toString());
        assertEquals("[1,1]", made.path("offsets").toString(), "every batch starts at a non-zero offset");
        List<Table> back = ArrowTables.importStream(stream);
        try (Table all = Table.concat(back)) {
            assertEquals(List.of(3L, 2L), back.stream().map(Table::rowCount).toList());
            assertEquals(List.of("a", "b", "c"), all.names());
            assertArrayEquals(new boolean[] {true, false, true, true, false},
                    all.column("a").validity().orElseThrow().toBooleanArray());
            long[] a = all.column("a").values().toLongArray();
            assertEquals(List.of(1L, 3L, 4L), List.of(a[0], a[2], a[3]));
            assertArrayEquals(new boolean[] {true, true, false, true, true},
                    all.column("b").validity().orElseThrow().toBooleanArray());
            double[] b = all.column("b").values().toDoubleArray();
            assertEquals(List.of(1.5, 2.5, 4.5, 5.5), List.of(b[0], b[1], b[3], b[4]));
            assertArrayEquals(new int[] {11, 12, 13, 14, 15}, all.column("c").values().toIntArray());
            assertEquals("[1,null,3,4,null]", made.path("values").path("a").toString());
        } finally {
            back.forEach(Table::close);
        }
    }

    @Test
    void pyarrowReadsTheIpcStreamAndFileJavaWrites() throws IOException {
        for (String format : List.of("stream", "file")) {
            Path path = dir.resolve("java." + format);
            try (Table first = table(); FileChannel out = FileChannel.open(path, StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE)) {
                if (format.equals("file")) {
                    ArrowIpc.writeFile(List.of(first), out);
                } else {
                    ArrowIpc.writeStream(List.of(first), out);
                }
            }
            JsonNode seen = call(PyArrowPython.request("ipc_read").put("path", path.toString()).put("format", format));
            assertSeen(seen, 1);
            JsonNode md = seen.path("fields").get(1).path("metadata");
            assertEquals("3,2,2", md.path("bufferbridge.shape").asText(), format);
            assertEquals("false", md.path("bufferbridge.readonly").asText(), format);
        }
    }

    @Test
    void javaReadsTheIpcStreamAndFilePyarrowWrites() throws IOException {
        for (String format : List.of("stream", "file")) {
            Path path = dir.resolve("pyarrow." + format);
            JsonNode wrote = call(PyArrowPython.request("ipc_write").put("path", path.toString()).put("format", format));
            assertEquals("[11,12,13,14,15]", wrote.path("values").path("c").toString());
            List<Table> back;
            try (FileChannel in = FileChannel.open(path, StandardOpenOption.READ)) {
                back = format.equals("file") ? ArrowIpc.readFile(in, allocator)
                        : ArrowIpc.readStream(in, allocator);
            }
            try (Table all = Table.concat(back)) {
                assertEquals(5, all.rowCount(), format);
                assertArrayEquals(new int[] {11, 12, 13, 14, 15}, all.column("c").values().toIntArray(), format);
                assertArrayEquals(new boolean[] {true, false, true, true, false},
                        all.column("a").validity().orElseThrow().toBooleanArray(), format);
                assertEquals("q", all.column("a").values().format().text(), "a foreign int64 is 'q'");
            } finally {
                back.forEach(Table::close);
            }
        }
    }
}
