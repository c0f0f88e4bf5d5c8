package io.bufferbridge.arrow.vector;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowExporter;
import io.bufferbridge.arrow.c.ArrowImporter;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.arrow.c.ImportedView;
import io.bufferbridge.arrow.c.ViewMetadata;
import io.bufferbridge.arrow.internal.ArrowJavaStructs;
import io.bufferbridge.arrow.internal.JvmFlags;
import io.bufferbridge.arrow.internal.ViewExport;
import io.bufferbridge.view.BufferExporter;
import io.bufferbridge.view.BufferFlags;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.Order;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.arrow.c.Data;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.complex.StructVector;

/**
 * Arrow Java vectors as buffer views, and buffer views as Arrow Java vectors (docs/contract.md §2–3), both
 * through the C data interface: {@code Data.exportVector} then {@link ArrowImporter}, and
 * {@link ArrowExporter} then {@code Data.importVector}.
 *
 * <h2>Vectors to views</h2>
 * {@link #toView} gives a read-only view of the vector's own memory for every fixed-width vector
 * ({@code TinyInt … UInt8}, {@code Float2/4/8}, {@code FixedSizeBinary}, dates, times,
 * timestamps and durations as their storage integer, decimals as {@code 16s}/{@code 32s}), for
 * {@code FixedSizeList} (each level one more dimension), and for fields carrying the
 * {@code arrow.bool8}, {@code arrow.fixed_shape_tensor} or {@code arrow.opaque} extension metadata
 * (Arrow Java 19 has no class for the first two; a vector of the storage type whose field carries
 * the extension metadata is read as the extension). {@code BitVector} and {@code StructVector}
 * are copied ({@code ?} bytes, interleaved records). A sliced vector ({@code splitAndTransfer})
 * gives its own elements. The view holds the vector's buffers (the export retains them), so the
 * vector may be closed first; the buffers go back to the allocator when the view is released.
 *
 * <h2>Nulls</h2>
 * A buffer view has no nulls, and the bytes under a null are not data: a vector with a null
 * anywhere (its own validity or a child's) is refused by {@link #toView} with
 * {@link VectorHasNullsException}. {@link #copyFilled} copies and writes a fill value into every
 * null element; {@link #withValidity} returns the values with zero bytes in null elements and a
 * {@code ?} view of the validity. An element is null when any of its values is: a list element
 * whose list is null, a record with a null field.
 *
 * <h2>Views to vectors</h2>
 * {@link #toVector(BufferView, String, BufferAllocator)} wraps the view's memory in an Arrow
 * buffer without copying when the memory is native and the layout dense (Arrow Java's importer
 * wraps the exported buffer with {@code BufferAllocator.wrapForeignAllocation}; the export holds a
 * {@code getBuffer} view of the caller's view until the vector is closed). Heap memory, layouts
 * with gaps or negative strides, and records are copied once into memory the export owns, which
 * the vector also wraps; {@link VectorOfView#copied()} says which happened.
 */
public final class ArrowVectors {
    private ArrowVectors() {
    }

    // ------------------------------------------------------------ vectors to views

    /**
     * {@return a read-only view of the vector's values; zero-copy except for bit-packed booleans and
     * structs} Named {@code to…}, not {@code as…}, because it may copy; {@link #toImportedView}
     * says whether it did.
     *
     * @param vector the vector; not closed, and may be closed before the view
     * @throws VectorHasNullsException if the vector or a child has a null
     * @throws io.bufferbridge.arrow.c.ArrowImportException if the type has no PEP 3118 counterpart
     *     (variable-size types, unions, dictionaries…); nothing is left allocated then
     */
    public static BufferView toView(FieldVector vector) {
        return toImportedView(vector).view();
    }

    /**
     * As {@link #toView}, and tells whether the view is a copy.
     *
     * @param vector the vector; not closed
     * @return the view and whether it was copied (bit-packed booleans, structs)
     * @throws VectorHasNullsException if the vector or a child has a null
     */
    public static ImportedView toImportedView(FieldVector vector) {
        Objects.requireNonNull(vector, "vector");
        long nulls = nullSlots(vector);
        if (nulls > 0) {
            throw new VectorHasNullsException(nulls, vector.getValueCount(), describe(vector));
        }
        return importVector(vector, false);
    }

    /**
     * {@return a read-only copy of the vector's values with {@code fill} in every null element}
     *
     * @param vector the vector; not closed
     * @param fill the value for null elements, of the type {@link BufferView#set} takes for the
     *     view's format ({@code Long}/{@code Double}/{@code Boolean}, {@code byte[]} for {@code Ns})
     * @throws IllegalArgumentException if {@code fill} does not fit the format; nothing is left
     *     allocated then
     */
    public static BufferView copyFilled(FieldVector vector, Object fill) {
        Objects.requireNonNull(vector, "vector");
        Objects.requireNonNull(fill, "fill");
        return copyMasked(vector, fill).values();
    }

    /**
     * {@return the vector's values with zero bytes in null elements, and its validity as a
     * {@code ?} view of the same shape}; the values are zero-copy when there are no nulls
     *
     * @param vector the vector; not closed
     */
    public static ValuesAndValidity withValidity(FieldVector vector) {
        Objects.requireNonNull(vector, "vector");
        if (nullSlots(vector) == 0) {
            BufferView values = importVector(vector, false).view();
            try {
                byte[] ones = new byte[Math.toIntExact(values.elementCount())];
                java.util.Arrays.fill(ones, (byte) 1);
                return new ValuesAndValidity(values, boolView(ones, values.shape()), 0);
            } catch (RuntimeException | Error e) {
                values.close();
                throw e;
            }
        }
        return copyMasked(vector, null);
    }

    /** The copy of {@link #copyFilled} ({@code fill} non-null) or {@link #withValidity} (zeros). */
    private static ValuesAndValidity copyMasked(FieldVector vector, Object fill) {
        List<BufferView> open = new ArrayList<>();
        try {
            BufferView src = importVector(vector, true).view();
            open.add(src);
            long itemsize = src.itemsize();
            long[] shape = src.shape();
            long count = src.elementCount();
            byte[] validBlocks = validity(vector, count);
            // The validity in the view's own layout: element (i…) at byte p of the values is block
            // p / itemsize in Arrow's order (the import starts at block 0, strides are multiples).
            MemorySegment blocks = MemorySegment.ofArray(validBlocks);
            long[] st = src.strides();
            for (int i = 0; i < st.length; i++) {
                st[i] = st[i] / itemsize;
            }
            byte[] valid = count == 0 ? new byte[0]
                    : BufferView.of(blocks, 0, "?", 1, shape, st, true).toBytes(Order.C);
            long bytes = src.byteLength();
            Arena arena = Arena.ofShared();
            MemorySegment dst;
            BufferView writable;
            try {
                dst = arena.allocate(Math.max(1, bytes), 16).asSlice(0, bytes);
                src.copyTo(dst, 0, Order.C);
                writable = BufferView.of(dst, 0, src.format().text(), itemsize, shape, cStrides(itemsize, shape),
                        false, arena::close);
            } catch (RuntimeException | Error e) {
                arena.close();
                throw e;
            }
            open.add(writable);
            long nulls = 0;
            long[] index = new long[shape.length];
            for (int k = 0; k < valid.length; k++) {
                if (valid[k] == 0) {
                    nulls++;
                    if (fill == null) {
                        dst.asSlice(k * itemsize, itemsize).fill((byte) 0);
                    } else {
                        unravel(k, shape, index);
                        writable.set(fill, index);
                    }
                }
            }
            BufferView values = writable.asReadOnly();
            open.add(values);
            BufferView validity = fill == null ? boolView(valid, shape) : null;
            writable.close();
            src.close();
            return new ValuesAndValidity(values, validity == null ? values : validity, nulls);
        } catch (RuntimeException | Error e) {
            for (int i = open.size() - 1; i >= 0; i--) {
                open.get(i).close();
            }
            throw e;
        }
    }

    private static BufferView boolView(byte[] bytes, long[] shape) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment m = arena.allocate(Math.max(1, bytes.length)).asSlice(0, bytes.length);
            MemorySegment.copy(bytes, 0, m, ValueLayout.JAVA_BYTE, 0, bytes.length);
            return BufferView.of(m, 0, "?", 1, shape, cStrides(1, shape), true, arena::close);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private static long[] cStrides(long itemsize, long[] shape) {
        long[] st = new long[shape.length];
        long s = itemsize;
        for (int i = shape.length - 1; i >= 0; i--) {
            st[i] = s;
            s *= Math.max(1, shape[i]);
        }
        return st;
    }

    private static void unravel(long k, long[] shape, long[] index) {
        for (int i = shape.length - 1; i >= 0; i--) {
            index[i] = k % shape[i];
            k /= shape[i];
        }
    }

    /** Exports with Arrow Java into structs we read, then imports; the structs are moved. */
    private static ImportedView importVector(FieldVector vector, boolean stripValidity) {
        JvmFlags.requireArrowJava();
        BufferAllocator allocator = vector.getAllocator();
        try (org.apache.arrow.c.ArrowSchema s = org.apache.arrow.c.ArrowSchema.allocateNew(allocator);
                org.apache.arrow.c.ArrowArray a = org.apache.arrow.c.ArrowArray.allocateNew(allocator);
                Arena arena = Arena.ofConfined()) {
            Data.exportVector(allocator, vector, null, a, s);
            ArrowArray array = ArrowArray.wrap(a.memoryAddress());
            if (stripValidity) {
                // The caller masks the nulls itself: the importer is shown no validity bitmap. Only
                // the pointer arrays are replaced (by copies in `arena`, read during the import);
                // Arrow Java's release reads children and private_data, never buffers.
                strip(array, arena);
            }
            return ArrowImporter.importPair(ArrowSchema.wrap(s.memoryAddress()), array);
        }
    }

    private static void strip(ArrowArray a, Arena arena) {
        long nb = a.nBuffers();
        if (nb > 0 && a.buffers().address() != 0) {
            MemorySegment old = a.buffers().reinterpret(nb * ValueLayout.ADDRESS.byteSize());
            if (old.getAtIndex(ValueLayout.ADDRESS, 0).address() != 0) {
                MemorySegment copy = arena.allocate(ValueLayout.ADDRESS, nb);
                copy.copyFrom(old);
                copy.setAtIndex(ValueLayout.ADDRESS, 0, MemorySegment.NULL);
                a.buffers(copy);
            }
        }
        a.nullCount(0);
        long n = a.nChildren();
        MemorySegment children = a.children().reinterpret(n * ValueLayout.ADDRESS.byteSize());
        for (long i = 0; i < n; i++) {
            strip(ArrowArray.wrap(children.getAtIndex(ValueLayout.ADDRESS, i).address()), arena);
        }
    }

    /** {@return null slots in the vector and all its children} */
    static long nullSlots(ValueVector vector) {
        long n = vector.getNullCount();
        if (vector instanceof FieldVector f) {
            for (FieldVector c : f.getChildrenFromFields()) {
                n += nullSlots(c);
            }
        }
        return n;
    }

    /**
     * {@return 1 for a valid block, 0 for a null one, in Arrow's order}: the leaf values below the
     * chain of fixed-size lists, grouped into {@code count} blocks of equal size (one per element of
     * the view). A value is null when it, a list above it, or (for a struct) one of its fields is.
     */
    private static byte[] validity(FieldVector vector, long count) {
        List<FieldVector> chain = new ArrayList<>();
        FieldVector leaf = vector;
        while (leaf instanceof FixedSizeListVector list) {
            chain.add(list);
            leaf = list.getDataVector();
        }
        long values = vector.getValueCount();
        long[] per = new long[chain.size()];
        long inner = 1;
        for (int i = chain.size() - 1; i >= 0; i--) {
            inner *= ((FixedSizeListVector) chain.get(i)).getListSize();
            per[i] = inner;
        }
        long total = values * inner;
        byte[] out = new byte[Math.toIntExact(count)];
        java.util.Arrays.fill(out, (byte) 1);
        if (count == 0) {
            return out;
        }
        long block = total / count;
        for (long m = 0; m < total; m++) {
            boolean isNull = nullAt(leaf, m);
            for (int i = 0; i < chain.size() && !isNull; i++) {
                isNull = chain.get(i).isNull(Math.toIntExact(m / per[i]));
            }
            if (isNull) {
                out[Math.toIntExact(m / block)] = 0;
            }
        }
        return out;
    }

    private static boolean nullAt(ValueVector v, long index) {
        int i = Math.toIntExact(index);
        if (v.isNull(i)) {
            return true;
        }
        if (v instanceof StructVector s) {
            for (FieldVector c : s.getChildrenFromFields()) {
                if (nullAt(c, index)) {
                    return true;
                }
            }
        } else if (v instanceof FixedSizeListVector l) {
            long size = l.getListSize();
            for (long k = index * size; k < (index + 1) * size; k++) {
                if (nullAt(l.getDataVector(), k)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String describe(FieldVector v) {
        return "field='" + v.getField().getName() + "' type=" + v.getField().getType();
    }

    // ------------------------------------------------------------ views to vectors

    /**
     * As {@link #toVector(BufferView, String, BufferAllocator)} with the field name {@code ""}.
     *
     * @param view the view; not released
     * @param allocator accounts the vector's buffers
     * @return the vector and whether it is a copy
     */
    public static VectorOfView toVector(BufferView view, BufferAllocator allocator) {
        return toVector(view, "", allocator);
    }

    /**
     * {@return an Arrow Java vector of the view's elements, by docs/contract.md §2 (its field metadata carries
     * the view, docs/contract.md §3)}: zero-copy when the view's memory is native and its layout dense, else a
     * single copy into memory the vector wraps. The view cannot be released until the vector is
     * closed (the vector holds a {@link BufferView#getBuffer} export of it).
     *
     * @param view the view; not released
     * @param name the vector's field name
     * @param allocator accounts the vector's buffers
     * @throws IllegalStateException if the view has been released
     */
    public static VectorOfView toVector(BufferView view, String name, BufferAllocator allocator) {
        Objects.requireNonNull(view, "view");
        return convert(view, name, allocator, false);
    }

    /**
     * {@return a vector of the exporter's buffer}: asks for a {@link BufferFlags#FULL_RO} view and
     * converts it as {@link #toVector(BufferView, String, BufferAllocator)} does; the vector owns
     * that view and releases it when closed (after a copy, at once).
     *
     * @param exporter any exporter, for example a class delegating to {@link BufferView#ofArray}
     * @param name the vector's field name
     * @param allocator accounts the vector's buffers
     */
    public static VectorOfView toVector(BufferExporter exporter, String name, BufferAllocator allocator) {
        Objects.requireNonNull(exporter, "exporter");
        BufferView view = exporter.getBuffer(BufferFlags.FULL_RO);
        boolean handedOver = false;
        try {
            VectorOfView v = convert(view, name, allocator, true);
            handedOver = true;
            return v;
        } finally {
            if (!handedOver) {
                view.close();
            }
        }
    }

    /**
     * {@return a nullable Arrow Java vector of {@code values}, null where {@code validity} is false}:
     * the vector {@link #toVector(BufferView, String, BufferAllocator)} gives, of
     * {@code values.shape()[0]} elements (a tensor view gives rows of {@code shape[1:]}, zero-copy
     * when axis 0 is outermost in a dense layout, else copied into C order), with the validity
     * packed into its validity buffer (a copy) and its field nullable. The bytes of null elements
     * are whatever {@code values} holds there.
     *
     * @param values the values, ndim ≥ 1; not released, and held until the vector is closed
     * @param validity a 1-D {@code ?} view of {@code values.shape()[0]} values; read, not held
     * @param name the vector's field name
     * @param allocator accounts the vector's buffers
     * @throws IllegalArgumentException if {@code values} is 0-d, or {@code validity} is not a 1-D
     *     {@code ?} view of {@code values.shape()[0]} values
     * @throws IllegalStateException if a view has been released
     */
    public static VectorOfView toVector(BufferView values, BufferView validity, String name,
            BufferAllocator allocator) {
        Objects.requireNonNull(values, "values");
        Objects.requireNonNull(validity, "validity");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(allocator, "allocator");
        long[] shape = values.shape();
        String f = validity.format().text();
        if (shape.length == 0 || validity.ndim() != 1 || validity.itemsize() != 1 || !f.endsWith("?")
                || f.length() > 2 || validity.shape()[0] != shape[0]) {
            throw new IllegalArgumentException("validity is not a 1-D '?' view of the values' rows: format='" + f
                    + "' shape=" + java.util.Arrays.toString(validity.shape()) + " values.shape="
                    + java.util.Arrays.toString(shape) + " expected format='?' shape=["
                    + (shape.length == 0 ? "ndim>=1" : shape[0]) + "]");
        }
        return importExported(allocator, (schema, array) -> ViewExport.exportColumn(values, name, validity, false,
                schema, array, false), null);
    }

    private static VectorOfView convert(BufferView view, String name, BufferAllocator allocator, boolean adopt) {
        JvmFlags.requireArrowJava();
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(allocator, "allocator");
        return importExported(allocator, (schema, array) -> {
            if (adopt) {
                ViewExport.exportAdopting(view, schema, array);
            } else {
                ArrowExporter.exportView(view, schema, array);
            }
        }, name);
    }

    /** Writes a pair with {@code export}, then imports it with Arrow Java; {@code name} replaces the field's. */
    private static VectorOfView importExported(BufferAllocator allocator,
            java.util.function.BiConsumer<ArrowSchema, ArrowArray> export, String name) {
        try (org.apache.arrow.c.ArrowSchema s = org.apache.arrow.c.ArrowSchema.allocateNew(allocator);
                org.apache.arrow.c.ArrowArray a = org.apache.arrow.c.ArrowArray.allocateNew(allocator);
                Arena arena = Arena.ofConfined()) {
            ArrowSchema schema = ArrowSchema.wrap(s.memoryAddress());
            ArrowArray array = ArrowArray.wrap(a.memoryAddress());
            export.accept(schema, array);
            if (name != null) {
                // Arrow Java reads the name into a String during the import; the export's release
                // frees its own arena and never reads the name pointer.
                schema.name(arena.allocateFrom(name, StandardCharsets.UTF_8));
            }
            FieldVector vector;
            try {
                vector = Data.importVector(allocator, a, s, null);
            } catch (RuntimeException | Error e) {
                ArrowJavaStructs.releaseLive(s, a);
                throw e;
            }
            boolean copied = !"false".equals(vector.getField().getMetadata().get(ViewMetadata.COPIED));
            return new VectorOfView(vector, copied);
        }
    }
}
