package io.bufferbridge.arrow.internal;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowImportException;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.arrow.internal.ViewImport.ImportedColumn;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * docs/contract.md §5: a record batch (a {@code +s} schema and a struct array) read column by column. Each
 * column's array is moved out of the batch (the batch's release then skips it) and imported as
 * {@link ViewImport#importColumn} does, against its field as read with the batch's schema.
 */
public final class BatchImport {
    /** The release of a borrowed schema copy: the memory is the importer's, so it only marks it released. */
    static final MemorySegment BORROWED_RELEASE = Native.upcall(BatchImport.class, "releaseBorrowed");

    private BatchImport() {
    }

    static void releaseBorrowed(MemorySegment pointer) {
        try {
            ArrowSchema.wrap(pointer.reinterpret(ArrowSchema.LAYOUT.byteSize())).releaseCallback(MemorySegment.NULL);
        } catch (Throwable t) {
            UpcallErrors.report(t);
        }
    }

    /**
     * The columns of one batch.
     *
     * @param names the field names, in order (null where the producer gave none)
     * @param columns the imported columns; the caller releases them
     * @param rows the batch's length
     */
    public record ImportedBatch(List<String> names, List<ImportedColumn> columns, long rows) {
        /** Releases every column. */
        public void close() {
            columns.forEach(ImportedColumn::close);
        }
    }

    /**
     * Moves a batch pair in, reads every column and releases both structs.
     *
     * @throws ArrowImportException if the pair is released or no struct batch, or a column cannot be
     *     imported (the message names it); both structs and every column read so far are released
     */
    public static ImportedBatch importBatch(ArrowSchema schema, ArrowArray array) {
        try (Arena arena = Arena.ofConfined()) {
            ArrowSchema s = ArrowSchema.allocate(arena);
            ArrowArray a = ArrowArray.allocate(arena);
            // Moved: ours to release from here on, whatever happens.
            if (!schema.isReleased()) {
                s.segment().copyFrom(schema.segment());
                schema.releaseCallback(MemorySegment.NULL);
            }
            if (!array.isReleased()) {
                a.segment().copyFrom(array.segment());
                array.releaseCallback(MemorySegment.NULL);
            }
            try {
                if (s.isReleased()) {
                    throw new ArrowImportException("ArrowSchema already released: path=batch release=NULL");
                }
                if (a.isReleased()) {
                    throw new ArrowImportException("ArrowArray already released: path=batch release=NULL");
                }
                ImportedSchema root = readRoot(s, "batch");
                return importColumns(root, a, "path=batch");
            } finally {
                if (!s.isReleased()) {
                    Native.callRelease(s.releaseCallback(), s.segment());
                }
                if (!a.isReleased()) {
                    Native.callRelease(a.releaseCallback(), a.segment());
                }
            }
        }
    }

    /**
     * {@return the schema read and checked to be a struct (record batch)}
     *
     * @throws ArrowImportException if it is not
     */
    static ImportedSchema readRoot(ArrowSchema schema, String path) {
        ImportedSchema root = ImportedSchema.read(schema, path, 0);
        if (!root.format().equals("+s")) {
            throw new ArrowImportException("schema is not a struct (record batch): path=" + path + " format='"
                    + root.format() + "'");
        }
        return root;
    }

    /**
     * Reads every column of {@code batch} (a struct array of the schema read as {@code root}) and
     * releases it.
     *
     * @throws ArrowImportException naming the column that cannot be imported; the batch and the
     *     columns read so far have been released
     */
    static ImportedBatch importColumns(ImportedSchema root, ArrowArray batch, String where) {
        int columns = root.children().size();
        List<ImportedColumn> out = new ArrayList<>();
        List<String> names = root.children().stream().map(ImportedSchema::name).toList();
        try {
            checkBatch(batch, columns, where);
            for (int i = 0; i < columns; i++) {
                try (Arena scratch = Arena.ofConfined()) {
                    ArrowArray moved = ArrowArray.allocate(scratch);
                    moveColumn(batch, i, columns, moved, where);
                    try {
                        // The field as read with the batch's schema, which outlives the import.
                        out.add(ViewImport.importColumn(root.children().get(i), moved));
                    } catch (ArrowImportException e) {
                        throw new ArrowImportException("column cannot be imported: " + where + " column=" + i
                                + " name='" + names.get(i) + "': " + e.getMessage(), e);
                    }
                }
            }
            return new ImportedBatch(names, out, batch.length());
        } catch (RuntimeException | Error e) {
            out.forEach(ImportedColumn::close);
            throw e;
        } finally {
            Native.callRelease(batch.releaseCallback(), batch.segment());
        }
    }

    /**
     * Checks a batch's struct level: its children match the schema's, lengths are sane, and there
     * are no top-level nulls (docs/contract.md §5: a record batch has no top-level validity).
     */
    static void checkBatch(ArrowArray batch, int columns, String where) {
        if (batch.nChildren() != columns || columns > 0 && batch.children().address() == 0) {
            throw new ArrowImportException("batch does not match the stream schema: " + where + " n_children="
                    + batch.nChildren() + " expected=" + columns);
        }
        if (batch.offset() < 0 || batch.length() < 0) {
            throw new ArrowImportException("negative length or offset: " + where + " length=" + batch.length()
                    + " offset=" + batch.offset());
        }
        long bitmap = batch.nBuffers() > 0 && batch.buffers().address() != 0
                ? batch.buffers().reinterpret(ValueLayout.ADDRESS.byteSize()).get(ValueLayout.ADDRESS, 0).address()
                : 0;
        long nulls = batch.nullCount();
        if (bitmap != 0 && nulls == -1) {
            // "Not computed": count the cleared bits of the batch's range.
            nulls = Bitmaps.countNulls(bitmap, batch.offset(), ImportNode.exactAdd(batch.offset(), batch.length(),
                    where));
        }
        if (bitmap != 0 && nulls != 0) {
            throw new ArrowImportException("nulls cannot be represented in a buffer view: " + where
                    + " null_count=" + nulls);
        }
    }

    /**
     * Moves column {@code index} of a checked batch into {@code into}, with the batch's offset and
     * length applied (a struct's offset and length apply to its children).
     *
     * @throws ArrowImportException if the column is released or shorter than the batch; then
     *     nothing was moved
     */
    static void moveColumn(ArrowArray batch, int index, int columns, ArrowArray into, String where) {
        MemorySegment child = batch.children().reinterpret((long) columns * ValueLayout.ADDRESS.byteSize())
                .getAtIndex(ValueLayout.ADDRESS, index);
        if (child.address() == 0) {
            throw new ArrowImportException("batch column is NULL: " + where + " column=" + index);
        }
        ArrowArray c = ArrowArray.wrap(child.address());
        if (c.isReleased()) {
            throw new ArrowImportException("batch column already released: " + where + " column=" + index);
        }
        long end = ImportNode.exactAdd(batch.offset(), batch.length(), where);
        if (c.length() < end) {
            throw new ArrowImportException("column too short for its batch: " + where + " column=" + index
                    + " length=" + c.length() + " expected>=" + end);
        }
        into.segment().copyFrom(c.segment());
        c.releaseCallback(MemorySegment.NULL);
        into.offset(ImportNode.exactAdd(into.offset(), batch.offset(), where));
        into.length(batch.length());
    }

    /** A shallow copy of a schema tree whose strings stay the producer's, released by a no-op. */
    static MemorySegment copySchema(ArrowSchema s, Arena arena) {
        ArrowSchema copy = ArrowSchema.allocate(arena);
        copy.segment().copyFrom(s.segment());
        long n = s.nChildren();
        if (n > 0 && n <= ImportedSchema.MAX_CHILDREN && s.children().address() != 0) {
            MemorySegment from = s.children().reinterpret(n * ValueLayout.ADDRESS.byteSize());
            MemorySegment to = arena.allocate(ValueLayout.ADDRESS, n);
            for (long i = 0; i < n; i++) {
                to.setAtIndex(ValueLayout.ADDRESS, i,
                        copySchema(ArrowSchema.wrap(from.getAtIndex(ValueLayout.ADDRESS, i).address()), arena));
            }
            copy.children(to);
        }
        copy.releaseCallback(BORROWED_RELEASE);
        return copy.segment();
    }
}
