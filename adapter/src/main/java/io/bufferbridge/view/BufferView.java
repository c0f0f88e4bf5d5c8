package io.bufferbridge.view;

import io.bufferbridge.format.Format;
import io.bufferbridge.format.Scalar;
import io.bufferbridge.format.ScalarKind;
import io.bufferbridge.internal.view.Bounds;
import io.bufferbridge.internal.view.ByteEquality;
import io.bufferbridge.internal.view.Cast;
import io.bufferbridge.internal.view.Derived;
import io.bufferbridge.internal.view.ElementCodec;
import io.bufferbridge.internal.view.JavaArrays;
import io.bufferbridge.internal.view.Lifetime;
import io.bufferbridge.internal.view.Messages;
import io.bufferbridge.internal.view.Requests;
import io.bufferbridge.internal.view.StridedCopy;
import io.bufferbridge.internal.view.TypedAccess;
import io.bufferbridge.internal.view.Validity;
import io.bufferbridge.internal.view.ValueEquality;
import io.bufferbridge.internal.view.ViewInternals;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.IntBuffer;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A buffer view: memory plus a PEP 3118 format, itemsize, shape, strides and a read-only flag,
 * the JVM's {@code Py_buffer} and {@code memoryview}.
 *
 * <h2>Invariants</h2>
 * A view is valid when it is built, or it is not built ({@code docs/contract.md} §1): the
 * format parses, the itemsize is the format's under {@code struct}'s rule or NumPy's
 * ({@link Format#isItemsize}), shape and strides have the same length (at most 64), no dimension
 * is negative, and every element's bytes lie inside {@link #memory()} (checked with
 * overflow-safe arithmetic). Strides are in bytes, of any
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
 * <p>Memory the view does not own (an Arrow C data import, its copies, views of Arrow Java
 * vectors) is guarded further: after the last view of it is released, every segment and buffer
 * obtained from such a view refuses access, and only then does the producer's release run;
 * {@link ForeignMemory} says how and when.
 *
 * <h2>Refusals</h2>
 * One kind of refusal, one exception type, as everywhere in {@linkplain io.bufferbridge.view this
 * package}; the {@code to…Array} copies throw {@link OutOfMemoryError} when the elements do not
 * fit a Java array.
 *
 * <h2>Equality</h2>
 * {@link #contentEquals(BufferView)} is Python's {@code memoryview ==} (unpacked values, NaN
 * unequal to itself); {@link #equals(Object)} keeps Java's contract, as {@link ByteBuffer#equals}
 * does (layouts, shapes and element bytes). Neither copies the elements. Because the bytes can be
 * written, a view's hash code can change: do not keep views of changing memory in hash sets.
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
     * and foreign memory ({@link ForeignMemory}) only after its epoch's arena has closed, which the
     * segment's scope check sees on every thread.
     */
    private static final VarHandle RELEASED;

    static {
        try {
            RELEASED = MethodHandles.lookup().findVarHandle(BufferView.class, "released", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        ViewInternals.install(new ViewInternals.Access() {
            @Override
            public long[] shape(BufferView view) {
                view.ensureAlive();
                return view.shape;
            }

            @Override
            public long[] strides(BufferView view) {
                view.ensureAlive();
                return view.strides;
            }

            @Override
            public BufferView foreignView(MemorySegment memory, long offset, Format format, long itemsize,
                    long[] shape, long[] strides, boolean readOnly, Runnable unreached, Runnable release) {
                return ForeignMemory.viewOwning(memory, offset, format, itemsize, shape, strides, readOnly, unreached,
                        release);
            }
        });
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
     * Builds a view of {@code memory}, as {@link #of(MemorySegment, long, String, long, long[],
     * long[], boolean)} does, that runs {@code onRelease} once, when it and every view derived
     * from it have been released.
     *
     * @param onRelease run once after the last release; may be null
     * @return a new root view
     * @throws InvalidViewException under the conditions of
     *     {@link #of(MemorySegment, long, String, long, long[], long[], boolean)}; then
     *     {@code onRelease} is not run
     */
    public static BufferView of(MemorySegment memory, long offset, String format, long itemsize, long[] shape,
            long[] strides, boolean readOnly, Runnable onRelease) {
        long[] sh = Objects.requireNonNull(shape, "shape").clone();
        long[] st = Objects.requireNonNull(strides, "strides").clone();
        Format parsed = Validity.check(memory, offset, format, itemsize, sh, st, readOnly);
        return new BufferView(memory, offset, parsed, itemsize, sh, st, readOnly, BufferFlags.FULL_RO
                | (readOnly ? 0 : BufferFlags.WRITABLE), new Lifetime(onRelease));
    }

    /** A root view of checked geometry, for {@link ForeignMemory}, which scopes the memory first. */
    static BufferView ofChecked(MemorySegment memory, long offset, Format format, long itemsize, long[] shape,
            long[] strides, boolean readOnly, Lifetime lifetime) {
        return new BufferView(memory, offset, format, itemsize, shape, strides, readOnly, BufferFlags.FULL_RO
                | (readOnly ? 0 : BufferFlags.WRITABLE), lifetime);
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
        long itemsize = Validity.segmentItemsize(memory, format, shape);
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
     * {@return a writable view of the array with a shape, format {@code h}, no copy}, as
     * {@link #ofArray(byte[], Order, long...)}
     *
     * @throws InvalidViewException as {@link #ofArray(byte[], Order, long...)}
     */
    public static BufferView ofArray(short[] array, Order order, long... shape) {
        return ofHeap(MemorySegment.ofArray(array), "h", 2, array.length, order, shape);
    }

    /** {@return a writable 1-D view of the array, format {@code H} (UTF-16 units), no copy} @param array the array */
    public static BufferView ofArray(char[] array) {
        return ofArray(array, Order.C, array.length);
    }

    /**
     * {@return a writable view of the array with a shape, format {@code H}, no copy}, as
     * {@link #ofArray(byte[], Order, long...)}
     *
     * @throws InvalidViewException as {@link #ofArray(byte[], Order, long...)}
     */
    public static BufferView ofArray(char[] array, Order order, long... shape) {
        return ofHeap(MemorySegment.ofArray(array), "H", 2, array.length, order, shape);
    }

    /** {@return a writable 1-D view of the array, format {@code i}, no copy} @param array the array */
    public static BufferView ofArray(int[] array) {
        return ofArray(array, Order.C, array.length);
    }

    /**
     * {@return a writable view of the array with a shape, format {@code i}, no copy}, as
     * {@link #ofArray(byte[], Order, long...)}
     *
     * @throws InvalidViewException as {@link #ofArray(byte[], Order, long...)}
     */
    public static BufferView ofArray(int[] array, Order order, long... shape) {
        return ofHeap(MemorySegment.ofArray(array), "i", 4, array.length, order, shape);
    }

    /** {@return a writable 1-D view of the array, format {@code q}, no copy} @param array the array */
    public static BufferView ofArray(long[] array) {
        return ofArray(array, Order.C, array.length);
    }

    /**
     * {@return a writable view of the array with a shape, format {@code q}, no copy}, as
     * {@link #ofArray(byte[], Order, long...)}
     *
     * @throws InvalidViewException as {@link #ofArray(byte[], Order, long...)}
     */
    public static BufferView ofArray(long[] array, Order order, long... shape) {
        return ofHeap(MemorySegment.ofArray(array), "q", 8, array.length, order, shape);
    }

    /** {@return a writable 1-D view of the array, format {@code f}, no copy} @param array the array */
    public static BufferView ofArray(float[] array) {
        return ofArray(array, Order.C, array.length);
    }

    /**
     * {@return a writable view of the array with a shape, format {@code f}, no copy}, as
     * {@link #ofArray(byte[], Order, long...)}
     *
     * @throws InvalidViewException as {@link #ofArray(byte[], Order, long...)}
     */
    public static BufferView ofArray(float[] array, Order order, long... shape) {
        return ofHeap(MemorySegment.ofArray(array), "f", 4, array.length, order, shape);
    }

    /** {@return a writable 1-D view of the array, format {@code d}, no copy} @param array the array */
    public static BufferView ofArray(double[] array) {
        return ofArray(array, Order.C, array.length);
    }

    /**
     * {@return a writable view of the array with a shape, format {@code d}, no copy}, as
     * {@link #ofArray(byte[], Order, long...)}
     *
     * @throws InvalidViewException as {@link #ofArray(byte[], Order, long...)}
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
        byte[] bytes = JavaArrays.toBytes(array);
        return ofHeap(MemorySegment.ofArray(bytes), "?", 1, bytes.length, Order.C, new long[] {bytes.length});
    }

    private static BufferView ofHeap(MemorySegment segment, String code, long itemsize, long length, Order order,
            long[] shape) {
        return of(segment, 0, code, itemsize, shape, JavaArrays.strides(itemsize, length, order, shape), false);
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
        JavaArrays.NioLayout nio = JavaArrays.layoutOf(buffer);
        long n = nio.memory().byteSize() / nio.itemsize();
        return of(nio.memory(), 0, nio.format(), nio.itemsize(), new long[] {n}, new long[] {nio.itemsize()},
                buffer.isReadOnly());
    }

    /** An exporter's root view: the request already granted, {@code onRelease} told the exporter. */
    static BufferView exported(MemorySegment memory, long offset, Format format, long itemsize, long[] shape,
            long[] strides, boolean readOnly, int flags, Runnable onRelease) {
        Requests.check(flags, readOnly, Bounds.isCContiguous(itemsize, shape, strides),
                Bounds.isFContiguous(itemsize, shape, strides), format, shape, strides);
        Bounds.check(memory.byteSize(), offset, itemsize, shape, strides);
        return new BufferView(memory, offset, format, itemsize, shape.clone(), strides.clone(), readOnly, flags,
                new Lifetime(onRelease));
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
        return Bounds.byteLength(itemsize, shape);
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
            throw new UnsupportedOperationException("heap memory has no stable address: view=" + this);
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
            throw Messages.released(format, shape);
        }
    }

    private void ensureWritable(String what) {
        ensureAlive();
        if (readOnly) {
            throw Messages.readOnly(what, format);
        }
    }

    // ---------------------------------------------------------------- elements

    private long position(long[] index) {
        return Bounds.position(offset, shape, strides, index);
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
     */
    public Object get(long... index) {
        ensureAlive();
        return ElementCodec.read(memory, position(index), format.element());
    }

    /**
     * Reads an integer or boolean element as a {@code long} (an unsigned 64-bit value wraps).
     *
     * @param index one coordinate per dimension
     * @return the value
     * @throws UnsupportedOperationException if the format is not a single integer or {@code ?}
     * @throws IndexOutOfBoundsException if the index is outside the view
     */
    public long getLong(long... index) {
        ensureAlive();
        return ElementCodec.readBits(memory, position(index), TypedAccess.integerOrBool(format, "getLong"));
    }

    /**
     * Reads a real or integer element as a {@code double}.
     *
     * @param index one coordinate per dimension
     * @return the value
     * @throws UnsupportedOperationException if the format is not a single real or integer value
     * @throws IndexOutOfBoundsException if the index is outside the view
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
        Scalar s = TypedAccess.realOrInteger(format, "getDouble");
        return ElementCodec.readDouble(memory, position(index), s);
    }

    /**
     * Writes one element, as {@code struct.pack_into} would.
     *
     * @param value the value, of the type {@link #get} returns for this format
     * @param index one coordinate per dimension
     * @throws BufferException if the view is read-only
     * @throws IllegalArgumentException if the value does not fit the format
     * @throws UnsupportedOperationException if the format holds a code that cannot be written
     *     ({@code w}, {@code g}, complex)
     * @throws IndexOutOfBoundsException if the index is outside the view
     */
    public void set(Object value, long... index) {
        ensureWritable("set");
        ElementCodec.write(memory, position(index), format.element(), value);
    }

    /**
     * Writes an integer element from the low bytes of {@code value}.
     *
     * @param value the value
     * @param index one coordinate per dimension
     * @throws BufferException if the view is read-only
     * @throws UnsupportedOperationException if the format is not a single integer or {@code ?}
     * @throws IndexOutOfBoundsException if the index is outside the view
     */
    public void setLong(long value, long... index) {
        ensureWritable("setLong");
        ElementCodec.writeBits(memory, position(index), TypedAccess.integerOrBool(format, "setLong"), value);
    }

    /**
     * Writes a real element ({@code e f d}).
     *
     * @param value the value
     * @param index one coordinate per dimension
     * @throws BufferException if the view is read-only
     * @throws UnsupportedOperationException if the format is not {@code e}, {@code f} or {@code d}
     * @throws IndexOutOfBoundsException if the index is outside the view
     */
    public void setDouble(double value, long... index) {
        ensureWritable("setDouble");
        ElementCodec.writeReal(memory, position(index), TypedAccess.writableReal(format, "setDouble"), value);
    }

    /**
     * {@return the view's values as nested lists, as {@code memoryview.tolist()} gives them}: the
     * single value for a 0-d view, else one list level per dimension; elements as {@link #get}
     * returns them (records as lists of fields).
     */
    public Object toList() {
        ensureAlive();
        return ElementCodec.toList(memory, offset, shape, strides, format.element());
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
     * @throws OutOfMemoryError if the bytes do not fit a Java array
     */
    public byte[] toBytes(Order order) {
        ensureAlive();
        byte[] out = JavaArrays.newByteArray(byteLength());
        copyTo(MemorySegment.ofArray(out), 0, order);
        return out;
    }

    /**
     * Copies the elements' bytes, in the given order, into {@code target} at {@code targetOffset}.
     *
     * <p>Transposes of 8 MiB and more may go through pooled 4 MiB native staging segments (at
     * most two, 8 MiB, held for reuse from the first such copy on; where the JDK's large copies
     * store non-temporally): the same bytes, faster.
     *
     * @param target where the bytes go; needs {@link #byteLength()} bytes from {@code targetOffset}
     * @param targetOffset byte offset in {@code target}
     * @param order C, F, or A as in {@link #toBytes(Order)}
     * @throws IndexOutOfBoundsException if {@code target} is too small
     */
    public void copyTo(MemorySegment target, long targetOffset, Order order) {
        ensureAlive();
        long length = byteLength();
        Objects.checkFromIndexSize(targetOffset, length, target.byteSize());
        if (length == 0) {
            return;
        }
        StridedCopy.copy(memory, offset, itemsize, shape, strides, cContiguous, fContiguous, length, target,
                targetOffset, order);
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
     */
    public boolean contentEquals(BufferView other) {
        ensureAlive();
        other.ensureAlive();
        return Arrays.equals(shape, other.shape) && ValueEquality.contentEquals(shape, memory, offset, strides,
                format.element(), other.memory, other.offset, other.strides, other.format.element());
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
                && ByteEquality.equals(memory, offset, strides, v.memory, v.offset, v.strides, itemsize, shape);
    }

    /**
     * {@return a hash of the layout, the shape and the bytes of the first 1,024 elements in C
     * order}, so that equal views hash alike and no view is too large to hash; a released view
     * has its identity hash
     */
    @Override
    public int hashCode() {
        if (released) {
            return System.identityHashCode(this);
        }
        return 31 * (31 * format.hashCode() + Arrays.hashCode(shape))
                + ByteEquality.hash(memory, offset, strides, itemsize, shape);
    }

    @Override
    public String toString() {
        return Messages.describe(format, itemsize, shape, strides, offset, readOnly, released);
    }

    // ---------------------------------------------------------------- derived views

    private BufferView derive(Derived geometry, Format newFormat, long newItemsize, boolean newReadOnly) {
        lifetime.retain();
        return new BufferView(memory, geometry.offset(), newFormat, newItemsize, geometry.shape(), geometry.strides(),
                newReadOnly, flags & (newReadOnly ? ~BufferFlags.WRITABLE : ~0), lifetime);
    }

    /**
     * {@return a read-only view of the same elements, sharing this view's memory and lifetime}
     */
    public BufferView asReadOnly() {
        ensureAlive();
        return derive(new Derived(offset, shape.clone(), strides.clone()), format, itemsize, true);
    }

    /**
     * Slices axis 0 as Python's {@code m[start:stop:step]} does: {@link #asSlice(int, long, long,
     * long)} on axis 0; {@code Long.MAX_VALUE}/{@code Long.MIN_VALUE} stand for an omitted bound.
     *
     * @throws InvalidViewException if the view is 0-d or {@code step} is 0
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
     */
    public BufferView asSlice(int axis, long start, long stop, long step) {
        ensureAlive();
        return derive(Derived.slice(offset, shape, strides, axis, start, stop, step), format, itemsize, readOnly);
    }

    /**
     * Takes one index along an axis and drops that axis: {@code m[i]} generalized to any axis.
     *
     * @param axis the axis
     * @param index the index along it (negative counts from the end)
     * @return a view of one dimension fewer, sharing this view's memory and lifetime
     * @throws InvalidViewException if {@code axis} is not an axis of the view
     * @throws IndexOutOfBoundsException if {@code index} is outside the axis
     */
    public BufferView asIndex(int axis, long index) {
        ensureAlive();
        return derive(Derived.index(offset, shape, strides, axis, index), format, itemsize, readOnly);
    }

    /**
     * {@return the view with its axes reversed (NumPy's {@code .T}), sharing memory and lifetime}
     */
    public BufferView asTransposed() {
        ensureAlive();
        return derive(Derived.transpose(offset, shape, strides), format, itemsize, readOnly);
    }

    /**
     * Reorders the axes: axis {@code k} of the result is axis {@code axes[k]} of this view
     * (NumPy's {@code transpose(axes)}).
     *
     * @param axes a permutation of {@code 0 … ndim-1}
     * @return a view sharing this view's memory and lifetime
     * @throws InvalidViewException if {@code axes} is not a permutation of the view's axes
     */
    public BufferView asPermuted(int... axes) {
        ensureAlive();
        return derive(Derived.permute(offset, shape, strides, axes), format, itemsize, readOnly);
    }

    /**
     * {@code memoryview.cast(format)}: a 1-D view of the same bytes with another format, under
     * CPython's rules.
     *
     * @param format the new format: a native single-character format, optionally prefixed {@code @}
     *     (the result's {@link Format#text()} is this string as given)
     * @return a view sharing this view's memory and lifetime
     * @throws BufferException if the view is not C-contiguous (as {@link #asSegment()} and
     *     {@link #getBuffer(int)} refuse it)
     * @throws InvalidViewException as CPython refuses: a view of ndim other than 1 with a zero in
     *     its shape; a destination format that is not a native single character; a cast between
     *     two non-byte formats; a length that is not a multiple of the new itemsize
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
     * @throws BufferException if the view is not C-contiguous
     * @throws InvalidViewException as CPython refuses: the conditions of {@link #asCast(String)}, a
     *     zero in this view's shape, more than 64 dimensions, neither side 1-D, a dimension that is
     *     not positive, or {@code product(shape) * itemsize} not the byte length
     */
    public BufferView asCast(String format, long... shape) {
        return cast(format, Objects.requireNonNull(shape, "shape"));
    }

    private BufferView cast(String destination, long[] newShape) {
        ensureAlive();
        Objects.requireNonNull(destination, "format");
        Cast cast = Cast.of(format, shape, strides, cContiguous, byteLength(), destination, newShape);
        return derive(new Derived(offset, cast.shape(), Bounds.cStrides(cast.itemsize(), cast.shape())), cast.format(),
                cast.itemsize(), readOnly);
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
     */
    @Override
    public synchronized BufferView getBuffer(int flags) {
        ensureAlive();
        Requests.check(flags, readOnly, cContiguous, fContiguous, format, shape, strides);
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

    /**
     * {@return a hold on this view's memory}: the memory stays valid until the hold is closed, even
     * after this view and every view derived from it have been released. For code that hands the
     * memory's address to native code (an export); a hold is not a view and does not count as an
     * export, so it never stops this view from being released.
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
            ForeignMemory.flushReleases();
        }
        release();
    }

    private synchronized void release() {
        if (released) {
            return;
        }
        int live = exports.get();
        if (live > 0) {
            throw new BufferException("view has exported buffers: release them first: exports=" + live);
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
     * @throws BufferException if the view is not C-contiguous
     * @throws UnsupportedOperationException if its memory is a Java array other than
     *     {@code byte[]} (a {@code ByteBuffer} can share only those, as
     *     {@link MemorySegment#asByteBuffer()} says)
     */
    public ByteBuffer asByteBuffer() {
        return JavaArrays.asByteBuffer(asSegment());
    }

    /**
     * {@return a copy of the elements in C order, for a 1-byte integer format}
     * @throws UnsupportedOperationException if the format is not a 1-byte integer
     */
    public byte[] toByteArray() {
        ensureAlive();
        TypedAccess.integer(format, 1, "toByteArray");
        return toBytes();
    }

    /**
     * {@return a copy of the elements in C order, for a 2-byte integer format}
     * @throws UnsupportedOperationException if the format is not a 2-byte integer
     */
    public short[] toShortArray() {
        ensureAlive();
        return JavaArrays.toShortArray(memory, offset, shape, strides, format);
    }

    /**
     * {@return a copy of the elements in C order, for a 2-byte integer format, as UTF-16 units}
     * @throws UnsupportedOperationException if the format is not a 2-byte integer
     */
    public char[] toCharArray() {
        ensureAlive();
        return JavaArrays.toCharArray(memory, offset, shape, strides, format);
    }

    /**
     * {@return a copy of the elements in C order, for a 4-byte integer format}
     * @throws UnsupportedOperationException if the format is not a 4-byte integer
     */
    public int[] toIntArray() {
        ensureAlive();
        return JavaArrays.toIntArray(memory, offset, shape, strides, format);
    }

    /**
     * {@return a copy of the elements in C order, for an 8-byte integer format}
     * @throws UnsupportedOperationException if the format is not an 8-byte integer
     */
    public long[] toLongArray() {
        ensureAlive();
        return JavaArrays.toLongArray(memory, offset, shape, strides, format);
    }

    /**
     * {@return a copy of the elements in C order, for format {@code f} (any byte order)}
     * @throws UnsupportedOperationException if the format is not {@code f}
     */
    public float[] toFloatArray() {
        ensureAlive();
        return JavaArrays.toFloatArray(memory, offset, shape, strides, format);
    }

    /**
     * {@return a copy of the elements in C order, for format {@code d} (any byte order)}
     * @throws UnsupportedOperationException if the format is not {@code d}
     */
    public double[] toDoubleArray() {
        ensureAlive();
        return JavaArrays.toDoubleArray(memory, offset, shape, strides, format);
    }

    /**
     * {@return a copy of the elements in C order, for format {@code ?}}
     * @throws UnsupportedOperationException if the format is not {@code ?}
     */
    public boolean[] toBooleanArray() {
        ensureAlive();
        return JavaArrays.toBooleanArray(memory, offset, shape, strides, format);
    }
}
