package io.bufferbridge.internal.view;

import io.bufferbridge.view.InvalidViewException;

/**
 * The geometry of a view derived by slicing, indexing or reordering axes: the new offset, shape
 * and strides, computed from the old ones with {@link Bounds}' overflow-safe arithmetic. A derived
 * view lies inside the memory of the view it comes from, so it needs no new bounds check.
 *
 * @param offset byte offset of element (0,…,0)
 * @param shape the dimensions (a fresh array, owned by the caller)
 * @param strides the strides in bytes (likewise)
 */
public record Derived(long offset, long[] shape, long[] strides) {

    /**
     * {@return axis {@code axis} sliced as Python slices ({@code m[start:stop:step]})}
     *
     * @throws InvalidViewException if {@code axis} is not an axis or {@code step} is 0
     */
    public static Derived slice(long offset, long[] shape, long[] strides, int axis, long start, long stop,
            long step) {
        checkAxis(axis, shape.length, "slice");
        if (step == 0) {
            throw new InvalidViewException("slice step cannot be zero: axis=" + axis);
        }
        long[] slice = Bounds.slice(shape[axis], start, stop, step);
        long count = slice[1];
        long[] newShape = shape.clone();
        long[] newStrides = strides.clone();
        newShape[axis] = count;
        newStrides[axis] = Bounds.sliceStride(strides[axis], step, count);
        return new Derived(count > 0 ? offset + slice[0] * strides[axis] : offset, newShape, newStrides);
    }

    /**
     * {@return one index taken along {@code axis}, that axis dropped}
     *
     * @throws InvalidViewException if {@code axis} is not an axis
     * @throws IndexOutOfBoundsException if {@code index} is outside the axis
     */
    public static Derived index(long offset, long[] shape, long[] strides, int axis, long index) {
        checkAxis(axis, shape.length, "index");
        long i = Bounds.index(axis, index, shape[axis]);
        return new Derived(offset + i * strides[axis], Bounds.without(shape, axis), Bounds.without(strides, axis));
    }

    /**
     * {@return the axes reordered: axis {@code k} of the result is axis {@code axes[k]}}
     *
     * @throws InvalidViewException if {@code axes} is not a permutation of the axes
     */
    public static Derived permute(long offset, long[] shape, long[] strides, int[] axes) {
        Bounds.checkPermutation(axes, shape.length);
        long[] newShape = new long[axes.length];
        long[] newStrides = new long[axes.length];
        for (int k = 0; k < axes.length; k++) {
            newShape[k] = shape[axes[k]];
            newStrides[k] = strides[axes[k]];
        }
        return new Derived(offset, newShape, newStrides);
    }

    /** {@return the axes reversed, NumPy's {@code .T}} */
    public static Derived transpose(long offset, long[] shape, long[] strides) {
        int[] axes = new int[shape.length];
        for (int k = 0; k < axes.length; k++) {
            axes[k] = axes.length - 1 - k;
        }
        return permute(offset, shape, strides, axes);
    }

    private static void checkAxis(int axis, int ndim, String what) {
        if (axis < 0 || axis >= ndim) {
            throw new InvalidViewException(what + " axis out of range: axis=" + axis + " ndim=" + ndim);
        }
    }
}
