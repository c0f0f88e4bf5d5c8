package io.bufferbridge.internal.view;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The staging segments of {@link StridedCopy}'s staged transposes, and when to use them.
 *
 * <p>Why: a transpose's kernel writes each block into as many target lines, each in another
 * page, and every line written with an ordinary store is first read from memory
 * (read-for-ownership), which the hardware prefetcher does not follow across pages. Java cannot
 * emit a non-temporal store, but the JDK's own bulk copy does: on x86-64 with 64-byte vectors
 * ({@code MaxVectorSize} 64, AVX-512), HotSpot's disjoint array-copy stubs, which
 * {@code MemorySegment.copy} reaches through {@code Unsafe.copyMemory}, copy
 * {@value #NON_TEMPORAL_FROM} bytes (2.5 MiB) and more with non-temporal stores
 * ({@code arraycopy_avx3_large}, {@code large_threshold} in
 * {@code src/hotspot/cpu/x86/stubGenerator_x86_64_arraycopy.cpp}; on this project's machine 2,457,600-byte
 * copies from a cache-hot source into 128 MiB took 20 ms, 2,621,440-byte copies 10 ms). So a
 * staged copy runs the kernel into a staging segment that stays in cache, a band of whole
 * target rows at a time, and moves each band to its place with one {@code MemorySegment.copy}:
 * the kernel's read-for-ownership then hits the cache, the target is written once, by streaming
 * stores. Without those stores (other CPUs, {@code -XX:MaxVectorSize=32}) staging measured
 * slower than the direct kernels, so it is off there (benchmarks/RESULTS.md, "Target 2").
 *
 * <p>Memory: the shared pool holds at most {@value #SLOTS} segments of {@value #STAGE_BYTES}
 * bytes (8 MiB of native memory), each allocated on the first staged copy that finds no free
 * one, and kept for reuse (a new segment would pay its page faults again); they are freed when
 * the pool becomes unreachable ({@link Arena#ofAuto()}), in practice with the JVM. A copy takes
 * a segment for itself with an atomic swap; when all are taken (more concurrent copies than
 * {@value #SLOTS}), it runs the direct kernels instead.
 */
final class Staging {
    /** Bytes per staging segment: above {@link #NON_TEMPORAL_FROM}, with room for 128 rows of 32 KiB. */
    static final long STAGE_BYTES = 4L << 20;
    /** Staging segments of the shared pool at most. */
    static final int SLOTS = 2;
    /** The JDK's {@code large_threshold}: from this many bytes its copies store non-temporally. */
    static final long NON_TEMPORAL_FROM = 2_621_440;
    /** Targets below this size are copied directly (8 MiB: two bands and more; smaller ones stay in cache). */
    static final long MIN_TARGET = 8L << 20;
    /**
     * The fewest target rows a band may have: a band of k rows reads k elements from each source
     * row, and shorter runs than 128 (the (256,256,64) permutation's 16-row bands) measured
     * slower than the direct kernels.
     */
    static final long MIN_BAND_ROWS = 128;

    /** The pool {@code copyTo} uses: it stages only where the JDK's large copies are non-temporal. */
    static final Staging SHARED = new Staging(STAGE_BYTES, MIN_TARGET, SLOTS, true);
    /** No staging: the direct kernels always. */
    static final Staging OFF = new Staging(STAGE_BYTES, Long.MAX_VALUE, 0, false);

    private final long stageBytes;
    private final long minTarget;
    private final boolean onlyWithStreamingCopies;
    private final AtomicReferenceArray<MemorySegment> free;
    private final AtomicInteger allocated = new AtomicInteger();

    /**
     * @param stageBytes bytes per staging segment
     * @param minTarget the smallest target (bytes) that is staged
     * @param slots staging segments at most
     * @param onlyWithStreamingCopies stage only where the JDK's large copies are non-temporal
     *     (false in tests, which run the staged path with small segments anywhere)
     */
    Staging(long stageBytes, long minTarget, int slots, boolean onlyWithStreamingCopies) {
        this.stageBytes = stageBytes;
        this.minTarget = minTarget;
        this.onlyWithStreamingCopies = onlyWithStreamingCopies;
        this.free = new AtomicReferenceArray<>(slots);
    }

    /**
     * {@return the target rows per band for a 2-D transpose copy of {@code rows} target rows of
     * {@code rowBytes} each, or 0 when it goes direct}: too small a target, bands too short, or
     * a single band.
     */
    long bandRows(long rows, long rowBytes) {
        if (rows * rowBytes < minTarget) {
            return 0;
        }
        long band = stageBytes / rowBytes;
        return band >= MIN_BAND_ROWS && band < rows ? band : 0;
    }

    /**
     * {@return a staging segment for this copy alone, or null when none is free (or staging is
     * off here)}; give it back with {@link #giveBack}.
     */
    MemorySegment borrow() {
        if (onlyWithStreamingCopies && !StreamingCopies.HERE) {
            return null;
        }
        for (int i = 0; i < free.length(); i++) {
            MemorySegment s = free.getAndSet(i, null);
            if (s != null) {
                return s;
            }
        }
        int n;
        do {
            n = allocated.get();
            if (n >= free.length()) {
                return null;
            }
        } while (!allocated.compareAndSet(n, n + 1));
        // Page-aligned: the bands' copies then start on a line, and no line is shared with
        // other data.
        return Arena.ofAuto().allocate(stageBytes, 4096);
    }

    /** Returns a segment from {@link #borrow()} for the next copy. */
    void giveBack(MemorySegment stage) {
        // At most free.length() segments exist, so a slot is always empty for it.
        for (int i = 0; i < free.length(); i++) {
            if (free.compareAndSet(i, null, stage)) {
                return;
            }
        }
    }

    /** {@return segments allocated so far} (the tests check the bound) */
    int allocated() {
        return allocated.get();
    }

    /**
     * Whether HotSpot's copies of {@link #NON_TEMPORAL_FROM} bytes and more use non-temporal
     * stores here: x86-64 with {@code MaxVectorSize} 64. Asked once, on the first copy that
     * would be staged (reading the flag through the management bean costs about 20 ms); false
     * when {@code jdk.management} is not in the boot layer.
     */
    private static final class StreamingCopies {
        static final boolean HERE = ask();

        private static boolean ask() {
            String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
            if (!arch.equals("amd64") && !arch.equals("x86_64")) {
                return false;
            }
            if (ModuleLayer.boot().findModule("jdk.management").isEmpty()) {
                return false;
            }
            try {
                var vm = java.lang.management.ManagementFactory
                        .getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
                return vm != null && "64".equals(vm.getVMOption("MaxVectorSize").getValue());
            } catch (LinkageError | IllegalArgumentException | SecurityException absent) {
                // Not readable from this layer, or not a HotSpot VM (no such option).
                return false;
            }
        }
    }
}
