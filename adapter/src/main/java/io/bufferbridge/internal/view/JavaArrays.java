package io.bufferbridge.internal.view;

import io.bufferbridge.format.Format;
import io.bufferbridge.format.Scalar;
import io.bufferbridge.format.ScalarKind;
import io.bufferbridge.view.InvalidViewException;
import io.bufferbridge.view.Order;
import java.lang.foreign.MemorySegment;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.util.Arrays;

/**
 * Java's own containers and views: the strides of an array read with a shape, the layout of a NIO
 * buffer, and the copies of a view's elements into a Java array of the element type, in C order.
 */
public final class JavaArrays {
    private JavaArrays() {}

    /**
     * {@return the strides of a Java array of {@code length} elements read with {@code shape} in
     * {@code order}}
     *
     * @throws InvalidViewException if {@code order} is {@link Order#A} or the product of
     *     {@code shape} is not {@code length}
     */
    public static long[] strides(long itemsize, long length, Order order, long[] shape) {
        if (order == Order.A) {
            throw new InvalidViewException("array order must be C or F: order=A");
        }
        long count = Bounds.elementCount(shape);
        if (count != length) {
            throw new InvalidViewException("shape does not cover the array: shape=" + Arrays.toString(shape)
                    + " product=" + count + " length=" + length);
        }
        return order == Order.C ? Bounds.cStrides(itemsize, shape) : Bounds.fStrides(itemsize, shape);
    }

    /**
     * {@return a new {@code byte[]} of {@code length} bytes}
     *
     * @throws OutOfMemoryError if {@code length} is more than a Java array can hold
     */
    public static byte[] newByteArray(long length) {
        if (length > Integer.MAX_VALUE - 8) {
            throw new OutOfMemoryError("view too large for a byte[]: bytes=" + length);
        }
        return new byte[(int) length];
    }

    /** {@return the values as {@code ?} bytes, 0 or 1: the JVM does not expose a {@code boolean[]}'s layout} */
    public static byte[] toBytes(boolean[] values) {
        byte[] bytes = new byte[values.length];
        for (int k = 0; k < values.length; k++) {
            bytes[k] = (byte) (values[k] ? 1 : 0);
        }
        return bytes;
    }

    /**
     * {@return the segment as a {@link ByteBuffer} in native byte order}
     *
     * @throws UnsupportedOperationException if its memory is a Java array other than {@code byte[]}
     */
    public static ByteBuffer asByteBuffer(MemorySegment segment) {
        try {
            return segment.asByteBuffer().order(ByteOrder.nativeOrder());
        } catch (UnsupportedOperationException e) {
            throw new UnsupportedOperationException("asByteBuffer shares only byte[] and native memory, use"
                    + " asSegment() or toBytes(): memory="
                    + segment.heapBase().map(o -> o.getClass().getSimpleName()).orElse("?"), e);
        }
    }

    /**
     * A NIO buffer's elements between its position and limit, as a 1-D view sees them.
     *
     * @param memory the elements' memory, shared with the buffer
     * @param format {@code B} for a {@code ByteBuffer}, {@code h H i q f d} for the typed buffers,
     *     with a {@code >} or {@code <} prefix when the buffer's order is not the native one
     * @param itemsize bytes per element
     */
    public record NioLayout(MemorySegment memory, String format, long itemsize) {}

    /**
     * {@return the layout of a NIO buffer's elements}
     *
     * @throws InvalidViewException if the buffer is not backed by an array or native memory
     */
    public static NioLayout layoutOf(Buffer buffer) {
        MemorySegment segment;
        try {
            segment = MemorySegment.ofBuffer(buffer);
        } catch (IllegalArgumentException e) {
            // not the buffer's toString: a CharBuffer's is its characters
            throw new InvalidViewException("buffer has no addressable memory: type=" + buffer.getClass().getName(), e);
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
            default -> throw new InvalidViewException("unknown buffer type: type=" + buffer.getClass().getName());
        }
        if (order != ByteOrder.nativeOrder()) {
            code = (order == ByteOrder.BIG_ENDIAN ? ">" : "<") + code;
        }
        return new NioLayout(segment, code, itemsize);
    }

    /*
     * The copies into each Java array type: what a type's method adds is its check, its array and
     * one conversion; the walk is fill's.
     */

    /** {@return the elements in C order, for a 2-byte integer format} @throws UnsupportedOperationException for another format */
    public static short[] toShortArray(MemorySegment m, long offset, long[] shape, long[] strides, Format format) {
        Scalar s = TypedAccess.integer(format, 2, "toShortArray");
        return fill(new short[count(shape, "toShortArray")], offset, shape, strides,
                (out, i, pos) -> out[i] = (short) ElementCodec.readBits(m, pos, s));
    }

    /** {@return the elements in C order, for a 2-byte integer format, as UTF-16 units} @throws UnsupportedOperationException for another format */
    public static char[] toCharArray(MemorySegment m, long offset, long[] shape, long[] strides, Format format) {
        Scalar s = TypedAccess.integer(format, 2, "toCharArray");
        return fill(new char[count(shape, "toCharArray")], offset, shape, strides,
                (out, i, pos) -> out[i] = (char) ElementCodec.readBits(m, pos, s));
    }

    /** {@return the elements in C order, for a 4-byte integer format} @throws UnsupportedOperationException for another format */
    public static int[] toIntArray(MemorySegment m, long offset, long[] shape, long[] strides, Format format) {
        Scalar s = TypedAccess.integer(format, 4, "toIntArray");
        return fill(new int[count(shape, "toIntArray")], offset, shape, strides,
                (out, i, pos) -> out[i] = (int) ElementCodec.readBits(m, pos, s));
    }

    /** {@return the elements in C order, for an 8-byte integer format} @throws UnsupportedOperationException for another format */
    public static long[] toLongArray(MemorySegment m, long offset, long[] shape, long[] strides, Format format) {
        Scalar s = TypedAccess.integer(format, 8, "toLongArray");
        return fill(new long[count(shape, "toLongArray")], offset, shape, strides,
                (out, i, pos) -> out[i] = ElementCodec.readBits(m, pos, s));
    }

    /** {@return the elements in C order, for format {@code f}} @throws UnsupportedOperationException for another format */
    public static float[] toFloatArray(MemorySegment m, long offset, long[] shape, long[] strides, Format format) {
        Scalar s = TypedAccess.kind(format, ScalarKind.FLOAT32, "toFloatArray");
        return fill(new float[count(shape, "toFloatArray")], offset, shape, strides,
                (out, i, pos) -> out[i] = (float) ElementCodec.readReal(m, pos, s));
    }

    /** {@return the elements in C order, for format {@code d}} @throws UnsupportedOperationException for another format */
    public static double[] toDoubleArray(MemorySegment m, long offset, long[] shape, long[] strides, Format format) {
        Scalar s = TypedAccess.kind(format, ScalarKind.FLOAT64, "toDoubleArray");
        return fill(new double[count(shape, "toDoubleArray")], offset, shape, strides,
                (out, i, pos) -> out[i] = ElementCodec.readReal(m, pos, s));
    }

    /** {@return the elements in C order, for format {@code ?}} @throws UnsupportedOperationException for another format */
    public static boolean[] toBooleanArray(MemorySegment m, long offset, long[] shape, long[] strides,
            Format format) {
        Scalar s = TypedAccess.kind(format, ScalarKind.BOOL, "toBooleanArray");
        return fill(new boolean[count(shape, "toBooleanArray")], offset, shape, strides,
                (out, i, pos) -> out[i] = ElementCodec.readBits(m, pos, s) != 0);
    }

    private static int count(long[] shape, String what) {
        long n = Bounds.elementCount(shape);
        if (n < 0 || n > Integer.MAX_VALUE - 8) {
            throw new OutOfMemoryError(what + ": view too large for a Java array: elements=" + (n < 0 ? "over 2^63" : n));
        }
        return (int) n;
    }

    @FunctionalInterface
    private interface Put<A> {
        void put(A array, int index, long position);
    }

    private static <A> A fill(A array, long offset, long[] shape, long[] strides, Put<A> put) {
        Bounds.forEachC(offset, shape, strides, Integer.MAX_VALUE, (i, pos) -> put.put(array, i, pos));
        return array;
    }
}
