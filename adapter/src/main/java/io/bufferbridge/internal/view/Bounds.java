package io.bufferbridge.internal.view;

import io.bufferbridge.view.InvalidViewException;
import java.util.Arrays;

/**
 * A view's geometry: the one place where it is checked (every element's bytes must lie inside the
 * memory, computed without overflow), element counts, contiguity, dense strides, and the index
 * and slice arithmetic of Python's sequences.
 */
public final class Bounds {
    private Bounds() {}

    /** Most dimensions a view may have, as in CPython ({@code PyBUF_MAX_NDIM}). */
    public static final int MAX_NDIM = 64;

    /**
     * Checks a view's geometry.
     *
     * @throws InvalidViewException if ndim exceeds 64, shape and strides differ in length, a
     *     dimension is negative, the offset is outside the memory, or some element's bytes reach
     *     outside {@code [0, memorySize)}
     */
    public static void check(long memorySize, long offset, long itemsize, long[] shape, long[] strides) {
        if (shape.length > MAX_NDIM) {
            throw new InvalidViewException("too many dimensions: ndim=" + shape.length + " max=" + MAX_NDIM);
        }
        if (shape.length != strides.length) {
            throw new InvalidViewException("shape and strides differ in length: shape=" + Arrays.toString(shape)
                    + " strides=" + Arrays.toString(strides));
        }
        if (itemsize < 0) {
            throw new InvalidViewException("negative itemsize: itemsize=" + itemsize);
        }
        boolean empty = false;
        for (int k = 0; k < shape.length; k++) {
            if (shape[k] < 0) {
                throw new InvalidViewException("negative dimension: axis=" + k + " shape=" + Arrays.toString(shape));
            }
            empty |= shape[k] == 0;
        }
        if (offset < 0 || offset > memorySize) {
            throw new InvalidViewException("offset outside memory: offset=" + offset + " memory=" + memorySize);
        }
        if (empty) {
            return;
        }
        // lowest and highest byte any element touches, as exact 128-bit-safe sums
        long low = offset;
        long high = offset;
        try {
            for (int k = 0; k < shape.length; k++) {
                long reach = Math.multiplyExact(shape[k] - 1, strides[k]);
                if (reach < 0) {
                    low = Math.addExact(low, reach);
                } else {
                    high = Math.addExact(high, reach);
                }
            }
            high = Math.addExact(high, itemsize);
        } catch (ArithmeticException overflow) {
            throw new InvalidViewException("element offsets overflow a 64-bit integer: offset=" + offset
                    + " itemsize=" + itemsize + " shape=" + Arrays.toString(shape) + " strides=" + Arrays.toString(strides)
                    + " memory=" + memorySize);
        }
        if (low < 0 || high > memorySize) {
            throw new InvalidViewException("element bytes reach outside memory: lowest=" + low + " highest=" + high
                    + " memory=" + memorySize + " offset=" + offset + " itemsize=" + itemsize
                    + " shape=" + Arrays.toString(shape) + " strides=" + Arrays.toString(strides));
        }
    }

    /** {@return the number of elements, or -1 if the product overflows} @param shape a shape */
    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d == 0) {
                return 0;
            }
        }
        try {
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
        } catch (ArithmeticException e) {
            return -1;
        }
        return n;
    }

    /**
     * {@return {@code product(shape) * itemsize}, the bytes of a contiguous copy}, or
     * {@link Long#MAX_VALUE} when that overflows (a valid view can: zero strides repeat one element)
     */
    public static long byteLength(long itemsize, long[] shape) {
        long n = elementCount(shape);
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

    /** {@code PyBuffer_IsContiguous(view, 'C')}. */
    public static boolean isCContiguous(long itemsize, long[] shape, long[] strides) {
        return isContiguous(itemsize, shape, strides, true);
    }

    /** {@code PyBuffer_IsContiguous(view, 'F')}. */
    public static boolean isFContiguous(long itemsize, long[] shape, long[] strides) {
        return isContiguous(itemsize, shape, strides, false);
    }

    /**
     * CPython's {@code _IsCContiguous}/{@code _IsFortranContiguous}: a view without elements is
     * contiguous, and an axis of length 1 imposes no stride.
     */
    private static boolean isContiguous(long itemsize, long[] shape, long[] strides, boolean lastAxisFastest) {
        if (shape.length == 1 && itemsize > 0) {
            // One axis, both orders (most views, and every 1-D import): the walk below without
            // the count's two passes. Contiguous when empty, or dense (any stride for one
            // element) and itemsize * n does not overflow.
            long n = shape[0];
            if (n == 0) {
                return true;
            }
            return n > 0 && (n == 1 || strides[0] == itemsize) && Math.multiplyHigh(itemsize, n) == 0
                    && itemsize * n >= 0;
        }
        if (elementCount(shape) == 0 || itemsize == 0) {
            return true;
        }
        long sd = itemsize;
        for (int n = 0; n < shape.length; n++) {
            int k = lastAxisFastest ? shape.length - 1 - n : n;
            if (shape[k] > 1 && strides[k] != sd) {
                return false;
            }
            sd = times(sd, shape[k]);
            if (sd < 0) {
                return false;
            }
        }
        return true;
    }

    private static long times(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            return -1;
        }
    }

    /** {@return C-order strides for a shape} */
    public static long[] cStrides(long itemsize, long[] shape) {
        long[] strides = new long[shape.length];
        long sd = itemsize;
        for (int k = shape.length - 1; k >= 0; k--) {
            strides[k] = sd;
            sd = Math.multiplyExact(sd, Math.max(shape[k], 1));
        }
        return strides;
    }

    /** {@return Fortran-order strides for a shape} */
    public static long[] fStrides(long itemsize, long[] shape) {
        long[] strides = new long[shape.length];
        long sd = itemsize;
        for (int k = 0; k < shape.length; k++) {
            strides[k] = sd;
            sd = Math.multiplyExact(sd, Math.max(shape[k], 1));
        }
        return strides;
    }

    /**
     * {@return {@code index} as a non-negative index along an axis}: a negative one counts from the
     * end, as Python's indexing does
     *
     * @throws IndexOutOfBoundsException if the index is outside the axis
     */
    public static long index(int axis, long index, long length) {
        long i = index < 0 ? index + length : index;
        if (i < 0 || i >= length) {
            throw new IndexOutOfBoundsException("index out of bounds: axis=" + axis + " index=" + index
                    + " length=" + length);
        }
        return i;
    }

    /**
     * {@return the byte position of the element at {@code index}}
     *
     * @throws IndexOutOfBoundsException if {@code index} does not have one coordinate per axis or
     *     a coordinate is outside its axis
     */
    public static long position(long offset, long[] shape, long[] strides, long[] index) {
        if (index.length != shape.length) {
            throw new IndexOutOfBoundsException("index has the wrong number of coordinates: coordinates="
                    + index.length + " ndim=" + shape.length);
        }
        long pos = offset;
        for (int k = 0; k < index.length; k++) {
            pos += index(k, index[k], shape[k]) * strides[k];
        }
        return pos;
    }

    /**
     * Python's slice arithmetic ({@code PySlice_AdjustIndices}) on one axis.
     *
     * @param length the axis's length
     * @param start first index, clamped as Python clamps
     * @param stop index to stop before, clamped likewise
     * @param step not 0
     * @return {@code {first, count}}: the adjusted first index and the slice's length
     */
    public static long[] slice(long length, long start, long stop, long step) {
        start = adjust(start, length, step);
        stop = adjust(stop, length, step);
        long count;
        if (step < 0) {
            count = stop < start ? (start - stop - 1) / (-step) + 1 : 0;
        } else {
            count = start < stop ? (stop - start - 1) / step + 1 : 0;
        }
        return new long[] {start, count};
    }

    /**
     * {@return the stride of a sliced axis}: {@code stride * step}; where a slice of at most one
     * element makes that product overflow, the stride is never used to step, and the old one stays
     */
    public static long sliceStride(long stride, long step, long count) {
        if (count > 1) {
            return stride * step;
        }
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

    /** {@return {@code values} without the entry at {@code axis}} */
    public static long[] without(long[] values, int axis) {
        long[] out = new long[values.length - 1];
        System.arraycopy(values, 0, out, 0, axis);
        System.arraycopy(values, axis + 1, out, axis, out.length - axis);
        return out;
    }

    /**
     * Checks that {@code axes} is a permutation of {@code 0 … ndim-1}.
     *
     * @throws InvalidViewException if it has another length, or an entry outside the axes or twice
     */
    public static void checkPermutation(int[] axes, int ndim) {
        if (axes.length != ndim) {
            throw new InvalidViewException("permutation has the wrong length: axes=" + Arrays.toString(axes)
                    + " ndim=" + ndim);
        }
        boolean[] seen = new boolean[ndim];
        for (int a : axes) {
            if (a < 0 || a >= ndim || seen[a]) {
                throw new InvalidViewException("not a permutation of the axes: axes=" + Arrays.toString(axes)
                        + " ndim=" + ndim);
            }
            seen[a] = true;
        }
    }

    /** Receives one element of a walk in C order. */
    @FunctionalInterface
    public interface ElementVisitor {
        /** @param index the element's place in C order @param position its byte position */
        void visit(int index, long position);
    }

    /**
     * Visits the first {@code limit} elements (all of them if there are fewer) in C order,
     * stepping the byte position by the strides rather than computing it from each index.
     */
    public static void forEachC(long offset, long[] shape, long[] strides, int limit, ElementVisitor visitor) {
        if (elementCount(shape) == 0) {
            return;
        }
        long[] index = new long[shape.length];
        long pos = offset;
        for (int i = 0; i < limit; i++) {
            visitor.visit(i, pos);
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
