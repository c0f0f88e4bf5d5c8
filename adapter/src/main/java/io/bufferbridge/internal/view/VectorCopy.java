package io.bufferbridge.internal.view;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link StridedCopy}'s kernels on the incubating Vector API, 512 bits wide: {@code [::2]} of 4-
 * and 8-byte elements by two loads and one two-vector permute per 64 bytes out, and the 2-D
 * transpose of 4- and 8-byte elements by in-register 16×16 (8×8) blocks, each source row of a
 * block one 64-byte load and each target row one 64-byte store, so every cache line is read or
 * written whole and once (HPTT's micro-kernels; benchmarks/RESULTS.md, "Target 2").
 *
 * <p>Only {@link StridedCopy} touches this class, and only after {@link StridedCopy}'s check that
 * {@code jdk.incubator.vector} is in the boot layer and {@link #usable()} holds: the library
 * works without {@code --add-modules jdk.incubator.vector}, with its scalar kernels. Bytes are moved
 * as they are (native order in and out), whatever the element type.
 */
final class VectorCopy {
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_512;
    private static final VectorSpecies<Long> LONGS = LongVector.SPECIES_512;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    /** Bytes per vector. */
    private static final int WIDTH = 64;
    /** Elements per slice of the {@code [::2]} loops: one bounds check per slice (see StridedCopy). */
    private static final int CHUNK = 1 << 12;

    /**
     * Index vectors for {@code selectFrom(a, b)} (lanes of {@code a} are 0…L−1, of {@code b} L…2L−1):
     * the even lanes of a, b; the interleaved low halves (a0 b0 a1 b1 …) and high halves.
     */
    private static final IntVector INT_EVEN = ints(k -> 2 * k);
    private static final IntVector INT_LOW = ints(k -> (k & 1) * 16 + k / 2);
    private static final IntVector INT_HIGH = ints(k -> (k & 1) * 16 + 8 + k / 2);
    private static final LongVector LONG_EVEN = longs(k -> 2 * k);
    private static final LongVector LONG_LOW = longs(k -> (k & 1) * 8 + k / 2);
    private static final LongVector LONG_HIGH = longs(k -> (k & 1) * 8 + 4 + k / 2);

    private VectorCopy() {
    }

    private static IntVector ints(java.util.function.IntUnaryOperator lane) {
        int[] a = new int[INTS.length()];
        for (int k = 0; k < a.length; k++) {
            a[k] = lane.applyAsInt(k);
        }
        return IntVector.fromArray(INTS, a, 0);
    }

    private static LongVector longs(java.util.function.IntUnaryOperator lane) {
        long[] a = new long[LONGS.length()];
        for (int k = 0; k < a.length; k++) {
            a[k] = lane.applyAsInt(k);
        }
        return LongVector.fromArray(LONGS, a, 0);
    }

    /**
     * {@return whether 512-bit vectors are the JIT's native width here}: narrower hardware (or
     * {@code -XX:MaxVectorSize} below 64) would run these species in Java, far slower than the
     * scalar kernels.
     */
    static boolean usable() {
        return IntVector.SPECIES_PREFERRED.vectorByteSize() >= WIDTH;
    }

    /** {@return elements of {@code itemsize} bytes per vector} */
    static int lanes(long itemsize) {
        return (int) (WIDTH / itemsize);
    }

    /**
     * {@code n} elements of 4 or 8 bytes from {@code pos} with a step of two elements, densely to
     * {@code at}. A vector pair also reads the odd element after its last even one, so the last
     * one to {@value #WIDTH} elements go by element loads: no read leaves the view's span. The
     * slices are taken from the two halves in turn (two read and two write streams in flight:
     * 10–20% on 32 M int64, benchmarks/RESULTS.md).
     */
    static void everyOther(MemorySegment src, long pos, MemorySegment dst, long at, long n, long itemsize) {
        long z = itemsize;
        long vectored = (n - 1) / lanes(z) * lanes(z);
        long half = vectored / 2 / CHUNK * CHUNK;
        for (long c = 0; c < half; c += CHUNK) {
            long d = c + half;
            evensTwice(src.asSlice(pos + c * 2 * z, CHUNK * 2 * z), dst.asSlice(at + c * z, CHUNK * z),
                    src.asSlice(pos + d * 2 * z, CHUNK * 2 * z), dst.asSlice(at + d * z, CHUNK * z), z);
        }
        for (long c = 2 * half; c < vectored; c += CHUNK) {
            int k = (int) Math.min(CHUNK, vectored - c);
            evens(src.asSlice(pos + c * 2 * z, k * 2 * z), dst.asSlice(at + c * z, k * z), k, z);
        }
        for (long i = vectored; i < n; i++) {
            if (z == 8) {
                dst.set(ValueLayout.JAVA_LONG_UNALIGNED, at + i * 8, src.get(ValueLayout.JAVA_LONG_UNALIGNED, pos + i * 16));
            } else {
                dst.set(ValueLayout.JAVA_INT_UNALIGNED, at + i * 4, src.get(ValueLayout.JAVA_INT_UNALIGNED, pos + i * 8));
            }
        }
    }

    /** {@link #evens} of a full chunk from each half, a vector from one and then one from the other. */
    private static void evensTwice(MemorySegment from, MemorySegment to, MemorySegment from2, MemorySegment to2, long z) {
        int bytes = (int) (CHUNK * z);
        if (z == 8) {
            for (int b = 0; b < bytes; b += WIDTH) {
                LongVector x = LongVector.fromMemorySegment(LONGS, from, 2L * b, ORDER);
                LongVector y = LongVector.fromMemorySegment(LONGS, from, 2L * b + WIDTH, ORDER);
                LongVector x2 = LongVector.fromMemorySegment(LONGS, from2, 2L * b, ORDER);
                LongVector y2 = LongVector.fromMemorySegment(LONGS, from2, 2L * b + WIDTH, ORDER);
                LONG_EVEN.selectFrom(x, y).intoMemorySegment(to, b, ORDER);
                LONG_EVEN.selectFrom(x2, y2).intoMemorySegment(to2, b, ORDER);
            }
        } else {
            for (int b = 0; b < bytes; b += WIDTH) {
                IntVector x = IntVector.fromMemorySegment(INTS, from, 2L * b, ORDER);
                IntVector y = IntVector.fromMemorySegment(INTS, from, 2L * b + WIDTH, ORDER);
                IntVector x2 = IntVector.fromMemorySegment(INTS, from2, 2L * b, ORDER);
                IntVector y2 = IntVector.fromMemorySegment(INTS, from2, 2L * b + WIDTH, ORDER);
                INT_EVEN.selectFrom(x, y).intoMemorySegment(to, b, ORDER);
                INT_EVEN.selectFrom(x2, y2).intoMemorySegment(to2, b, ORDER);
            }
        }
    }

    /** The even elements of {@code from} into {@code to}: {@code k} of them, a multiple of the lanes. */
    private static void evens(MemorySegment from, MemorySegment to, int k, long z) {
        int bytes = (int) (k * z);
        if (z == 8) {
            for (int b = 0; b < bytes; b += WIDTH) {
                LongVector x = LongVector.fromMemorySegment(LONGS, from, 2L * b, ORDER);
                LongVector y = LongVector.fromMemorySegment(LONGS, from, 2L * b + WIDTH, ORDER);
                LONG_EVEN.selectFrom(x, y).intoMemorySegment(to, b, ORDER);
            }
        } else {
            for (int b = 0; b < bytes; b += WIDTH) {
                IntVector x = IntVector.fromMemorySegment(INTS, from, 2L * b, ORDER);
                IntVector y = IntVector.fromMemorySegment(INTS, from, 2L * b + WIDTH, ORDER);
                INT_EVEN.selectFrom(x, y).intoMemorySegment(to, b, ORDER);
            }
        }
    }

    /**
     * The 2-D copy {@code target[at + n·tn + i·z] = source[pos + i·si + n·z]} for {@code i} below
     * {@code ni} and {@code n} below {@code nn}, both multiples of {@link #lanes}, by blocks of
     * lanes × lanes: along {@code n} inside, so that the source rows of a block row are read in
     * order, whole (the permutation's rows of 256 B), while each block writes one whole line per
     * target row.
     */
    static void transpose(MemorySegment s, long pos, long si, long ni, long nn, MemorySegment t, long at, long tn,
            long z) {
        int lanes = lanes(z);
        // Two block rows at a time: each target row then gets two adjacent lines in a row, the
        // second one often already fetched with the first (5–10% on the 4096² transpose,
        // benchmarks/RESULTS.md; four at a time measured no better).
        for (long i1 = 0; i1 < ni; i1 += 2L * lanes) {
            long end = Math.min(ni, i1 + 2L * lanes);
            for (long n0 = 0; n0 < nn; n0 += lanes) {
                for (long i0 = i1; i0 < end; i0 += lanes) {
                    long p = pos + i0 * si + n0 * z;
                    long q = at + n0 * tn + i0 * z;
                    if (z == 4) {
                        block16(s, p, si, t, q, tn);
                    } else {
                        block8(s, p, si, t, q, tn);
                    }
                }
            }
        }
    }

    /**
     * A 16×16 block of ints: 16 rows in, four rounds of interleaving row k with row k + 8 (after
     * them, row k holds column k), 16 rows out.
     */
    private static void block16(MemorySegment s, long p, long si, MemorySegment t, long q, long tn) {
        IntVector r0 = IntVector.fromMemorySegment(INTS, s, p, ORDER);
        IntVector r1 = IntVector.fromMemorySegment(INTS, s, p + si, ORDER);
        IntVector r2 = IntVector.fromMemorySegment(INTS, s, p + 2 * si, ORDER);
        IntVector r3 = IntVector.fromMemorySegment(INTS, s, p + 3 * si, ORDER);
        IntVector r4 = IntVector.fromMemorySegment(INTS, s, p + 4 * si, ORDER);
        IntVector r5 = IntVector.fromMemorySegment(INTS, s, p + 5 * si, ORDER);
        IntVector r6 = IntVector.fromMemorySegment(INTS, s, p + 6 * si, ORDER);
        IntVector r7 = IntVector.fromMemorySegment(INTS, s, p + 7 * si, ORDER);
        IntVector r8 = IntVector.fromMemorySegment(INTS, s, p + 8 * si, ORDER);
        IntVector r9 = IntVector.fromMemorySegment(INTS, s, p + 9 * si, ORDER);
        IntVector ra = IntVector.fromMemorySegment(INTS, s, p + 10 * si, ORDER);
        IntVector rb = IntVector.fromMemorySegment(INTS, s, p + 11 * si, ORDER);
        IntVector rc = IntVector.fromMemorySegment(INTS, s, p + 12 * si, ORDER);
        IntVector rd = IntVector.fromMemorySegment(INTS, s, p + 13 * si, ORDER);
        IntVector re = IntVector.fromMemorySegment(INTS, s, p + 14 * si, ORDER);
        IntVector rf = IntVector.fromMemorySegment(INTS, s, p + 15 * si, ORDER);
        for (int round = 0; round < 4; round++) {
            IntVector n0 = INT_LOW.selectFrom(r0, r8);
            IntVector n1 = INT_HIGH.selectFrom(r0, r8);
            IntVector n2 = INT_LOW.selectFrom(r1, r9);
            IntVector n3 = INT_HIGH.selectFrom(r1, r9);
            IntVector n4 = INT_LOW.selectFrom(r2, ra);
            IntVector n5 = INT_HIGH.selectFrom(r2, ra);
            IntVector n6 = INT_LOW.selectFrom(r3, rb);
            IntVector n7 = INT_HIGH.selectFrom(r3, rb);
            IntVector n8 = INT_LOW.selectFrom(r4, rc);
            IntVector n9 = INT_HIGH.selectFrom(r4, rc);
            IntVector na = INT_LOW.selectFrom(r5, rd);
            IntVector nb = INT_HIGH.selectFrom(r5, rd);
            IntVector nc = INT_LOW.selectFrom(r6, re);
            IntVector nd = INT_HIGH.selectFrom(r6, re);
            IntVector ne = INT_LOW.selectFrom(r7, rf);
            IntVector nf = INT_HIGH.selectFrom(r7, rf);
            r0 = n0;
            r1 = n1;
            r2 = n2;
            r3 = n3;
            r4 = n4;
            r5 = n5;
            r6 = n6;
            r7 = n7;
            r8 = n8;
            r9 = n9;
            ra = na;
            rb = nb;
            rc = nc;
            rd = nd;
            re = ne;
            rf = nf;
        }
        r0.intoMemorySegment(t, q, ORDER);
        r1.intoMemorySegment(t, q + tn, ORDER);
        r2.intoMemorySegment(t, q + 2 * tn, ORDER);
        r3.intoMemorySegment(t, q + 3 * tn, ORDER);
        r4.intoMemorySegment(t, q + 4 * tn, ORDER);
        r5.intoMemorySegment(t, q + 5 * tn, ORDER);
        r6.intoMemorySegment(t, q + 6 * tn, ORDER);
        r7.intoMemorySegment(t, q + 7 * tn, ORDER);
        r8.intoMemorySegment(t, q + 8 * tn, ORDER);
        r9.intoMemorySegment(t, q + 9 * tn, ORDER);
        ra.intoMemorySegment(t, q + 10 * tn, ORDER);
        rb.intoMemorySegment(t, q + 11 * tn, ORDER);
        rc.intoMemorySegment(t, q + 12 * tn, ORDER);
        rd.intoMemorySegment(t, q + 13 * tn, ORDER);
        re.intoMemorySegment(t, q + 14 * tn, ORDER);
        rf.intoMemorySegment(t, q + 15 * tn, ORDER);
    }

    /** An 8×8 block of longs, as {@link #block16}: three rounds of interleaving row k with row k + 4. */
    private static void block8(MemorySegment s, long p, long si, MemorySegment t, long q, long tn) {
        LongVector r0 = LongVector.fromMemorySegment(LONGS, s, p, ORDER);
        LongVector r1 = LongVector.fromMemorySegment(LONGS, s, p + si, ORDER);
        LongVector r2 = LongVector.fromMemorySegment(LONGS, s, p + 2 * si, ORDER);
        LongVector r3 = LongVector.fromMemorySegment(LONGS, s, p + 3 * si, ORDER);
        LongVector r4 = LongVector.fromMemorySegment(LONGS, s, p + 4 * si, ORDER);
        LongVector r5 = LongVector.fromMemorySegment(LONGS, s, p + 5 * si, ORDER);
        LongVector r6 = LongVector.fromMemorySegment(LONGS, s, p + 6 * si, ORDER);
        LongVector r7 = LongVector.fromMemorySegment(LONGS, s, p + 7 * si, ORDER);
        for (int round = 0; round < 3; round++) {
            LongVector n0 = LONG_LOW.selectFrom(r0, r4);
            LongVector n1 = LONG_HIGH.selectFrom(r0, r4);
            LongVector n2 = LONG_LOW.selectFrom(r1, r5);
            LongVector n3 = LONG_HIGH.selectFrom(r1, r5);
            LongVector n4 = LONG_LOW.selectFrom(r2, r6);
            LongVector n5 = LONG_HIGH.selectFrom(r2, r6);
            LongVector n6 = LONG_LOW.selectFrom(r3, r7);
            LongVector n7 = LONG_HIGH.selectFrom(r3, r7);
            r0 = n0;
            r1 = n1;
            r2 = n2;
            r3 = n3;
            r4 = n4;
            r5 = n5;
            r6 = n6;
            r7 = n7;
        }
        r0.intoMemorySegment(t, q, ORDER);
        r1.intoMemorySegment(t, q + tn, ORDER);
        r2.intoMemorySegment(t, q + 2 * tn, ORDER);
        r3.intoMemorySegment(t, q + 3 * tn, ORDER);
        r4.intoMemorySegment(t, q + 4 * tn, ORDER);
        r5.intoMemorySegment(t, q + 5 * tn, ORDER);
        r6.intoMemorySegment(t, q + 6 * tn, ORDER);
        r7.intoMemorySegment(t, q + 7 * tn, ORDER);
    }
}
