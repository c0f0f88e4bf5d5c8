package io.bufferbridge.arrow.internal;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowExportException;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.arrow.c.ViewMetadata;
import io.bufferbridge.format.Format;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.MemoryHold;
import io.bufferbridge.view.Order;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/** docs/contract.md §2–3: a buffer view written into an ArrowSchema/ArrowArray pair. */
public final class ViewExport {
    private ViewExport() {
    }

    /**
     * Exports {@code view} into two released (or zeroed) structs.
     *
     * @throws ArrowExportException if a struct is still live (its release is not NULL)
     * @throws IllegalStateException if the view has been released
     */
    public static void export(BufferView view, ArrowSchema schema, ArrowArray array) {
        export(view, schema, array, false);
    }

    /**
     * Exports {@code view} and takes ownership of it: on success the export closes {@code view} at
     * once (holding its memory until the consumer releases the array, unless it copied); on
     * failure the caller still owns it. For a view the caller got
     * from an exporter only to export it.
     *
     * @throws ArrowExportException if a struct is still live (its release is not NULL)
     * @throws IllegalStateException if the view has been released
     */
    public static void exportAdopting(BufferView view, ArrowSchema schema, ArrowArray array) {
        export(view, schema, array, true);
    }

    /**
     * Exports {@code view} as one column of a record batch (docs/contract.md §5): an array of {@code shape[0]}
     * rows, a tensor column as {@code arrow.fixed_shape_tensor} of {@code shape[1:]} (copied into
     * C order unless axis 0 has the largest stride and the layout is dense), named {@code name},
     * nullable with {@code validity} as its bitmap when one is given. Ownership as
     * {@link #exportAdopting} when {@code adopt}, else as {@link #export}.
     *
     * @param validity a 1-D {@code ?} view of {@code shape[0]} values, or null; read, not held
     * @param schema receives the field; null when only the array is wanted (a batch's column, whose
     *     field the batch's schema holds)
     * @param cOrder whether a tensor column must be C-ordered to be zero-copy (every batch of a
     *     stream must have the schema's permutation, the identity)
     * @throws ArrowExportException if a struct is still live or the view is 0-d
     * @throws IllegalStateException if the view has been released
     */
    public static void exportColumn(BufferView view, String name, BufferView validity, boolean cOrder,
            ArrowSchema schema, ArrowArray array, boolean adopt) {
        export(view, new Column(name, validity, cOrder), schema, array, adopt);
    }

    /**
     * {@return the type {@link #exportColumn} writes for {@code view}}, without exporting it:
     * the schema of a stream of such columns
     */
    public static TypeNode columnType(BufferView view, String name, boolean nullable, boolean cOrder) {
        Layout layout = layout(view, new Column(name, null, cOrder));
        return topType(view, layout).withMetadata(ViewMetadata.of(view, !layout.zeroCopy()).toMap()).named(name)
                .withNullable(nullable);
    }

    /** How a view is exported as a table column; null for a single view. */
    private record Column(String name, BufferView validity, boolean cOrder) {
    }

    /**
     * What the export writes: the element's type, the physical axis order of the memory written,
     * and whether it is the view's own memory.
     */
    private record Layout(TypeNode element, int[] phys, boolean zeroCopy, long count, long bytes, long[] shape) {
    }

    private static Layout layout(BufferView view, Column column) {
        Format format = view.format();
        long itemsize = view.itemsize();
        long[] shape = view.shape();
        long[] strides = view.strides();
        int ndim = shape.length;
        if (column != null && ndim == 0) {
            throw new ArrowExportException("a column needs ndim>=1 (shape[0] is the row count): column='"
                    + column.name() + "' shape=[]");
        }
        long count = view.elementCount();
        long bytes = Math.multiplyExact(count, itemsize);
        TypeNode element = ElementMapping.map(format, itemsize);
        int[] phys = Layouts.denseOrder(itemsize, shape, strides);
        boolean zeroCopy = phys != null && bytes > 0 && view.isNative() && !element.containsStruct();
        if (zeroCopy && column != null && ndim >= 2 && (phys[0] != 0 || column.cOrder() && !isIdentity(phys))) {
            // docs/contract.md §5: rows of a tensor column are the array's elements, so axis 0 must be outermost.
            zeroCopy = false;
        }
        if (!zeroCopy) {
            phys = identity(ndim);
        }
        return new Layout(element, phys, zeroCopy, count, bytes, shape);
    }

    /**
     * {@return the type of the whole export, without the view's metadata (docs/contract.md §3)}, which is
     * written with the root's blob
     */
    private static TypeNode topType(BufferView view, Layout layout) {
        TypeNode element = layout.element();
        int[] phys = layout.phys();
        long[] shape = layout.shape();
        int ndim = shape.length;
        TypeNode top;
        if (ndim <= 1) {
            top = element;
        } else if (phys[0] == 0) {
            // Rows: axis 0 is outermost in memory, so each row is one tensor of the other axes.
            int[] rest = new int[ndim - 1];
            for (int j = 1; j < ndim; j++) {
                rest[j - 1] = phys[j] - 1;
            }
            long[] physShape = new long[ndim - 1];
            for (int j = 0; j < ndim - 1; j++) {
                physShape[j] = shape[rest[j] + 1];
            }
            long size = Layouts.product(shape, 1);
            top = TypeNode.extension("+w:" + size, Extensions.FIXED_SHAPE_TENSOR,
                    Extensions.tensorJson(physShape, Layouts.inverse(rest)), List.of(element.named("item")));
        } else {
            long[] physShape = new long[ndim];
            for (int j = 0; j < ndim; j++) {
                physShape[j] = shape[phys[j]];
            }
            top = TypeNode.extension("+w:" + layout.count(), Extensions.FIXED_SHAPE_TENSOR,
                    Extensions.tensorJson(physShape, Layouts.inverse(phys)), List.of(element.named("item")));
        }
        return top;
    }

    /**
     * {@return the template of {@code view}'s export when it is a 1-D (or 0-d) fixed-width scalar
     * exported in place}, or null when the general path must write it: what {@link #export} would
     * write for it, computed once for every export of the same description
     */
    static LeafPairs.Template leafTemplate(BufferView view) {
        Layout layout = layout(view, null);
        TypeNode element = layout.element();
        if (!layout.zeroCopy() || layout.shape().length > 1 || !element.children().isEmpty()
                || !isFixedWidthLeaf(element.format())) {
            return null;
        }
        TypeNode top = topType(view, layout);
        long formatC = Native.permanentCString(top.format());
        long nameC = Native.permanentCString(top.name());
        if (formatC == 0 || nameC == 0) {
            return null;
        }
        byte[] blob = MetadataBlob.encodeBytes(top.metadata(), ViewMetadata.of(view, false));
        if (blob.length > LeafPairs.MAX_BLOB) {
            return null;
        }
        return new LeafPairs.Template(view.format(), view.itemsize(), layout.shape(), view.strides(),
                view.isReadOnly(), layout.count(), layout.bytes(), top.format(), top.name(), formatC, nameC,
                top.nullable() ? ImportedSchema.NULLABLE : 0, blob);
    }

    /** {@return whether an Arrow format is a fixed-width leaf the import reads in place} (as {@link ExportData#leafWidth}) */
    private static boolean isFixedWidthLeaf(String format) {
        return switch (format) {
            case "c", "C", "s", "S", "e", "i", "I", "f", "l", "L", "g" -> true;
            default -> format.startsWith("w:");
        };
    }

    private static boolean isIdentity(int[] p) {
        for (int i = 0; i < p.length; i++) {
            if (p[i] != i) {
                return false;
            }
        }
        return true;
    }

    private static void export(BufferView view, ArrowSchema schema, ArrowArray array, boolean adopt) {
        export(view, null, schema, array, adopt);
    }

    private static void export(BufferView view, Column column, ArrowSchema schema, ArrowArray array,
            boolean adopt) {
        JvmFlags.requireNativeAccess();
        ExportTargets.requireReleased(schema, array);
        if (column == null && schema != null && LeafPairs.tryExport(view, schema, array, adopt)) {
            return;
        }
        // Freed by a release callback, on whatever thread the consumer releases from.
        Arena schemaArena = schema == null ? null : new MallocArena();
        MallocArena arrayArena = new MallocArena();
        MemoryHold held = null;
        try {
            Layout layout = layout(view, column);
            long itemsize = view.itemsize();
            long[] shape = layout.shape();
            int ndim = shape.length;
            long count = layout.count();
            long bytes = layout.bytes();
            if (layout.zeroCopy() && ndim <= 1 && column == null && schema != null
                    && layout.element().children().isEmpty()) {
                // The common case, a 1-D view of a fixed-width scalar exported in place: one
                // struct whose data buffer is the view's memory, written without ExportData (the
                // buffer list, a segment over the memory) that the general path builds.
                ExportData.leafWidth(layout.element().format());
                held = view.hold();
                long arrayId = ExportReleases.nextId();
                long schemaId = ExportReleases.nextId();
                TypeNode top = topType(view, layout);
                writeSchema(top, ViewMetadata.of(view, false), schema, schemaArena, schemaId);
                ExportReleases.register(schemaId, schemaArena, null, countStructs(top));
                writeLeafArray(count, view.address(), array, arrayArena, arrayId);
                ExportReleases.register(arrayId, arrayArena, held, 1);
                if (adopt) {
                    view.close();
                }
                return;
            }
            MemorySegment base;
            if (layout.zeroCopy()) {
                // The export holds the memory (not a view of it: see Lifetime), so the memory
                // outlives the caller's view until the consumer releases the array.
                held = view.hold();
                base = MemorySegment.ofAddress(view.address()).reinterpret(bytes);
            } else {
                base = arrayArena.allocate(Math.max(1, bytes), 16).asSlice(0, bytes);
                view.copyTo(base, 0, Order.C);
            }
            ExportData elementData = ExportData.gather(layout.element(), view.format().element(), base,
                    k -> k * itemsize, count, true, arrayArena);
            ExportData topData;
            if (ndim <= 1) {
                topData = elementData;
            } else if (layout.phys()[0] == 0) {
                topData = new ExportData(shape[0], List.of(MemorySegment.NULL), List.of(elementData));
            } else {
                topData = new ExportData(1, List.of(MemorySegment.NULL), List.of(elementData));
            }
            // The type is written only with a schema (a batch's column has its field in the batch's).
            TypeNode top = schema == null ? null : topType(view, layout);
            ViewMetadata metadata = schema == null ? null : ViewMetadata.of(view, !layout.zeroCopy());
            long nulls = 0;
            if (column != null) {
                if (top != null) {
                    top = top.named(column.name()).withNullable(column.validity() != null);
                }
                if (column.validity() != null) {
                    MemorySegment bitmap = arrayArena.allocate(Math.max(1, (shape[0] + 7) / 8), 8);
                    nulls = Bitmaps.pack(column.validity(), bitmap);
                    List<MemorySegment> buffers = new java.util.ArrayList<>(topData.buffers());
                    buffers.set(0, bitmap);
                    topData = new ExportData(topData.length(), buffers, topData.children());
                }
            }

            // Registered only once both trees are written, so a failure above leaves no entry behind;
            // no consumer can call a release before this method returns.
            long arrayId = ExportReleases.nextId();
            if (schema != null) {
                long schemaId = ExportReleases.nextId();
                writeSchema(top, metadata, schema, schemaArena, schemaId);
                ExportReleases.register(schemaId, schemaArena, null, countStructs(top));
            }
            writeArray(topData, nulls, array, arrayArena, arrayId, true);
            ExportReleases.register(arrayId, arrayArena, held, topData.structs());
        } catch (RuntimeException | Error e) {
            // The targets may already point into the arenas about to be freed: hand them back released.
            if (schema != null) {
                schema.releaseCallback(MemorySegment.NULL);
                schemaArena.close();
            }
            array.releaseCallback(MemorySegment.NULL);
            if (held != null) {
                held.close();
            }
            arrayArena.close();
            throw e;
        }
        if (adopt) {
            // The export holds what it needs (the memory, or its own copy).
            view.close();
        }
    }

    private static int[] identity(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        return p;
    }

    /**
     * {@return room for {@code n} pointers}; not {@code allocate(ADDRESS, n)}, which makes a
     * sequence layout object for each call
     */
    private static MemorySegment pointers(Arena arena, int n) {
        return arena.allocate(ValueLayout.ADDRESS.byteSize() * n, ValueLayout.ADDRESS.byteAlignment());
    }

    /** {@return the number of schema structs a type tree needs, the root included} */
    static int countStructs(TypeNode t) {
        int n = 1;
        for (TypeNode c : t.children()) {
            n += countStructs(c);
        }
        return n;
    }

    /**
     * Writes a type tree into {@code s} and child structs allocated in {@code arena}, the root's
     * metadata followed by {@code view}'s.
     *
     * @param view the view's {@code bufferbridge.*} metadata, or null for none
     */
    static void writeSchema(TypeNode t, ViewMetadata view, ArrowSchema s, Arena arena, long id) {
        writeSchema(t, view, s, arena, id, true);
    }

    static void writeSchema(TypeNode t, ArrowSchema s, Arena arena, long id, boolean root) {
        writeSchema(t, null, s, arena, id, root);
    }

    private static void writeSchema(TypeNode t, ViewMetadata view, ArrowSchema s, Arena arena, long id,
            boolean root) {
        int n = t.children().size();
        MemorySegment children = n == 0 ? MemorySegment.NULL : pointers(arena, n);
        for (int i = 0; i < n; i++) {
            ArrowSchema child = ArrowSchema.allocate(arena);
            writeSchema(t.children().get(i), child, arena, id, false);
            children.setAtIndex(ValueLayout.JAVA_LONG, i, child.address());
        }
        // Pointers written as 64-bit integers through the struct's own segment: checked as the
        // mirrors' setters are, but no segment object per field (Structs).
        MemorySegment m = s.segment();
        Structs.set(m, Structs.S_FORMAT, Native.sharedCString(arena, t.format()).address());
        Structs.set(m, Structs.S_NAME, Native.sharedCString(arena, t.name()).address());
        Structs.set(m, Structs.S_METADATA, MetadataBlob.encodeAddress(arena, t.metadata(), view));
        // A single view has no nulls; a table column with a validity is nullable (docs/contract.md §5).
        Structs.set(m, Structs.S_FLAGS, t.nullable() ? ImportedSchema.NULLABLE : 0);
        Structs.set(m, Structs.S_N_CHILDREN, n);
        Structs.set(m, Structs.S_CHILDREN, children.address());
        Structs.set(m, Structs.S_DICTIONARY, 0);
        Structs.set(m, Structs.S_PRIVATE_DATA, id);
        // Last: a consumer may only look at a struct whose release is set.
        Structs.set(m, Structs.S_RELEASE, root ? ExportReleases.SCHEMA_ROOT_ADDRESS : ExportReleases.SCHEMA_CHILD_ADDRESS);
    }

    /** Writes an array tree; {@code nullCount} is the root's (its bitmap is {@code d.buffers().get(0)}). */
    static void writeArray(ExportData d, long nullCount, ArrowArray a, Arena arena, long id, boolean root) {
        int n = d.children().size();
        MemorySegment children = n == 0 ? MemorySegment.NULL : pointers(arena, n);
        for (int i = 0; i < n; i++) {
            ArrowArray child = ArrowArray.allocate(arena);
            writeArray(d.children().get(i), 0, child, arena, id, false);
            children.setAtIndex(ValueLayout.JAVA_LONG, i, child.address());
        }
        List<MemorySegment> list = d.buffers();
        MemorySegment buffers = pointers(arena, list.size());
        for (int i = 0; i < list.size(); i++) {
            buffers.setAtIndex(ValueLayout.JAVA_LONG, i, list.get(i).address());
        }
        writeArrayFields(a.segment(), d.length(), nullCount, list.size(), buffers.address(), n, children.address(), id,
                root);
    }

    /**
     * Writes a root array of one fixed-width leaf without nulls: {@code length} elements at
     * {@code data}, buffers {validity NULL, data}.
     */
    private static void writeLeafArray(long length, long data, ArrowArray a, MallocArena arena, long id) {
        long buffers = arena.allocateAddress(2 * ValueLayout.ADDRESS.byteSize(), ValueLayout.ADDRESS.byteAlignment());
        // Fresh from the arena (zeroed, this thread's): written by address.
        Structs.setPointerAt(buffers, 1, data);
        writeArrayFields(a.segment(), length, 0, 2, buffers, 0, 0, id, true);
    }

    /**
     * Writes an array struct's fields as 64-bit integers through its own segment (checked as the
     * mirrors' setters are, with no segment object per pointer), {@code release} last.
     */
    private static void writeArrayFields(MemorySegment m, long length, long nullCount, long nBuffers, long buffers,
            long nChildren, long children, long id, boolean root) {
        Structs.set(m, Structs.A_LENGTH, length);
        Structs.set(m, Structs.A_NULL_COUNT, nullCount);
        Structs.set(m, Structs.A_OFFSET, 0);
        Structs.set(m, Structs.A_N_BUFFERS, nBuffers);
        Structs.set(m, Structs.A_N_CHILDREN, nChildren);
        Structs.set(m, Structs.A_BUFFERS, buffers);
        Structs.set(m, Structs.A_CHILDREN, children);
        Structs.set(m, Structs.A_DICTIONARY, 0);
        Structs.set(m, Structs.A_PRIVATE_DATA, id);
        // Last: a consumer may only look at a struct whose release is set.
        Structs.set(m, Structs.A_RELEASE, root ? ExportReleases.ARRAY_ROOT_ADDRESS : ExportReleases.ARRAY_CHILD_ADDRESS);
    }
}
