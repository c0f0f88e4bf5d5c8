package io.bufferbridge.internal.view;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Java's {@code equals} and {@code hashCode} of views: element bytes in C order, read where they
 * lie, never copied. A valid view can have far more elements than memory (zero strides repeat
 * one): an axis on which both views have stride 0 repeats the same bytes in both, so it is
 * compared once; the hash reads a bounded prefix.
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
        int n = shape.length;
        // Axes of length 1, or of stride 0 in both views, give nothing new: drop them.
        long[] sh = new long[n];
        long[] sa = new long[n];
        long[] sb = new long[n];
        int m = 0;
        for (int k = 0; k < n; k++) {
            if (shape[k] != 1 && (aStrides[k] != 0 || bStrides[k] != 0)) {
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
