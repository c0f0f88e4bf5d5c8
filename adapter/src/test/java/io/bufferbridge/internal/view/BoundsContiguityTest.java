package io.bufferbridge.internal.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * {@link Bounds#isCContiguous} and {@link Bounds#isFContiguous} of one axis (a shortcut) agree
 * with CPython's {@code _IsCContiguous} walk, written out here, for every itemsize, length and
 * stride class, overflowing products and invalid lengths included.
 */
class BoundsContiguityTest {

    /** CPython's walk for any ndim, as {@code Bounds} does it for two or more axes. */
    private static boolean reference(long itemsize, long[] shape, long[] strides, boolean c) {
        for (long d : shape) {
            if (d == 0) {
                return true;
            }
        }
        if (itemsize == 0) {
            return true;
        }
        long sd = itemsize;
        for (int n = 0; n < shape.length; n++) {
            int k = c ? shape.length - 1 - n : n;
            if (shape[k] > 1 && strides[k] != sd) {
                return false;
            }
            try {
                sd = Math.multiplyExact(sd, shape[k]);
            } catch (ArithmeticException e) {
                return false;
            }
            if (sd < 0) {
                return false;
            }
        }
        return true;
    }

    @Test
    void oneAxisAgreesWithTheWalk() {
        long[] itemsizes = {-8, -1, 0, 1, 2, 3, 8, 16, Long.MAX_VALUE / 2, Long.MAX_VALUE};
        long[] lengths = {Long.MIN_VALUE, -2, -1, 0, 1, 2, 3, 1000, Long.MAX_VALUE / 8, Long.MAX_VALUE / 8 + 1,
            Long.MAX_VALUE};
        long[] strideOffsets = {0, 1, -1};
        int cases = 0;
        for (long itemsize : itemsizes) {
            for (long n : lengths) {
                for (long so : strideOffsets) {
                    for (long stride : new long[] {itemsize + so, -itemsize, 0}) {
                        long[] shape = {n};
                        long[] strides = {stride};
                        String what = "itemsize=" + itemsize + " n=" + n + " stride=" + stride;
                        assertEquals(reference(itemsize, shape, strides, true), Bounds.isCContiguous(itemsize, shape,
                                strides), what);
                        assertEquals(reference(itemsize, shape, strides, false), Bounds.isFContiguous(itemsize, shape,
                                strides), what);
                        cases++;
                    }
                }
            }
        }
        assertEquals(itemsizes.length * lengths.length * 9, cases);
    }

    @Test
    void theCommonCases() {
        assertTrue(Bounds.isCContiguous(8, new long[] {1024}, new long[] {8}));
        assertFalse(Bounds.isCContiguous(8, new long[] {1024}, new long[] {16}));
        assertTrue(Bounds.isFContiguous(8, new long[] {1}, new long[] {16}), "one element: any stride");
        assertTrue(Bounds.isCContiguous(8, new long[] {0}, new long[] {-3}), "empty");
        assertFalse(Bounds.isCContiguous(8, new long[] {Long.MAX_VALUE / 4}, new long[] {8}), "bytes overflow");
        assertTrue(Bounds.isCContiguous(4, new long[] {2, 3}, new long[] {12, 4}), "two axes: the walk");
        assertFalse(Bounds.isFContiguous(4, new long[] {2, 3}, new long[] {12, 4}));
    }
}
