package io.bufferbridge.internal.view;

import io.bufferbridge.format.Format;
import io.bufferbridge.format.Scalar;
import io.bufferbridge.format.ScalarKind;
import io.bufferbridge.view.InvalidViewException;
import io.bufferbridge.view.Order;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Java arrays and views: the strides of an array read with a shape, and the copies of a view's
 * elements into a Java array of the element type, in C order.
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
     * {@return the format's scalar, when it is an integer of {@code size} bytes}
     *
     * @throws UnsupportedOperationException if it is not
     */
    public static Scalar integer(Format format, int size, String what) {
        if (format.element() instanceof Scalar s && s.kind().isInteger() && s.size() == size) {
            return s;
        }
        throw new UnsupportedOperationException(what + " needs a " + size + "-byte integer format: format="
                + Messages.quote(format.text()));
    }

    /**
     * {@return the format's scalar, when it is of {@code kind} (any byte order)}
     *
     * @throws UnsupportedOperationException if it is not
     */
    public static Scalar kind(Format format, ScalarKind kind, String what) {
        if (format.element() instanceof Scalar s && s.kind() == kind) {
            return s;
        }
        throw new UnsupportedOperationException(what + " needs format " + Messages.quote(kind.code())
                + " (any byte order): format=" + Messages.quote(format.text()));
    }

    /** {@return the elements in C order, for a 2-byte integer format} @throws UnsupportedOperationException for another format */
    public static short[] toShortArray(MemorySegment m, long offset, long[] shape, long[] strides, Format format) {
        Scalar s = integer(format, 2, "toShortArray");
        short[] out = new short[count(shape, "toShortArray")];
        forEachC(offset, shape, strides, (i, pos) -> out[i] = (short) ElementCodec.readBits(m, pos, s));
        return out;
    }

    /** {@return the elements in C order, for a 2-byte integer format, as UTF-16 units} @throws UnsupportedOperationException for another format */
    public static char[] toCharArray(MemorySegment m, long offset, long[] shape, long[] strides, Format format) {
        Scalar s = integer(format, 2, "toCharArray");
        char[] out = new char[count(shape, "toCharArray")];
        forEachC(offset, shape, strides, (i, pos) -> out[i] = (char) ElementCodec.readBits(m, pos, s));
        return out;
    }

    /** {@return the elements in C order, for a 4-byte integer format} @throws UnsupportedOperationException for another format */
    public static int[] toIntArray(MemorySegment m, long offset, long[] shape, long[] strides, Format format) {
        Scalar s = integer(format, 4, "toIntArray");
        int[] out = new int[count(shape, "toIntArray")];
        forEachC(offset, shape, strides, (i, pos) -> out[i] = (int) ElementCodec.readBits(m, pos, s));
        return out;
    }

    /** {@return the elements in C order, for an 8-byte integer format} @throws UnsupportedOperationException for another format */
    public static long[] toLongArray(MemorySegment m, long offset, long[] shape, long[] strides, Format format) {
        Scalar s = integer(format, 8, "toLongArray");
        long[] out = new long[count(shape, "toLongArray")];
        forEachC(offset, shape, strides, (i, pos) -> out[i] = ElementCodec.readBits(m, pos, s));
        return out;
    }

    /** {@return the elements in C order, for format {@code f}} @throws UnsupportedOperationException for another format */
    public static float[] toFloatArray(MemorySegment m, long offset, long[] shape, long[] strides, Format format) {
        Scalar s = kind(format, ScalarKind.FLOAT32, "toFloatArray");
        float[] out = new float[count(shape, "toFloatArray")];
        forEachC(offset, shape, strides, (i, pos) -> out[i] = (float) ElementCodec.readReal(m, pos, s));
        return out;
    }

    /** {@return the elements in C order, for format {@code d}} @throws UnsupportedOperationException for another format */
    public static double[] toDoubleArray(MemorySegment m, long offset, long[] shape, long[] strides, Format format) {
        Scalar s = kind(format, ScalarKind.FLOAT64, "toDoubleArray");
        double[] out = new double[count(shape, "toDoubleArray")];
        forEachC(offset, shape, strides, (i, pos) -> out[i] = ElementCodec.readReal(m, pos, s));
        return out;
    }

    /** {@return the elements in C order, for format {@code ?}} @throws UnsupportedOperationException for another format */
    public static boolean[] toBooleanArray(MemorySegment m, long offset, long[] shape, long[] strides,
            Format format) {
        Scalar s = kind(format, ScalarKind.BOOL, "toBooleanArray");
        boolean[] out = new boolean[count(shape, "toBooleanArray")];
        forEachC(offset, shape, strides, (i, pos) -> out[i] = ElementCodec.readBits(m, pos, s) != 0);
        return out;
    }

    private static int count(long[] shape, String what) {
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

    /** Calls {@code consumer} with each element's C-order index and byte position. */
    private static void forEachC(long offset, long[] shape, long[] strides, PositionConsumer consumer) {
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
