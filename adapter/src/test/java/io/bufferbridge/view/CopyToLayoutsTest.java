package io.bufferbridge.view;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.bufferbridge.format.Format;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@code copyTo}/{@code toBytes} against a byte-by-byte reference, on layouts that take every path
 * of the copy: dense, stepped (negative steps included), transposed and permuted (the tiled copy,
 * with tiles cut short at the edges), for item sizes 1, 2, 3, 4, 8 and 16, in C and F order.
 */
class CopyToLayoutsTest {

    private static byte[] reference(BufferView v, Order order) {
        long[] shape = v.shape();
        long[] strides = v.strides();
        int n = shape.length;
        long itemsize = v.itemsize();
        byte[] out = new byte[Math.toIntExact(v.byteLength())];
        long count = v.elementCount();
        long[] index = new long[n];
        MemorySegment m = v.memory();
        for (long e = 0; e < count; e++) {
            long rest = e;
            // e-th element in the requested order: C varies the last axis fastest, F the first.
            for (int k = 0; k < n; k++) {
                int axis = order == Order.F ? k : n - 1 - k;
                index[axis] = rest % shape[axis];
                rest /= shape[axis];
            }
            long pos = v.offset();
            for (int k = 0; k < n; k++) {
                pos += index[k] * strides[k];
            }
            MemorySegment.copy(m, pos, MemorySegment.ofArray(out), e * itemsize, itemsize);
        }
        return out;
    }

    private static void check(BufferView v) {
        for (Order order : new Order[] {Order.C, Order.F}) {
            byte[] want = reference(v, order);
            assertArrayEquals(want, v.toBytes(order), () -> "order=" + order + " " + v);
            // At an offset inside a larger target.
            byte[] big = new byte[want.length + 11];
            v.copyTo(MemorySegment.ofArray(big), 5, order);
            assertArrayEquals(want, Arrays.copyOfRange(big, 5, 5 + want.length), () -> "offset 5, order=" + order + " " + v);
        }
    }

    @Test
    void everyLayoutCopiesAsTheReference() {
        Random random = new Random(7);
        String[] formats = {"B", "h", "3s", "i", "q", "Zd"};
        for (int round = 0; round < 400; round++) {
            String format = formats[round % formats.length];
            int ndim = 1 + random.nextInt(4);
            long[] shape = new long[ndim];
            for (int k = 0; k < ndim; k++) {
                shape[k] = 1 + random.nextInt(ndim == 1 ? 300 : ndim == 2 ? 90 : 14);
            }
            try (Arena arena = Arena.ofConfined()) {
                long count = Arrays.stream(shape).reduce(1, Math::multiplyExact);
                MemorySegment m = arena.allocate(count * Format.of(format).itemsize());
                for (long b = 0; b < m.byteSize(); b++) {
                    m.set(ValueLayout.JAVA_BYTE, b, (byte) random.nextInt());
                }
                BufferView base = BufferView.ofSegment(m, format, shape);
                BufferView v = base;
                if (random.nextBoolean()) {
                    int axis = random.nextInt(ndim);
                    long step = (random.nextBoolean() ? 1 : -1) * (1 + random.nextInt(3));
                    v = step > 0 ? v.asSlice(axis, 0, shape[axis], step) : v.asSlice(axis, shape[axis] - 1, -shape[axis] - 1, step);
                }
                int[] axes = new int[ndim];
                for (int k = 0; k < ndim; k++) {
                    axes[k] = k;
                }
                for (int k = ndim - 1; k > 0; k--) {
                    int j = random.nextInt(k + 1);
                    int t = axes[k];
                    axes[k] = axes[j];
                    axes[j] = t;
                }
                v = v.asPermuted(axes);
                check(v);
                check(base.asTransposed());
            }
        }
    }

    @Test
    void aLargeTransposeCutsTilesAtTheEdges() {
        for (String format : new String[] {"i", "q", "h"}) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment m = arena.allocate(203L * 77 * Format.of(format).itemsize());
                for (long b = 0; b < m.byteSize(); b++) {
                    m.set(ValueLayout.JAVA_BYTE, b, (byte) (b * 31 + 7));
                }
                BufferView base = BufferView.ofSegment(m, format, 203, 77);
                check(base.asTransposed());
                check(base.asSlice(1, 76, -78, -1).asTransposed());
            }
        }
    }
}
