package io.bufferbridge.arrow.internal;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowArrayStream;
import io.bufferbridge.arrow.c.ArrowImportException;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.arrow.internal.BatchImport.ImportedBatch;
import io.bufferbridge.format.FormatException;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.InvalidViewException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * An {@code ArrowArrayStream} of record batches read batch by batch. The stream is moved in, read
 * to its end, and released once; each batch is read by {@link BatchImport} against the stream's
 * schema (every column, or one column of a chunked column).
 */
public final class StreamImport {
    private static final MethodHandle CALL_GET = Linker.nativeLinker().downcallHandle(
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle CALL_LAST_ERROR = Linker.nativeLinker().downcallHandle(
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS));

    private StreamImport() {
    }

    /** Reads one batch; the reader owns {@code batch} and releases it. */
    @FunctionalInterface
    interface BatchReader<T> {
        T read(ArrowArray batch, long number);
    }

    /** Looks at the stream's schema before any batch is read, and says how to read the batches. */
    @FunctionalInterface
    interface SchemaReader<T> {
        BatchReader<T> open(ArrowSchema schema, ImportedSchema root);
    }

    /**
     * Reads every batch of {@code in} as one view of one column.
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
        return importBatches(in, (schema, root) -> {
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
            int at = index;
            int columns = root.children().size();
            MemorySegment field = schema.children().reinterpret((long) columns * ValueLayout.ADDRESS.byteSize())
                    .getAtIndex(ValueLayout.ADDRESS, at);
            return (batch, number) -> importColumn(batch, field, at, columns, number);
        }, BufferView::close);
    }

    /**
     * Reads every batch of {@code in} with every column.
     *
     * @param in the stream; moved, then released once
     * @return one batch per batch of the stream; the caller releases them
     * @throws ArrowImportException as {@link #importViews}
     */
    public static List<ImportedBatch> importTables(ArrowArrayStream in) {
        return importBatches(in, (schema, root) -> (batch, number) -> BatchImport.importColumns(root, batch,
                "path=stream.batch" + number), ImportedBatch::close);
    }

    private static <T> List<T> importBatches(ArrowArrayStream in, SchemaReader<T> reader, Consumer<T> discard) {
        JvmFlags.requireNativeAccess();
        if (in.isReleased()) {
            throw new ArrowImportException("ArrowArrayStream already released: release=NULL");
        }
        List<T> out = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            ArrowArrayStream stream = ArrowArrayStream.allocate(arena);
            stream.segment().copyFrom(in.segment());
            in.releaseCallback(MemorySegment.NULL);
            ArrowSchema schema = ArrowSchema.allocate(arena);
            try {
                check(stream, call(stream.getSchemaCallback(), stream, schema.segment()), "get_schema");
                if (schema.isReleased()) {
                    throw new ArrowImportException("get_schema returned 0 but no schema: release=NULL");
                }
                BatchReader<T> batches = reader.open(schema, BatchImport.readRoot(schema, "stream"));
                for (long batch = 0;; batch++) {
                    ArrowArray array = ArrowArray.allocate(arena);
                    check(stream, call(stream.getNextCallback(), stream, array.segment()), "get_next");
                    if (array.isReleased()) {
                        break;
                    }
                    out.add(batches.read(array, batch));
                }
            } finally {
                try {
                    if (!schema.isReleased()) {
                        Native.callRelease(schema.releaseCallback(), schema.segment());
                    }
                } finally {
                    Native.callRelease(stream.releaseCallback(), stream.segment());
                }
            }
            return out;
        } catch (InvalidViewException | FormatException | ArithmeticException e) {
            // What a stream's content alone can cause past the checks: a geometry the view model
            // refuses, a format that does not parse, sizes that overflow.
            out.forEach(discard);
            throw new ArrowImportException("stream import refused: path=batch " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            // ArrowImportException is the refusal; anything else is a bug, and stays what it is.
            out.forEach(discard);
            throw e;
        }
    }

    /** Moves column {@code index} out of a batch, releases the batch, imports the column. */
    private static BufferView importColumn(ArrowArray batch, MemorySegment columnSchema, int index, int columns,
            long number) {
        String where = "path=stream.batch" + number;
        try (Arena scratch = Arena.ofConfined()) {
            ArrowArray moved = ArrowArray.allocate(scratch);
            try {
                BatchImport.checkBatch(batch, columns, where);
                BatchImport.moveColumn(batch, index, columns, moved, where);
            } finally {
                Native.callRelease(batch.releaseCallback(), batch.segment());
            }
            ArrowSchema borrowed;
            try {
                borrowed = ArrowSchema.wrap(BatchImport.copySchema(ArrowSchema.wrap(columnSchema.address()), scratch));
            } catch (RuntimeException | Error e) {
                Native.callRelease(moved.releaseCallback(), moved.segment());
                throw e;
            }
            return ViewImport.importView(borrowed, moved).view();
        }
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
        if (stream.getLastErrorCallback().address() != 0) {
            try {
                MemorySegment text = (MemorySegment) CALL_LAST_ERROR.invokeExact(stream.getLastErrorCallback(),
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
