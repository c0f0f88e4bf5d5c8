package io.bufferbridge.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowDiagnostics;
import io.bufferbridge.arrow.c.ArrowExporter;
import io.bufferbridge.arrow.c.ArrowImporter;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.arrow.c.ImportedView;
import io.bufferbridge.conformance.peer.NativePeer;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Soak and concurrency, in every mvn verify: two threads each run {@value #CYCLES} export/import cycles,
 * alternately over the {@code java} path (export, import in-process) and the {@code native} path
 * (export, the C peer moves the structs and re-exports them, import); every imported view is
 * handed to the other thread, which reads it and releases it. At the end the exporter's and the
 * importer's live counts are back where they started, every release callback ran exactly once
 * (exporter, peer and importer counters), and resident memory did not grow by more than 10%
 * between the first and the last tenth of the cycles. And a reader races the release of a
 * producer that unmaps its pages ({@link #aReaderRacesTheReleaseOfAProducerThatUnmaps}).
 */
class SoakTest {
    /** Cycles per thread; even cycles take the java path, odd ones the native path. */
    static final int CYCLES = Integer.getInteger("bufferbridge.soak.cycles", 100_000);
    /**
     * Cycles per thread run first and not measured, so the JIT has compiled the cycle. The Java heap
     * is fixed and pre-touched by the module's surefire argLine ({@code -Xms512m -Xmx512m
     * -XX:+AlwaysPreTouch}): with a growing heap, G1 expanded it by 80 MB in the middle of the
     * measured cycles once they ran three times faster, which the RSS comparison took for a leak.
     */
    static final int WARMUP = 20_000;
    static final int SAMPLE_EVERY = 1_000;

    private static final Object DONE = new Object();

    private final NativePeer peer = NativePeer.instance();

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void twoThreadsExportImportAndReleaseEachOthersViews() throws Exception {
        // warm-up: the same work, not counted in the RSS comparison
        run(WARMUP, null);

        ForeignMemory.flushReleases();
        long exporterReleases = ArrowDiagnostics.snapshot().exportReleases();
        long spurious = ArrowDiagnostics.snapshot().spuriousExportReleases();
        int exporterLive = ArrowDiagnostics.snapshot().liveExports();
        int importerLive = ArrowDiagnostics.snapshot().liveImports();
        long peerOriginal = peer.originalReleases();
        long peerSchemas = peer.schemaReleases();
        long peerArrays = peer.arrayReleases();

        List<long[]> rss = Collections.synchronizedList(new ArrayList<>());
        long t0 = System.nanoTime();
        long cycles = run(CYCLES, rss);
        double seconds = (System.nanoTime() - t0) / 1e9;

        assertEquals(2L * CYCLES, cycles, "cycles run");
        long nativeCycles = CYCLES; // every other cycle of each thread
        // every export has a root schema and a root array, each released exactly once
        ForeignMemory.flushReleases();
        assertEquals(2 * cycles, ArrowDiagnostics.snapshot().exportReleases() - exporterReleases, "exporter root releases");
        assertEquals(spurious, ArrowDiagnostics.snapshot().spuriousExportReleases(), "no release ran twice");
        assertEquals(exporterLive, ArrowDiagnostics.snapshot().liveExports(), "exporter live count back");
        assertEquals(importerLive, ArrowDiagnostics.snapshot().liveImports(), "importer live count back");
        assertEquals(2 * nativeCycles, peer.originalReleases() - peerOriginal, "peer released each original once");
        assertEquals(nativeCycles, peer.schemaReleases() - peerSchemas, "each re-exported schema released once");
        assertEquals(nativeCycles, peer.arrayReleases() - peerArrays, "each re-exported array released once");

        // resident memory: mean of the samples in the first tenth of the cycles against the last tenth
        long total = CYCLES;
        double first = rss.stream().filter(s -> s[0] <= total / 10).mapToLong(s -> s[1]).average().orElseThrow();
        double last = rss.stream().filter(s -> s[0] >= total - total / 10).mapToLong(s -> s[1]).average().orElseThrow();
        System.out.printf("soak: %d cycles in %.1f s (%.0f/s), VmRSS first tenth %.0f kB, last tenth %.0f kB (%+.1f%%)%n",
                cycles, seconds, cycles / seconds, first, last, 100 * (last - first) / first);
        if (Boolean.getBoolean("bufferbridge.soak.trace")) {
            for (long[] r : rss) {
                System.out.println("soak-sample " + java.util.Arrays.toString(r));
            }
        }
        assertTrue(last <= first * 1.10, "VmRSS grew more than 10%: first=" + first + " kB last=" + last + " kB");
    }

    /** Rounds of {@link #aReaderRacesTheReleaseOfAProducerThatUnmaps}. */
    static final int RACE_ROUNDS = Integer.getInteger("bufferbridge.soak.raceRounds", 5_000);

    /**
     * Each round: a source in fresh pages that its release unmaps, exported zero-copy and closed
     * (only the export holds the pages then), imported (alternately in-process and through the C
     * peer's re-export), and read through the import's segment by another thread while this one
     * closes the view at a random moment. The reader must see the round's own values until its
     * segment refuses; the release (the unmap) must follow, once per round, with no flush: the
     * epoch closes by itself. A read of unmapped memory would kill the JVM and fail the build.
     */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aReaderRacesTheReleaseOfAProducerThatUnmaps() throws Exception {
        ForeignMemory.flushReleases();
        long exporterReleases = ArrowDiagnostics.snapshot().exportReleases();
        int importerLive = ArrowDiagnostics.snapshot().liveImports();
        ExecutorService reader = Executors.newSingleThreadExecutor();
        long reads = 0;
        UnmappedPages producer = new UnmappedPages();
        try (Arena structs = Arena.ofShared()) {
            ArrowSchema schema = ArrowSchema.allocate(structs);
            ArrowArray array = ArrowArray.allocate(structs);
            ArrowSchema outSchema = ArrowSchema.allocate(structs);
            ArrowArray outArray = ArrowArray.allocate(structs);
            for (int round = 0; round < RACE_ROUNDS; round++) {
                long[] values = new long[64];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (long) round << 8 | i;
                }
                BufferView source = producer.view(values);
                ArrowExporter.exportView(source, schema, array);
                source.close();
                BufferView v;
                if (round % 2 == 0) {
                    v = ArrowImporter.importView(schema, array);
                } else {
                    peer.reexport(schema.segment(), array.segment(), outSchema.segment(), outArray.segment());
                    v = ArrowImporter.importView(outSchema, outArray);
                }
                MemorySegment kept = v.memory();
                Future<Long> reading = reader.submit(() -> {
                    long n = 0;
                    for (int i = 0;; i = (i + 1) % values.length) {
                        long got;
                        try {
                            got = kept.getAtIndex(ValueLayout.JAVA_LONG, i);
                        } catch (IllegalStateException refused) {
                            return n;
                        }
                        if (got != values[i]) {
                            throw new AssertionError("read another round's memory: index=" + i + " value=" + got);
                        }
                        n++;
                    }
                });
                long spin = ThreadLocalRandom.current().nextLong(50_000);
                for (long k = 0; k < spin; k++) {
                    Thread.onSpinWait();
                }
                v.close();
                reads += reading.get(10, TimeUnit.SECONDS);
            }
            ForeignMemory.flushReleases();
            assertEquals(RACE_ROUNDS, producer.releases(), "every round's pages unmapped once");
        } finally {
            reader.shutdownNow();
        }
        assertEquals(2L * RACE_ROUNDS, ArrowDiagnostics.snapshot().exportReleases() - exporterReleases, "schema and array once each");
        assertEquals(importerLive, ArrowDiagnostics.snapshot().liveImports(), "importer live count back");
        assertTrue(reads > RACE_ROUNDS, "the reader read live memory: reads=" + reads);
    }

    /** Runs both threads for {@code perThread} cycles per path; returns the cycles completed. */
    private long run(int perThread, List<long[]> rss) throws Exception {
        BlockingQueue<Object> toB = new ArrayBlockingQueue<>(256);
        BlockingQueue<Object> toA = new ArrayBlockingQueue<>(256);
        AtomicLong cycles = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (Arena sources = Arena.ofShared()) {
            List<BufferView> viewsA = sourceViews(sources, 1);
            List<BufferView> viewsB = sourceViews(sources, 2);
            Future<?> a = pool.submit(() -> worker(viewsA, perThread, toB, toA, cycles, rss));
            Future<?> b = pool.submit(() -> worker(viewsB, perThread, toA, toB, cycles, null));
            try {
                a.get();
                b.get();
                // both threads have released every imported view: the exports let go of the sources
                for (BufferView v : viewsA) {
                    v.close();
                }
                for (BufferView v : viewsB) {
                    v.close();
                }
            } finally {
                // a failed worker must not leave the other one waiting, nor its views on the arena
                pool.shutdownNow();
                assertTrue(pool.awaitTermination(1, TimeUnit.MINUTES), "workers stopped");
            }
        }
        return cycles.get();
    }

    private Void worker(List<BufferView> views, int perThread, BlockingQueue<Object> outbox, BlockingQueue<Object> inbox,
            AtomicLong cycles, List<long[]> rss) throws Exception {
        List<byte[]> expected = new ArrayList<>();
        for (BufferView v : views) {
            expected.add(v.toBytes());
        }
        long[] released = new long[1];
        boolean[] otherDone = new boolean[1];
        try (Arena structs = Arena.ofConfined()) {
          // the structs are moved out by every import (and by the peer), so one set serves all cycles
          ArrowSchema schema = ArrowSchema.allocate(structs);
          ArrowArray array = ArrowArray.allocate(structs);
          ArrowSchema outSchema = ArrowSchema.allocate(structs);
          ArrowArray outArray = ArrowArray.allocate(structs);
          for (int i = 0; i < perThread; i++) {
            int k = (i / 2) % views.size();
            ArrowExporter.exportView(views.get(k), schema, array);
            ImportedView imported;
            if (i % 2 == 0) {
                imported = ArrowImporter.importPair(schema, array);
            } else {
                peer.reexport(schema.segment(), array.segment(), outSchema.segment(), outArray.segment());
                imported = ArrowImporter.importPair(outSchema, outArray);
            }
            Object[] handed = {imported.view(), expected.get(k), i};
            while (!outbox.offer(handed)) {
                drain(inbox, released, otherDone);
            }
            cycles.incrementAndGet();
            drain(inbox, released, otherDone);
            if (rss != null && i % SAMPLE_EVERY == 0) {
                Runtime rt = Runtime.getRuntime();
                rss.add(new long[] {i, vmRssKb(), rt.totalMemory() / 1024, (rt.totalMemory() - rt.freeMemory()) / 1024});
            }
          }
        }
        outbox.put(DONE);
        // release what the other thread still sends, until it is done
        while (!otherDone[0]) {
            Object o = inbox.poll(30, TimeUnit.SECONDS);
            if (o == null) {
                throw new AssertionError("the other thread sent nothing for 30 s");
            }
            take(o, released, otherDone);
        }
        ForeignMemory.flushReleases();
        assertEquals(perThread, released[0], "views released by this thread");
        return null;
    }

    private static void drain(BlockingQueue<Object> inbox, long[] released, boolean[] otherDone) {
        for (Object o = inbox.poll(); o != null; o = inbox.poll()) {
            take(o, released, otherDone);
        }
    }

    private static void take(Object o, long[] released, boolean[] otherDone) {
        if (o == DONE) {
            otherDone[0] = true;
        } else {
            release(o, released);
        }
    }

    /** Reads, then releases a view another thread imported. */
    private static void release(Object o, long[] released) {
        Object[] handed = (Object[]) o;
        BufferView v = (BufferView) handed[0];
        int i = (Integer) handed[2];
        if (i % 97 == 0) {
            assertArrayEquals((byte[]) handed[1], v.toBytes(), "bytes read from the other thread");
        }
        v.close();
        released[0]++;
        if (i % 1_000 == 0) {
            v.close(); // a second release is a no-op
            assertThrows(IllegalStateException.class, v::toBytes, "use after release");
            assertThrows(IllegalStateException.class, v::shape, "use after release");
        }
    }

    /** Zero-copy 1-d and 2-d (Fortran order: a fixed-shape tensor) views, a record and a strided slice (copies). */
    private static List<BufferView> sourceViews(Arena arena, int seed) {
        MemorySegment ints = arena.allocate(ValueLayout.JAVA_INT, 64);
        MemorySegment doubles = arena.allocate(ValueLayout.JAVA_DOUBLE, 32);
        MemorySegment records = arena.allocate(16 * 10, 8);
        for (int i = 0; i < 64; i++) {
            ints.setAtIndex(ValueLayout.JAVA_INT, i, seed * 1000 + i);
        }
        for (int i = 0; i < 32; i++) {
            doubles.setAtIndex(ValueLayout.JAVA_DOUBLE, i, seed + i / 8.0);
        }
        for (int i = 0; i < 160; i++) {
            // bytes 4..7 of each record are x padding, not data: zero, as the import gives them back
            records.set(ValueLayout.JAVA_BYTE, i, i % 16 >= 4 && i % 16 < 8 ? 0 : (byte) (seed * 31 + i));
        }
        BufferView c1 = BufferView.ofSegment(ints, "i", 64);
        BufferView f2 = BufferView.of(doubles, 0, "d", 8, new long[] {8, 4}, new long[] {8, 64}, true);
        BufferView rec = BufferView.of(records, 0, "T{i:a:4xd:b:}", 16, new long[] {10}, new long[] {16}, false);
        BufferView slice = BufferView.ofSegment(ints, "i", 8, 8).asSlice(1, 0, 8, 3);
        return List.of(c1, f2, rec, slice);
    }

    private static long vmRssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("no VmRSS in /proc/self/status");
    }
}
