package io.bufferbridge.internal.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The bounds of an epoch, each tested alone: the other bounds are set out of reach (an hour, a
 * million imports, a terabyte), so only the bound under test can seal an epoch.
 */
class EpochsTest {
    private static final long HOUR = TimeUnit.HOURS.toNanos(1);
    private final Arena arena = Arena.ofShared();

    @AfterEach
    void close() {
        arena.close();
    }

    private MemorySegment memory(long bytes) {
        return arena.allocate(bytes, 8);
    }

    @Test
    void releaseWaitsForTheEpochAndRunsAfterItsClose() {
        Epochs epochs = new Epochs(HOUR, 1_000_000, 1L << 40);
        MemorySegment raw = memory(8);
        raw.set(ValueLayout.JAVA_LONG, 0, 42);
        Epochs.Ticket t = epochs.join(raw.address(), raw.byteSize());
        MemorySegment scoped = t.scope(raw);
        AtomicInteger released = new AtomicInteger();
        t.leave(() -> {
            // The close happens before the release: no segment of the epoch is readable now.
            assertThrows(IllegalStateException.class, () -> scoped.get(ValueLayout.JAVA_LONG, 0));
            released.incrementAndGet();
        });
        assertEquals(42, scoped.get(ValueLayout.JAVA_LONG, 0), "open epoch: still readable");
        assertEquals(0, released.get(), "open epoch: release waits");
        assertEquals(1, epochs.flush());
        assertEquals(1, released.get());
        assertThrows(IllegalStateException.class, () -> scoped.get(ValueLayout.JAVA_LONG, 0));
        assertEquals(0, epochs.flush(), "nothing left to close");
        assertEquals(1, released.get(), "exactly once");
    }

    @Test
    void aLiveImportHoldsItsEpochAndEveryReleaseInIt() {
        Epochs epochs = new Epochs(HOUR, 1_000_000, 1L << 40);
        MemorySegment a = memory(8);
        MemorySegment b = memory(8);
        Epochs.Ticket ta = epochs.join(a.address(), 8);
        Epochs.Ticket tb = epochs.join(b.address(), 8);
        AtomicInteger released = new AtomicInteger();
        tb.leave(released::incrementAndGet);
        assertEquals(0, epochs.flush(), "a is alive: the sealed epoch cannot close");
        assertEquals(0, released.get());
        MemorySegment sa = ta.scope(a);
        sa.set(ValueLayout.JAVA_LONG, 0, 7);
        // The last import of a sealed epoch closes it on its own thread, without a flush.
        ta.leave(released::incrementAndGet);
        assertEquals(2, released.get());
        assertThrows(IllegalStateException.class, () -> sa.get(ValueLayout.JAVA_LONG, 0));
    }

    @Test
    void importCountBoundSealsTheEpoch() {
        Epochs epochs = new Epochs(HOUR, 3, 1L << 40);
        AtomicInteger released = new AtomicInteger();
        MemorySegment m = memory(8);
        for (int i = 0; i < 3; i++) {
            epochs.join(m.address(), 8).leave(released::incrementAndGet);
        }
        assertEquals(0, released.get(), "three imports fit");
        // The fourth seals the first epoch, which has no live import: closed at once, here.
        Epochs.Ticket fourth = epochs.join(m.address(), 8);
        assertEquals(3, released.get());
        fourth.leave(released::incrementAndGet);
        assertEquals(3, released.get());
        epochs.flush();
        assertEquals(4, released.get());
    }

    @Test
    void byteBoundSealsTheEpochAndCountsTheSameMemoryOnce() {
        Epochs epochs = new Epochs(HOUR, 1_000_000, 100);
        AtomicInteger released = new AtomicInteger();
        MemorySegment a = memory(60);
        MemorySegment b = memory(60);
        // The same 60 bytes imported again and again span 60 bytes, not 60 per import.
        for (int i = 0; i < 10; i++) {
            epochs.join(a.address(), 60).leave(released::incrementAndGet);
        }
        assertEquals(0, released.get());
        // 60 more distinct bytes would span 120 > 100: the epoch is sealed and closed first.
        Epochs.Ticket tb = epochs.join(b.address(), 60);
        assertEquals(10, released.get());
        tb.leave(released::incrementAndGet);
        epochs.flush();
        assertEquals(11, released.get());
    }

    @Test
    void anImportLargerThanTheBoundHasAnEpochOfItsOwn() {
        Epochs epochs = new Epochs(HOUR, 1_000_000, 100);
        AtomicInteger released = new AtomicInteger();
        MemorySegment small = memory(8);
        MemorySegment big = memory(1000);
        epochs.join(small.address(), 8).leave(released::incrementAndGet);
        Epochs.Ticket tb = epochs.join(big.address(), 1000);
        assertEquals(1, released.get(), "the small import's epoch was sealed by the big one");
        // The same big memory again adds nothing: it joins the big one's epoch.
        Epochs.Ticket again = epochs.join(big.address(), 1000);
        again.leave(released::incrementAndGet);
        assertEquals(1, released.get());
        // The big one's epoch is full: the next distinct import seals it, and it closes once released.
        Epochs.Ticket next = epochs.join(small.address(), 8);
        assertEquals(1, released.get(), "the big import is alive");
        tb.leave(released::incrementAndGet);
        assertEquals(3, released.get(), "sealed and drained: closed by the last leave");
        next.leave(released::incrementAndGet);
        epochs.flush();
        assertEquals(4, released.get());
    }

    @Test
    void ageBoundSealsAnIdleEpochWithoutAnyCall() throws InterruptedException {
        long age = TimeUnit.MILLISECONDS.toNanos(5);
        Epochs epochs = new Epochs(age, 1_000_000, 1L << 40);
        AtomicInteger released = new AtomicInteger();
        MemorySegment m = memory(8);
        long start = System.nanoTime();
        epochs.join(m.address(), 8).leave(released::incrementAndGet);
        // No other call: the reaper seals the epoch once it is 5 ms old and closes it.
        while (released.get() == 0 && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10)) {
            Thread.sleep(1);
        }
        long waited = System.nanoTime() - start;
        assertEquals(1, released.get(), "the reaper released it");
        assertTrue(waited >= age, "not before the epoch's age: waited=" + waited);
    }

    @Test
    void releasesOfOneEpochAllRunWhenOneThrows() {
        Epochs epochs = new Epochs(HOUR, 1_000_000, 1L << 40);
        MemorySegment m = memory(8);
        List<String> ran = new ArrayList<>();
        List<Throwable> reported = new ArrayList<>();
        Thread.UncaughtExceptionHandler before = Thread.currentThread().getUncaughtExceptionHandler();
        Thread.currentThread().setUncaughtExceptionHandler((t, e) -> reported.add(e));
        try {
            epochs.join(m.address(), 8).leave(() -> {
                ran.add("first");
                throw new IllegalStateException("producer failed");
            });
            epochs.join(m.address(), 8).leave(() -> ran.add("second"));
            epochs.flush();
        } finally {
            Thread.currentThread().setUncaughtExceptionHandler(before);
        }
        assertEquals(List.of("first", "second"), ran);
        assertEquals(1, reported.size());
        assertEquals("producer failed", reported.get(0).getMessage());
    }

    @Test
    void leavingTwiceIsRefused() {
        Epochs epochs = new Epochs(HOUR, 1_000_000, 1L << 40);
        MemorySegment m = memory(8);
        Epochs.Ticket t = epochs.join(m.address(), 8);
        t.leave(() -> { });
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.leave(() -> { }));
        assertEquals("import already left its epoch: members=1", e.getMessage());
        epochs.flush();
    }
    @Test
    void flushRacingTheReaperReturnsOnlyAfterTheRelease() {
        // Found by CI: the reaper sealed a drained epoch and, before it began the close, a flush
        // saw neither an open epoch nor a closer and returned with the release still to run.
        // An age this short makes the reaper seal near every flush.
        long age = TimeUnit.MICROSECONDS.toNanos(20);
        Epochs epochs = new Epochs(age, 1_000_000, 1L << 40);
        AtomicInteger released = new AtomicInteger();
        MemorySegment m = memory(8);
        for (int i = 0; i < 20_000; i++) {
            epochs.join(m.address(), 8).leave(released::incrementAndGet);
            long spin = System.nanoTime() + (i % 40) * 1_000L;
            while (System.nanoTime() < spin) {
                Thread.onSpinWait();
            }
            epochs.flush();
            assertEquals(i + 1, released.get(), "releases after flush number " + (i + 1));
        }
    }

    @Test
    void flushWaitsOutASegmentAcquiredByADowncallOnAnotherThread() throws Exception {
        // A downcall taking a segment of the epoch acquires its arena: the close is refused while
        // nanosleep runs, and flush must still return only once the release has run.
        Epochs epochs = new Epochs(HOUR, 1_000_000, 1L << 40);
        MemorySegment raw = memory(16);
        raw.set(ValueLayout.JAVA_LONG, 0, 0);
        raw.set(ValueLayout.JAVA_LONG, 8, 200_000_000L);
        Epochs.Ticket t = epochs.join(raw.address(), 16);
        MemorySegment request = t.scope(raw);
        java.lang.invoke.MethodHandle nanosleep = java.lang.foreign.Linker.nativeLinker().downcallHandle(
                java.lang.foreign.Linker.nativeLinker().defaultLookup().find("nanosleep").orElseThrow(),
                java.lang.foreign.FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        Thread sleeper = new Thread(() -> {
            started.countDown();
            try {
                int rc = (int) nanosleep.invokeExact(request, MemorySegment.NULL);
                assertEquals(0, rc);
            } catch (Throwable e) {
                throw new AssertionError(e);
            }
        });
        sleeper.start();
        started.await();
        Thread.sleep(50);
        AtomicInteger released = new AtomicInteger();
        t.leave(released::incrementAndGet);
        epochs.flush();
        assertEquals(1, released.get(), "flush returned before the release");
        sleeper.join();
    }
}
