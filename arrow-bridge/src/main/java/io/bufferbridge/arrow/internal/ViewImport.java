package io.bufferbridge.arrow.internal;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowImportException;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.arrow.c.ImportedView;
import io.bufferbridge.arrow.c.ViewMetadata;
import io.bufferbridge.format.Element;
import io.bufferbridge.format.Field;
import io.bufferbridge.format.Format;
import io.bufferbridge.format.FormatException;
import io.bufferbridge.format.Record;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import io.bufferbridge.internal.view.ViewInternals;
import io.bufferbridge.view.InvalidViewException;
import io.bufferbridge.view.MemoryHold;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongUnaryOperator;

/** docs/contract.md §2–3: an ArrowSchema/ArrowArray pair read back as a buffer view. */
public final class ViewImport {
    private static final AtomicInteger LIVE = new AtomicInteger();
    private static final ViewInternals.Access VIEWS = ViewInternals.get();

    private ViewImport() {
    }

    /** {@return imports whose memory (moved structs, copies) has not been freed yet} */
    public static int liveImports() {
        return LIVE.get();
    }

    /** An import made elsewhere ({@link LeafPairs}) is live; {@link #ended} once it is not. */
    static void started() {
        LIVE.incrementAndGet();
    }

    static void ended() {
        LIVE.decrementAndGet();
    }

    /** What the view will be: format, itemsize, shape, strides, flags, and the node its elements start at. */
    private record Plan(Format format, long itemsize, long[] shape, long[] strides, boolean readOnly, boolean copy,
            boolean exporterCopied, ImportNode elements) {
    }

    /**
     * Moves both structs, checks them, and builds the view.
     *
     * @throws ArrowImportException if the pair cannot be imported; both structs are released first
     */
    public static ImportedView importView(ArrowSchema schema, ArrowArray array) {
        JvmFlags.requireNativeAccess();
        BufferView own = LeafPairs.tryImport(schema, array);
        if (own != null) {
            return new ImportedView(own, false);
        }
        ImportedColumn c = importView(null, schema, array, false);
        return new ImportedView(c.values(), c.copied());
    }

    /**
     * As {@link #importView(ArrowSchema, ArrowArray)}, the view only.
     *
     * @throws ArrowImportException if the pair cannot be imported; both structs are released first
     */
    public static BufferView importViewOnly(ArrowSchema schema, ArrowArray array) {
        JvmFlags.requireNativeAccess();
        BufferView own = LeafPairs.tryImport(schema, array);
        return own != null ? own : importView(null, schema, array, false).values();
    }

    /**
     * A column of a record batch (docs/contract.md §5): its values as {@link #importView} reads them, with
     * {@code shape[0]} the array's length whatever {@code bufferbridge.shape} says (a stream's
     * schema describes its first batch, a slice keeps its parent's metadata), and, when the field
     * is nullable or the array has nulls, its validity bitmap read into a {@code ?} view (a copy).
     *
     * @throws ArrowImportException if the pair cannot be imported; both structs are released first
     */
    public static ImportedColumn importColumn(ArrowSchema schema, ArrowArray array) {
        return importView(null, schema, array, true);
    }

    /**
     * As {@link #importColumn(ArrowSchema, ArrowArray)}, for a field already read (a batch's child,
     * read with the batch's schema, which the caller releases).
     */
    static ImportedColumn importColumn(ImportedSchema field, ArrowArray array) {
        return importView(field, null, array, true);
    }

    /**
     * A column as {@link #importColumn} reads it.
     *
     * @param values the values; zero-copy where {@link #importView} is
     * @param validity a 1-D {@code ?} view of the rows, or null when the column has none
     * @param copied whether {@code values} is a copy
     */
    public record ImportedColumn(BufferView values, BufferView validity, boolean copied) {
        /** Releases both views. */
        public void close() {
            ColumnPart.close(values, validity);
        }
    }

    /**
     * Imports a pair, or an array of a field already read ({@code read} not null, {@code schema}
     * null).
     */
    private static ImportedColumn importView(ImportedSchema read, ArrowSchema schema, ArrowArray array,
            boolean column) {
        return importView(read, schema, array, column, true);
    }

    /**
     * The full import of a pair, without {@link ForeignLeaves}' shortcut (nor {@link LeafPairs}'):
     * for tests that compare the two.
     *
     * @throws ArrowImportException as {@link #importView(ArrowSchema, ArrowArray)}
     */
    static ImportedView importViewFully(ArrowSchema schema, ArrowArray array) {
        JvmFlags.requireNativeAccess();
        ImportedColumn c = importView(null, schema, array, false, false);
        return new ImportedView(c.values(), c.copied());
    }

    /** As {@link #importView(ImportedSchema, ArrowSchema, ArrowArray, boolean)}; {@code leaves}: try {@link ForeignLeaves} first. */
    private static ImportedColumn importView(ImportedSchema read, ArrowSchema schema, ArrowArray array,
            boolean column, boolean leaves) {
        JvmFlags.requireNativeAccess();
        Moved moved = new Moved(schema, array);
        try {
            if (read == null && moved.schema == 0) {
                throw new ArrowImportException("ArrowSchema already released: path=root release=NULL");
            }
            String path = read == null ? "root" : read.path();
            if (moved.array == 0) {
                throw new ArrowImportException("ArrowArray already released: path=" + path + " release=NULL");
            }
            if (leaves && read == null && !column) {
                // A foreign 1-D primitive leaf: the same view without the record tree, or null
                // with nothing changed, and the pair is read in full below.
                BufferView leaf = ForeignLeaves.tryImport(moved);
                if (leaf != null) {
                    return new ImportedColumn(leaf, null, false);
                }
            }
            ImportedSchema s = read != null ? read : ImportedSchema.read(moved.schema, "root", 0);
            ImportedArray a = ImportedArray.read(moved.array, path, 0);
            ImportNode root = ImportNode.pair(s, a, column);
            Plan plan = ViewMetadata.isPresent(s.metadata()) ? bufferbridgePlan(root, column)
                    : foreignPlan(root);
            // Everything needed from the schema has been read.
            moved.releaseSchema();
            BufferView validity = null;
            if (column && (s.isNullable() || a.nullCount() != 0 && a.buffers()[0] != 0)) {
                long bitmap = a.buffers()[0];
                byte[] valid = bitmap == 0 ? ones(root.length()) : Bitmaps.unpack(bitmap, root.offset(), root.length());
                validity = BufferView.of(MemorySegment.ofArray(valid), 0, "?", 1, new long[] {valid.length},
                        new long[] {1}, true);
            }
            BufferView view = build(root, plan, moved);
            return new ImportedColumn(view, validity, plan.copy() || plan.exporterCopied());
        } catch (InvalidViewException | FormatException | ArithmeticException e) {
            // What the input alone can cause past the checks above: a geometry the view model
            // refuses, a format that does not parse, sizes that overflow. A refusal, with the
            // structs released.
            moved.releaseAll();
            throw new ArrowImportException("import refused: path=root " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            // Nothing was handed out: ForeignMemory.view takes the release only when it succeeds.
            // ArrowImportException is the refusal; anything else is a bug, and stays what it is.
            moved.releaseAll();
            throw e;
        }
    }

    /**
     * The moved structs: our own copies, whose producers' release callbacks run exactly once; the
     * memory of a copied view, if the import copies. The view is {@link ForeignMemory#view}'s,
     * so {@link #releaseAll} runs only once no segment the view handed out can be read.
     */
    static final class Moved implements Runnable {
        /** What {@link #unreached} gives for a foreign array: {@link #releaseUnreached} would do nothing. */
        private static final Runnable NOTHING = () -> { };

        // Only this class reads the moved structs, and a copy is reached from Java only through
        // segments scoped by the epoch's arena: C-heap memory, freed after that arena's close.
        // Made at the first copy: a zero-copy import needs none.
        private MallocArena copies;
        // Both moved structs, the schema's first (MallocArena.takePairBlock); 0 once given back.
        private long block;
        // Addresses of the moved structs, 0 once released: fields are read through Structs.
        long schema;
        long array;
        private MemoryHold kept;
        private boolean closed;

        Moved(ArrowSchema s, ArrowArray a) {
            LIVE.incrementAndGet();
            // "Moving" per the C data interface: copy the struct, mark the source released.
            // The caller's structs through their own segments (their arenas' checks apply).
            // Both copies in one pooled block (a foreign import keeps them until its epoch
            // closes); each is written in full before it is reachable (the field is set after
            // the copy), so the block needs no zeroing.
            try {
                boolean liveSchema = s != null && Structs.get(s.segment(), Structs.S_RELEASE) != 0;
                boolean liveArray = Structs.get(a.segment(), Structs.A_RELEASE) != 0;
                block = liveSchema || liveArray ? MallocArena.takePairBlock() : 0;
                if (liveSchema) {
                    long p = block;
                    Structs.copy(s.segment(), p, Structs.SCHEMA_BYTES);
                    schema = p;
                    Structs.set(s.segment(), Structs.S_RELEASE, 0);
                }
                if (liveArray) {
                    // 72 bytes in: 8-aligned, as the struct's pointers need.
                    long p = block + Structs.SCHEMA_BYTES;
                    Structs.copy(a.segment(), p, Structs.ARRAY_BYTES);
                    array = p;
                    Structs.set(a.segment(), Structs.A_RELEASE, 0);
                }
            } catch (RuntimeException | Error e) {
                // A caller's struct that cannot be read or marked (too small, closed, read-only):
                // nothing is handed out, so nothing of ours is kept; a schema already moved (its
                // source marked released) is released here, or no one would.
                try {
                    releaseSchema();
                } finally {
                    giveBackBlock();
                    LIVE.decrementAndGet();
                }
                throw e;
            }
        }

        private void giveBackBlock() {
            if (block != 0) {
                long b = block;
                block = 0;
                MallocArena.giveBackPairBlock(b);
            }
        }

        synchronized void releaseSchema() {
            if (schema != 0) {
                long s = schema;
                schema = 0;
                releaseIfLive(Structs.get(s, Structs.S_RELEASE), s);
            }
        }

        synchronized void releaseArray() {
            if (array != 0) {
                long a = array;
                array = 0;
                releaseIfLive(Structs.get(a, Structs.A_RELEASE), a);
            }
        }

        private static void releaseIfLive(long callback, long struct) {
            if (callback != 0) {
                Native.callRelease(callback, struct);
            }
        }

        /** {@return {@code bytes} of zeroed memory, 16-aligned, unscoped: for the import to write} */
        MemorySegment allocateCopy(long bytes) {
            if (copies == null) {
                copies = new MallocArena();
            }
            return copies.allocate(Math.max(1, bytes), 16).asSlice(0, bytes);
        }

        /**
         * The imported view and every view derived from it are released. An import of our own
         * export gives the export's structs back now and keeps only its hold on the exported
         * memory, which is all the view's segments reach ({@link ExportReleases#releaseKeepingHold}).
         */
        synchronized void releaseUnreached() {
            if (array != 0 && ExportReleases.isOwnArrayRelease(Structs.get(array, Structs.A_RELEASE))) {
                long a = array;
                array = 0;
                kept = ExportReleases.releaseKeepingHold(a);
                if (schema == 0) {
                    giveBackBlock();
                }
            }
        }

        /**
         * {@return {@link #releaseUnreached} as a {@code Runnable}}: a shared no-op when the moved
         * array's release is not our export's, which it then would be (the moved copy is ours,
         * and its release field is never written)
         */
        Runnable unreached() {
            return array != 0 && ExportReleases.isOwnArrayRelease(Structs.get(array, Structs.A_RELEASE))
                    ? this::releaseUnreached : NOTHING;
        }

        /** {@link #releaseAll}: the view's release, with no method reference per import. */
        @Override
        public void run() {
            releaseAll();
        }

        synchronized void releaseAll() {
            try {
                releaseSchema();
            } finally {
                try {
                    releaseArray();
                } finally {
                    if (!closed) {
                        closed = true;
                        if (kept != null) {
                            kept.close();
                        }
                        giveBackBlock();
                        if (copies != null) {
                            copies.close();
                        }
                        LIVE.decrementAndGet();
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------ bufferbridge metadata (docs/contract.md §3)

    private static byte[] ones(long n) {
        byte[] b = new byte[Math.toIntExact(n)];
        Arrays.fill(b, (byte) 1);
        return b;
    }

    private static Plan bufferbridgePlan(ImportNode root, boolean column) {
        // What the metadata alone says, checked by the public reader; the rest is checked here
        // against the Arrow type.
        ViewMetadata md = ViewMetadata.parse(root.schema().metadata());
        Format format = md.format();
        String text = format.text();
        long itemsize = md.itemsize();
        long[] shape = md.shape();
        long[] strides = md.strides();
        boolean readOnly = md.isReadOnly();
        boolean copied = md.isCopied();
        if (column) {
            // The rows are the array's: the metadata may describe another batch, or the unsliced parent.
            if (shape.length == 0) {
                // A 0-d view's element is a column of one row; its strides are C strides (set below).
                shape = new long[] {root.length()};
                strides = new long[] {0};
                copied = true;
            } else {
                shape[0] = root.length();
            }
        }
        long count;
        try {
            count = Layouts.product(shape, 0);
        } catch (ArithmeticException e) {
            throw new ArrowImportException("bufferbridge.shape overflows: path=root shape=" + Arrays.toString(shape));
        }
        TypeNode expected = ElementMapping.map(format, itemsize);
        ImportNode elements;
        long arrowCount;
        if (shape.length <= 1) {
            elements = root;
            arrowCount = root.length();
        } else {
            if (root.kind() != ImportNode.Kind.LIST
                    || !Extensions.FIXED_SHAPE_TENSOR.equals(root.schema().extensionName())) {
                throw new ArrowImportException("bufferbridge.shape has ndim>=2 but the type is no fixed_shape_tensor:"
                        + " path=root ndim=" + shape.length + " format='" + root.schema().format() + "' extension="
                        + root.schema().extensionName());
            }
            Extensions.Tensor t = Extensions.parseTensor(
                    root.schema().metadata().getOrDefault(Extensions.METADATA_KEY, ""), root.listSize(), "root");
            // The exporter wrote either rows (length shape[0], tensors of shape[1:]) or one tensor
            // of the whole shape; logical shapes are compared, so the permutation is checked too.
            long[] logical = t.logicalShape();
            long[] tail = Arrays.copyOfRange(shape, 1, shape.length);
            boolean rows = root.length() == shape[0] && Arrays.equals(logical, tail);
            boolean whole = root.length() == 1 && Arrays.equals(logical, shape);
            if (!rows && !whole) {
                throw new ArrowImportException("fixed_shape_tensor contradicts bufferbridge.shape: path=root shape="
                        + Arrays.toString(shape) + " length=" + root.length() + " tensor_logical_shape="
                        + Arrays.toString(logical));
            }
            elements = root.child();
            arrowCount = ImportNode.exactMultiply(root.length(), root.listSize(), "path=root");
        }
        if (arrowCount != count) {
            throw new ArrowImportException("bufferbridge.shape contradicts the array length: path=root shape="
                    + Arrays.toString(shape) + " product=" + count + " arrow_elements=" + arrowCount);
        }
        String found = elements.schema().signature();
        if (!found.equals(expected.signature())) {
            throw new ArrowImportException("bufferbridge.format contradicts the Arrow type: path=" + elements.path()
                    + " format='" + text + "' expected=" + expected.signature() + " found=" + found);
        }
        boolean copy = elements.needsCopy();
        if (copy && !copied) {
            throw new ArrowImportException("bufferbridge.copied=false contradicts a struct type, which is always a"
                    + " copy: path=root format='" + text + "'");
        }
        if (copied && count > 0 && !Arrays.equals(strides, Layouts.cStrides(itemsize, shape))) {
            // A copy is C-contiguous, and the metadata describes the buffer as exported.
            throw new ArrowImportException("bufferbridge.strides contradict bufferbridge.copied=true: path=root"
                    + " strides=" + Arrays.toString(strides) + " expected=" + Arrays.toString(
                            Layouts.cStrides(itemsize, shape)) + " (a copy's C-contiguous strides)");
        }
        long[] viewStrides = copied ? Layouts.cStrides(itemsize, shape) : strides;
        return new Plan(format, itemsize, shape, viewStrides, readOnly, copy, copied, elements);
    }

    // ------------------------------------------------------------ foreign producers (docs/contract.md §2, Arrow to PEP 3118)

    private static Plan foreignPlan(ImportNode root) {
        long[] shape;
        long[] physShape;
        int[] perm = null;
        ImportNode elements;
        if (Extensions.FIXED_SHAPE_TENSOR.equals(root.schema().extensionName())) {
            if (root.kind() != ImportNode.Kind.LIST) {
                throw new ArrowImportException("fixed_shape_tensor storage is not a fixed-size list: path=root format='"
                        + root.schema().format() + "'");
            }
            Extensions.Tensor t = Extensions.parseTensor(
                    root.schema().metadata().getOrDefault(Extensions.METADATA_KEY, ""), root.listSize(), "root");
            long[] logical = t.logicalShape();
            shape = new long[logical.length + 1];
            shape[0] = root.length();
            System.arraycopy(logical, 0, shape, 1, logical.length);
            // Rows of tensors: axis 0 is the array, outermost in memory, then the physical axes.
            physShape = new long[t.shape().length + 1];
            physShape[0] = root.length();
            System.arraycopy(t.shape(), 0, physShape, 1, t.shape().length);
            perm = t.permutation();
            elements = root.child();
        } else {
            // Two walks down the fixed-size lists (their depth is bounded by the schema's read):
            // counting, then filling, with no boxed list and stream per import.
            int ndim = 1;
            ImportNode n = root;
            while (n.kind() == ImportNode.Kind.LIST) {
                ndim++;
                n = n.child();
            }
            elements = n;
            shape = new long[ndim];
            shape[0] = root.length();
            n = root;
            for (int i = 1; i < ndim; i++) {
                shape[i] = n.listSize();
                n = n.child();
            }
            physShape = shape;
        }
        String text = elementFormat(elements);
        Format format;
        try {
            format = Format.of(text);
        } catch (FormatException e) {
            throw new ArrowImportException("struct field names cannot be written as a PEP 3118 format: path="
                    + elements.path() + " format='" + text + "'", e);
        }
        // A fixed-width leaf's width is the itemsize: an opaque type_name such as "ic" has two
        // valid itemsizes and the storage says which one the bytes use.
        long itemsize = elements.kind() == ImportNode.Kind.FIXED ? elements.width()
                : format.isStructCompatible() ? format.itemsize() : format.paddedItemsize();
        try {
            Math.multiplyExact(Layouts.product(shape, 0), itemsize);
        } catch (ArithmeticException e) {
            throw new ArrowImportException("array too large: path=root shape=" + Arrays.toString(shape));
        }
        long[] c = Layouts.cStrides(itemsize, physShape);
        long[] strides = c;
        if (perm != null) {
            strides = new long[shape.length];
            strides[0] = c[0];
            for (int i = 0; i < perm.length; i++) {
                strides[i + 1] = c[perm[i] + 1];
            }
        }
        return new Plan(format, itemsize, shape, strides, true, elements.needsCopy(), false, elements);
    }

    /** {@return the PEP 3118 format of one element of {@code n}} */
    private static String elementFormat(ImportNode n) {
        switch (n.kind()) {
            case FIXED, BITS:
                return n.canonical();
            case LIST: {
                StringBuilder dims = new StringBuilder("(");
                ImportNode c = n;
                while (c.kind() == ImportNode.Kind.LIST) {
                    dims.append(dims.length() == 1 ? "" : ",").append(c.listSize());
                    c = c.child();
                }
                return dims.append(')').append(elementFormat(c)).toString();
            }
            default: {
                StringBuilder b = new StringBuilder("T{");
                for (ImportNode c : n.children()) {
                    String name = c.schema().name();
                    if (name != null && name.indexOf(':') >= 0) {
                        throw new ArrowImportException("struct field name contains ':': path=" + c.path() + " name='"
                                + name + "'");
                    }
                    b.append(elementFormat(c));
                    if (name != null && !name.isEmpty()) {
                        b.append(':').append(name).append(':');
                    }
                }
                return b.append('}').toString();
            }
        }
    }

    // ------------------------------------------------------------ building the view

    private static BufferView build(ImportNode root, Plan plan, Moved moved) {
        long count = Layouts.product(plan.shape(), 0);
        long bytes = Math.multiplyExact(count, plan.itemsize());
        // The index, in the element node's own numbering, of the array's first element.
        long start = 0;
        for (ImportNode n = root; n != plan.elements(); n = n.child()) {
            start = ImportNode.exactMultiply(n.offset() + start, n.listSize(), "path=" + n.path());
        }
        if (!plan.copy() && bytes > 0) {
            long index = start;
            ImportNode n = plan.elements();
            while (n.kind() == ImportNode.Kind.LIST) {
                index = (n.offset() + index) * n.listSize();
                n = n.child();
            }
            long address = n.data() + (n.offset() + index) * n.width();
            // The producer's memory, rescoped: after the release no segment over it can be read.
            MemorySegment memory = MemorySegment.ofAddress(address).reinterpret(bytes);
            // The plan's arrays are its own (made per import) and read only from here on: the
            // view takes them over, and the parsed format, as LeafPairs' import does.
            return VIEWS.foreignView(memory, 0, plan.format(), plan.itemsize(), plan.shape(), plan.strides(),
                    plan.readOnly(), moved::releaseUnreached, moved::releaseAll);
        }
        MemorySegment dst = moved.allocateCopy(bytes);
        long itemsize = plan.itemsize();
        scatter(plan.elements(), plan.format().element(), dst, k -> k * itemsize, count, start);
        // A copy needs nothing more from the producer.
        moved.releaseArray();
        return VIEWS.foreignView(dst, 0, plan.format(), itemsize, plan.shape(), plan.strides(), plan.readOnly(),
                () -> { }, moved::releaseAll);
    }

    /**
     * Writes {@code count} elements of {@code n}, starting at index {@code start} of its own
     * numbering (before its offset), so that element {@code k} lands at {@code pos(k)} of
     * {@code dst}: the interleaving copy.
     */
    private static void scatter(ImportNode n, Element e, MemorySegment dst, LongUnaryOperator pos, long count,
            long start) {
        switch (n.kind()) {
            case FIXED -> {
                long w = n.width();
                long first = n.offset() + start;
                MemorySegment src = MemorySegment.ofAddress(n.data()).reinterpret((first + count) * w);
                for (long k = 0; k < count; k++) {
                    MemorySegment.copy(src, (first + k) * w, dst, pos.applyAsLong(k), w);
                }
            }
            case BITS -> {
                long first = n.offset() + start;
                MemorySegment src = MemorySegment.ofAddress(n.data()).reinterpret((first + count + 7) / 8);
                for (long k = 0; k < count; k++) {
                    long bit = first + k;
                    int b = (src.get(ValueLayout.JAVA_BYTE, bit >>> 3) >>> (bit & 7)) & 1;
                    dst.set(ValueLayout.JAVA_BYTE, pos.applyAsLong(k), (byte) b);
                }
            }
            case LIST -> {
                long size = n.listSize();
                ListItem item = ListItem.of(e);
                long innerSize = item.size();
                Element inner = item.element();
                scatter(n.child(), inner, dst, k -> pos.applyAsLong(k / size) + (k % size) * innerSize,
                        count * size, (n.offset() + start) * size);
            }
            case STRUCT -> {
                Record r = (Record) e;
                for (int i = 0; i < r.fields().size(); i++) {
                    Field f = r.fields().get(i);
                    long at = f.offset();
                    scatter(n.children().get(i), f.element(), dst, k -> pos.applyAsLong(k) + at, count,
                            n.offset() + start);
                }
            }
        }
    }
}
