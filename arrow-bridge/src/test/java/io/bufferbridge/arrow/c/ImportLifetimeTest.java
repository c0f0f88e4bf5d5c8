package io.bufferbridge.arrow.c;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bufferbridge.arrow.vector.ArrowVectors;
import io.bufferbridge.arrow.vector.VectorOfView;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The lifetime guarantee of imports (docs/contract.md, "Lifetime"), against a producer whose
 * release makes its pages unreadable: any read of released memory kills this JVM with SIGSEGV,
 * which fails the build. So each test passing shows both halves: what must stay readable is
 * read, and what is released is never touched again.
 */
class ImportLifetimeTest {
    private UnmappingProducer producer;
    private Arena structs;
    private int importsBefore;

    @BeforeEach
    void open() {
        ForeignMemory.flushReleases();
        importsBefore = ArrowDiagnostics.snapshot().liveImports();
        producer = new UnmappingProducer();
        structs = Arena.ofShared();
    }

    @AfterEach
    void close() {
        ForeignMemory.flushReleases();
        assertEquals(importsBefore, ArrowDiagnostics.snapshot().liveImports(), "every import freed");
        structs.close();
        producer.close();
    }

    private static long[] values(int n) {
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = 3L * i + 1;
        }
        return v;
    }

    private BufferView importInt64(long... values) {
        ArrowSchema s = ArrowSchema.allocate(structs);
        ArrowArray a = ArrowArray.allocate(structs);
        producer.exportInt64(s, a, values);
        return ArrowImporter.importView(s, a);
    }

    @Test
    void segmentsBufferAndViewsKeptPastTheReleaseRefuse() {
        BufferView v = importInt64(values(16));
        MemorySegment kept = v.memory();
        ByteBuffer buffer = v.asByteBuffer().order(ByteOrder.nativeOrder());
        BufferView rebuilt = BufferView.ofSegment(kept, "q", 16);
        BufferView slice = v.asSlice(4, 8, 2);
        MemorySegment sliceMemory = slice.memory();
        assertEquals(1 + 3 * 5, kept.getAtIndex(ValueLayout.JAVA_LONG, 5));
        v.close();
        ForeignMemory.flushReleases();
        assertEquals(0, producer.releases(), "the slice, a derived view, still holds the memory");
        assertEquals(List.of(13L, 19L), slice.toList());
        assertEquals(1 + 3 * 7, buffer.getLong(56), "and so everything obtained from the import still reads");
        slice.close();
        ForeignMemory.flushReleases();
        assertEquals(1, producer.releases(), "released once the last view is gone");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> kept.getAtIndex(ValueLayout.JAVA_LONG, 5));
        assertEquals("Already closed", e.getMessage());
        assertThrows(IllegalStateException.class, () -> buffer.getLong(56));
        assertThrows(IllegalStateException.class, rebuilt::toList);
        assertThrows(IllegalStateException.class, () -> sliceMemory.get(ValueLayout.JAVA_LONG, 0));
        assertThrows(IllegalStateException.class, () -> v.getLong(0));
        assertThrows(IllegalStateException.class, () -> MemorySegment.copy(kept, 0, MemorySegment.ofArray(new long[2]),
                0, 16));
    }

    @Test
    void aCopiedImportReleasesTheProducerAtOnceAndItsCopyRefusesLater() {
        ArrowSchema s = ArrowSchema.allocate(structs);
        ArrowArray a = ArrowArray.allocate(structs);
        producer.exportStruct(s, a, new long[] {1, 2, 3}, new long[] {-1, -2, -3});
        ImportedView imported = ArrowImporter.importPair(s, a);
        assertTrue(imported.copied());
        assertEquals(1, producer.releases(), "a copy needs nothing more from the producer");
        BufferView v = imported.view();
        assertEquals("T{q:a:q:b:}", v.format().text());
        MemorySegment kept = v.memory();
        assertEquals(-2, kept.get(ValueLayout.JAVA_LONG, 16 + 8));
        v.close();
        ForeignMemory.flushReleases();
        assertThrows(IllegalStateException.class, () -> kept.get(ValueLayout.JAVA_LONG, 16 + 8));
        assertEquals(1, producer.releases());
    }

    @Test
    void readersRacingTheReleaseSeeLiveValuesOrARefusal() throws Exception {
        int rounds = 300;
        int n = 512;
        long[] expected = values(n);
        AtomicLong reads = new AtomicLong();
        AtomicLong refusals = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int round = 0; round < rounds; round++) {
            BufferView v = importInt64(expected);
            MemorySegment kept = v.memory();
            ByteBuffer buffer = v.asByteBuffer().order(ByteOrder.nativeOrder());
            CountDownLatch started = new CountDownLatch(2);
            List<Thread> readers = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                int kind = r;
                Thread t = new Thread(() -> {
                    started.countDown();
                    int i = 0;
                    try {
                        // Until the segment itself refuses: then the producer may release.
                        while (true) {
                            long got;
                            try {
                                got = kind == 0 ? kept.getAtIndex(ValueLayout.JAVA_LONG, i) : buffer.getLong(8 * i);
                            } catch (IllegalStateException closed) {
                                refusals.incrementAndGet();
                                return;
                            }
                            if (got != expected[i]) {
                                throw new AssertionError("read a wrong value: index=" + i + " value=" + got);
                            }
                            try {
                                if (v.getLong(i) != expected[i]) {
                                    throw new AssertionError("view read a wrong value: index=" + i);
                                }
                            } catch (IllegalStateException released) {
                                // The view itself refuses from its close on; its memory may live on.
                            }
                            reads.incrementAndGet();
                            i = (i + 1) % n;
                        }
                    } catch (Throwable t2) {
                        failure.compareAndSet(null, t2);
                    }
                }, "reader-" + r);
                t.start();
                readers.add(t);
            }
            started.await();
            long spin = ThreadLocalRandom.current().nextLong(20_000);
            for (long k = 0; k < spin; k++) {
                Thread.onSpinWait();
            }
            v.close();
            // No flush: the epoch closes by itself (the age bound), with the readers still reading.
            for (Thread t : readers) {
                t.join(TimeUnit.SECONDS.toMillis(10));
                assertTrue(!t.isAlive(), "reader stopped: round=" + round);
            }
            if (failure.get() != null) {
                throw new AssertionError("round " + round, failure.get());
            }
            // The release follows the arena's close, which the readers saw as a refusal.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (producer.releases() < round + 1 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertEquals(round + 1, producer.releases(), "one release per round, after the readers were refused");
        }
        assertEquals(2L * rounds, refusals.get());
        assertTrue(reads.get() > rounds, "readers read live memory: reads=" + reads.get());
    }

    @Test
    void aStreamImportObeysTheSameLifetime() {
        List<BufferView> chunks = List.of(producer.view(1, 2, 3), producer.view(4, 5), producer.view(6));
        ArrowArrayStream stream = ArrowArrayStream.allocate(structs);
        ArrowStreams.exportViews(chunks, "v", stream);
        List<BufferView> back = ArrowStreams.importViews(stream);
        // Every batch has been taken: the stream let its views of the chunks go, the batches hold
        // the memory.
        chunks.forEach(BufferView::close);
        assertEquals(3, back.size());
        List<MemorySegment> kept = back.stream().map(BufferView::memory).toList();
        assertArrayEquals(new long[] {4, 5}, back.get(1).toLongArray());
        assertEquals(0, producer.releases(), "the imports hold the chunks' memory");
        back.forEach(BufferView::close);
        ForeignMemory.flushReleases();
        assertEquals(3, producer.releases(), "each chunk's memory let go once");
        for (MemorySegment m : kept) {
            assertThrows(IllegalStateException.class, () -> m.get(ValueLayout.JAVA_LONG, 0));
        }
    }

    @Test
    void aViewOfAnArrowJavaVectorKeepsItsBuffersAfterTheVectorIsClosed() {
        try (BufferAllocator allocator = new RootAllocator()) {
            BufferView source = producer.view(7, 8, 9);
            VectorOfView vector = ArrowVectors.toVector(source, "v", allocator);
            source.close();
            BufferView view = ArrowVectors.toView(vector.vector());
            vector.close();
            MemorySegment kept = view.memory();
            assertEquals(List.of(7L, 8L, 9L), view.toList(), "the view holds the vector's buffers");
            assertEquals(0, producer.releases());
            view.close();
            ForeignMemory.flushReleases();
            assertEquals(1, producer.releases());
            assertThrows(IllegalStateException.class, () -> kept.get(ValueLayout.JAVA_LONG, 0));
            assertEquals(0, allocator.getAllocatedMemory(), "allocator back at zero");
        }
    }

    private static final java.lang.foreign.Linker LINKER = java.lang.foreign.Linker.nativeLinker();

    private static java.lang.invoke.MethodHandle libc(String name, java.lang.foreign.FunctionDescriptor d) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), d);
    }

    @Test
    void aSegmentInUseByADowncallDelaysTheReleaseUntilTheCallReturns() throws Throwable {
        var pipe = libc("pipe", java.lang.foreign.FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        var read = libc("read", java.lang.foreign.FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
        var write = libc("write", java.lang.foreign.FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
        var close = libc("close", java.lang.foreign.FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        MemorySegment fds = structs.allocate(ValueLayout.JAVA_INT, 2);
        assertEquals(0, (int) pipe.invokeExact(fds));
        int readEnd = fds.getAtIndex(ValueLayout.JAVA_INT, 0);
        int writeEnd = fds.getAtIndex(ValueLayout.JAVA_INT, 1);
        BufferView v = importInt64(values(4));
        MemorySegment kept = v.memory();
        // read(2) into the import's memory blocks until the pipe has data: the downcall holds the
        // segment's scope acquired all that time, so the epoch's arena cannot close.
        java.util.concurrent.CompletableFuture<Long> blocked = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return (long) read.invokeExact(readEnd, kept, 8L);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        });
        Thread.sleep(50);
        v.close();
        ForeignMemory.flushReleases();
        Thread.sleep(50);
        assertEquals(0, producer.releases(), "the arena stays open while a downcall uses the segment");
        MemorySegment eight = structs.allocate(ValueLayout.JAVA_LONG);
        eight.set(ValueLayout.JAVA_LONG, 0, -7);
        assertEquals(8L, (long) write.invokeExact(writeEnd, eight, 8L));
        assertEquals(8L, blocked.get(5, TimeUnit.SECONDS));
        assertTimeoutPreemptively(Duration.ofSeconds(1), () -> {
            while (producer.releases() == 0) {
                Thread.sleep(1);
            }
        }, "the close is retried once the call returned");
        assertThrows(IllegalStateException.class, () -> kept.get(ValueLayout.JAVA_LONG, 0));
        assertEquals(0, (int) close.invokeExact(readEnd));
        assertEquals(0, (int) close.invokeExact(writeEnd));
    }

    @Test
    void withoutAFlushAReleaseRunsWithinTheDelayBound() {
        BufferView v = importInt64(values(4));
        long start = System.nanoTime();
        v.close();
        assertTimeoutPreemptively(Duration.ofSeconds(1), () -> {
            while (producer.releases() == 0) {
                Thread.sleep(0, 100_000);
            }
        }, "documented bound: about 1 ms after the last view of the epoch is released");
        long waited = System.nanoTime() - start;
        assertTrue(waited < TimeUnit.SECONDS.toNanos(1), "waited=" + waited);
    }
}
