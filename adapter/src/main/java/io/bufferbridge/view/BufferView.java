package io.bufferbridge.view;

import io.bufferbridge.format.Element;
import io.bufferbridge.format.Format;
import io.bufferbridge.format.FormatException;
import io.bufferbridge.format.Record;
import io.bufferbridge.format.Scalar;
import io.bufferbridge.format.ScalarKind;
import io.bufferbridge.format.SubArray;
import io.bufferbridge.internal.view.Bounds;
import io.bufferbridge.internal.view.Epochs;
import io.bufferbridge.internal.view.Lifetime;
import io.bufferbridge.internal.view.ScalarCodec;
import io.bufferbridge.internal.view.ValueEquality;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A buffer view: memory plus a PEP 3118 format, itemsize, shape, strides and a read-only flag,
 * the JVM's {@code Py_buffer} and {@code memoryview}.
 *
 * <h2>Invariants</h2>
 * A view is valid when it is built, or it is not built: the format parses, the itemsize is the
 * format's under {@code struct}'s rule or NumPy's ({@link Format#isItemsize}), shape and strides
 * have the same length (at most 64), no dimension is negative, and every element's bytes lie
 * inside {@link #memory()} (checked with overflow-safe arithmetic). Strides are in bytes, of any
 * sign, zero allowed, and need not be multiples of the itemsize; elements need not be aligned.
 * The view's geometry is immutable; the memory it describes may be written through writable views.
 *
 * <h2>Read-only views</h2>
 * A read-only view refuses every write with {@link BufferException}, and refuses
 * {@link BufferFlags#WRITABLE} requests. {@link #asReadOnly()} gives a read-only view of a
 * writable one; a read-only view never becomes writable.
 *
 * <h2>Lifetime</h2>
 * A view is released by {@link #close()}, which is idempotent; after release every method but
 * {@code close}, {@link #isAlive()}, {@code equals}, {@code hashCode} and {@code toString} throws
 * {@link IllegalStateException}. Views derived with {@code as…} methods share the memory of the
 * view they come from: the exporter's memory stays valid until the last of them is released,
 * whichever order they are released in. A view is itself an exporter: {@link #getBuffer(int)}
 * hands out a new view and counts it, and a view with live exports refuses to be released, as
 * CPython's {@code memoryview.release()} does. Native code given the memory's address (an Arrow
 * export) takes a {@link #hold()} instead, which keeps the memory but not the view.
 *
 * <p>Memory the view does not own ({@link #ofForeign}: an Arrow C data import, its copies, stream
 * imports, views of Arrow Java vectors) is guarded further: once the last view of it is released
 * and the release has taken effect, every {@link MemorySegment} and {@link ByteBuffer} obtained
 * from such a view ({@link #memory()}, {@link #asSegment()}, {@link #asByteBuffer()}, views built
 * on them) refuses access with {@link IllegalStateException}; a read racing the release on
 * another thread either completes on live memory or is refused; and only then does the producer's
 * release run, exactly once, on whichever thread completes the release. The release takes effect
 * at most about 1 ms after the last view is released, later only while a view of another import
 * made within the same 1 ms is alive, and at once on {@link #flushReleases()}; see
 * {@link #ofForeign} for what that costs and bounds. Memory the caller passes to
 * {@link #of(MemorySegment, long, String, long, long[], long[], boolean)} keeps the caller's own
 * segment's guarantees (an arena's close, for instance).
 *
 * <h2>Equality</h2>
 * {@link #contentEquals(BufferView)} is Python's {@code memoryview ==}: values are compared after
 * unpacking, formats may differ, and NaN is unequal to itself. {@link #equals(Object)} keeps
 * Java's contract instead, as {@link ByteBuffer#equals} does: two live views are equal when their
 * layouts and shapes are equal and their elements' bytes are equal, so a view holding NaN equals
 * itself. Because the bytes can be written, a view's hash code can change; do not keep views of
 * changing memory in hash-based collections.
 */
public final class BufferView implements BufferExporter, AutoCloseable {
    private final MemorySegment memory;
    private final long offset;
    private final Format format;
    private final long itemsize;
    private final long[] shape;
    private final long[] strides;
    private final boolean readOnly;
    private final int flags;
    private final Lifetime lifetime;
    private final AtomicInteger exports = new AtomicInteger();
    private final boolean cContiguous;
    private final boolean fContiguous;
    /** A 1-D view of native-order float64: {@link #getDouble} reads it without the general path. */
    private final boolean directDouble;
    private final long length0;
    private final long stride0;
    private volatile boolean released;
    /**
     * Plain (non-volatile) access to {@link #released} for {@link #getDouble}'s element loop
     * path, so the JIT may hoist the check out of a loop: the releasing thread itself always sees
     * its release. Memory a release may free is never reached through a stale flag: a view's
     * release only lets its memory go after the last view of it (this one included) is released,
     * and foreign memory ({@link #ofForeign}) only after its epoch's arena has closed, which the
     * segment's scope check sees on every thread.
     */
    private static final VarHandle RELEASED;

    static {
        try {
            RELEASED = MethodHandles.lookup().findVarHandle(BufferView.class, "released", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private BufferView(MemorySegment memory, long offset, Format format, long itemsize, long[] shape, long[] strides,
            boolean readOnly, int flags, Lifetime lifetime) {
        this.memory = memory;
        this.offset = offset;
        this.format = format;
        this.itemsize = itemsize;
        this.shape = shape;
        this.strides = strides;
        this.readOnly = readOnly;
        this.flags = flags;
        this.lifetime = lifetime;
        this.cContiguous = Bounds.isCContiguous(itemsize, shape, strides);
        this.fContiguous = Bounds.isFContiguous(itemsize, shape, strides);
        this.directDouble = shape.length == 1 && itemsize == 8 && format.element() instanceof Scalar s
                && s.kind() == ScalarKind.FLOAT64 && s.order() == ByteOrder.nativeOrder();
        this.length0 = shape.length == 1 ? shape[0] : 0;
        this.stride0 = shape.length == 1 ? strides[0] : 0;
    }

    // ---------------------------------------------------------------- factories

    /**
     * Builds a view of {@code memory}.
     *
     * @param memory the memory every element lies in
     * @param offset byte offset in {@code memory} of element (0,…,0)
     * @param format a PEP 3118 format string
     * @param itemsize bytes per element: the format's {@code struct} or NumPy itemsize
     * @param shape the dimensions (0 to 64 of them, each at least 0)
     * @param strides bytes between neighbours along each axis
     * @param readOnly whether writes are refused
     * @return a new root view
     * @throws InvalidViewException if the format does not parse, {@code itemsize} is not the
     *     format's, shape and strides differ in length or exceed 64, a dimension is negative, an
     *     element would lie outside {@code memory}, or a writable view of read-only memory is asked
     */
    public static BufferView of(MemorySegment memory, long offset, String format, long itemsize, long[] shape,
            long[] strides, boolean readOnly) {
        return of(memory, offset, format, itemsize, shape, strides, readOnly, null);
    }

    /**
     * Builds a view of {@code memory} that runs {@code onRelease} once, when it and every view
     * derived from it have been released.
     *
     * @param memory the memory every element lies in
     * @param offset byte offset in {@code memory} of element (0,…,0)
     * @param format a PEP 3118 format string
     * @param itemsize bytes per element: the format's {@code struct} or NumPy itemsize
     * @param shape the dimensions
     * @param strides bytes between neighbours along each axis
     * @param readOnly whether writes are refused
     * @param onRelease run once after the last release; may be null
     * @return a new root view
     * @throws InvalidViewException under the conditions of
     *     {@link #of(MemorySegment, long, String, long, long[], long[], boolean)}; then
     *     {@code onRelease} is not run
     */
    public static BufferView of(MemorySegment memory, long offset, String format, long itemsize, long[] shape,
            long[] strides, boolean readOnly, Runnable onRelease) {
        return checked(memory, offset, format, itemsize, shape, strides, readOnly, onRelease, false);
    }

    /**
     * Builds a view of memory the caller does not own — a C producer's buffer, a copy freed by
     * {@code release} — with the lifetime guarantee of docs/contract.md ("Lifetime"): the view's
     * {@link #memory()} is {@code memory} rescoped, so that once this view and every view derived
     * from it have been released and the release has taken effect, every segment, {@code
     * ByteBuffer} and view obtained from it refuses access with {@link IllegalStateException}, and
     * a read racing the release on another thread either completes on live memory or is refused.
     * Only then does {@code release} run, exactly once, on whichever thread completes the release.
     *
     * <p>The guarantee is a shared arena's close (a handshake with every Java thread, ~20 µs), which
     * such views share in epochs: a release may run up to about 1 ms after the last view is
     * released, and later while a view of another foreign import made within the same 1 ms is
     * still alive; an epoch keeps at most 64 MiB of distinct memory (or one larger import) alive
     * past its release. {@link #flushReleases()} runs the pending releases at once.
     *
     * @param memory the foreign memory every element lies in; never accessed through this
     *     segment by the view
     * @param offset byte offset in {@code memory} of element (0,…,0)
     * @param format a PEP 3118 format string
     * @param itemsize bytes per element: the format's {@code struct} or NumPy itemsize
     * @param shape the dimensions
     * @param strides bytes between neighbours along each axis
     * @param readOnly whether writes are refused
     * @param release frees or gives back {@code memory}; run once, after the guarantee holds
     * @return a new root view
     * @throws InvalidViewException under the conditions of
     *     {@link #of(MemorySegment, long, String, long, long[], long[], boolean)}; then
     *     {@code release} is not run
     */
    public static BufferView ofForeign(MemorySegment memory, long offset, String format, long itemsize, long[] shape,
            long[] strides, boolean readOnly, Runnable release) {
        Objects.requireNonNull(release, "release");
        return checked(memory, offset, format, itemsize, shape, strides, readOnly, release, true);
    }

    /**
     * Runs now every pending release of {@link #ofForeign} views (imports of Arrow C data, among
     * others) whose views have all been released; a release whose epoch still holds a live view
     * of another import waits for it. For code that must know the releases have run: before
     * closing an Arrow Java allocator whose vectors were imported, or in a test counting release
     * callbacks. The view model calls it itself before refusing to release a view, free a
     * {@link NativeBuffer} or resize a {@link GrowableBuffer} because of live exports.
     *
     * @return how many epochs were closed
     */
    public static int flushReleases() {
        return Epochs.SHARED.flush();
    }

    /**
     * Checks a view's geometry, then builds it over {@code memory}, or when {@code foreign} over
     * {@code memory} rescoped by a foreign-memory epoch, joined only once nothing can be refused
     * ({@code onRelease} then runs after the epoch's close).
     */
    private static BufferView checked(MemorySegment memory, long offset, String format, long itemsize, long[] shape,
            long[] strides, boolean readOnly, Runnable onRelease, boolean foreign) {
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(strides, "strides");
        Format parsed = parseFormat(format);
        if (!parsed.isItemsize(itemsize)) {
            throw new InvalidViewException("itemsize does not match the format: format=" + quote(format)
                    + " itemsize=" + itemsize + " expected=" + expectedItemsize(parsed));
        }
        long[] sh = shape.clone();
        long[] st = strides.clone();
        Bounds.check(memory.byteSize(), offset, itemsize, sh, st);
        if (!readOnly && memory.isReadOnly()) {
            throw new InvalidViewException("writable view of read-only memory: readonly=false memory.readOnly=true");
        }
        int flags = BufferFlags.FULL_RO | (readOnly ? 0 : BufferFlags.WRITABLE);
        if (!foreign) {
            return new BufferView(memory, offset, parsed, itemsize, sh, st, readOnly, flags, new Lifetime(onRelease));
        }
        Epochs.Ticket ticket = Epochs.SHARED.join(memory.address(), memory.byteSize());
        return new BufferView(ticket.scope(memory), offset, parsed, itemsize, sh, st, readOnly, flags,
                Lifetime.foreign(ticket, onRelease));
    }

    /**
     * Builds a C-contiguous view of a whole segment. The itemsize is {@code struct}'s for a format
     * {@code struct} accepts, else NumPy's; the view is read-only when the segment is.
     *
     * @param memory the memory, exactly {@code product(shape) * itemsize} bytes
     * @param format a PEP 3118 format string
     * @param shape the dimensions; none for a 0-d view
     * @return a new root view
     * @throws InvalidViewException if the format does not parse, or the segment's size is not
     *     {@code product(shape) * itemsize}
     */
    public static BufferView ofSegment(MemorySegment memory, String format, long... shape) {
        Format parsed = parseFormat(format);
        long itemsize = parsed.isStructCompatible() ? parsed.itemsize() : parsed.paddedItemsize();
        long count = Bounds.elementCount(shape);
        if (count < 0 || Math.multiplyHigh(count, itemsize) != 0 || count * itemsize != memory.byteSize()) {
            throw new InvalidViewException("segment size does not match the shape: bytes=" + memory.byteSize()
                    + " shape=" + Arrays.toString(shape) + " itemsize=" + itemsize);
        }
        return of(memory, 0, format, itemsize, shape, Bounds.cStrides(itemsize, shape), memory.isReadOnly());
    }

    /** {@return a writable 1-D view of the array, format {@code b}, no copy} @param array the array */
    public static BufferView ofArray(byte[] array) {
        return ofArray(array, Order.C, array.length);
    }

    /**
     * {@return a writable view of the array with a shape, no copy}
     *
     * @param array the elements, in {@code order}
     * @param order {@link Order#C} or {@link Order#F}
     * @param shape the dimensions; their product must be the array's length
     * @throws InvalidViewException if the product of {@code shape} is not the array's length or
     *     {@code order} is {@link Order#A}
     */
    public static BufferView ofArray(byte[] array, Order order, long... shape) {
        return ofHeap(MemorySegment.ofArray(array), "b", 1, array.length, order, shape);
    }

    /** {@return a writable 1-D view of the array, format {@code h}, no copy} @param array the array */
    public static BufferView ofArray(short[] array) {
        return ofArray(array, Order.C, array.length);
    }

    /**
     * {@return a writable view of the array with a shape, format {@code h}, no copy}
     *
     * @param array the elements, in {@code order}
     * @param order {@link Order#C} or {@link Order#F}
     * @param shape the dimensions; their product must be the array's length
     * @throws InvalidViewException if the product of {@code shape} is not the array's length or
     *     {@code order} is {@link Order#A}
     */
    public static BufferView ofArray(short[] array, Order order, long... shape) {
        return ofHeap(MemorySegment.ofArray(array), "h", 2, array.length, order, shape);
    }

    /** {@return a writable 1-D view of the array, format {@code H} (UTF-16 units), no copy} @param array the array */
    public static BufferView ofArray(char[] array) {
        return ofArray(array, Order.C, array.length);
    }

    /**
     * {@return a writable view of the array with a shape, format {@code H}, no copy}
     *
     * @param array the elements, in {@code order}
     * @param order {@link Order#C} or {@link Order#F}
     * @param shape the dimensions; their product must be the array's length
     * @throws InvalidViewException if the product of {@code shape} is not the array's length or
     *     {@code order} is {@link Order#A}
     */
    public static BufferView ofArray(char[] array, Order order, long... shape) {
        return ofHeap(MemorySegment.ofArray(array), "H", 2, array.length, order, shape);
    }

    /** {@return a writable 1-D view of the array, format {@code i}, no copy} @param array the array */
    public static BufferView ofArray(int[] array) {
        return ofArray(array, Order.C, array.length);
    }

    /**
     * {@return a writable view of the array with a shape, format {@code i}, no copy}
     *
     * @param array the elements, in {@code order}
     * @param order {@link Order#C} or {@link Order#F}
     * @param shape the dimensions; their product must be the array's length
     * @throws InvalidViewException if the product of {@code shape} is not the array's length or
     *     {@code order} is {@link Order#A}
     */
    public static BufferView ofArray(int[] array, Order order, long... shape) {
        return ofHeap(MemorySegment.ofArray(array), "i", 4, array.length, order, shape);
    }

    /** {@return a writable 1-D view of the array, format {@code q}, no copy} @param array the array */
    public static BufferView ofArray(long[] array) {
        return ofArray(array, Order.C, array.length);
    }

    /**
     * {@return a writable view of the array with a shape, format {@code q}, no copy}
     *
     * @param array the elements, in {@code order}
     * @param order {@link Order#C} or {@link Order#F}
     * @param shape the dimensions; their product must be the array's length
     * @throws InvalidViewException if the product of {@code shape} is not the array's length or
     *     {@code order} is {@link Order#A}
     */
    public static BufferView ofArray(long[] array, Order order, long... shape) {
        return ofHeap(MemorySegment.ofArray(array), "q", 8, array.length, order, shape);
    }

    /** {@return a writable 1-D view of the array, format {@code f}, no copy} @param array the array */
    public static BufferView ofArray(float[] array) {
        return ofArray(array, Order.C, array.length);
    }

    /**
     * {@return a writable view of the array with a shape, format {@code f}, no copy}
     *
     * @param array the elements, in {@code order}
     * @param order {@link Order#C} or {@link Order#F}
     * @param shape the dimensions; their product must be the array's length
     * @throws InvalidViewException if the product of {@code shape} is not the array's length or
     *     {@code order} is {@link Order#A}
     */
    public static BufferView ofArray(float[] array, Order order, long... shape) {
        return ofHeap(MemorySegment.ofArray(array), "f", 4, array.length, order, shape);
    }

    /** {@return a writable 1-D view of the array, format {@code d}, no copy} @param array the array */
    public static BufferView ofArray(double[] array) {
        return ofArray(array, Order.C, array.length);
    }

    /**
     * {@return a writable view of the array with a shape, format {@code d}, no copy}
     *
     * @param array the elements, in {@code order}
     * @param order {@link Order#C} or {@link Order#F}
     * @param shape the dimensions; their product must be the array's length
     * @throws InvalidViewException if the product of {@code shape} is not the array's length or
     *     {@code order} is {@link Order#A}
     */
    public static BufferView ofArray(double[] array, Order order, long... shape) {
        return ofHeap(MemorySegment.ofArray(array), "d", 8, array.length, order, shape);
    }

    /**
     * {@return a writable 1-D view, format {@code ?}, of a COPY of the array}: the JVM does not
     * expose the layout of a {@code boolean[]}, so writes to the view do not reach the array.
     *
     * @param array the values
     */
    public static BufferView ofArray(boolean[] array) {
        byte[] bytes = new byte[array.length];
        for (int k = 0; k < array.length; k++) {
            bytes[k] = (byte) (array[k] ? 1 : 0);
        }
        return ofHeap(MemorySegment.ofArray(bytes), "?", 1, bytes.length, Order.C, new long[] {bytes.length});
    }

    private static BufferView ofHeap(MemorySegment segment, String code, long itemsize, long length, Order order,
            long[] shape) {
        if (order == Order.A) {
            throw new InvalidViewException("array order must be C or F, found A");
        }
        long count = Bounds.elementCount(shape);
        if (count != length) {
            throw new InvalidViewException("shape does not cover the array: shape=" + Arrays.toString(shape)
                    + " product=" + count + " length=" + length);
        }
        long[] st = order == Order.C ? Bounds.cStrides(itemsize, shape) : Bounds.fStrides(itemsize, shape);
        return of(segment, 0, code, itemsize, shape, st, false);
    }

    /**
     * {@return a 1-D view of a NIO buffer's elements between its position and limit, no copy}:
     * {@code B} for a {@link ByteBuffer}, {@code h H i q f d} for the typed buffers, with a
     * {@code >} or {@code <} prefix when the buffer's order is not the native one (a big-endian
     * {@link IntBuffer} gives {@code >i}). A read-only buffer gives a read-only view. Heap and
     * direct buffers both work.
     *
     * @param buffer the buffer; its position and limit are read once, now
     * @throws InvalidViewException if the buffer is not backed by an array or native memory (a
     *     {@link CharBuffer} wrapping a {@code CharSequence})
     */
    public static BufferView ofBuffer(Buffer buffer) {
        MemorySegment segment;
        try {
            segment = MemorySegment.ofBuffer(buffer);
        } catch (IllegalArgumentException e) {
            throw new InvalidViewException("buffer has no addressable memory: " + buffer, e);
        }
        String code;
        long itemsize;
        ByteOrder order;
        switch (buffer) {
            case ByteBuffer b -> { code = "B"; itemsize = 1; order = ByteOrder.nativeOrder(); }
            case ShortBuffer b -> { code = "h"; itemsize = 2; order = b.order(); }
            case CharBuffer b -> { code = "H"; itemsize = 2; order = b.order(); }
            case IntBuffer b -> { code = "i"; itemsize = 4; order = b.order(); }
            case LongBuffer b -> { code = "q"; itemsize = 8; order = b.order(); }
            case FloatBuffer b -> { code = "f"; itemsize = 4; order = b.order(); }
            case DoubleBuffer b -> { code = "d"; itemsize = 8; order = b.order(); }
            default -> throw new InvalidViewException("unknown buffer type: " + buffer.getClass().getName());
        }
        if (order != ByteOrder.nativeOrder()) {
            code = (order == ByteOrder.BIG_ENDIAN ? ">" : "<") + code;
        }
        long n = segment.byteSize() / itemsize;
        return of(segment, 0, code, itemsize, new long[] {n}, new long[] {itemsize}, buffer.isReadOnly());
    }

    /** An exporter's root view: the request already granted, {@code onRelease} told the exporter. */
    static BufferView exported(MemorySegment memory, long offset, Format format, long itemsize, long[] shape,
            long[] strides, boolean readOnly, int flags, Runnable onRelease) {
        checkRequest(flags, readOnly, Bounds.isCContiguous(itemsize, shape, strides),
                Bounds.isFContiguous(itemsize, shape, strides), format, shape, strides);
        Bounds.check(memory.byteSize(), offset, itemsize, shape, strides);
        return new BufferView(memory, offset, format, itemsize, shape.clone(), strides.clone(), readOnly, flags,
                new Lifetime(onRelease));
    }

    private static Format parseFormat(String format) {
        Objects.requireNonNull(format, "format");
        try {
            return Format.of(format);
        } catch (FormatException e) {
            throw new InvalidViewException("invalid format: " + e.getMessage(), e);
        }
    }

    private static String expectedItemsize(Format f) {
        return f.itemsize() == f.paddedItemsize() ? String.valueOf(f.itemsize())
                : f.itemsize() + " (struct) or " + f.paddedItemsize() + " (NumPy)";
    }

    private static String quote(String s) {
        return "'" + s + "'";
    }

    // ---------------------------------------------------------------- properties

    /** {@return the memory the view's elements lie in (its whole span, not only the elements)} */
    public MemorySegment memory() {
        ensureAlive();
        return readOnly ? memory.asReadOnly() : memory;
    }

    /** {@return byte offset in {@link #memory()} of element (0,…,0)} */
    public long offset() {
        ensureAlive();
        return offset;
    }

    /** {@return the parsed format} */
    public Format format() {
        ensureAlive();
        return format;
    }

    /** {@return bytes per element} */
    public long itemsize() {
        ensureAlive();
        return itemsize;
    }

    /** {@return the number of dimensions, 0 to 64} */
    public int ndim() {
        ensureAlive();
        return shape.length;
    }

    /** {@return a copy of the dimensions} */
    public long[] shape() {
        ensureAlive();
        return shape.clone();
    }

    /** {@return a copy of the strides, in bytes} */
    public long[] strides() {
        ensureAlive();
        return strides.clone();
    }

    /** {@return whether writes through this view are refused} */
    public boolean isReadOnly() {
        ensureAlive();
        return readOnly;
    }

    /** {@return the request flags this view was granted with} */
    public int flags() {
        ensureAlive();
        return flags;
    }

    /**
     * {@return the number of elements, the product of the shape}, or {@link Long#MAX_VALUE} when the
     * product overflows a {@code long} (a valid view can: zero strides repeat one element)
     */
    public long elementCount() {
        ensureAlive();
        long n = Bounds.elementCount(shape);
        return n < 0 ? Long.MAX_VALUE : n;
    }

    /**
     * {@return {@code elementCount() * itemsize()}: the bytes of the view in a contiguous copy}, or
     * {@link Long#MAX_VALUE} when that overflows a {@code long}
     */
    public long byteLength() {
        ensureAlive();
        long n = Bounds.elementCount(shape);
        if (itemsize == 0) {
            return 0;
        }
        if (n < 0) {
            return Long.MAX_VALUE;
        }
        try {
            return Math.multiplyExact(n, itemsize);
        } catch (ArithmeticException overflow) {
            return Long.MAX_VALUE;
        }
    }

    /** {@return whether the memory is native (off-heap), so that the view has an address} */
    public boolean isNative() {
        ensureAlive();
        return memory.isNative();
    }

    /**
     * {@return the address of element (0,…,0)}
     *
     * @throws UnsupportedOperationException if the memory is on the Java heap
     */
    public long address() {
        ensureAlive();
        if (!memory.isNative()) {
            throw new UnsupportedOperationException("heap memory has no stable address: " + this);
        }
        return memory.address() + offset;
    }

    /** {@code PyBuffer_IsContiguous(view, 'C')}. @return whether the layout is C-contiguous */
    public boolean isCContiguous() {
        ensureAlive();
        return cContiguous;
    }

    /** {@code PyBuffer_IsContiguous(view, 'F')}. @return whether the layout is Fortran-contiguous */
    public boolean isFContiguous() {
        ensureAlive();
        return fContiguous;
    }

    /**
     * {@code PyBuffer_IsContiguous(view, order)}.
     *
     * @param order C, F, or A for either
     * @return whether the layout is contiguous in that order
     */
    public boolean isContiguous(Order order) {
        ensureAlive();
        return switch (order) {
            case C -> cContiguous;
            case F -> fContiguous;
            case A -> cContiguous || fContiguous;
        };
    }

    /** {@return whether the view has not been released} */
    public boolean isAlive() {
        return !released;
    }

    /**
     * {@return the number of views handed out by {@link #getBuffer(int)} that are still alive; an
     * export counts until it and every view derived from it have been released}
     */
    public int exports() {
        return exports.get();
    }

    private void ensureAlive() {
        if (released) {
            throw new IllegalStateException("operation on a released view: format=" + format.text()
                    + " shape=" + Arrays.toString(shape));
        }
    }

    private void ensureWritable(String what) {
        ensureAlive();
        if (readOnly) {
            throw new BufferException("view is read-only: " + what + " refused (format=" + format.text() + ")");
        }
    }

    // ---------------------------------------------------------------- elements

    private long position(long[] index) {
        if (index.length != shape.length) {
            throw new IndexOutOfBoundsException("index has " + index.length + " coordinates, view has ndim=" + shape.length);
        }
        long pos = offset;
        for (int k = 0; k < index.length; k++) {
            long i = index[k] < 0 ? index[k] + shape[k] : index[k];
            if (i < 0 || i >= shape[k]) {
                throw new IndexOutOfBoundsException("index out of bounds: axis=" + k + " index=" + index[k]
                        + " length=" + shape[k]);
            }
            pos += i * strides[k];
        }
        return pos;
    }

    private Scalar scalar(String what) {
        if (format.element() instanceof Scalar s) {
            return s;
        }
        throw new InvalidViewException(what + " needs a single-value format, found format=" + quote(format.text()));
    }

    /**
     * Reads one element, as Python's {@code memoryview} or NumPy would unpack it: {@code Long}
     * (or {@code BigInteger} above {@code Long.MAX_VALUE}) for integers, {@code Double} for
     * {@code e f d g}, {@code Boolean} for {@code ?}, {@code byte[]} for {@code c s p},
     * {@code String} for {@code w}, {@link Complex} for {@code Z…}; a {@code List} of values for a
     * sub-array (nested, C order) or a record (one entry per field).
     *
     * @param index one coordinate per dimension; negative ones count from the end
     * @return the element's value
     * @throws IndexOutOfBoundsException if the number of coordinates is not {@link #ndim()} or a
     *     coordinate is outside its dimension
     * @throws IllegalStateException if the view has been released
     */
    public Object get(long... index) {
        ensureAlive();
        return read(format.element(), position(index));
    }

    /**
     * Reads an integer or boolean element as a {@code long} (an unsigned 64-bit value wraps).
     *
     * @param index one coordinate per dimension
     * @return the value
     * @throws InvalidViewException if the format is not a single integer or {@code ?}
     * @throws IndexOutOfBoundsException if the index is outside the view
     * @throws IllegalStateException if the view has been released
     */
    public long getLong(long... index) {
        ensureAlive();
        Scalar s = scalar("getLong");
        if (!s.kind().isInteger() && s.kind() != ScalarKind.BOOL) {
            throw new InvalidViewException("getLong needs an integer format, found format=" + quote(format.text()));
        }
        return ScalarCodec.readBits(memory, position(index), s);
    }

    /**
     * Reads a real or integer element as a {@code double}.
     *
     * @param index one coordinate per dimension
     * @return the value
     * @throws InvalidViewException if the format is not a single real or integer value
     * @throws IndexOutOfBoundsException if the index is outside the view
     * @throws IllegalStateException if the view has been released
     */
    public double getDouble(long... index) {
        // The element loop's path, small enough to inline: a non-negative index inside a 1-D
        // native-order float64 view. Everything else (negative or bad indexes included) goes the
        // general way, with its checks and messages.
        if (directDouble && index.length == 1) {
            long i = index[0];
            if (i >= 0 && i < length0 && !(boolean) RELEASED.get(this)) {
                return memory.get(ValueLayout.JAVA_DOUBLE_UNALIGNED, offset + i * stride0);
            }
        }
        return getDoubleGeneral(index);
    }

    private double getDoubleGeneral(long[] index) {
        ensureAlive();
        Scalar s = scalar("getDouble");
        long pos = position(index);
        if (s.kind().isFloat()) {
            return ScalarCodec.readReal(memory, pos, s);
        }
        if (s.kind().isInteger()) {
            long bits = ScalarCodec.readBits(memory, pos, s);
            return s.kind().isUnsigned() && bits < 0 ? unsignedToDouble(bits) : bits;
        }
        throw new InvalidViewException("getDouble needs a real or integer format, found format=" + quote(format.text()));
    }

    private static double unsignedToDouble(long bits) {
        return (double) (bits >>> 1) * 2.0 + (bits & 1);
    }

    /**
     * Writes one element, as {@code struct.pack_into} would.
     *
     * @param value the value, of the type {@link #get} returns for this format
     * @param index one coordinate per dimension
     * @throws BufferException if the view is read-only
     * @throws IllegalArgumentException if the value does not fit the format
     * @throws IndexOutOfBoundsException if the index is outside the view
     * @throws IllegalStateException if the view has been released
     */
    public void set(Object value, long... index) {
        ensureWritable("set");
        write(format.element(), position(index), value);
    }

    /**
     * Writes an integer element from the low bytes of {@code value}.
     *
     * @param value the value
     * @param index one coordinate per dimension
     * @throws BufferException if the view is read-only
     * @throws InvalidViewException if the format is not a single integer or {@code ?}
     * @throws IndexOutOfBoundsException if the index is outside the view
     * @throws IllegalStateException if the view has been released
     */
    public void setLong(long value, long... index) {
        ensureWritable("setLong");
        Scalar s = scalar("setLong");
        if (!s.kind().isInteger() && s.kind() != ScalarKind.BOOL) {
            throw new InvalidViewException("setLong needs an integer format, found format=" + quote(format.text()));
        }
        ScalarCodec.writeBits(memory, position(index), s, value);
    }

    /**
     * Writes a real element ({@code e f d}).
     *
     * @param value the value
     * @param index one coordinate per dimension
     * @throws BufferException if the view is read-only
     * @throws InvalidViewException if the format is not {@code e}, {@code f} or {@code d}
     * @throws IndexOutOfBoundsException if the index is outside the view
     * @throws IllegalStateException if the view has been released
     */
    public void setDouble(double value, long... index) {
        ensureWritable("setDouble");
        Scalar s = scalar("setDouble");
        if (!s.kind().isFloat() || s.kind() == ScalarKind.LONG_DOUBLE) {
            throw new InvalidViewException("setDouble needs format e, f or d, found format=" + quote(format.text()));
        }
        ScalarCodec.writeReal(memory, position(index), s, value);
    }

    private Object read(Element e, long pos) {
        return switch (e) {
            case Scalar s -> ScalarCodec.read(memory, pos, s);
            case Record r -> {
                List<Object> values = new ArrayList<>(r.fields().size());
                for (var f : r.fields()) {
                    values.add(read(f.element(), pos + f.offset()));
                }
                yield values;
            }
            case SubArray a -> readSubArray(a, 0, pos);
        };
    }

    private Object readSubArray(SubArray a, int dim, long pos) {
        long n = a.shape().get(dim);
        long step = a.element().size();
        for (int k = dim + 1; k < a.shape().size(); k++) {
            step *= a.shape().get(k);
        }
        List<Object> values = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            long at = pos + i * step;
            values.add(dim + 1 == a.shape().size() ? read(a.element(), at) : readSubArray(a, dim + 1, at));
        }
        return values;
    }

    private void write(Element e, long pos, Object value) {
        switch (e) {
            case Scalar s -> ScalarCodec.write(memory, pos, s, value);
            case Record r -> {
                List<?> values = listOf(value, r.fields().size(), "record");
                for (int k = 0; k < values.size(); k++) {
                    write(r.fields().get(k).element(), pos + r.fields().get(k).offset(), values.get(k));
                }
            }
            case SubArray a -> writeSubArray(a, 0, pos, value);
        }
    }

    private void writeSubArray(SubArray a, int dim, long pos, Object value) {
        long n = a.shape().get(dim);
        long step = a.element().size();
        for (int k = dim + 1; k < a.shape().size(); k++) {
            step *= a.shape().get(k);
        }
        List<?> values = listOf(value, n, "sub-array");
        for (int i = 0; i < n; i++) {
            long at = pos + i * step;
            if (dim + 1 == a.shape().size()) {
                write(a.element(), at, values.get(i));
            } else {
                writeSubArray(a, dim + 1, at, values.get(i));
            }
        }
    }

    private static List<?> listOf(Object value, long size, String what) {
        if (!(value instanceof List<?> list) || list.size() != size) {
            throw new IllegalArgumentException(what + " takes a List of " + size + " values, found "
                    + (value instanceof List<?> l ? "a List of " + l.size() : value == null ? "null" : value.getClass().getSimpleName()));
        }
        return list;
    }

    /**
     * {@return the view's values as nested lists, as {@code memoryview.tolist()} gives them}: the
     * single value for a 0-d view, else one list level per dimension; elements as {@link #get}
     * returns them (records as lists of fields).
     *
     * @throws IllegalStateException if the view has been released
     */
    public Object toList() {
        ensureAlive();
        if (shape.length == 0) {
            return read(format.element(), offset);
        }
        return toList(0, offset);
    }

    private List<Object> toList(int dim, long pos) {
        List<Object> out = new ArrayList<>((int) Math.min(shape[dim], 1 << 16));
        for (long i = 0; i < shape[dim]; i++) {
            long at = pos + i * strides[dim];
            out.add(dim + 1 == shape.length ? read(format.element(), at) : toList(dim + 1, at));
        }
        return out;
    }

    // ---------------------------------------------------------------- bytes

    /** {@return the elements' bytes in C order, {@code memoryview.tobytes()}} */
    public byte[] toBytes() {
        return toBytes(Order.C);
    }

    /**
     * {@return the elements' bytes in the given order, {@code memoryview.tobytes(order)}}: for
     * {@link Order#A}, Fortran order when the view is Fortran- but not C-contiguous, else C order.
     *
     * @param order C, F or A
     * @throws IllegalStateException if the view has been released
     * @throws OutOfMemoryError if the bytes do not fit a Java array
     */
    public byte[] toBytes(Order order) {
        ensureAlive();
        long length = byteLength();
        if (length > Integer.MAX_VALUE - 8) {
            throw new OutOfMemoryError("view too large for a byte[]: bytes=" + length);
        }
        byte[] out = new byte[(int) length];
        copyTo(MemorySegment.ofArray(out), 0, order);
        return out;
    }

    /**
     * Copies the elements' bytes, in the given order, into {@code target} at {@code targetOffset}.
     *
     * @param target where the bytes go; needs {@link #byteLength()} bytes from {@code targetOffset}
     * @param targetOffset byte offset in {@code target}
     * @param order C, F, or A as in {@link #toBytes(Order)}
     * @throws IndexOutOfBoundsException if {@code target} is too small
     * @throws IllegalStateException if the view has been released
     */
    public void copyTo(MemorySegment target, long targetOffset, Order order) {
        ensureAlive();
        long length = byteLength();
        Objects.checkFromIndexSize(targetOffset, length, target.byteSize());
        if (length == 0) {
            return;
        }
        boolean fortran = order == Order.F || (order == Order.A && fContiguous && !cContiguous);
        if ((fortran ? fContiguous : cContiguous)) {
            MemorySegment.copy(memory, offset, target, targetOffset, length);
            return;
        }
        int n = shape.length;
        int[] axes = new int[n];
        for (int k = 0; k < n; k++) {
            axes[k] = fortran ? n - 1 - k : k;
        }
        // Each axis's stride in the target: the target is dense in the requested order.
        long[] targetStrides = new long[n];
        long step = itemsize;
        for (int k = n - 1; k >= 0; k--) {
            targetStrides[axes[k]] = step;
            step *= shape[axes[k]];
        }
        // When the innermost target axis jumps through memory and another axis is closer to
        // dense in the source (a transpose, a permutation), copy those two axes in tiles, so that
        // both the reads and the writes of a tile stay in cache; the other axes loop outside.
        int inner = axes[n - 1];
        int near = -1;
        if (n >= 2 && Math.abs(strides[inner]) != itemsize && shape[inner] > 1) {
            for (int k = 0; k < n; k++) {
                if (k != inner && shape[k] > 1 && (near < 0 || Math.abs(strides[k]) < Math.abs(strides[near]))) {
                    near = k;
                }
            }
            if (near >= 0 && Math.abs(strides[near]) >= Math.abs(strides[inner])) {
                near = -1;
            }
        }
        if (near >= 0) {
            int[] outer = new int[n - 2];
            int m = 0;
            for (int k = 0; k < n - 1; k++) {
                if (axes[k] != near) {
                    outer[m++] = axes[k];
                }
            }
            // The blocked copy's buffers, once per copy: the outer axes call it many times.
            Blocks blocks = strides[near] == itemsize && (itemsize == 4 || itemsize == 8) && shape[inner] >= BLOCK
                    && shape[near] >= BLOCK ? new Blocks(itemsize == 4) : null;
            copyTiles(outer, 0, offset, target, targetOffset, targetStrides, inner, near, blocks);
            return;
        }
        copyAxes(axes, 0, offset, target, targetOffset, targetStrides);
    }

    private void copyAxes(int[] axes, int level, long pos, MemorySegment target, long at, long[] targetStrides) {
        int axis = axes[level];
        long n = shape[axis];
        long stride = strides[axis];
        if (level == axes.length - 1) {
            copyRun(pos, stride, target, at, itemsize, n);
            return;
        }
        for (long i = 0; i < n; i++) {
            copyAxes(axes, level + 1, pos + i * stride, target, at + i * targetStrides[axis], targetStrides);
        }
    }

    /**
     * A tile is {@value #TILE_RUN} elements along the source's nearly dense axis (a run: one
     * read burst, {@value #TILE_RUN} target lines written) by {@value #TILE_ROWS} along the target's
     * innermost axis (which fills those target lines). Shorter runs did better than square tiles
     * on a 4096×4096 int32 transpose (benchmarks/RESULTS.md).
     */
    private static final long TILE_RUN = 8;
    private static final long TILE_ROWS = 64;

    private void copyTiles(int[] outer, int level, long pos, MemorySegment target, long at, long[] targetStrides,
            int inner, int near, Blocks blocks) {
        if (level < outer.length) {
            int axis = outer[level];
            for (long i = 0; i < shape[axis]; i++) {
                copyTiles(outer, level + 1, pos + i * strides[axis], target, at + i * targetStrides[axis], targetStrides,
                        inner, near, blocks);
            }
            return;
        }
        long ni = shape[inner];
        long nn = shape[near];
        long si = strides[inner];
        long sn = strides[near];
        long ti = targetStrides[inner];
        long tn = targetStrides[near];
        if (blocks != null) {
            copyBlocks(pos, si, ni, nn, target, at, tn, blocks);
            return;
        }
        for (long n0 = 0; n0 < nn; n0 += TILE_RUN) {
            long runs = Math.min(TILE_RUN, nn - n0);
            for (long i0 = 0; i0 < ni; i0 += TILE_ROWS) {
                long rows = Math.min(TILE_ROWS, ni - i0);
                long from = pos + i0 * si + n0 * sn;
                long to = at + i0 * ti + n0 * tn;
                if (runs == TILE_RUN && itemsize == 4) {
                    tile4(memory, from, si, sn, target, to, ti, tn, rows);
                } else if (runs == TILE_RUN && itemsize == 8) {
                    tile8(memory, from, si, sn, target, to, ti, tn, rows);
                } else {
                    for (long i = 0; i < rows; i++) {
                        copyRun(from + i * si, sn, target, to + i * ti, tn, runs);
                    }
                }
            }
        }
    }

    /**
     * Blocks of {@value #BLOCK}×{@value #BLOCK} elements for the 2-D copy whose near axis is dense in
     * the source (a transpose, a permutation that moves the last axis). Rows of a block are read
     * and written with bulk copies through two Java arrays, and transposed between them: with
     * power-of-two strides (a 4096×4096 transpose, 16 KiB per row) direct element loads and
     * stores of a block fall into the same few cache sets and evict each other, which the arrays
     * avoid. On a 4096×4096 int32 transpose this took 230 ms to 71 ms on the 2-core Xeon VM of
     * benchmarks/RESULTS.md, as fast as gcc -O2's blocked loop there.
     */
    private static final int BLOCK = 64;

    /** The two Java arrays a block passes through, and their element layout. */
    private record Blocks(ValueLayout layout, Object in, Object out) {
        Blocks(boolean ints) {
            this(ints ? ValueLayout.JAVA_INT_UNALIGNED : ValueLayout.JAVA_LONG_UNALIGNED,
                    ints ? new int[BLOCK * BLOCK] : new long[BLOCK * BLOCK],
                    ints ? new int[BLOCK * BLOCK] : new long[BLOCK * BLOCK]);
        }
    }

    private void copyBlocks(long pos, long si, long ni, long nn, MemorySegment target, long at, long tn,
            Blocks blocks) {
        ValueLayout e = blocks.layout();
        Object in = blocks.in();
        Object out = blocks.out();
        for (long i0 = 0; i0 < ni; i0 += BLOCK) {
            int bi = (int) Math.min(BLOCK, ni - i0);
            for (long n0 = 0; n0 < nn; n0 += BLOCK) {
                int bn = (int) Math.min(BLOCK, nn - n0);
                for (int i = 0; i < bi; i++) {
                    MemorySegment.copy(memory, e, pos + (i0 + i) * si + n0 * itemsize, in, i * BLOCK, bn);
                }
                transposeBlock(in, out, bi, bn);
                for (int n = 0; n < bn; n++) {
                    MemorySegment.copy(out, n * BLOCK, target, e, at + (n0 + n) * tn + i0 * itemsize, bi);
                }
            }
        }
    }

    /** {@code out[n][i] = in[i][n]} for the {@code bi}×{@code bn} corner of two {@value #BLOCK}-wide blocks. */
    private static void transposeBlock(Object in, Object out, int bi, int bn) {
        if (in instanceof int[] a) {
            int[] b = (int[]) out;
            for (int i = 0; i < bi; i++) {
                for (int n = 0; n < bn; n++) {
                    b[n * BLOCK + i] = a[i * BLOCK + n];
                }
            }
        } else {
            long[] a = (long[]) in;
            long[] b = (long[]) out;
            for (int i = 0; i < bi; i++) {
                for (int n = 0; n < bn; n++) {
                    b[n * BLOCK + i] = a[i * BLOCK + n];
                }
            }
        }
    }

    /** A full tile of 4-byte elements: each row a run of 8 along the source's nearly dense axis. */
    private static void tile4(MemorySegment m, long from, long si, long sn, MemorySegment t, long to, long ti, long tn,
            long rows) {
        ValueLayout.OfInt e = ValueLayout.JAVA_INT_UNALIGNED;
        for (long i = 0; i < rows; i++) {
            long p = from + i * si;
            long a = to + i * ti;
            int v0 = m.get(e, p);
            int v1 = m.get(e, p + sn);
            int v2 = m.get(e, p + 2 * sn);
            int v3 = m.get(e, p + 3 * sn);
            int v4 = m.get(e, p + 4 * sn);
            int v5 = m.get(e, p + 5 * sn);
            int v6 = m.get(e, p + 6 * sn);
            int v7 = m.get(e, p + 7 * sn);
            t.set(e, a, v0);
            t.set(e, a + tn, v1);
            t.set(e, a + 2 * tn, v2);
            t.set(e, a + 3 * tn, v3);
            t.set(e, a + 4 * tn, v4);
            t.set(e, a + 5 * tn, v5);
            t.set(e, a + 6 * tn, v6);
            t.set(e, a + 7 * tn, v7);
        }
    }

    /** A full tile of 8-byte elements, as {@link #tile4}. */
    private static void tile8(MemorySegment m, long from, long si, long sn, MemorySegment t, long to, long ti, long tn,
            long rows) {
        ValueLayout.OfLong e = ValueLayout.JAVA_LONG_UNALIGNED;
        for (long i = 0; i < rows; i++) {
            long p = from + i * si;
            long a = to + i * ti;
            long v0 = m.get(e, p);
            long v1 = m.get(e, p + sn);
            long v2 = m.get(e, p + 2 * sn);
            long v3 = m.get(e, p + 3 * sn);
            long v4 = m.get(e, p + 4 * sn);
            long v5 = m.get(e, p + 5 * sn);
            long v6 = m.get(e, p + 6 * sn);
            long v7 = m.get(e, p + 7 * sn);
            t.set(e, a, v0);
            t.set(e, a + tn, v1);
            t.set(e, a + 2 * tn, v2);
            t.set(e, a + 3 * tn, v3);
            t.set(e, a + 4 * tn, v4);
            t.set(e, a + 5 * tn, v5);
            t.set(e, a + 6 * tn, v6);
            t.set(e, a + 7 * tn, v7);
        }
    }

    /** Copies {@code n} elements from {@code pos} (step {@code stride}) to {@code at} (step {@code targetStride}). */
    private void copyRun(long pos, long stride, MemorySegment target, long at, long targetStride, long n) {
        if (stride == itemsize && targetStride == itemsize) {
            MemorySegment.copy(memory, pos, target, at, n * itemsize);
            return;
        }
        MemorySegment m = memory;
        switch ((int) itemsize) {
            case 8 -> {
                ValueLayout.OfLong e = ValueLayout.JAVA_LONG_UNALIGNED;
                long i = 0;
                // Four at a time: loads first, then stores (about 10% on a stepped copy).
                for (; i + 4 <= n; i += 4) {
                    long p = pos + i * stride;
                    long a = at + i * targetStride;
                    long v0 = m.get(e, p);
                    long v1 = m.get(e, p + stride);
                    long v2 = m.get(e, p + 2 * stride);
                    long v3 = m.get(e, p + 3 * stride);
                    target.set(e, a, v0);
                    target.set(e, a + targetStride, v1);
                    target.set(e, a + 2 * targetStride, v2);
                    target.set(e, a + 3 * targetStride, v3);
                }
                for (; i < n; i++) {
                    target.set(e, at + i * targetStride, m.get(e, pos + i * stride));
                }
            }
            case 4 -> {
                ValueLayout.OfInt e = ValueLayout.JAVA_INT_UNALIGNED;
                long i = 0;
                for (; i + 4 <= n; i += 4) {
                    long p = pos + i * stride;
                    long a = at + i * targetStride;
                    int v0 = m.get(e, p);
                    int v1 = m.get(e, p + stride);
                    int v2 = m.get(e, p + 2 * stride);
                    int v3 = m.get(e, p + 3 * stride);
                    target.set(e, a, v0);
                    target.set(e, a + targetStride, v1);
                    target.set(e, a + 2 * targetStride, v2);
                    target.set(e, a + 3 * targetStride, v3);
                }
                for (; i < n; i++) {
                    target.set(e, at + i * targetStride, m.get(e, pos + i * stride));
                }
            }
            case 2 -> {
                for (long i = 0; i < n; i++) {
                    target.set(ValueLayout.JAVA_SHORT_UNALIGNED, at + i * targetStride,
                            m.get(ValueLayout.JAVA_SHORT_UNALIGNED, pos + i * stride));
                }
            }
            case 1 -> {
                for (long i = 0; i < n; i++) {
                    target.set(ValueLayout.JAVA_BYTE, at + i * targetStride, m.get(ValueLayout.JAVA_BYTE, pos + i * stride));
                }
            }
            default -> {
                for (long i = 0; i < n; i++) {
                    MemorySegment.copy(m, pos + i * stride, target, at + i * targetStride, itemsize);
                }
            }
        }
    }

    // ---------------------------------------------------------------- comparison

    /**
     * Python's {@code memoryview ==}: true when both views have the same shape and every pair of
     * elements unpacks to equal values ({@code 1 == 1.0}, {@code True == 1}), whatever the
     * formats; NaN is unequal to everything, itself included. Where CPython cannot unpack a format
     * (NumPy-only syntax such as records) it answers false; bufferbridge compares the unpacked
     * values instead.
     *
     * @param other another view
     * @return whether the contents are equal
     * @throws IllegalStateException if either view has been released
     */
    public boolean contentEquals(BufferView other) {
        ensureAlive();
        other.ensureAlive();
        if (shape.length != other.shape.length) {
            return false;
        }
        for (int k = 0; k < shape.length; k++) {
            if (shape[k] != other.shape[k]) {
                return false;
            }
        }
        if (Bounds.elementCount(shape) == 0) {
            return true;
        }
        long[] index = new long[shape.length];
        while (true) {
            if (!ValueEquality.pythonEquals(read(format.element(), position(index)),
                    other.read(other.format.element(), other.position(index)))) {
                return false;
            }
            int k = shape.length - 1;
            while (k >= 0 && ++index[k] == shape[k]) {
                index[k] = 0;
                k--;
            }
            if (k < 0) {
                return true;
            }
        }
    }

    /**
     * Java equality, reflexive even for NaN: both views live, equal layouts ({@link Format#equals}),
     * equal shapes, and equal element bytes in C order.
     */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof BufferView v) || released || v.released) {
            return false;
        }
        return format.equals(v.format) && itemsize == v.itemsize && Arrays.equals(shape, v.shape)
                && Arrays.equals(toBytes(), v.toBytes());
    }

    @Override
    public int hashCode() {
        if (released) {
            return System.identityHashCode(this);
        }
        return 31 * (31 * format.hashCode() + Arrays.hashCode(shape)) + Arrays.hashCode(toBytes());
    }

    @Override
    public String toString() {
        return "BufferView[format=" + quote(format.text()) + " itemsize=" + itemsize + " shape=" + Arrays.toString(shape)
                + " strides=" + Arrays.toString(strides) + " offset=" + offset + " readonly=" + readOnly
                + (released ? " released" : "") + "]";
    }

    // ---------------------------------------------------------------- derived views

    private BufferView derive(long newOffset, Format newFormat, long newItemsize, long[] newShape, long[] newStrides,
            boolean newReadOnly) {
        lifetime.retain();
        return new BufferView(memory, newOffset, newFormat, newItemsize, newShape, newStrides, newReadOnly,
                flags & (newReadOnly ? ~BufferFlags.WRITABLE : ~0), lifetime);
    }

    /**
     * {@return a read-only view of the same elements, sharing this view's memory and lifetime}
     *
     * @throws IllegalStateException if the view has been released
     */
    public BufferView asReadOnly() {
        ensureAlive();
        return derive(offset, format, itemsize, shape.clone(), strides.clone(), true);
    }

    /**
     * Slices axis 0 as Python's {@code m[start:stop:step]} does.
     *
     * @param start first index (negative counts from the end; clamped as Python clamps)
     * @param stop index to stop before (likewise); {@code Long.MAX_VALUE}/{@code Long.MIN_VALUE}
     *     stand for an omitted bound
     * @param step distance between taken indices, negative to go backwards, never 0
     * @return a view sharing this view's memory and lifetime
     * @throws InvalidViewException if the view is 0-d or {@code step} is 0
     * @throws IllegalStateException if the view has been released
     */
    public BufferView asSlice(long start, long stop, long step) {
        return asSlice(0, start, stop, step);
    }

    /**
     * Slices any axis as Python slices axis 0 ({@code memoryview} itself only slices axis 0).
     *
     * @param axis the axis to slice
     * @param start first index (negative counts from the end; clamped as Python clamps)
     * @param stop index to stop before (likewise)
     * @param step distance between taken indices, negative to go backwards, never 0
     * @return a view sharing this view's memory and lifetime
     * @throws InvalidViewException if {@code axis} is not an axis of the view or {@code step} is 0
     * @throws IllegalStateException if the view has been released
     */
    public BufferView asSlice(int axis, long start, long stop, long step) {
        ensureAlive();
        checkAxis(axis, "slice");
        if (step == 0) {
            throw new InvalidViewException("slice step cannot be zero: axis=" + axis);
        }
        long len = shape[axis];
        start = adjust(start, len, step);
        stop = adjust(stop, len, step);
        long count;
        if (step < 0) {
            count = stop < start ? (start - stop - 1) / (-step) + 1 : 0;
        } else {
            count = start < stop ? (stop - start - 1) / step + 1 : 0;
        }
        long[] newShape = shape.clone();
        long[] newStrides = strides.clone();
        newShape[axis] = count;
        long newOffset = offset;
        if (count > 0) {
            newOffset = offset + start * strides[axis];
            newStrides[axis] = count == 1 ? strideTimes(strides[axis], step) : strides[axis] * step;
        } else {
            newStrides[axis] = strideTimes(strides[axis], step);
        }
        return derive(newOffset, format, itemsize, newShape, newStrides, readOnly);
    }

    private static long strideTimes(long stride, long step) {
        long hi = Math.multiplyHigh(stride, step);
        long lo = stride * step;
        return (hi == 0 && lo >= 0) || (hi == -1 && lo < 0) ? lo : stride;
    }

    /** {@code PySlice_AdjustIndices} for one bound. */
    private static long adjust(long bound, long len, long step) {
        if (bound < 0) {
            bound += len;
            if (bound < 0) {
                bound = step < 0 ? -1 : 0;
            }
        } else if (bound >= len) {
            bound = step < 0 ? len - 1 : len;
        }
        return bound;
    }

    private void checkAxis(int axis, String what) {
        if (axis < 0 || axis >= shape.length) {
            throw new InvalidViewException(what + " axis out of range: axis=" + axis + " ndim=" + shape.length);
        }
    }

    /**
     * Takes one index along an axis and drops that axis: {@code m[i]} generalized to any axis.
     *
     * @param axis the axis
     * @param index the index along it (negative counts from the end)
     * @return a view of one dimension fewer, sharing this view's memory and lifetime
     * @throws InvalidViewException if {@code axis} is not an axis of the view
     * @throws IndexOutOfBoundsException if {@code index} is outside the axis
     * @throws IllegalStateException if the view has been released
     */
    public BufferView asIndex(int axis, long index) {
        ensureAlive();
        checkAxis(axis, "index");
        long i = index < 0 ? index + shape[axis] : index;
        if (i < 0 || i >= shape[axis]) {
            throw new IndexOutOfBoundsException("index out of bounds: axis=" + axis + " index=" + index
                    + " length=" + shape[axis]);
        }
        long[] newShape = new long[shape.length - 1];
        long[] newStrides = new long[shape.length - 1];
        for (int k = 0, j = 0; k < shape.length; k++) {
            if (k != axis) {
                newShape[j] = shape[k];
                newStrides[j++] = strides[k];
            }
        }
        return derive(offset + i * strides[axis], format, itemsize, newShape, newStrides, readOnly);
    }

    /**
     * {@return the view with its axes reversed (NumPy's {@code .T}), sharing memory and lifetime}
     *
     * @throws IllegalStateException if the view has been released
     */
    public BufferView asTransposed() {
        ensureAlive();
        int[] axes = new int[shape.length];
        for (int k = 0; k < axes.length; k++) {
            axes[k] = axes.length - 1 - k;
        }
        return asPermuted(axes);
    }

    /**
     * Reorders the axes: axis {@code k} of the result is axis {@code axes[k]} of this view
     * (NumPy's {@code transpose(axes)}).
     *
     * @param axes a permutation of {@code 0 … ndim-1}
     * @return a view sharing this view's memory and lifetime
     * @throws InvalidViewException if {@code axes} is not a permutation of the view's axes
     * @throws IllegalStateException if the view has been released
     */
    public BufferView asPermuted(int... axes) {
        ensureAlive();
        if (axes.length != shape.length) {
            throw new InvalidViewException("permutation has the wrong length: axes=" + Arrays.toString(axes)
                    + " ndim=" + shape.length);
        }
        boolean[] seen = new boolean[axes.length];
        long[] newShape = new long[axes.length];
        long[] newStrides = new long[axes.length];
        for (int k = 0; k < axes.length; k++) {
            int a = axes[k];
            if (a < 0 || a >= axes.length || seen[a]) {
                throw new InvalidViewException("not a permutation of the axes: axes=" + Arrays.toString(axes)
                        + " ndim=" + shape.length);
            }
            seen[a] = true;
            newShape[k] = shape[a];
            newStrides[k] = strides[a];
        }
        return derive(offset, format, itemsize, newShape, newStrides, readOnly);
    }

    /**
     * {@code memoryview.cast(format)}: a 1-D view of the same bytes with another format, under
     * CPython's rules.
     *
     * @param format the new format: a native single-character format, optionally prefixed {@code @}
     *     (the result's {@link Format#text()} is this string as given)
     * @return a view sharing this view's memory and lifetime
     * @throws InvalidViewException as CPython refuses: a view that is not C-contiguous; a view of
     *     ndim other than 1 with a zero in its shape; a destination format that is not a native
     *     single character; a cast between two non-byte formats; a length that is not a multiple of
     *     the new itemsize
     * @throws IllegalStateException if the view has been released
     */
    public BufferView asCast(String format) {
        return cast(format, null);
    }

    /**
     * {@code memoryview.cast(format, shape)}: a view of the same bytes with another format and a
     * shape, under CPython's rules (1-D to N-D or N-D to 1-D).
     *
     * @param format the new format: a native single-character format, optionally prefixed {@code @}
     *     (the result's {@link Format#text()} is this string as given)
     * @param shape the new shape; its product times the new itemsize must be the byte length
     * @return a view sharing this view's memory and lifetime
     * @throws InvalidViewException as CPython refuses: the conditions of {@link #asCast(String)}, a
     *     zero in this view's shape, more than 64 dimensions, neither side 1-D, a dimension that is
     *     not positive, or {@code product(shape) * itemsize} not the byte length
     * @throws IllegalStateException if the view has been released
     */
    public BufferView asCast(String format, long... shape) {
        return cast(format, Objects.requireNonNull(shape, "shape"));
    }

    private BufferView cast(String destination, long[] newShape) {
        ensureAlive();
        Objects.requireNonNull(destination, "format");
        if (!cContiguous) {
            throw new InvalidViewException("cast: casts are restricted to C-contiguous views: strides="
                    + Arrays.toString(strides));
        }
        if ((newShape != null || shape.length != 1) && hasZero(shape)) {
            throw new InvalidViewException("cast: cannot cast view with zeros in shape or strides: shape="
                    + Arrays.toString(shape));
        }
        if (newShape != null) {
            if (newShape.length > Bounds.MAX_NDIM) {
                throw new InvalidViewException("cast: number of dimensions must not exceed 64: ndim=" + newShape.length);
            }
            if (shape.length != 1 && newShape.length != 1) {
                throw new InvalidViewException("cast: cast must be 1D -> ND or ND -> 1D: from ndim=" + shape.length
                        + " to ndim=" + newShape.length);
            }
        }
        String dest = destination.startsWith("@") ? destination.substring(1) : destination;
        long destSize = nativeCharSize(dest);
        if (destSize < 0) {
            throw new InvalidViewException("cast: destination format must be a native single character format"
                    + " prefixed with an optional '@': format=" + quote(destination));
        }
        String src = format.text().startsWith("@") ? format.text().substring(1) : format.text();
        boolean srcByte = nativeCharSize(src) > 0 && isByteCode(src);
        if (!srcByte && !isByteCode(dest)) {
            throw new InvalidViewException("cast: cannot cast between two non-byte formats: from="
                    + quote(format.text()) + " to=" + quote(destination));
        }
        long length = byteLength();
        if (length % destSize != 0) {
            throw new InvalidViewException("cast: length is not a multiple of itemsize: length=" + length
                    + " itemsize=" + destSize);
        }
        // the result keeps the format as given, "@h" included, as CPython's cast does
        Format parsed = Format.of(destination);
        long[] resultShape;
        if (newShape == null) {
            resultShape = new long[] {length / destSize};
        } else {
            long total = destSize;
            for (long d : newShape) {
                if (d <= 0) {
                    throw new InvalidViewException("cast: elements of shape must be integers > 0: shape="
                            + Arrays.toString(newShape));
                }
                if (d > Long.MAX_VALUE / total) {
                    throw new InvalidViewException("cast: product(shape) > SSIZE_MAX: shape=" + Arrays.toString(newShape));
                }
                total *= d;
            }
            if (total != length) {
                throw new InvalidViewException("cast: product(shape) * itemsize != buffer size: shape="
                        + Arrays.toString(newShape) + " itemsize=" + destSize + " bytes=" + length);
            }
            resultShape = newShape.clone();
        }
        return derive(offset, parsed, destSize, resultShape, Bounds.cStrides(destSize, resultShape), readOnly);
    }

    private static boolean hasZero(long[] shape) {
        for (long d : shape) {
            if (d == 0) {
                return true;
            }
        }
        return false;
    }

    private static boolean isByteCode(String code) {
        return code.equals("b") || code.equals("B") || code.equals("c");
    }

    /**
     * CPython 3.11's {@code get_native_fmtchar}: the size of a native single-character format, or
     * -1. ({@code e} joined the list in 3.12; the replayed oracle is 3.11.)
     */
    private static long nativeCharSize(String code) {
        if (code.length() != 1) {
            return -1;
        }
        return switch (code.charAt(0)) {
            case 'c', 'b', 'B', '?' -> 1;
            case 'h', 'H' -> 2;
            case 'i', 'I', 'f' -> 4;
            case 'l', 'L', 'q', 'Q', 'n', 'N', 'd', 'P' -> 8;
            default -> -1;
        };
    }

    // ---------------------------------------------------------------- exporter

    /**
     * Hands out a new view of the same elements, counted as an export of this view, under
     * CPython's {@code memory_getbuf} rules (see {@link BufferFlags}).
     *
     * @param flags the request
     * @return a new view; this view cannot be released until that one is
     * @throws BufferException if the request asks for writing and the view is read-only, asks for a
     *     contiguity the layout does not have, omits {@link BufferFlags#STRIDES} for a layout that
     *     is not C-contiguous, or asks for {@link BufferFlags#FORMAT} without {@link BufferFlags#ND}
     * @throws IllegalStateException if the view has been released
     */
    @Override
    public synchronized BufferView getBuffer(int flags) {
        ensureAlive();
        checkRequest(flags, readOnly, cContiguous, fContiguous, format, shape, strides);
        // The export is a new root: it and the views derived from it hold this view's memory, and
        // this view counts it as one export until the last of them is released.
        lifetime.retain();
        exports.incrementAndGet();
        return new BufferView(memory, offset, format, itemsize, shape.clone(), strides.clone(), readOnly, flags,
                Lifetime.exportOf(lifetime, () -> {
                    exports.decrementAndGet();
                    lifetime.release();
                }));
    }

    static void checkRequest(int flags, boolean readOnly, boolean c, boolean f, Format format, long[] shape,
            long[] strides) {
        String refusal = null;
        if (BufferFlags.isWritable(flags) && readOnly) {
            refusal = "underlying buffer is not writable";
        } else if ((flags & BufferFlags.C_CONTIGUOUS) == BufferFlags.C_CONTIGUOUS && !c) {
            refusal = "underlying buffer is not C-contiguous";
        } else if ((flags & BufferFlags.F_CONTIGUOUS) == BufferFlags.F_CONTIGUOUS && !f) {
            refusal = "underlying buffer is not Fortran contiguous";
        } else if ((flags & BufferFlags.ANY_CONTIGUOUS) == BufferFlags.ANY_CONTIGUOUS && !(c || f)) {
            refusal = "underlying buffer is not contiguous";
        } else if (!BufferFlags.fillsStrides(flags) && !c) {
            refusal = "underlying buffer is not C-contiguous";
        } else if (!BufferFlags.fillsShape(flags) && BufferFlags.fillsFormat(flags)) {
            refusal = "cannot cast to unsigned bytes if the format flag is present";
        }
        if (refusal != null) {
            // The layout goes into the message only when there is one: a granted request builds no string.
            throw new BufferException(refusal + " (request=" + BufferFlags.name(flags) + " format=" + quote(format.text())
                    + " shape=" + Arrays.toString(shape) + " strides=" + Arrays.toString(strides) + " readonly="
                    + readOnly + ")");
        }
    }

    /**
     * {@return a hold on this view's memory}: the memory stays valid until the hold is closed, even
     * after this view and every view derived from it have been released. For code that hands the
     * memory's address to native code (an export); a hold is not a view and does not count as an
     * export, so it never stops this view from being released.
     *
     * @throws IllegalStateException if the view has been released
     */
    public synchronized MemoryHold hold() {
        ensureAlive();
        return new MemoryHold(lifetime);
    }

    /**
     * Releases the view: CPython's {@code PyBuffer_Release} / {@code memoryview.release()}.
     * Idempotent. When this is the last view of the exporter's memory, the exporter is told.
     *
     * @throws BufferException if views handed out by {@link #getBuffer(int)} are still alive
     */
    @Override
    public void close() {
        if (exports.get() > 0) {
            // An export may be waiting only for a deferred release (ours, imported by us again).
            Epochs.SHARED.flush();
        }
        release();
    }

    private synchronized void release() {
        if (released) {
            return;
        }
        int live = exports.get();
        if (live > 0) {
            throw new BufferException("view has " + live + " exported buffer" + (live == 1 ? "" : "s")
                    + ": release them first (exports=" + live + ")");
        }
        released = true;
        lifetime.release();
    }

    // ---------------------------------------------------------------- back to Java

    /**
     * {@return the memory of a C-contiguous view, as a segment of exactly {@link #byteLength()}
     * bytes, read-only when the view is}; it shares this view's memory
     *
     * @throws BufferException if the view is not C-contiguous
     * @throws IllegalStateException if the view has been released
     */
    public MemorySegment asSegment() {
        ensureAlive();
        if (!cContiguous) {
            throw new BufferException("asSegment needs a C-contiguous view: shape=" + Arrays.toString(shape)
                    + " strides=" + Arrays.toString(strides));
        }
        MemorySegment slice = memory.asSlice(offset, byteLength());
        return readOnly ? slice.asReadOnly() : slice;
    }

    /**
     * {@return the memory of a C-contiguous view as a {@link ByteBuffer} in native byte order,
     * read-only when the view is}; it shares this view's memory
     *
     * @throws BufferException if the view is not C-contiguous, or its memory is a Java array other
     *     than {@code byte[]} (a {@code ByteBuffer} can share only those)
     * @throws IllegalStateException if the view has been released
     */
    public ByteBuffer asByteBuffer() {
        MemorySegment segment = asSegment();
        try {
            return segment.asByteBuffer().order(ByteOrder.nativeOrder());
        } catch (UnsupportedOperationException e) {
            throw new BufferException("asByteBuffer cannot share heap memory of a "
                    + segment.heapBase().map(o -> o.getClass().getSimpleName()).orElse("?")
                    + " (only byte[] and native memory): use asSegment() or toBytes()");
        }
    }

    /** {@return a copy of the elements in C order, for a 1-byte integer format} */
    public byte[] toByteArray() {
        ensureAlive();
        requireInteger(1, "toByteArray");
        return toBytes();
    }

    /** {@return a copy of the elements in C order, for a 2-byte integer format} */
    public short[] toShortArray() {
        Scalar s = requireInteger(2, "toShortArray");
        short[] out = new short[count("toShortArray")];
        forEachC((i, pos) -> out[i] = (short) ScalarCodec.readBits(memory, pos, s));
        return out;
    }

    /** {@return a copy of the elements in C order, for a 2-byte integer format, as UTF-16 units} */
    public char[] toCharArray() {
        Scalar s = requireInteger(2, "toCharArray");
        char[] out = new char[count("toCharArray")];
        forEachC((i, pos) -> out[i] = (char) ScalarCodec.readBits(memory, pos, s));
        return out;
    }

    /** {@return a copy of the elements in C order, for a 4-byte integer format} */
    public int[] toIntArray() {
        Scalar s = requireInteger(4, "toIntArray");
        int[] out = new int[count("toIntArray")];
        forEachC((i, pos) -> out[i] = (int) ScalarCodec.readBits(memory, pos, s));
        return out;
    }

    /** {@return a copy of the elements in C order, for an 8-byte integer format} */
    public long[] toLongArray() {
        Scalar s = requireInteger(8, "toLongArray");
        long[] out = new long[count("toLongArray")];
        forEachC((i, pos) -> out[i] = ScalarCodec.readBits(memory, pos, s));
        return out;
    }

    /** {@return a copy of the elements in C order, for format {@code f} (any byte order)} */
    public float[] toFloatArray() {
        Scalar s = requireKind(ScalarKind.FLOAT32, "toFloatArray");
        float[] out = new float[count("toFloatArray")];
        forEachC((i, pos) -> out[i] = (float) ScalarCodec.readReal(memory, pos, s));
        return out;
    }

    /** {@return a copy of the elements in C order, for format {@code d} (any byte order)} */
    public double[] toDoubleArray() {
        Scalar s = requireKind(ScalarKind.FLOAT64, "toDoubleArray");
        double[] out = new double[count("toDoubleArray")];
        forEachC((i, pos) -> out[i] = ScalarCodec.readReal(memory, pos, s));
        return out;
    }

    /** {@return a copy of the elements in C order, for format {@code ?}} */
    public boolean[] toBooleanArray() {
        Scalar s = requireKind(ScalarKind.BOOL, "toBooleanArray");
        boolean[] out = new boolean[count("toBooleanArray")];
        forEachC((i, pos) -> out[i] = ScalarCodec.readBits(memory, pos, s) != 0);
        return out;
    }

    private Scalar requireInteger(int size, String what) {
        ensureAlive();
        if (format.element() instanceof Scalar s && s.kind().isInteger() && s.size() == size) {
            return s;
        }
        throw new InvalidViewException(what + " needs a " + size + "-byte integer format, found format="
                + quote(format.text()));
    }

    private Scalar requireKind(ScalarKind kind, String what) {
        ensureAlive();
        if (format.element() instanceof Scalar s && s.kind() == kind) {
            return s;
        }
        throw new InvalidViewException(what + " needs format " + quote(kind.code()) + " (any byte order), found format="
                + quote(format.text()));
    }

    private int count(String what) {
        long n = Bounds.elementCount(shape);
        if (n < 0 || n > Integer.MAX_VALUE - 8) {
            throw new OutOfMemoryError(what + ": view too large for a Java array: elements=" + (n < 0 ? "over 2^63" : n));
        }
        return (int) n;
    }

    @FunctionalInterface
    private interface PositionConsumer {
        void accept(int index, long position);
    }

    private void forEachC(PositionConsumer consumer) {
        if (Bounds.elementCount(shape) == 0) {
            return;
        }
        long[] index = new long[shape.length];
        long pos = offset;
        int i = 0;
        while (true) {
            consumer.accept(i++, pos);
            int k = shape.length - 1;
            while (k >= 0) {
                if (++index[k] < shape[k]) {
                    pos += strides[k];
                    break;
                }
                pos -= (shape[k] - 1) * strides[k];
                index[k] = 0;
                k--;
            }
            if (k < 0) {
                return;
            }
        }
    }
}
