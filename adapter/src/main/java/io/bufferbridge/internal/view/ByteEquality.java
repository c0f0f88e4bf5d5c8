package io.bufferbridge.internal.view;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Java's {@code equals} and {@code hashCode} of views: element bytes in C order, read where they
 * lie, never copied. A valid view can have far more elements than memory (zero strides repeat
 * one, overlapping strides reuse bytes): equality compares each distinct pair of positions the
 * two views reach, with axes that repeat nothing new folded away; the hash reads a bounded prefix.
 */
public final class ByteEquality {
    private ByteEquality() {}

    /**
     * Elements hashed, at most, in C order. Equal views have equal prefixes, so the hash stays
     * consistent with {@link #equals}; a bound keeps it O(1) for a view of 2^80 elements.
     */
    static final int HASHED_ELEMENTS = 1024;

    /**
     * {@return whether two views of one shape and itemsize hold the same bytes element by element,
     * in C order}
     */
    public static boolean equals(MemorySegment a, long aOffset, long[] aStrides, MemorySegment b, long bOffset,
            long[] bStrides, long itemsize, long[] shape) {
        if (Bounds.elementCount(shape) == 0 || itemsize == 0) {
            return true;
        }
        // Equality asks only whether every pair of positions (one in each view) that an index
        // reaches holds equal bytes, not in which order or how often. So axes of length 1, and axes
        // of stride 0 in both views, are dropped; two axes with the same pair of strides reach
        // what one axis of length n1 + n2 - 1 reaches, and become one ([2] * 64 with strides
        // [1] * 64 is 65 pairs, not 2^64).
        int n = shape.length;
        long[] sh = new long[n];
        long[] sa = new long[n];
        long[] sb = new long[n];
        int m = 0;
        for (int k = 0; k < n; k++) {
            if (shape[k] == 1 || (aStrides[k] == 0 && bStrides[k] == 0)) {
                continue;
            }
            int same = -1;
            for (int j = 0; j < m && same < 0; j++) {
                same = sa[j] == aStrides[k] && sb[j] == bStrides[k] ? j : -1;
            }
            if (same >= 0 && sh[same] <= Long.MAX_VALUE - shape[k]) {
                sh[same] += shape[k] - 1;
            } else {
                sh[m] = shape[k];
                sa[m] = aStrides[k];
                sb[m++] = bStrides[k];
            }
        }
        if (m == 0) {
            return sameBytes(a, aOffset, b, bOffset, itemsize);
        }
        // The innermost axis is compared as one run where both views are dense along it.
        boolean runs = sa[m - 1] == itemsize && sb[m - 1] == itemsize;
        long[] index = new long[m];
        long pa = aOffset;
        long pb = bOffset;
        while (true) {
            if (runs) {
                if (!sameBytes(a, pa, b, pb, sh[m - 1] * itemsize)) {
                    return false;
                }
            } else {
                for (long i = 0; i < sh[m - 1]; i++) {
                    if (!sameBytes(a, pa + i * sa[m - 1], b, pb + i * sb[m - 1], itemsize)) {
                        return false;
                    }
                }
            }
            int k = m - 2;
            while (k >= 0) {
                if (++index[k] < sh[k]) {
                    pa += sa[k];
                    pb += sb[k];
                    break;
                }
                pa -= (sh[k] - 1) * sa[k];
                pb -= (sh[k] - 1) * sb[k];
                index[k] = 0;
                k--;
            }
            if (k < 0) {
                return true;
            }
        }
    }

    /** {@return a hash of the bytes of the first {@value #HASHED_ELEMENTS} elements in C order} */
    public static int hash(MemorySegment m, long offset, long[] strides, long itemsize, long[] shape) {
        int[] h = {1};
        Bounds.forEachC(offset, shape, strides, HASHED_ELEMENTS, (i, pos) -> {
            for (long j = 0; j < itemsize; j++) {
                h[0] = 31 * h[0] + m.get(ValueLayout.JAVA_BYTE, pos + j);
            }
        });
        return h[0];
    }

    private static boolean sameBytes(MemorySegment a, long pa, MemorySegment b, long pb, long length) {
        return MemorySegment.mismatch(a, pa, pa + length, b, pb, pb + length) == -1;
    }
}
