package io.bufferbridge.arrow.c;

import io.bufferbridge.arrow.internal.StreamExport;
import io.bufferbridge.arrow.internal.StreamImport;
import io.bufferbridge.view.BufferView;
import java.util.List;
import java.util.Objects;

/**
 * Sequences of buffer views through the Arrow C stream interface ({@link ArrowArrayStream}): a
 * chunked column, as the record batches the interface carries.
 *
 * <h2>Export</h2>
 * {@link #exportViews} writes a stream whose schema is a struct ({@code +s}) with one child, the
 * column, named by the caller, of the type docs/contract.md §2 gives the views' element and shape; each
 * {@code get_next} hands out one batch, a struct array whose child is the next view exported as
 * {@link ArrowExporter} does (zero-copy for native dense memory), then a released array at the
 * end. The callbacks are FFM upcalls; errors return an errno and {@code get_last_error} names
 * them; {@code release} runs once (a second call is counted by {@link ArrowDiagnostics#spuriousStreamReleases()}
 * and does nothing). A consumer holding only the address, such as
 * {@code org.apache.arrow.c.ArrowArrayStream.wrap(address)}, can read it. The column's field
 * carries no {@code bufferbridge.*} metadata (that describes one view, and a column has many), so
 * a reader sees the canonical format of docs/contract.md §2.
 *
 * {@snippet :
 * ArrowArrayStream stream = ArrowArrayStream.allocate(arena);
 * ArrowStreams.exportViews(List.of(chunk0, chunk1), "x", stream);
 * // A consumer given only the address, e.g. DuckDB's
 * // registerArrowStream("t", org.apache.arrow.c.ArrowArrayStream.wrap(stream.address())),
 * // may keep using the struct until it releases the stream: keep `arena` open until then
 * // (stream.isReleased() turns true), unless the consumer moves the struct (Arrow Java's
 * // Data.importArrayStream does).
 * }
 *
 * <h2>Import</h2>
 * {@link #importViews} moves a stream in, reads one column of every batch as a read-only view
 * (zero-copy where {@link ArrowImporter} is), and releases the stream once. For every column, with
 * nulls, see {@link io.bufferbridge.arrow.table.ArrowTables#importStream}.
 */
public final class ArrowStreams {
    private ArrowStreams() {
    }

    /**
     * Exports {@code views} as a stream of one column. Every view must have the same format,
     * itemsize, ndim and {@code shape[1:]}; a view of ndim ≥ 2 that is not C-contiguous is copied
     * into C order when its batch is taken. Each view is held (a {@code getBuffer} view of it, so it
     * cannot be released) until its batch is released, or the stream is released before reading
     * it.
     *
     * @param views the chunks, at least one; not released by this call
     * @param column the column's name
     * @param out receives the stream; must be released (its {@code release} NULL)
     * @throws ArrowExportException if {@code out} is live, {@code views} is empty, a view is 0-d
     *     (a chunk's {@code shape[0]} is its length), or the views differ in format, itemsize, ndim or
     *     {@code shape[1:]}
     * @throws IllegalStateException if a view has been released
     */
    public static void exportViews(List<BufferView> views, String column, ArrowArrayStream out) {
        Objects.requireNonNull(views, "views");
        Objects.requireNonNull(column, "column");
        Objects.requireNonNull(out, "out");
        StreamExport.export(List.copyOf(views), column, out);
    }

    /**
     * Reads the first column of every batch of a stream.
     *
     * @param in the stream; moved, read to the end, and released once
     * @return one view per batch, in order; the caller releases them
     * @throws ArrowImportException as {@link #importViews(ArrowArrayStream, String)}
     */
    public static List<BufferView> importViews(ArrowArrayStream in) {
        Objects.requireNonNull(in, "in");
        return StreamImport.importViews(in, null);
    }

    /**
     * Reads one column of every batch of a stream.
     *
     * @param in the stream; moved, read to the end, and released once
     * @param column the column's name
     * @return one view per batch, in order; the caller releases them
     * @throws ArrowImportException if the stream is released, {@code get_schema} or
     *     {@code get_next} returns an error (the message quotes {@code get_last_error}), the schema
     *     is not a struct or has no such column, a batch has top-level nulls, or a column cannot be
     *     imported; the stream and every view read so far have been released then
     */
    public static List<BufferView> importViews(ArrowArrayStream in, String column) {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(column, "column");
        return StreamImport.importViews(in, column);
    }
}
