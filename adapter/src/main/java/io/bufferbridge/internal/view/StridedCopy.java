package io.bufferbridge.internal.view;

import io.bufferbridge.view.Order;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Copies a strided view's element bytes into a dense target in C or Fortran order
 * ({@code memoryview.tobytes(order)}, {@code PyBuffer_ToContiguous}): a single bulk copy when the
 * source is already dense in that order, tiles or blocks for a transpose or permutation, unrolled
 * runs for steps. One copy is one instance; it holds the source geometry for the kernels.
 */
public final class StridedCopy {
    /**
     * Whether the {@link VectorCopy} kernels run: only when {@code jdk.incubator.vector} was
     * resolved at startup ({@code --add-modules jdk.incubator.vector}; the adapter requires it
     * {@code static}) and vectors of 512 bits are native here. Otherwise {@link VectorCopy} is
     * never loaded and the scalar kernels below do all the work.
     */
    static final boolean VECTORS = vectorsUsable();

    private static boolean vectorsUsable() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return false;
        }
        try {
            return VectorCopy.usable();
        } catch (LinkageError absent) {
            // The module is in the boot layer but not readable from the adapter's layer.
            return false;
        }
    }

    private final MemorySegment memory;
    private final long itemsize;
    private final long[] shape;
    private final long[] strides;
    private final boolean vectors;

    private StridedCopy(MemorySegment memory, long itemsize, long[] shape, long[] strides, boolean vectors) {
        this.memory = memory;
        this.itemsize = itemsize;
        this.shape = shape;
        this.strides = strides;
        this.vectors = vectors;
    }

    /**
     * Copies {@code length} bytes, the source's elements in {@code order}, to {@code target} at
     * {@code targetOffset}; the caller has checked that they fit and that {@code length > 0}.
     *
     * @param memory the source memory
     * @param offset byte offset of the source's element (0,…,0)
     * @param itemsize bytes per element
     * @param shape the source's dimensions
     * @param strides the source's strides, in bytes
     * @param cContiguous whether the source is C-contiguous
     * @param fContiguous whether the source is Fortran-contiguous
     * @param length the source's byte length, {@code product(shape) * itemsize}
     * @param target where the bytes go
     * @param targetOffset byte offset in {@code target}
     * @param order C, F, or A (Fortran order when the source is Fortran- but not C-contiguous)
     */
    public static void copy(MemorySegment memory, long offset, long itemsize, long[] shape, long[] strides,
            boolean cContiguous, boolean fContiguous, long length, MemorySegment target, long targetOffset,
            Order order) {
        copy(VECTORS, Staging.SHARED, memory, offset, itemsize, shape, strides, cContiguous, fContiguous, length,
                target, targetOffset, order);
    }

    /**
     * {@link #copy(MemorySegment, long, long, long[], long[], boolean, boolean, long, MemorySegment, long, Order)}
     * with the kernels chosen: {@code vectors} true only where {@link #VECTORS} is (the tests run
     * both kinds on the same layouts), never staged.
     */
    static void copy(boolean vectors, MemorySegment memory, long offset, long itemsize, long[] shape, long[] strides,
            boolean cContiguous, boolean fContiguous, long length, MemorySegment target, long targetOffset,
            Order order) {
        copy(vectors, Staging.OFF, memory, offset, itemsize, shape, strides, cContiguous, fContiguous, length, target,
                targetOffset, order);
    }

    /**
     * {@link #copy(boolean, MemorySegment, long, long, long[], long[], boolean, boolean, long, MemorySegment, long, Order)}
     * with large transposes staged through {@code staging}'s segments (the tests pass pools with
     * small segments and thresholds).
     */
    static void copy(boolean vectors, Staging staging, MemorySegment memory, long offset, long itemsize, long[] shape,
            long[] strides, boolean cContiguous, boolean fContiguous, long length, MemorySegment target,
            long targetOffset, Order order) {
        // Refused before any kernel runs, with the type a JDK segment write throws (the vector
        // stores would throw UnsupportedOperationException instead).
        if (target.isReadOnly()) {
            throw new IllegalArgumentException("copy target is read-only: targetOffset=" + targetOffset + " length="
                    + length + " targetSize=" + target.byteSize());
        }
        new StridedCopy(memory, itemsize, shape, strides, vectors).copy(staging, offset, cContiguous, fContiguous,
                length, target, targetOffset, order);
    }

    private void copy(Staging staging, long offset, boolean cContiguous, boolean fContiguous, long length,
            MemorySegment target, long targetOffset, Order order) {
        boolean fortran = order == Order.F || (order == Order.A && fContiguous && !cContiguous);
        if ((fortran ? fContiguous : cContiguous)) {
            MemorySegment.copy(memory, offset, target, targetOffset, length);
            return;
        }
        // The geometry in the target's order, without 1-element axes, and with an axis merged into
        // the one outside it where the source continues it (outer stride = inner stride × inner
        // length, which holds for negative and zero strides too): (256,256,64) permuted (2,0,1)
        // becomes one 2-D (64, 65536) transpose whose blocks read contiguous source rows, instead
        // of 256 transposes of 64 × 256 elements.
        int n = shape.length;
        long[] dims = new long[n];
        long[] steps = new long[n];
        int m = 0;
        for (int k = 0; k < n; k++) {
            int axis = fortran ? n - 1 - k : k;
            long len = shape[axis];
            long stride = strides[axis];
            if (len == 1) {
                continue;
            }
            if (m > 0 && steps[m - 1] == stride * len) {
                dims[m - 1] *= len;
                steps[m - 1] = stride;
            } else {
                dims[m] = len;
                steps[m] = stride;
                m++;
            }
        }
        if (m == 0) {
            MemorySegment.copy(memory, offset, target, targetOffset, itemsize);
            return;
        }
        StridedCopy c = new StridedCopy(memory, itemsize, Arrays.copyOf(dims, m), Arrays.copyOf(steps, m), vectors);
        // A transpose (the blocked copy: 2-D, the target's rows dense in the source) of a large
        // target goes through a cached staging segment, see Staging.
        long band = m == 2 && Math.abs(steps[1]) > itemsize && isBlocked(itemsize, steps[0], dims[0], dims[1])
                ? staging.bandRows(dims[0], dims[1] * itemsize) : 0;
        MemorySegment stage = band > 0 ? staging.borrow() : null;
        if (stage == null) {
            c.copyC(offset, target, targetOffset);
            return;
        }
        try {
            c.copyStaged(offset, target, targetOffset, band, stage);
        } finally {
            staging.giveBack(stage);
        }
    }

    /**
     * The 2-D blocked copy by bands of {@code band} target rows: each band by the kernels into
     * {@code stage} (kept in cache, so the kernels' stores find their lines there), then to its
     * place in the target with one bulk copy (the JDK's, non-temporal from 2.5 MiB: see
     * {@link Staging}). A band is {@code band} source columns, all source rows.
     */
    private void copyStaged(long offset, MemorySegment target, long targetOffset, long band, MemorySegment stage) {
        long rows = shape[0];
        long rowBytes = shape[1] * itemsize;
        for (long r0 = 0; r0 < rows; r0 += band) {
            long k = Math.min(band, rows - r0);
            long from = offset + r0 * strides[0];
            if (k == 1) {
                // The last band, one row: one source column.
                copyRun(from, strides[1], stage, 0, itemsize, shape[1]);
            } else {
                new StridedCopy(memory, itemsize, new long[] {k, shape[1]}, strides, vectors).copyC(from, stage, 0);
            }
            MemorySegment.copy(stage, 0, target, targetOffset + r0 * rowBytes, k * rowBytes);
        }
    }

    /** Copies into C order; every axis has more than one element and no two can be merged. */
    private void copyC(long offset, MemorySegment target, long targetOffset) {
        int n = shape.length;
        int[] axes = new int[n];
        for (int k = 0; k < n; k++) {
            axes[k] = k;
        }
        long[] targetStrides = new long[n];
        long step = itemsize;
        for (int k = n - 1; k >= 0; k--) {
            targetStrides[k] = step;
            step *= shape[k];
        }
        // When the innermost target axis jumps through memory and another axis is closer to
        // dense in the source (a transpose, a permutation), copy those two axes in tiles, so that
        // both the reads and the writes of a tile stay in cache; the other axes loop outside.
        int inner = n - 1;
        int near = -1;
        if (n >= 2 && Math.abs(strides[inner]) != itemsize) {
            for (int k = 0; k < n - 1; k++) {
                if (near < 0 || Math.abs(strides[k]) < Math.abs(strides[near])) {
                    near = k;
                }
            }
            if (Math.abs(strides[near]) >= Math.abs(strides[inner])) {
                near = -1;
            }
        }
        if (near >= 0) {
            int[] outer = new int[n - 2];
            int m = 0;
            for (int k = 0; k < n - 1; k++) {
                if (k != near) {
                    outer[m++] = k;
                }
            }
            // The blocked copy's buffers, once per copy: the outer axes call it many times.
            boolean blocked = isBlocked(itemsize, strides[near], shape[near], shape[inner]);
            // The vector kernels need no buffers: a block goes through registers.
            boolean vectorBlocks = blocked && vectors && shape[inner] >= VectorCopy.lanes(itemsize)
                    && shape[near] >= VectorCopy.lanes(itemsize);
            Blocks blocks = blocked && !vectorBlocks ? new Blocks(itemsize == 4) : null;
            copyTiles(outer, 0, offset, target, targetOffset, targetStrides, inner, near, blocks, vectorBlocks);
            return;
        }
        copyAxes(axes, 0, offset, target, targetOffset, targetStrides);
    }

    private void copyAxes(int[] axes, int level, long pos, MemorySegment target, long at, long[] targetStrides) {
        int axis = axes[level];
        long n = shape[axis];
        long stride = strides[axis];
        if (level == axes.length - 1) {
            copyRun(pos, stride, target, at, itemsize, n);
            return;
        }
        for (long i = 0; i < n; i++) {
            copyAxes(axes, level + 1, pos + i * stride, target, at + i * targetStrides[axis], targetStrides);
        }
    }

    /**
     * A tile is {@value #TILE_RUN} elements along the source's nearly dense axis (a run: one
     * read burst, {@value #TILE_RUN} target lines written) by {@value #TILE_ROWS} along the target's
     * innermost axis (which fills those target lines). Shorter runs did better than square tiles
     * on a 4096×4096 int32 transpose (benchmarks/RESULTS.md).
     */
    private static final long TILE_RUN = 8;
    private static final long TILE_ROWS = 64;

    private void copyTiles(int[] outer, int level, long pos, MemorySegment target, long at, long[] targetStrides,
            int inner, int near, Blocks blocks, boolean vectorBlocks) {
        if (level < outer.length) {
            int axis = outer[level];
            for (long i = 0; i < shape[axis]; i++) {
                copyTiles(outer, level + 1, pos + i * strides[axis], target, at + i * targetStrides[axis], targetStrides,
                        inner, near, blocks, vectorBlocks);
            }
            return;
        }
        long ni = shape[inner];
        long nn = shape[near];
        long si = strides[inner];
        long sn = strides[near];
        long ti = targetStrides[inner];
        long tn = targetStrides[near];
        if (vectorBlocks) {
            copyVectorBlocks(pos, si, ni, nn, target, at, tn);
            return;
        }
        if (blocks != null) {
            copyBlocks(pos, si, ni, nn, target, at, tn, blocks);
            return;
        }
        for (long n0 = 0; n0 < nn; n0 += TILE_RUN) {
            long runs = Math.min(TILE_RUN, nn - n0);
            for (long i0 = 0; i0 < ni; i0 += TILE_ROWS) {
                long rows = Math.min(TILE_ROWS, ni - i0);
                long from = pos + i0 * si + n0 * sn;
                long to = at + i0 * ti + n0 * tn;
                if (runs == TILE_RUN && itemsize == 4) {
                    tile4(memory, from, si, sn, target, to, ti, tn, rows);
                } else if (runs == TILE_RUN && itemsize == 8) {
                    tile8(memory, from, si, sn, target, to, ti, tn, rows);
                } else {
                    for (long i = 0; i < rows; i++) {
                        copyRun(from + i * si, sn, target, to + i * ti, tn, runs);
                    }
                }
            }
        }
    }

    /**
     * The blocked copy, for the 2-D copy whose near axis is dense in the source (a transpose, a
     * permutation that moves the last axis): blocks of up to {@value #BLOCK_NEAR} elements along
     * the near axis by as many along the target's innermost axis as make {@value #BLOCK_ELEMENTS}.
     * Rows of a block are read and written with bulk copies through two Java arrays, and
     * transposed between them: with power-of-two strides (a 4096×4096 transpose, 16 KiB per row)
     * direct element loads and stores of a block fall into the same few cache sets and evict each
     * other, which the arrays avoid. When the near axis is short, a block is many of its rows
     * long, so that each target row written is long too (the (256,256,64) permutation writes rows
     * of 1 KiB instead of 256 B), and when the source rows of a block follow each other it is read
     * with one bulk copy.
     */
    private static final int BLOCK_NEAR = 64;
    private static final int BLOCK_ELEMENTS = 64 * 64;
    /** The blocked copy's shortest axis: below it, the tiles' element loads win. */
    private static final long MIN_BLOCKED = 16;

    /**
     * {@return whether the near axis (the one closest to dense in the source) and the inner
     * target axis go by the blocked copy}: 4- or 8-byte elements, the near axis dense, both axes
     * long enough. The staged copy asks the same of a 2-D copy, so it stages only what the
     * blocked copy would do.
     */
    private static boolean isBlocked(long itemsize, long nearStride, long nearLength, long innerLength) {
        return nearStride == itemsize && (itemsize == 4 || itemsize == 8) && innerLength >= MIN_BLOCKED
                && nearLength >= MIN_BLOCKED;
    }

    /** The two Java arrays a block passes through, and their element layout. */
    private record Blocks(ValueLayout layout, Object in, Object out) {
        Blocks(boolean ints) {
            this(ints ? ValueLayout.JAVA_INT_UNALIGNED : ValueLayout.JAVA_LONG_UNALIGNED,
                    ints ? new int[BLOCK_ELEMENTS] : new long[BLOCK_ELEMENTS],
                    ints ? new int[BLOCK_ELEMENTS] : new long[BLOCK_ELEMENTS]);
        }
    }

    /**
     * {@link #copyBlocks}'s work by {@link VectorCopy#transpose} (no arrays: a block's lines go
     * from the source to registers to the target), its full blocks; the rows and columns left
     * over at the two far edges (fewer than a vector's lanes each) by element runs.
     */
    private void copyVectorBlocks(long pos, long si, long ni, long nn, MemorySegment target, long at, long tn) {
        int lanes = VectorCopy.lanes(itemsize);
        long fi = ni / lanes * lanes;
        long fn = nn / lanes * lanes;
        VectorCopy.transpose(memory, pos, si, fi, fn, target, at, tn, itemsize);
        for (long n = 0; n < nn; n++) {
            long from = pos + n * itemsize;
            long to = at + n * tn;
            if (n < fn) {
                copyRun(from + fi * si, si, target, to + fi * itemsize, itemsize, ni - fi);
            } else {
                copyRun(from, si, target, to, itemsize, ni);
            }
        }
    }

    private void copyBlocks(long pos, long si, long ni, long nn, MemorySegment target, long at, long tn,
            Blocks blocks) {
        ValueLayout e = blocks.layout();
        Object in = blocks.in();
        Object out = blocks.out();
        int bn = (int) Math.min(nn, BLOCK_NEAR);
        int bi = (int) Math.min(ni, BLOCK_ELEMENTS / bn);
        for (long i0 = 0; i0 < ni; i0 += bi) {
            int ci = (int) Math.min(bi, ni - i0);
            for (long n0 = 0; n0 < nn; n0 += bn) {
                int cn = (int) Math.min(bn, nn - n0);
                long from = pos + i0 * si + n0 * itemsize;
                if (cn * itemsize == si) {
                    // The block's source rows follow each other: one read.
                    MemorySegment.copy(memory, e, from, in, 0, ci * cn);
                } else {
                    for (int i = 0; i < ci; i++) {
                        MemorySegment.copy(memory, e, from + i * si, in, i * cn, cn);
                    }
                }
                transposeBlock(in, out, ci, cn);
                long to = at + n0 * tn + i0 * itemsize;
                for (int n = 0; n < cn; n++) {
                    MemorySegment.copy(out, n * ci, target, e, to + n * tn, ci);
                }
            }
        }
    }

    /** {@code out[n][i] = in[i][n]} for a block of {@code ci} rows of {@code cn} elements. */
    private static void transposeBlock(Object in, Object out, int ci, int cn) {
        if (ci == BLOCK_NEAR && cn == BLOCK_NEAR) {
            transposeSquare(in, out);
            return;
        }
        if (in instanceof int[] a) {
            int[] b = (int[]) out;
            for (int i = 0; i < ci; i++) {
                for (int n = 0; n < cn; n++) {
                    b[n * ci + i] = a[i * cn + n];
                }
            }
        } else {
            long[] a = (long[]) in;
            long[] b = (long[]) out;
            for (int i = 0; i < ci; i++) {
                for (int n = 0; n < cn; n++) {
                    b[n * ci + i] = a[i * cn + n];
                }
            }
        }
    }

    /**
     * {@link #transposeBlock} of a full square block: with the constant row length the JIT's
     * address arithmetic is cheaper, which measured faster on the 4096×4096 transpose than the
     * general loop.
     */
    private static void transposeSquare(Object in, Object out) {
        if (in instanceof int[] a) {
            int[] b = (int[]) out;
            for (int i = 0; i < BLOCK_NEAR; i++) {
                for (int n = 0; n < BLOCK_NEAR; n++) {
                    b[n * BLOCK_NEAR + i] = a[i * BLOCK_NEAR + n];
                }
            }
        } else {
            long[] a = (long[]) in;
            long[] b = (long[]) out;
            for (int i = 0; i < BLOCK_NEAR; i++) {
                for (int n = 0; n < BLOCK_NEAR; n++) {
                    b[n * BLOCK_NEAR + i] = a[i * BLOCK_NEAR + n];
                }
            }
        }
    }

    /** A full tile of 4-byte elements: each row a run of 8 along the source's nearly dense axis. */
    private static void tile4(MemorySegment m, long from, long si, long sn, MemorySegment t, long to, long ti, long tn,
            long rows) {
        ValueLayout.OfInt e = ValueLayout.JAVA_INT_UNALIGNED;
        for (long i = 0; i < rows; i++) {
            long p = from + i * si;
            long a = to + i * ti;
            int v0 = m.get(e, p);
            int v1 = m.get(e, p + sn);
            int v2 = m.get(e, p + 2 * sn);
            int v3 = m.get(e, p + 3 * sn);
            int v4 = m.get(e, p + 4 * sn);
            int v5 = m.get(e, p + 5 * sn);
            int v6 = m.get(e, p + 6 * sn);
            int v7 = m.get(e, p + 7 * sn);
            t.set(e, a, v0);
            t.set(e, a + tn, v1);
            t.set(e, a + 2 * tn, v2);
            t.set(e, a + 3 * tn, v3);
            t.set(e, a + 4 * tn, v4);
            t.set(e, a + 5 * tn, v5);
            t.set(e, a + 6 * tn, v6);
            t.set(e, a + 7 * tn, v7);
        }
    }

    /** A full tile of 8-byte elements, as {@link #tile4}. */
    private static void tile8(MemorySegment m, long from, long si, long sn, MemorySegment t, long to, long ti, long tn,
            long rows) {
        ValueLayout.OfLong e = ValueLayout.JAVA_LONG_UNALIGNED;
        for (long i = 0; i < rows; i++) {
            long p = from + i * si;
            long a = to + i * ti;
            long v0 = m.get(e, p);
            long v1 = m.get(e, p + sn);
            long v2 = m.get(e, p + 2 * sn);
            long v3 = m.get(e, p + 3 * sn);
            long v4 = m.get(e, p + 4 * sn);
            long v5 = m.get(e, p + 5 * sn);
            long v6 = m.get(e, p + 6 * sn);
            long v7 = m.get(e, p + 7 * sn);
            t.set(e, a, v0);
            t.set(e, a + tn, v1);
            t.set(e, a + 2 * tn, v2);
            t.set(e, a + 3 * tn, v3);
            t.set(e, a + 4 * tn, v4);
            t.set(e, a + 5 * tn, v5);
            t.set(e, a + 6 * tn, v6);
            t.set(e, a + 7 * tn, v7);
        }
    }

    /** Elements per chunk of {@link #copyEveryOther}. */
    private static final int CHUNK = 1 << 12;

    /**
     * Every other 4- or 8-byte element ({@code [::2]}) into a dense run. The loop goes over
     * slices of {@value #CHUNK} elements with an {@code int} index and a constant step, which lets
     * the JIT check each slice's bounds once instead of at every access: 1.3–1.6× faster than
     * the unrolled {@code long} loop of {@link #copyRun} on 32 M int64 (benchmarks/RESULTS.md).
     */
    private void copyEveryOther(long pos, MemorySegment target, long at, long n) {
        for (long c = 0; c < n; c += CHUNK) {
            int k = (int) Math.min(CHUNK, n - c);
            MemorySegment from = memory.asSlice(pos + c * 2 * itemsize, (2L * k - 1) * itemsize);
            MemorySegment to = target.asSlice(at + c * itemsize, k * itemsize);
            if (itemsize == 8) {
                ValueLayout.OfLong e = ValueLayout.JAVA_LONG_UNALIGNED;
                for (int i = 0; i < k; i++) {
                    to.setAtIndex(e, i, from.getAtIndex(e, 2L * i));
                }
            } else {
                ValueLayout.OfInt e = ValueLayout.JAVA_INT_UNALIGNED;
                for (int i = 0; i < k; i++) {
                    to.setAtIndex(e, i, from.getAtIndex(e, 2L * i));
                }
            }
        }
    }

    /** Copies {@code n} elements from {@code pos} (step {@code stride}) to {@code at} (step {@code targetStride}). */
    private void copyRun(long pos, long stride, MemorySegment target, long at, long targetStride, long n) {
        if (stride == itemsize && targetStride == itemsize) {
            MemorySegment.copy(memory, pos, target, at, n * itemsize);
            return;
        }
        if (stride == 2 * itemsize && targetStride == itemsize && (itemsize == 8 || itemsize == 4)) {
            if (vectors) {
                VectorCopy.everyOther(memory, pos, target, at, n, itemsize);
            } else {
                copyEveryOther(pos, target, at, n);
            }
            return;
        }
        MemorySegment m = memory;
        switch ((int) itemsize) {
            case 8 -> {
                ValueLayout.OfLong e = ValueLayout.JAVA_LONG_UNALIGNED;
                long i = 0;
                // Four at a time: loads first, then stores (about 10% on a stepped copy).
                for (; i + 4 <= n; i += 4) {
                    long p = pos + i * stride;
                    long a = at + i * targetStride;
                    long v0 = m.get(e, p);
                    long v1 = m.get(e, p + stride);
                    long v2 = m.get(e, p + 2 * stride);
                    long v3 = m.get(e, p + 3 * stride);
                    target.set(e, a, v0);
                    target.set(e, a + targetStride, v1);
                    target.set(e, a + 2 * targetStride, v2);
                    target.set(e, a + 3 * targetStride, v3);
                }
                for (; i < n; i++) {
                    target.set(e, at + i * targetStride, m.get(e, pos + i * stride));
                }
            }
            case 4 -> {
                ValueLayout.OfInt e = ValueLayout.JAVA_INT_UNALIGNED;
                long i = 0;
                for (; i + 4 <= n; i += 4) {
                    long p = pos + i * stride;
                    long a = at + i * targetStride;
                    int v0 = m.get(e, p);
                    int v1 = m.get(e, p + stride);
                    int v2 = m.get(e, p + 2 * stride);
                    int v3 = m.get(e, p + 3 * stride);
                    target.set(e, a, v0);
                    target.set(e, a + targetStride, v1);
                    target.set(e, a + 2 * targetStride, v2);
                    target.set(e, a + 3 * targetStride, v3);
                }
                for (; i < n; i++) {
                    target.set(e, at + i * targetStride, m.get(e, pos + i * stride));
                }
            }
            case 2 -> {
                for (long i = 0; i < n; i++) {
                    target.set(ValueLayout.JAVA_SHORT_UNALIGNED, at + i * targetStride,
                            m.get(ValueLayout.JAVA_SHORT_UNALIGNED, pos + i * stride));
                }
            }
            case 1 -> {
                for (long i = 0; i < n; i++) {
                    target.set(ValueLayout.JAVA_BYTE, at + i * targetStride, m.get(ValueLayout.JAVA_BYTE, pos + i * stride));
                }
            }
            default -> {
                for (long i = 0; i < n; i++) {
                    MemorySegment.copy(m, pos + i * stride, target, at + i * targetStride, itemsize);
                }
            }
        }
    }
}
