package io.bufferbridge.arrow.table;

import io.bufferbridge.arrow.c.ArrowArrayStream;
import io.bufferbridge.arrow.c.ArrowImportException;
import io.bufferbridge.arrow.internal.StreamExport;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.arrow.c.Data;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.ArrowWriter;

/**
 * Tables in the Arrow IPC stream and file formats, written and read by Arrow Java's own
 * {@link ArrowStreamWriter}/{@link ArrowFileWriter} and {@link ArrowStreamReader}/{@link ArrowFileReader}:
 * no format of bufferbridge's own, so any Arrow reader (pyarrow's {@code pa.ipc.open_stream} and
 * {@code open_file}, another JVM, an Arrow Flight service, which moves the same messages) reads
 * what is written here, and this reads what they write.
 *
 * <p>The schema is written once, with every column's field metadata ({@code bufferbridge.*} and
 * the extension keys) as {@link ArrowTables#exportStream(List, ArrowArrayStream)} gives it; a
 * reader here takes each batch's row count from the batch, so every batch comes back as the exact
 * views that were written (format, itemsize, {@code shape}, read-only flag; C strides where the
 * writer copied). Tensor columns that are not C-contiguous are written in C order so that every
 * batch matches the one schema.
 */
public final class ArrowIpc {
    private ArrowIpc() {
    }

    /**
     * Writes the tables as one IPC stream: the schema, then one record batch per table.
     *
     * @param tables at least one, of one schema; not closed
     * @param out where the bytes go; not closed
     * @throws InvalidTableException if {@code tables} is empty or the schemas differ
     * @throws IOException if writing fails
     */
    public static void writeStream(List<Table> tables, WritableByteChannel out) throws IOException {
        write(tables, out, false);
    }

    /**
     * Writes the tables as one IPC file (the stream's messages between the {@code ARROW1} magic,
     * with a footer indexing the batches).
     *
     * @param tables at least one, of one schema; not closed
     * @param out where the bytes go; not closed
     * @throws InvalidTableException if {@code tables} is empty or the schemas differ
     * @throws IOException if writing fails
     */
    public static void writeFile(List<Table> tables, WritableByteChannel out) throws IOException {
        write(tables, out, true);
    }

    private static void write(List<Table> tables, WritableByteChannel out, boolean file) throws IOException {
        Objects.requireNonNull(tables, "tables");
        Objects.requireNonNull(out, "out");
        StreamExport.Batches batches = ArrowTables.batches(tables);
        // Arrow Java's writers take a VectorSchemaRoot: ours, read from our stream batch by batch,
        // wraps the tables' buffers (no copy); the allocator only accounts those wrappings.
        try (BufferAllocator allocator = new RootAllocator(); Arena arena = Arena.ofConfined()) {
            ArrowArrayStream stream = ArrowArrayStream.allocate(arena);
            StreamExport.exportBatches(batches, stream);
            try (ArrowReader reader = Data.importArrayStream(allocator,
                    org.apache.arrow.c.ArrowArrayStream.wrap(stream.address()));
                    ArrowWriter writer = file ? new ArrowFileWriter(reader.getVectorSchemaRoot(), null, out)
                            : new ArrowStreamWriter(reader.getVectorSchemaRoot(), null, out)) {
                writer.start();
                while (reader.loadNextBatch()) {
                    writer.writeBatch();
                }
                writer.end();
            }
        }
    }

    /**
     * Reads an IPC stream, one table per record batch.
     *
     * @param in the bytes; read to the end of the stream, then closed (Arrow Java's readers close
     *     their channel)
     * @param allocator accounts the batches' buffers, which the tables hold until closed: close the
     *     tables before the allocator
     * @return the tables, in order; the caller closes them
     * @throws IOException if the bytes are no Arrow IPC stream
     * @throws ArrowImportException if a column has no PEP 3118 counterpart (named); the tables read so
     *     far are closed then
     */
    public static List<Table> readStream(ReadableByteChannel in, BufferAllocator allocator) throws IOException {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(allocator, "allocator");
        return read(new ArrowStreamReader(in, allocator));
    }

    /**
     * Reads an IPC file, one table per record batch, in the footer's order.
     *
     * @param in the file's bytes, seekable; closed when read
     * @param allocator accounts the batches' buffers, which the tables hold until closed
     * @return the tables, in order; the caller closes them
     * @throws IOException if the bytes are no Arrow IPC file
     * @throws ArrowImportException if a column has no PEP 3118 counterpart (named)
     */
    public static List<Table> readFile(SeekableByteChannel in, BufferAllocator allocator) throws IOException {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(allocator, "allocator");
        return read(new ArrowFileReader(in, allocator));
    }

    private static List<Table> read(ArrowReader opened) throws IOException {
        List<Table> out = new ArrayList<>();
        try (ArrowReader reader = opened) {
            while (reader.loadNextBatch()) {
                out.add(ArrowTables.fromVectorSchemaRoot(reader.getVectorSchemaRoot()));
            }
            return out;
        } catch (IOException | RuntimeException | Error e) {
            out.forEach(Table::close);
            throw e;
        }
    }
}
