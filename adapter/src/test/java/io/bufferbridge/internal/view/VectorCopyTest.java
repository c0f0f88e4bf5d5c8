package io.bufferbridge.internal.view;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bufferbridge.testing.Permutations;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.Order;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * {@link StridedCopy}'s vector kernels ({@link VectorCopy}) and its scalar kernels, each against an
 * element-by-element reference, on the layouts the vector kernels take and their edges: {@code [::2]}
 * of every length around the vector width and the 4,096-element slices (the last vector, the two
 * halves), unaligned offsets, 2-D transposes and permutations whose sides are and are not multiples
 * of the lanes, reversed rows, heap and native memory. Every source segment ends at the view's last
 * byte, so a kernel that read past the view would throw. The vector half runs where
 * {@code jdk.incubator.vector} is resolved (the adapter's second surefire run adds it); without it,
 * the scalar half and the fallback check run. The staged transposes ({@link Staging}) run with
 * small pools (bands of 128 rows, a last partial band, one or two segments, two threads at once)
 * and, through {@code copyTo}, with the shared pool on a 16 MiB transpose.
 */
class VectorCopyTest {

    private static final long FILL = 0x5a;

    private static boolean vectorModule() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    @Test
    void theVectorKernelsRunExactlyWhenTheModuleIsThereAndWide() {
        if (!vectorModule()) {
            // The fallback: without --add-modules the scalar kernels do everything.
            assertFalse(StridedCopy.VECTORS);
        } else {
            assertEquals(VectorCopy.usable(), StridedCopy.VECTORS);
        }
    }

    /** The view's bytes in C order, one element at a time. */
    private static byte[] reference(MemorySegment m, long offset, long z, long[] shape, long[] strides) {
        long count = Arrays.stream(shape).reduce(1, Math::multiplyExact);
        byte[] out = new byte[Math.toIntExact(count * z)];
        long[] index = new long[shape.length];
        for (long e = 0; e < count; e++) {
            long rest = e;
            long pos = offset;
            for (int k = shape.length - 1; k >= 0; k--) {
                index[k] = rest % shape[k];
                rest /= shape[k];
                pos += index[k] * strides[k];
            }
            MemorySegment.copy(m, pos, MemorySegment.ofArray(out), e * z, z);
        }
        return out;
    }

    /** Where a source lives: in native memory, in a {@code byte[]}, or in a {@code long[]}. */
    private enum Kind { NATIVE, BYTES, LONGS }

    /**
     * A source segment that ends at the view's last byte and holds {@code lead} bytes before its
     * first, filled with random bytes, of the given kind ({@link #offsetOf} gives the view's offset).
     */
    private static MemorySegment exactSource(Arena arena, Kind kind, long z, long[] shape, long[] strides, long lead,
            Random random) {
        long low = 0;
        long high = 0;
        for (int k = 0; k < shape.length; k++) {
            long far = (shape[k] - 1) * strides[k];
            low += Math.min(0, far);
            high += Math.max(0, far);
        }
        long bytes = lead + high - low + z;
        byte[] b = new byte[Math.toIntExact(bytes)];
        random.nextBytes(b);
        MemorySegment m = switch (kind) {
            case NATIVE -> arena.allocate(bytes);
            case BYTES -> MemorySegment.ofArray(b);
            case LONGS -> MemorySegment.ofArray(new long[(b.length + 7) / 8]).asSlice(0, bytes);
        };
        MemorySegment.copy(b, 0, m, ValueLayout.JAVA_BYTE, 0, b.length);
        return m;
    }

    private static long offsetOf(long[] shape, long[] strides, long lead) {
        long off = lead;
        for (int k = 0; k < shape.length; k++) {
            off -= Math.min(0, (shape[k] - 1) * strides[k]);
        }
        return off;
    }

    /** Copies with the given kernels into the middle of a larger target and checks every byte. */
    private static void check(boolean vectors, MemorySegment m, long offset, long z, long[] shape, long[] strides,
            Arena arena, boolean heapTarget) {
        check(vectors, Staging.OFF, m, offset, z, shape, strides, arena, heapTarget);
    }

    /** {@link #check(boolean, MemorySegment, long, long, long[], long[], Arena, boolean)} through {@code staging}. */
    private static void check(boolean vectors, Staging staging, MemorySegment m, long offset, long z, long[] shape,
            long[] strides, Arena arena, boolean heapTarget) {
        byte[] want = reference(m, offset, z, shape, strides);
        long at = 5;
        long size = want.length + at + 7;
        MemorySegment target = heapTarget ? MemorySegment.ofArray(new byte[(int) size]) : arena.allocate(size);
        target.fill((byte) FILL);
        StridedCopy.copy(vectors, staging, m, offset, z, shape, strides, false, false, want.length, target, at, Order.C);
        byte[] got = target.toArray(ValueLayout.JAVA_BYTE);
        String what = "vectors=" + vectors + " staged=" + (staging != Staging.OFF) + " z=" + z + " shape=" + Arrays.toString(shape) + " strides="
                + Arrays.toString(strides) + " offset=" + offset + " source=" + m + " heapTarget=" + heapTarget;
        assertArrayEquals(want, Arrays.copyOfRange(got, (int) at, (int) at + want.length), what);
        for (int k = 0; k < at; k++) {
            assertEquals((byte) FILL, got[k], what + " wrote before the target offset");
        }
        for (int k = (int) at + want.length; k < got.length; k++) {
            assertEquals((byte) FILL, got[k], what + " wrote past the copy");
        }
    }

    /** Both kernels (the vector ones where the module is resolved) on one layout, heap and native. */
    private static void both(long z, long[] shape, long[] strides, long lead, Random random) {
        try (Arena arena = Arena.ofConfined()) {
            for (Kind kind : Kind.values()) {
                MemorySegment m = exactSource(arena, kind, z, shape, strides, lead, random);
                long offset = offsetOf(shape, strides, lead);
                boolean heapTarget = kind == Kind.BYTES;
                check(false, m, offset, z, shape, strides, arena, heapTarget);
                if (vectorModule()) {
                    check(true, m, offset, z, shape, strides, arena, !heapTarget);
                }
            }
        }
    }

    @Test
    void everyOtherElementAtEveryLengthAroundTheVectorsAndSlices() {
        Random random = new Random(19);
        long[] counts = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 4095, 4096, 4097, 8191, 8193, 8 * 4096 + 1,
            8 * 4096 + 3, 5 * 4096 + 16, 2 * 4096 * 2 + 5};
        for (long z : new long[] {4, 8}) {
            for (long n : counts) {
                for (long lead : new long[] {0, 1, 3}) {
                    both(z, new long[] {n}, new long[] {2 * z}, lead, random);
                }
                // The general loop's steps, for the scalar and vector runs alike.
                both(z, new long[] {n}, new long[] {-2 * z}, 1, random);
            }
            // Stepped rows: every row a [::2] run of its own.
            both(z, new long[] {3, 4097}, new long[] {2 * z * 4097 + 24, 2 * z}, 1, random);
            both(z, new long[] {5, 33}, new long[] {-2 * z * 40, 2 * z}, 0, random);
        }
    }

    @Test
    void transposesWithAndWithoutFullBlocks() {
        Random random = new Random(23);
        long[][] sides = {{16, 16}, {8, 8}, {17, 33}, {15, 40}, {40, 15}, {64, 64}, {203, 77}, {16, 9}, {9, 16},
            {32, 48}, {7, 130}};
        for (long z : new long[] {4, 8}) {
            for (long[] rc : sides) {
                long rows = rc[0];
                long cols = rc[1];
                // (rows, cols) C-ordered, transposed: the near axis is dense in the source.
                both(z, new long[] {cols, rows}, new long[] {z, cols * z}, 0, random);
                both(z, new long[] {cols, rows}, new long[] {z, cols * z}, 3, random);
                // Rows reversed: the source's row stride is negative.
                both(z, new long[] {cols, rows}, new long[] {z, -cols * z}, 1, random);
                // Rows padded: a row stride longer than a row.
                both(z, new long[] {cols, rows}, new long[] {z, (cols + 3) * z}, 0, random);
            }
        }
    }

    @Test
    void permutationsMovingTheDenseAxis() {
        Random random = new Random(29);
        long[][] shapes = {{9, 20, 48}, {3, 17, 16}, {4, 33, 70}, {2, 16, 1}, {5, 1, 32}};
        for (long z : new long[] {4, 8}) {
            for (long[] s : shapes) {
                long[] c = {s[1] * s[2] * z, s[2] * z, z};
                // (2, 0, 1): one merged 2-D copy; (1, 2, 0) and (2, 1, 0): 2-D copies inside an outer loop.
                for (int[] axes : new int[][] {{2, 0, 1}, {1, 2, 0}, {2, 1, 0}, {0, 2, 1}}) {
                    long[] shape = new long[3];
                    long[] strides = new long[3];
                    for (int k = 0; k < 3; k++) {
                        shape[k] = s[axes[k]];
                        strides[k] = c[axes[k]];
                    }
                    both(z, shape, strides, 1, random);
                }
            }
        }
    }

    @Test
    void randomLayoutsAgreeWithTheReference() {
        Random random = new Random(31);
        for (int round = 0; round < 150; round++) {
            long z = new long[] {1, 2, 4, 8, 4, 8}[round % 6];
            int ndim = 1 + random.nextInt(3);
            long[] shape = new long[ndim];
            long[] dense = new long[ndim];
            long step = z;
            for (int k = ndim - 1; k >= 0; k--) {
                shape[k] = 1 + random.nextInt(ndim == 1 ? 200 : 50);
                dense[k] = step;
                step *= shape[k];
            }
            long[] strides = dense.clone();
            if (random.nextBoolean()) {
                int k = random.nextInt(ndim);
                strides[k] *= (random.nextBoolean() ? 1 : -1) * (1 + random.nextInt(2));
            }
            int[] axes = Permutations.random(random, ndim);
            long[] ps = new long[ndim];
            long[] pt = new long[ndim];
            for (int k = 0; k < ndim; k++) {
                ps[k] = shape[axes[k]];
                pt[k] = strides[axes[k]];
            }
            both(z, ps, pt, random.nextInt(4), random);
        }
    }

    @Test
    void aReadOnlyTargetIsRefusedByBothKernels() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment source = arena.allocate(64L * 64 * 8);
            for (boolean vectors : vectorModule() ? new boolean[] {false, true} : new boolean[] {false}) {
                for (long z : new long[] {4, 8}) {
                    // [::2] of 100 elements, and a 64×64 transpose.
                    MemorySegment small = arena.allocate(100 * z).asReadOnly();
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StridedCopy.copy(vectors,
                            source, 0, z, new long[] {100}, new long[] {2 * z}, false, false, 100 * z, small, 0, Order.C));
                    assertEquals("copy target is read-only: targetOffset=0 length=" + 100 * z + " targetSize=" + 100 * z,
                            e.getMessage());
                    MemorySegment square = arena.allocate(64 * 64 * z).asReadOnly();
                    assertThrows(IllegalArgumentException.class, () -> StridedCopy.copy(vectors, source, 0, z,
                            new long[] {64, 64}, new long[] {z, 64 * z}, false, false, 64 * 64 * z, square, 0, Order.C));
                }
            }
            // Through the public copyTo, the same refusal.
            BufferView v = BufferView.ofSegment(source.asSlice(0, 64 * 64 * 4), "i", 64, 64).asTransposed();
            MemorySegment target = arena.allocate(64 * 64 * 4).asReadOnly();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> v.copyTo(target, 0, Order.C));
            assertEquals("copy target is read-only: targetOffset=0 length=16384 targetSize=16384", e.getMessage());
        }
    }

    @Test
    void theVectorKernelsThemselvesOnFullBlocks() {
        // VectorCopy directly: a 32×48 int and a 16×24 long transpose, [::2] of 100 elements.
        assumeTrue(vectorModule(), "jdk.incubator.vector is not resolved in this run (no --add-modules)");
        try (Arena arena = Arena.ofConfined()) {
            for (long z : new long[] {4, 8}) {
                int lanes = VectorCopy.lanes(z);
                assertEquals(64 / z, lanes);
                long ni = 2L * lanes;
                long nn = 3L * lanes;
                MemorySegment s = arena.allocate(ni * nn * z);
                for (long e = 0; e < ni * nn; e++) {
                    if (z == 4) {
                        s.setAtIndex(ValueLayout.JAVA_INT, e, (int) e);
                    } else {
                        s.setAtIndex(ValueLayout.JAVA_LONG, e, e);
                    }
                }
                MemorySegment t = arena.allocate(ni * nn * z);
                VectorCopy.transpose(s, 0, nn * z, ni, nn, t, 0, ni * z, z);
                for (long n = 0; n < nn; n++) {
                    for (long i = 0; i < ni; i++) {
                        long got = z == 4 ? t.getAtIndex(ValueLayout.JAVA_INT, n * ni + i)
                                : t.getAtIndex(ValueLayout.JAVA_LONG, n * ni + i);
                        assertEquals(i * nn + n, got, "z=" + z + " n=" + n + " i=" + i);
                    }
                }
                MemorySegment d = arena.allocate(100 * z);
                VectorCopy.everyOther(s, 0, d, 0, 48, z);
                for (long k = 0; k < 48; k++) {
                    long got = z == 4 ? d.getAtIndex(ValueLayout.JAVA_INT, k) : d.getAtIndex(ValueLayout.JAVA_LONG, k);
                    assertEquals(2 * k, got, "z=" + z + " k=" + k);
                }
            }
        }
    }

    private static boolean[] kernelKinds() {
        return vectorModule() ? new boolean[] {false, true} : new boolean[] {false};
    }

    /** A pool for the tests: segments of {@code band} target rows of {@code rowBytes} and 7 bytes more, any target size. */
    private static Staging smallPool(long band, long rowBytes, int slots) {
        return new Staging(band * rowBytes + 7, 0, slots, false);
    }

    @Test
    void stagedTransposesAgreeWithTheReference() {
        // Bands of 128 target rows (the fewest a band may have), the last one 44, 1 and 127 rows
        // long or full; reversed and padded source rows; an unaligned offset; every source kind;
        // heap and native targets. The pool's allocation count proves the staged path ran.
        Random random = new Random(37);
        for (long z : new long[] {4, 8}) {
            for (long[] rc : new long[][] {{300, 40}, {257, 33}, {383, 16}, {256, 48}}) {
                long rows = rc[0];
                long cols = rc[1];
                long[] shape = {rows, cols};
                for (long[] strides : new long[][] {{z, rows * z}, {z, -rows * z}, {z, (rows + 3) * z}}) {
                    for (long lead : new long[] {0, 3}) {
                        try (Arena arena = Arena.ofConfined()) {
                            for (Kind kind : Kind.values()) {
                                MemorySegment m = exactSource(arena, kind, z, shape, strides, lead, random);
                                long offset = offsetOf(shape, strides, lead);
                                for (boolean vectors : kernelKinds()) {
                                    Staging staging = smallPool(128, cols * z, 1);
                                    assertEquals(128, staging.bandRows(rows, cols * z));
                                    check(vectors, staging, m, offset, z, shape, strides, arena, kind != Kind.BYTES);
                                    assertEquals(1, staging.allocated(), "the copy was staged");
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void theSharedPoolStagesOnlyLargeTransposesWithLongBands() {
        // The 4096² int32 transpose: bands of 256 rows (4 MiB); rows of 32 KiB: 128.
        assertEquals(256, Staging.SHARED.bandRows(4096, 4096 * 4));
        assertEquals(128, Staging.SHARED.bandRows(4096, 8192 * 4));
        assertEquals(723, Staging.SHARED.bandRows(1449, 1449 * 4));
        assertEquals(0, Staging.SHARED.bandRows(1448, 1448 * 4));
        // The (256,256,64) permutation: 16-row bands, too short; a 4 MiB target: too small;
        // rows of 64 KiB: 64-row bands.
        assertEquals(0, Staging.SHARED.bandRows(64, 65536 * 4));
        assertEquals(0, Staging.SHARED.bandRows(1024, 1024 * 4));
        assertEquals(0, Staging.SHARED.bandRows(4096, 16384 * 4));
        assertEquals(0, Staging.OFF.bandRows(4096, 4096 * 4));
        // A small pool: the band must be shorter than the copy.
        assertEquals(0, smallPool(128, 160, 1).bandRows(128, 160));
        assertEquals(128, smallPool(128, 160, 1).bandRows(129, 160));
    }

    @Test
    void aStagedCopyRefusesAReadOnlyTargetBeforeTakingASegment() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment source = arena.allocate(300 * 40 * 4);
            MemorySegment target = arena.allocate(300 * 40 * 4).asReadOnly();
            for (boolean vectors : kernelKinds()) {
                Staging staging = smallPool(128, 40 * 4, 1);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StridedCopy.copy(vectors,
                        staging, source, 0, 4, new long[] {300, 40}, new long[] {4, 1200}, false, false, 48000, target, 0,
                        Order.C));
                assertEquals("copy target is read-only: targetOffset=0 length=48000 targetSize=48000", e.getMessage());
                assertEquals(0, staging.allocated());
            }
        }
    }

    @Test
    void concurrentStagedCopiesEachGetTheirOwnBytes() throws Exception {
        // Two threads copying through one pool at once, with one segment (the copy that finds it
        // taken goes direct) and with two; every result checked whole.
        long rows = 300;
        long cols = 40;
        long z = 4;
        long[] shape = {rows, cols};
        long[] strides = {z, rows * z};
        for (int slots : new int[] {1, 2}) {
            for (boolean vectors : kernelKinds()) {
                try (Arena arena = Arena.ofShared(); ExecutorService pool = Executors.newFixedThreadPool(2)) {
                    MemorySegment[] sources = new MemorySegment[2];
                    byte[][] want = new byte[2][];
                    Random random = new Random(41 + slots);
                    for (int t = 0; t < 2; t++) {
                        sources[t] = exactSource(arena, Kind.NATIVE, z, shape, strides, 0, random);
                        want[t] = reference(sources[t], 0, z, shape, strides);
                    }
                    Staging staging = smallPool(128, cols * z, slots);
                    CyclicBarrier start = new CyclicBarrier(2);
                    List<Future<Integer>> wrong = new ArrayList<>();
                    for (int t = 0; t < 2; t++) {
                        int me = t;
                        wrong.add(pool.submit(() -> {
                            MemorySegment target = arena.allocate(want[me].length);
                            start.await();
                            int bad = 0;
                            for (int round = 0; round < 300; round++) {
                                target.fill((byte) 0);
                                StridedCopy.copy(vectors, staging, sources[me], 0, z, shape, strides, false, false,
                                        want[me].length, target, 0, Order.C);
                                if (!Arrays.equals(want[me], target.toArray(ValueLayout.JAVA_BYTE))) {
                                    bad++;
                                }
                            }
                            return bad;
                        }));
                    }
                    assertEquals(0, wrong.get(0).get(), "thread 0's wrong copies, slots=" + slots);
                    assertEquals(0, wrong.get(1).get(), "thread 1's wrong copies, slots=" + slots);
                    assertTrue(staging.allocated() >= 1 && staging.allocated() <= slots,
                            "segments allocated=" + staging.allocated() + " slots=" + slots);
                }
            }
        }
    }

    @Test
    void aLargeTransposeThroughCopyToHasExactValues() {
        // 2048² int32, 16 MiB out: staged through the shared pool where the JDK's large copies
        // are non-temporal, direct elsewhere; the same bytes either way.
        int n = 2048;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment source = arena.allocate(4L * n * n);
            for (long e = 0; e < (long) n * n; e++) {
                source.setAtIndex(ValueLayout.JAVA_INT, e, (int) e);
            }
            BufferView v = BufferView.ofSegment(source, "i", n, n).asTransposed();
            long at = 12;
            MemorySegment target = arena.allocate(4L * n * n + at + 20);
            target.fill((byte) FILL);
            v.copyTo(target, at, Order.C);
            for (long r = 0; r < n; r++) {
                for (long c = 0; c < n; c++) {
                    int got = target.get(ValueLayout.JAVA_INT_UNALIGNED, at + 4 * (r * n + c));
                    if (got != (int) (c * n + r)) {
                        assertEquals(c * n + r, got, "row=" + r + " column=" + c);
                    }
                }
            }
            for (long k = 0; k < at; k++) {
                assertEquals((byte) FILL, target.get(ValueLayout.JAVA_BYTE, k), "before the target offset: " + k);
            }
            for (long k = at + 4L * n * n; k < target.byteSize(); k++) {
                assertEquals((byte) FILL, target.get(ValueLayout.JAVA_BYTE, k), "past the copy: " + k);
            }
            v.close();
        }
    }
}
