package io.bufferbridge.arrow.internal;


/** Shape and stride arithmetic for docs/contract.md §2's shape rules. */
public final class Layouts {
    private Layouts() {
    }

    /**
     * The physical order of a dense layout: the elements fill their span exactly, in some axis
     * order, with positive strides. Axes of length 1 do not move an element, so their strides are
     * ignored and they keep their logical place among the others (a C-contiguous view with any
     * stride on a length-1 axis gets the identity).
     *
     * @return {@code phys[j]} = the logical axis at physical position {@code j} (outermost first),
     *     or null when the layout is not dense or has no elements
     */
    static int[] denseOrder(long itemsize, long[] shape, long[] strides) {
        int n = shape.length;
        // The axes longer than 1, by decreasing stride (a stable insertion sort: n <= 64), in
        // primitive arrays: this runs on every export.
        int[] big = new int[n];
        int nb = 0;
        for (int i = 0; i < n; i++) {
            if (shape[i] == 0) {
                return null;
            }
            if (shape[i] > 1) {
                int at = nb++;
                while (at > 0 && strides[big[at - 1]] < strides[i]) {
                    big[at] = big[at - 1];
                    at--;
                }
                big[at] = i;
            }
        }
        long expected = itemsize;
        for (int j = nb - 1; j >= 0; j--) {
            int axis = big[j];
            if (strides[axis] != expected) {
                return null;
            }
            expected = Math.multiplyExact(expected, shape[axis]);
        }
        if (nb == n) {
            return big;
        }
        // Each length-1 axis goes before the first bigger axis that follows it logically.
        int[] order = new int[n];
        System.arraycopy(big, 0, order, 0, nb);
        int size = nb;
        for (int i = 0; i < n; i++) {
            if (shape[i] == 1) {
                int at = size;
                for (int k = 0; k < size; k++) {
                    if (order[k] > i) {
                        at = k;
                        break;
                    }
                }
                System.arraycopy(order, at, order, at + 1, size - at);
                order[at] = i;
                size++;
            }
        }
        return order;
    }

    /**
     * {@return row-major strides}: the strides docs/contract.md §3 gives a copy; the one
     * definition in arrow-bridge, {@code ViewMetadata} included (the adapter keeps its own in
     * {@code Bounds}, behind its module boundary)
     */
    public static long[] cStrides(long itemsize, long[] shape) {
        long[] st = new long[shape.length];
        long s = itemsize;
        for (int i = shape.length - 1; i >= 0; i--) {
            st[i] = s;
            s *= shape[i];
        }
        return st;
    }

    /** {@return the product of the dimensions} @throws ArithmeticException on overflow */
    static long product(long[] shape, int from) {
        long p = 1;
        for (int i = from; i < shape.length; i++) {
            p = Math.multiplyExact(p, shape[i]);
        }
        return p;
    }

    /** {@return {@code p[i]} = position of {@code i} in {@code order}} */
    static int[] inverse(int[] order) {
        int[] p = new int[order.length];
        for (int j = 0; j < order.length; j++) {
            p[order[j]] = j;
        }
        return p;
    }
}
