package io.bufferbridge.arrow.table;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowArrayStream;
import io.bufferbridge.arrow.c.ArrowImportException;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.arrow.internal.ArrowJavaStructs;
import io.bufferbridge.arrow.internal.BatchExport;
import io.bufferbridge.arrow.internal.BatchImport;
import io.bufferbridge.arrow.internal.BatchImport.ImportedBatch;
import io.bufferbridge.arrow.internal.ColumnPart;
import io.bufferbridge.arrow.internal.ExportTargets;
import io.bufferbridge.arrow.internal.StreamExport;
import io.bufferbridge.arrow.internal.StreamImport;
import io.bufferbridge.arrow.internal.TypeNode;
import io.bufferbridge.arrow.internal.ViewImport.ImportedColumn;
import io.bufferbridge.view.BufferView;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.arrow.c.Data;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * Tables through the Arrow C data and stream interfaces, and Arrow Java's {@link VectorSchemaRoot}
 * (docs/contract.md §5).
 *
 * <h2>Record batches</h2>
 * {@link #exportBatch} writes a {@code +s} schema with one child per column and a struct array of
 * the row count. Each column's field has the column's name, is nullable exactly when the column has
 * a validity (which becomes the bitmap: bit-packed, a copy), has the type docs/contract.md §2 gives one row,
 * and carries the column's own {@code bufferbridge.*} metadata. Values are zero-copy when the
 * view's memory is native and dense (for a tensor column, with axis 0 outermost); otherwise copied
 * into C order. {@link #importBatch} reads any producer's struct batch, every column in order:
 * values zero-copy where docs/contract.md §2 allows, a validity bitmap as a {@code ?} view (a copy), a column
 * of a type with no PEP 3118 counterpart refused with its name.
 *
 * <h2>Ownership</h2>
 * An export holds views derived from the table's, so the table may be closed before the consumer
 * releases what it got: the memory stays until the last of them is released. Imported tables own
 * what they import; closing them runs the producer's release (once per column array).
 *
 * <h2>Streams</h2>
 * {@link #exportStream(List, ArrowArrayStream)} hands out one batch per table (all of one schema),
 * {@link #exportStream(Table, long, ArrowArrayStream)} one table cut into batches of at most N rows
 * (zero-copy slices). The stream's schema carries the first batch's {@code bufferbridge.*}
 * metadata; an importer takes each batch's row count from the batch. Tensor columns that are not
 * C-contiguous are copied into C order so every batch has the schema's type. {@link #importStream}
 * reads one table per batch; {@link Table#concat} joins them (a copy).
 */
public final class ArrowTables {
    private ArrowTables() {
    }

    // ------------------------------------------------------------ record batches

    /**
     * Exports {@code table} as one record batch.
     *
     * @param table the table; not closed
     * @param schema receives the schema; must be released
     * @param array receives the batch; must be released
     * @throws io.bufferbridge.arrow.c.ArrowExportException if a target struct is live
     * @throws IllegalStateException if the table has been closed
     */
    public static void exportBatch(Table table, ArrowSchema schema, ArrowArray array) {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(array, "array");
        ExportTargets.requireReleased(schema, array);
        List<ColumnPart> parts = parts(table, 0, table.rowCount());
        try {
            BatchExport.writeSchema(BatchExport.schemaType(parts, true, false), schema);
        } catch (RuntimeException | Error e) {
            parts.forEach(ArrowTables::closePart);
            throw e;
        }
        try {
            BatchExport.writeArray(parts, table.rowCount(), false, array);
        } catch (RuntimeException | Error e) {
            BatchExport.release(schema);
            throw e;
        }
    }

    /**
     * Imports a record batch as a table.
     *
     * @param schema a {@code +s} schema; moved and released
     * @param array its struct array; moved, and released when every column has been read (each
     *     column's array is held by its values until the table is closed)
     * @return the table; the caller closes it
     * @throws ArrowImportException if a struct is released, the schema is no struct, the batch has
     *     top-level nulls or does not match its schema, or a column cannot be imported (named in the
     *     message); everything has been released then
     * @throws InvalidTableException if the producer's names are empty or repeated; everything has
     *     been released then
     */
    public static Table importBatch(ArrowSchema schema, ArrowArray array) {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(array, "array");
        return toTable(BatchImport.importBatch(schema, array));
    }

    // ------------------------------------------------------------ streams

    /**
     * Exports tables as a stream, one batch per table.
     *
     * @param tables at least one, of one schema (names, nullability, and per column format, itemsize,
     *     read-only flag and {@code shape[1:]}); not closed
     * @param out receives the stream; must be released
     * @throws InvalidTableException if {@code tables} is empty or the schemas differ (the table and
     *     column named)
     * @throws io.bufferbridge.arrow.c.ArrowExportException if {@code out} is live
     */
    public static void exportStream(List<Table> tables, ArrowArrayStream out) {
        Objects.requireNonNull(tables, "tables");
        Objects.requireNonNull(out, "out");
        ExportTargets.requireReleased(out);
        StreamExport.exportBatches(batches(tables), out);
    }

    /**
     * Exports one table as a stream of batches of at most {@code maxRows} rows (zero-copy slices;
     * an empty table gives one empty batch).
     *
     * @param table the table; not closed
     * @param maxRows at least 1
     * @param out receives the stream; must be released
     * @throws IllegalArgumentException if {@code maxRows < 1}
     * @throws io.bufferbridge.arrow.c.ArrowExportException if {@code out} is live
     */
    public static void exportStream(Table table, long maxRows, ArrowArrayStream out) {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(out, "out");
        ExportTargets.requireReleased(out);
        StreamExport.exportBatches(batches(table, maxRows), out);
    }

    /**
     * Imports a stream, one table per batch.
     *
     * @param in the stream; moved, read to its end and released once
     * @return the tables, in order; the caller closes them ({@link Table#concat} joins them)
     * @throws ArrowImportException if the stream is released, {@code get_schema} or {@code get_next}
     *     fails (the message quotes {@code get_last_error}), a batch does not match the schema, or a
     *     column cannot be imported (named); the stream and every table read so far are released
     * @throws InvalidTableException if the producer's names are empty or repeated
     */
    public static List<Table> importStream(ArrowArrayStream in) {
        Objects.requireNonNull(in, "in");
        List<ImportedBatch> batches = StreamImport.importTables(in);
        List<Table> out = new ArrayList<>();
        try {
            for (int i = 0; i < batches.size(); i++) {
                ImportedBatch b = batches.get(i);
                batches.set(i, null);
                out.add(toTable(b));
            }
            return out;
        } catch (RuntimeException | Error e) {
            out.forEach(Table::close);
            batches.stream().filter(Objects::nonNull).forEach(ImportedBatch::close);
            throw e;
        }
    }

    /** The batches of {@code tables}, checked to share one schema. */
    static StreamExport.Batches batches(List<Table> tables) {
        if (tables.isEmpty()) {
            throw new InvalidTableException("a stream needs at least one table to take its schema from: tables=0");
        }
        List<List<ColumnPart>> all = new ArrayList<>();
        long[] rows = new long[tables.size()];
        TypeNode schema = null;
        try {
            for (int t = 0; t < tables.size(); t++) {
                Table table = tables.get(t);
                List<ColumnPart> parts = parts(table, 0, table.rowCount());
                all.add(parts);
                rows[t] = table.rowCount();
                TypeNode type = BatchExport.schemaType(parts, true, true);
                if (schema == null) {
                    schema = type;
                } else {
                    checkSameSchema(schema, type, t);
                }
            }
        } catch (RuntimeException | Error e) {
            all.forEach(b -> b.forEach(ArrowTables::closePart));
            throw e;
        }
        return new StreamExport.Batches(schema, all, rows);
    }

    /** The batches of one table cut every {@code maxRows} rows. */
    static StreamExport.Batches batches(Table table, long maxRows) {
        if (maxRows < 1) {
            throw new IllegalArgumentException("batches need at least one row: maxRows=" + maxRows + " expected>=1");
        }
        long total = table.rowCount();
        List<List<ColumnPart>> all = new ArrayList<>();
        List<Long> rows = new ArrayList<>();
        TypeNode schema;
        try {
            long start = 0;
            do {
                long n = Math.min(maxRows, total - start);
                all.add(parts(table, start, n));
                rows.add(n);
                start += n;
            } while (start < total);
            schema = BatchExport.schemaType(all.get(0), true, true);
        } catch (RuntimeException | Error e) {
            all.forEach(b -> b.forEach(ArrowTables::closePart));
            throw e;
        }
        return new StreamExport.Batches(schema, all, rows.stream().mapToLong(Long::longValue).toArray());
    }

    private static void checkSameSchema(TypeNode expected, TypeNode found, int table) {
        List<TypeNode> a = expected.children();
        List<TypeNode> b = found.children();
        List<String> na = a.stream().map(TypeNode::name).toList();
        List<String> nb = b.stream().map(TypeNode::name).toList();
        if (!na.equals(nb)) {
            throw new InvalidTableException("stream tables differ in columns: table=" + table + " names=" + nb
                    + " expected=" + na);
        }
        for (int i = 0; i < a.size(); i++) {
            String ka = BatchExport.streamKey(a.get(i));
            String kb = BatchExport.streamKey(b.get(i));
            if (!ka.equals(kb)) {
                throw new InvalidTableException("stream tables differ in a column's schema: table=" + table
                        + " column='" + na.get(i) + "' found=" + kb + " expected=" + ka);
            }
        }
    }

    /** Views derived from rows {@code [start, start + n)} of every column: the export's own holds. */
    static List<ColumnPart> parts(Table table, long start, long n) {
        List<ColumnPart> parts = new ArrayList<>();
        try {
            for (Column c : table.columns()) {
                BufferView values = c.values().asSlice(0, start, start + n, 1);
                BufferView validity = null;
                try {
                    validity = c.validity().map(v -> v.asSlice(0, start, start + n, 1)).orElse(null);
                } catch (RuntimeException | Error e) {
                    values.close();
                    throw e;
                }
                parts.add(new ColumnPart(c.name(), values, validity));
            }
        } catch (RuntimeException | Error e) {
            parts.forEach(ArrowTables::closePart);
            throw e;
        }
        return parts;
    }

    static void closePart(ColumnPart p) {
        ColumnPart.close(p.values(), p.validity());
    }

    /** A table of an imported batch; on failure every column is released. */
    private static Table toTable(ImportedBatch b) {
        List<Column> columns = new ArrayList<>();
        try {
            for (int i = 0; i < b.columns().size(); i++) {
                ImportedColumn c = b.columns().get(i);
                String name = b.names().get(i);
                if (name == null || name.isEmpty()) {
                    throw new InvalidTableException("batch column has no name: column=" + i + " name="
                            + Table.quote(name) + " expected=non-empty");
                }
                columns.add(Column.of(name, c.values(), c.validity()));
            }
            return Table.ofRows(b.rows(), columns);
        } catch (RuntimeException | Error e) {
            b.close();
            throw e;
        }
    }

    // ------------------------------------------------------------ Arrow Java

    /**
     * {@return an Arrow Java root of the table's columns}, through the C data interface: zero-copy
     * where {@link #exportBatch} is (Arrow Java wraps the exported buffers), nulls as validity
     * buffers, each field's {@code bufferbridge.*} and extension metadata kept. The root holds
     * views derived from the table's until it is closed; the table may be closed first.
     *
     * @param table the table; not closed
     * @param allocator accounts the root's buffers
     * @throws IllegalStateException if the table has been closed
     */
    public static VectorSchemaRoot toVectorSchemaRoot(Table table, BufferAllocator allocator) {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(allocator, "allocator");
        try (org.apache.arrow.c.ArrowSchema s = org.apache.arrow.c.ArrowSchema.allocateNew(allocator);
                org.apache.arrow.c.ArrowArray a = org.apache.arrow.c.ArrowArray.allocateNew(allocator)) {
            exportBatch(table, ArrowSchema.wrap(s.memoryAddress()), ArrowArray.wrap(a.memoryAddress()));
            try {
                return Data.importVectorSchemaRoot(allocator, a, s, null);
            } catch (RuntimeException | Error e) {
                ArrowJavaStructs.releaseLive(s, a);
                throw e;
            }
        }
    }

    /**
     * {@return a table of the root's vectors}, through the C data interface
     * ({@code Data.exportVectorSchemaRoot}): zero-copy where {@link #importBatch} is (the table
     * holds the root's buffers, so the root may be closed or reloaded first), nulls as validity
     * views, field metadata read as docs/contract.md §3 says. The buffers go back to the root's allocator when
     * the table is closed.
     *
     * @param root the root; not closed
     * @throws ArrowImportException if a vector's type has no PEP 3118 counterpart (named)
     */
    public static Table fromVectorSchemaRoot(VectorSchemaRoot root) {
        Objects.requireNonNull(root, "root");
        List<FieldVector> vectors = root.getFieldVectors();
        if (vectors.isEmpty()) {
            return Table.ofRows(root.getRowCount(), List.of());
        }
        BufferAllocator allocator = vectors.get(0).getAllocator();
        try (org.apache.arrow.c.ArrowSchema s = org.apache.arrow.c.ArrowSchema.allocateNew(allocator);
                org.apache.arrow.c.ArrowArray a = org.apache.arrow.c.ArrowArray.allocateNew(allocator)) {
            Data.exportVectorSchemaRoot(allocator, root, null, a, s);
            return importBatch(ArrowSchema.wrap(s.memoryAddress()), ArrowArray.wrap(a.memoryAddress()));
        }
    }
}
