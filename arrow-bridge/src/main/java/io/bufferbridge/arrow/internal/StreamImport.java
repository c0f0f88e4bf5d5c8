package io.bufferbridge.arrow.internal;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowArrayStream;
import io.bufferbridge.arrow.c.ArrowImportException;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.view.BufferView;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * An {@code ArrowArrayStream} of record batches read as one view per batch of one column. The
 * stream is moved in, read to its end, and released once; each batch's column is moved out of the
 * batch (the batch released at once) and imported as {@link ViewImport} does, against a borrowed
 * copy of the stream schema's column.
 */
public final class StreamImport {
    private static final MethodHandle CALL_GET = Linker.nativeLinker().downcallHandle(
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle CALL_LAST_ERROR = Linker.nativeLinker().downcallHandle(
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    /** The release of a borrowed schema copy: the memory is the importer's, so it only marks it released. */
    static final MemorySegment BORROWED_RELEASE = Native.upcall(StreamImport.class, "releaseBorrowed");

    private StreamImport() {
    }

    static void releaseBorrowed(MemorySegment pointer) {
        try {
            ArrowSchema.wrap(pointer.reinterpret(ArrowSchema.LAYOUT.byteSize())).release(MemorySegment.NULL);
        } catch (Throwable t) {
            t.printStackTrace();
        }
    }

    /**
     * Reads every batch of {@code in}.
     *
     * @param in the stream; moved, then released once
     * @param column the column to read, or null for the first
     * @return one view per batch, in order; the caller releases them
     * @throws ArrowImportException if the stream is released, a callback reports an error (its
     *     {@code get_last_error} text is in the message), the schema is no struct or has no such
     *     column, a batch has nulls at the top level, or a column cannot be imported; the stream has
     *     been released and the views already read released before it is thrown
     */
    public static List<BufferView> importViews(ArrowArrayStream in, String column) {
        JvmFlags.requireNativeAccess();
        if (in.isReleased()) {
            throw new ArrowImportException("ArrowArrayStream already released: release=NULL");
        }
        List<BufferView> views = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            ArrowArrayStream stream = ArrowArrayStream.allocate(arena);
            stream.segment().copyFrom(in.segment());
            in.release(MemorySegment.NULL);
            ArrowSchema schema = ArrowSchema.allocate(arena);
            try {
                check(stream, call(stream.getSchema(), stream, schema.segment()), "get_schema");
                if (schema.isReleased()) {
                    throw new ArrowImportException("get_schema returned 0 but no schema: release=NULL");
                }
                ImportedSchema root = ImportedSchema.read(schema, "stream", 0);
                if (!root.format().equals("+s")) {
                    throw new ArrowImportException("stream schema is not a struct (record batch): path=stream format='"
                            + root.format() + "'");
                }
                int index = -1;
                for (int i = 0; i < root.children().size(); i++) {
                    if (column == null || column.equals(root.children().get(i).name())) {
                        index = i;
                        break;
                    }
                }
                if (index < 0) {
                    List<String> names = root.children().stream().map(ImportedSchema::name).toList();
                    throw new ArrowImportException("stream has no such column: path=stream column="
                            + (column == null ? "first" : "'" + column + "'") + " columns=" + names);
                }
                MemorySegment columnSchema = schema.children()
                        .reinterpret((long) root.children().size() * ValueLayout.ADDRESS.byteSize())
                        .getAtIndex(ValueLayout.ADDRESS, index);
                for (long batch = 0;; batch++) {
                    ArrowArray array = ArrowArray.allocate(arena);
                    check(stream, call(stream.getNext(), stream, array.segment()), "get_next");
                    if (array.isReleased()) {
                        break;
                    }
                    views.add(importBatch(array, columnSchema, index, root.children().size(), batch));
                }
            } finally {
                try {
                    if (!schema.isReleased()) {
                        Native.callRelease(schema.release(), schema.segment());
                    }
                } finally {
                    Native.callRelease(stream.release(), stream.segment());
                }
            }
            return views;
        } catch (RuntimeException | Error e) {
            for (BufferView v : views) {
                v.close();
            }
            if (e instanceof ArrowImportException || e instanceof Error) {
                throw e;
            }
            throw new ArrowImportException("stream import refused: " + e.getMessage(), e);
        }
    }

    /** Moves column {@code index} out of a batch, releases the batch, imports the column. */
    private static BufferView importBatch(ArrowArray batch, MemorySegment columnSchema, int index, int columns,
            long number) {
        String where = "path=stream.batch" + number;
        try (Arena scratch = Arena.ofConfined()) {
            ArrowArray moved = ArrowArray.allocate(scratch);
            try {
                if (batch.nChildren() != columns || batch.children().address() == 0) {
                    throw new ArrowImportException("batch does not match the stream schema: " + where + " n_children="
                            + batch.nChildren() + " expected=" + columns);
                }
                if (batch.offset() < 0 || batch.length() < 0) {
                    throw new ArrowImportException("negative length or offset: " + where + " length=" + batch.length()
                            + " offset=" + batch.offset());
                }
                long bitmap = batch.nBuffers() > 0 && batch.buffers().address() != 0
                        ? batch.buffers().reinterpret(ValueLayout.ADDRESS.byteSize()).get(ValueLayout.ADDRESS, 0)
                                .address()
                        : 0;
                long nulls = batch.nullCount();
                if (bitmap != 0 && nulls == -1) {
                    // "Not computed": count the cleared bits of the batch's range.
                    MemorySegment bits = MemorySegment.ofAddress(bitmap)
                            .reinterpret((batch.offset() + batch.length() + 7) / 8);
                    nulls = 0;
                    for (long i = batch.offset(); i < batch.offset() + batch.length(); i++) {
                        if ((bits.get(ValueLayout.JAVA_BYTE, i >>> 3) >>> (i & 7) & 1) == 0) {
                            nulls++;
                        }
                    }
                }
                if (bitmap != 0 && nulls != 0) {
                    throw new ArrowImportException("nulls cannot be represented in a buffer view: " + where
                            + " null_count=" + nulls);
                }
                MemorySegment child = batch.children().reinterpret((long) columns * ValueLayout.ADDRESS.byteSize())
                        .getAtIndex(ValueLayout.ADDRESS, index);
                ArrowArray c = ArrowArray.wrap(child.address());
                if (c.isReleased()) {
                    throw new ArrowImportException("batch column already released: " + where + " column=" + index);
                }
                // Move the column out: the batch's release then skips it.
                moved.segment().copyFrom(c.segment());
                c.release(MemorySegment.NULL);
                // A struct's offset and length apply to its children.
                moved.offset(Math.addExact(moved.offset(), batch.offset()));
                if (moved.length() < batch.offset() + batch.length()) {
                    throw new ArrowImportException("column too short for its batch: " + where + " length="
                            + moved.length() + " expected>=" + (batch.offset() + batch.length()));
                }
                moved.length(batch.length());
            } catch (RuntimeException | Error e) {
                if (!moved.isReleased()) {
                    Native.callRelease(moved.release(), moved.segment());
                }
                throw e;
            } finally {
                Native.callRelease(batch.release(), batch.segment());
            }
            ArrowSchema borrowed;
            try {
                borrowed = ArrowSchema.wrap(copySchema(ArrowSchema.wrap(columnSchema.address()), scratch));
            } catch (RuntimeException | Error e) {
                if (!moved.isReleased()) {
                    Native.callRelease(moved.release(), moved.segment());
                }
                throw e;
            }
            return ViewImport.importView(borrowed, moved).view();
        }
    }

    /** A shallow copy of a schema tree whose strings stay the producer's, released by a no-op. */
    private static MemorySegment copySchema(ArrowSchema s, Arena arena) {
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
        copy.release(BORROWED_RELEASE);
        return copy.segment();
    }

    private static int call(MemorySegment function, ArrowArrayStream stream, MemorySegment out) {
        if (function.address() == 0) {
            throw new ArrowImportException("ArrowArrayStream callback is NULL");
        }
        try {
            return (int) CALL_GET.invokeExact(function, stream.segment(), out);
        } catch (Throwable t) {
            throw new ArrowImportException("ArrowArrayStream callback failed: " + t, t);
        }
    }

    private static void check(ArrowArrayStream stream, int rc, String what) {
        if (rc == 0) {
            return;
        }
        String error = null;
        if (stream.getLastError().address() != 0) {
            try {
                MemorySegment text = (MemorySegment) CALL_LAST_ERROR.invokeExact(stream.getLastError(),
                        stream.segment());
                error = Native.readCString(text);
            } catch (Throwable t) {
                error = "get_last_error failed: " + t;
            }
        }
        throw new ArrowImportException(what + " failed: errno=" + rc + " error="
                + (error == null ? "none" : "'" + error + "'"));
    }
}
