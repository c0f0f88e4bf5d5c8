package io.bufferbridge.view;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.bufferbridge.format.Format;
import io.bufferbridge.testing.Permutations;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@code copyTo}/{@code toBytes} against a byte-by-byte reference, on layouts that take every path
 * of the copy: dense, stepped (negative steps included), transposed and permuted (the tiled copy,
 * with tiles cut short at the edges, and the blocked copy when the moved axis is dense), for item
 * sizes 1, 2, 3, 4, 8 and 16, in C and F order.
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
                int[] axes = Permutations.random(random, ndim);
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
                // Rows reversed: the near axis stays dense (the blocked copy), the other runs backwards.
                check(base.asSlice(0, 202, -204, -1).asTransposed());
            }
        }
    }

    @Test
    void aPermutationMovingTheDenseAxisCopiesInBlocks() {
        // (65, 2, 130) with the last, dense axis moved away from the end: in C order 2-D sub-copies
        // of 130 (dense in the source) × 65, one per index of the axis of 2, in blocks of 64 cut
        // at both edges; heap and native memory alike.
        for (String format : new String[] {"i", "q", "f", "d"}) {
            long itemsize = Format.of(format).itemsize();
            byte[] bytes = new byte[Math.toIntExact(65L * 2 * 130 * itemsize)];
            new Random(11).nextBytes(bytes);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment nat = arena.allocate(bytes.length);
                MemorySegment.copy(bytes, 0, nat, ValueLayout.JAVA_BYTE, 0, bytes.length);
                for (MemorySegment m : new MemorySegment[] {nat, MemorySegment.ofArray(bytes)}) {
                    BufferView base = BufferView.ofSegment(m, format, 65, 2, 130);
                    check(base.asPermuted(2, 1, 0));
                    check(base.asPermuted(1, 2, 0));
                }
            }
        }
    }

    /** Random bytes in native memory and on the heap, {@code bytes} long. */
    private static MemorySegment[] memories(Arena arena, int bytes, long seed) {
        byte[] heap = new byte[bytes];
        new Random(seed).nextBytes(heap);
        MemorySegment nat = arena.allocate(bytes);
        MemorySegment.copy(heap, 0, nat, ValueLayout.JAVA_BYTE, 0, bytes);
        return new MemorySegment[] {nat, MemorySegment.ofArray(heap)};
    }

    @Test
    void everyOtherElementCrossesChunksAtAnyOffset() {
        // [::2] of 4- and 8-byte elements goes through slices of 4,096 elements: 16,389 and 4,097
        // elements end in a partial chunk; offsets 1 and 3 are unaligned; -2 steps take the general loop.
        for (String format : new String[] {"i", "q", "f", "d"}) {
            long itemsize = Format.of(format).itemsize();
            long count = 2 * 4096 * 2 + 5;
            try (Arena arena = Arena.ofConfined()) {
                for (MemorySegment m : memories(arena, Math.toIntExact(count * 2 * itemsize + 8), 3)) {
                    for (long offset : new long[] {0, 1, 3}) {
                        BufferView v = BufferView.of(m, offset, format, itemsize, new long[] {count}, new long[] {2 * itemsize},
                                true);
                        check(v);
                        check(v.asSlice(0, 4097, 1));
                        check(BufferView.of(m, offset + (count - 1) * 2 * itemsize, format, itemsize, new long[] {count},
                                new long[] {-2 * itemsize}, true));
                        check(BufferView.of(m, offset, format, itemsize, new long[] {3, count / 3},
                                new long[] {2 * itemsize * (count / 3), 2 * itemsize}, true));
                    }
                }
            }
        }
    }

    @Test
    void mergedAxesOneElementAxesAndZeroStrides() {
        // Axes that continue each other merge ((9,7,20) permuted (2,0,1) is one (20, 63) block
        // copy read in one piece); 1-element axes drop out; zero strides (a broadcast) merge too.
        for (String format : new String[] {"i", "q", "h"}) {
            long z = Format.of(format).itemsize();
            try (Arena arena = Arena.ofConfined()) {
                for (MemorySegment m : memories(arena, Math.toIntExact(9 * 7 * 130 * z + 8), 5)) {
                    for (long offset : new long[] {0, 1}) {
                        for (long[] shape : new long[][] {{9, 7, 20}, {9, 7, 130}, {1, 40, 1, 50}, {3, 1, 70}, {65, 17, 1}}) {
                            long[] strides = new long[shape.length];
                            long step = z;
                            for (int k = shape.length - 1; k >= 0; k--) {
                                strides[k] = step;
                                step *= shape[k];
                            }
                            BufferView base = BufferView.of(m, offset, format, z, shape, strides, true);
                            check(base.asTransposed());
                            if (shape.length == 3) {
                                check(base.asPermuted(2, 0, 1));
                                check(base.asPermuted(1, 2, 0));
                                check(base.asSlice(2, shape[2] - 1, -shape[2] - 1, -1).asPermuted(2, 0, 1));
                            } else {
                                check(base.asPermuted(3, 0, 2, 1));
                            }
                        }
                        // Zero strides: a (70, 3, 20) broadcast of one 70×20 plane.
                        BufferView wide = BufferView.of(m, offset, format, z, new long[] {70, 3, 20}, new long[] {20 * z, 0, z},
                                true);
                        check(wide);
                        check(wide.asPermuted(2, 0, 1));
                        check(wide.asPermuted(1, 2, 0));
                        check(BufferView.of(m, offset, format, z, new long[] {4, 5, 30}, new long[] {0, 0, z}, true)
                                .asTransposed());
                        check(BufferView.of(m, offset, format, z, new long[] {40, 20}, new long[] {0, z}, true).asTransposed());
                    }
                }
            }
        }
    }

    @Test
    void overlappingRowsReadInOnePieceStayRight() {
        // Rows of 100 elements that start 64 elements apart (a sliding window): a block of 64 of
        // them is contiguous in the source although the rows are longer, and is read in one piece.
        for (String format : new String[] {"i", "q"}) {
            long z = Format.of(format).itemsize();
            try (Arena arena = Arena.ofConfined()) {
                for (MemorySegment m : memories(arena, Math.toIntExact((39 * 64 + 100) * z + 1), 9)) {
                    for (long offset : new long[] {0, 1}) {
                        BufferView v = BufferView.of(m, offset, format, z, new long[] {40, 100}, new long[] {64 * z, z}, true);
                        check(v.asTransposed());
                        check(v.asSlice(0, 39, -41, -1).asTransposed());
                    }
                }
            }
        }
    }
}
