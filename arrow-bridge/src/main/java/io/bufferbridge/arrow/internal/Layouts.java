package io.bufferbridge.arrow.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Shape and stride arithmetic for docs/contract.md §2's shape rules. */
final class Layouts {
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
        List<Integer> big = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (shape[i] == 0) {
                return null;
            }
            if (shape[i] > 1) {
                big.add(i);
            }
        }
        big.sort(Comparator.comparingLong((Integer i) -> strides[i]).reversed());
        long expected = itemsize;
        for (int j = big.size() - 1; j >= 0; j--) {
            int axis = big.get(j);
            if (strides[axis] != expected) {
                return null;
            }
            expected = Math.multiplyExact(expected, shape[axis]);
        }
        List<Integer> order = new ArrayList<>(big);
        for (int i = 0; i < n; i++) {
            if (shape[i] == 1) {
                int at = order.size();
                for (int k = 0; k < order.size(); k++) {
                    if (order.get(k) > i) {
                        at = k;
                        break;
                    }
                }
                order.add(at, i);
            }
        }
        return order.stream().mapToInt(Integer::intValue).toArray();
    }

    /** {@return row-major strides} */
    static long[] cStrides(long itemsize, long[] shape) {
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

    static String join(long[] values) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            b.append(i == 0 ? "" : ",").append(values[i]);
        }
        return b.toString();
    }
}
