package io.bufferbridge.arrow.internal;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.arrow.c.ViewMetadata;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * docs/contract.md §5: columns written as a record batch, a {@code +s} schema with one child per column and a
 * struct array of the row count whose children are the columns, each exported as
 * {@link ViewExport#exportColumn} does.
 */
public final class BatchExport {
    private BatchExport() {
    }

    /**
     * {@return the {@code +s} type of a batch of these columns}
     *
     * @param viewMetadata whether each column keeps its {@code bufferbridge.*} keys
     * @param cOrder whether tensor columns are written in C order (a stream's batches)
     */
    public static TypeNode schemaType(List<ColumnPart> parts, boolean viewMetadata, boolean cOrder) {
        List<TypeNode> children = new ArrayList<>();
        for (ColumnPart p : parts) {
            TypeNode t = ViewExport.columnType(p.values(), p.name(), p.validity() != null, cOrder);
            if (!viewMetadata) {
                Map<String, String> md = new LinkedHashMap<>();
                t.metadata().forEach((k, v) -> {
                    if (!k.startsWith("bufferbridge.")) {
                        md.put(k, v);
                    }
                });
                t = new TypeNode(t.format(), t.name(), md, t.children(), t.nullable());
            }
            children.add(t);
        }
        return new TypeNode("+s", "", Map.of(), children);
    }

    /** Runs a live schema's release callback (a schema exported for a batch whose array failed). */
    public static void release(ArrowSchema schema) {
        if (!schema.isReleased()) {
            Native.callRelease(schema.releaseCallback(), schema.segment());
        }
    }

    /**
     * {@return what must agree between the batches of one stream for a column}: name, nullability,
     * Arrow type and extension metadata, and the view's format, itemsize and read-only flag
     * (the shape, strides and whether it was copied are per batch)
     */
    public static String streamKey(TypeNode column) {
        Map<String, String> md = new LinkedHashMap<>(column.metadata());
        md.remove(ViewMetadata.SHAPE);
        md.remove(ViewMetadata.STRIDES);
        md.remove(ViewMetadata.COPIED);
        return "nullable=" + column.nullable() + " type=" + column.signature() + " metadata=" + md;
    }

    /** Writes {@code type} into a released {@code out}, freed by its release callback. */
    public static void writeSchema(TypeNode type, ArrowSchema out) {
        ExportTargets.requireReleased(out, null);
        Arena arena = new MallocArena();
        try {
            long id = ExportReleases.nextId();
            ViewExport.writeSchema(type, out, arena, id, true);
            ExportReleases.register(id, arena, null, ViewExport.countStructs(type));
        } catch (RuntimeException | Error e) {
            out.releaseCallback(MemorySegment.NULL);
            arena.close();
            throw e;
        }
    }

    /**
     * Writes a batch's struct array into a released {@code out}. Takes every view of {@code parts}:
     * each column's export holds its values until the consumer releases it (or closes them at once
     * after a copy); validity views are packed into bitmaps and closed. On failure every view has
     * been closed and {@code out} is released.
     *
     * @param rows the row count, every column's {@code shape[0]}
     */
    public static void writeArray(List<ColumnPart> parts, long rows, boolean cOrder, ArrowArray out) {
        int n = parts.size();
        Arena arena = new MallocArena();
        List<ArrowArray> written = new ArrayList<>();
        int taken = 0;
        try {
            ExportTargets.requireReleased(null, out);
            MemorySegment children = arena.allocate(ValueLayout.ADDRESS, Math.max(1, n));
            for (int i = 0; i < n; i++) {
                ColumnPart p = parts.get(i);
                ArrowArray child = ArrowArray.allocate(arena);
                taken = i + 1;
                try {
                    // The field is the batch schema's: only the array is written.
                    ViewExport.exportColumn(p.values(), p.name(), p.validity(), cOrder, null, child, true);
                } catch (RuntimeException | Error e) {
                    // Not adopted: the values are still ours to close.
                    p.values().close();
                    throw e;
                } finally {
                    if (p.validity() != null) {
                        p.validity().close();
                    }
                }
                written.add(child);
                children.setAtIndex(ValueLayout.ADDRESS, i, child.segment());
            }
            MemorySegment buffers = arena.allocate(ValueLayout.ADDRESS, 1);
            long id = ExportReleases.nextId();
            out.length(rows);
            out.nullCount(0);
            out.offset(0);
            out.nBuffers(1);
            out.nChildren(n);
            out.buffers(buffers);
            out.children(n == 0 ? MemorySegment.NULL : children);
            out.dictionary(MemorySegment.NULL);
            out.privateData(MemorySegment.ofAddress(id));
            // The root is one struct of its own; each column is an export of its own, released
            // through the root's release (ExportReleases releases live children).
            ExportReleases.register(id, arena, null, 1);
            out.releaseCallback(ExportReleases.ARRAY_ROOT);
        } catch (RuntimeException | Error e) {
            out.releaseCallback(MemorySegment.NULL);
            for (ArrowArray c : written) {
                if (!c.isReleased()) {
                    Native.callRelease(c.releaseCallback(), c.segment());
                }
            }
            for (int i = taken; i < n; i++) {
                parts.get(i).close();
            }
            arena.close();
            throw e;
        }
    }
}
