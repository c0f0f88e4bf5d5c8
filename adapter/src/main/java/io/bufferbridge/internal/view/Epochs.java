package io.bufferbridge.internal.view;

import io.bufferbridge.view.ForeignMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The lifetime of memory a view does not own ({@code ForeignMemory.view}; docs/contract.md,
 * "Lifetime"): every segment over a producer's buffer, and every copy an import hands out, is
 * scoped by a shared arena, so that
 * once the arena is closed each segment, {@code ByteBuffer} and view over it refuses access with
 * {@code IllegalStateException}, and a read racing the close on another thread either completes
 * on live memory or is refused (the close is a handshake with every thread). Only after the close
 * do the producers' release callbacks run.
 *
 * <p>Why epochs: closing a shared arena costs about 20 µs on a 2-core VM (the handshake), several
 * times a whole small export + import; an arena per import would dominate it. So imports share the
 * arena of the current <em>epoch</em>. An epoch takes imports until it is sealed; once sealed and
 * every one of its imports released, its arena is closed once and then its releases run, in the
 * order the imports were released. The thread that releases the last view of a sealed epoch (or
 * that seals a drained one) closes it; a daemon thread seals epochs that grew old.
 *
 * <h2>Bounds</h2>
 * An epoch is sealed when it is {@link #MAX_AGE_NANOS} old (1 ms), holds {@link #MAX_IMPORTS}
 * imports, or the next import would take the distinct memory it spans past {@link #MAX_BYTES}
 * (an import larger than that opens an epoch of its own). So a producer's release runs at most
 * about 1 ms (plus the reaper's scheduling) after the later of two moments: the release of the
 * import's own last view, and the release of the last view of every other import made within
 * that same 1 ms window. And an epoch keeps at most 64 MiB of distinct producer memory (or one
 * larger import) alive past its release. {@link #flush()} seals the open epoch and closes every
 * drained one at once, for code that must know the releases have run (closing an Arrow Java
 * allocator, tests that count releases).
 */
public final class Epochs {
    /** An epoch takes no import once it is this old. */
    public static final long MAX_AGE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** An epoch takes at most this many imports. */
    public static final int MAX_IMPORTS = 1024;
    /** An epoch spans at most this much distinct memory, unless one import alone is larger. */
    public static final long MAX_BYTES = 64L << 20;

    /** {@link #flush()} retries a close refused by an acquired segment for at most this long. */
    public static final long FLUSH_PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(5);

    /** The epochs every foreign view of this JVM joins. */
    public static final Epochs SHARED = new Epochs(MAX_AGE_NANOS, MAX_IMPORTS, MAX_BYTES);

    private static ScheduledExecutorService reaper;

    // Ranges remembered per epoch to count memory imported again (the same buffer exported and
    // imported in a loop) once; past this many, every import's bytes count.
    private static final int RANGES = 8;

    private final long maxAgeNanos;
    private final int maxImports;
    private final long maxBytes;
    private final Object lock = new Object();
    // Guarded by lock.
    private Epoch open;
    // Guarded by lock: sealed epochs whose arena close was refused (an acquired segment), retried.
    private final List<Epoch> retry = new ArrayList<>();
    // Guarded by lock: the threads closing an epoch now (one entry per close), for flush to wait on.
    private final List<Thread> closers = new ArrayList<>();

    /** Epochs with other bounds than {@link #SHARED}'s: for tests of the bounds themselves. */
    public Epochs(long maxAgeNanos, int maxImports, long maxBytes) {
        this.maxAgeNanos = maxAgeNanos;
        this.maxImports = maxImports;
        this.maxBytes = maxBytes;
    }

    /** One epoch: its arena and what waits for its close. */
    private static final class Epoch {
        final Arena arena = Arena.ofShared();
        final long opened = System.nanoTime();
        final long[] ranges = new long[2 * RANGES];
        int nRanges;
        int members;
        int live;
        long bytes;
        boolean sealed;
        boolean closed;
        final List<Runnable> releases = new ArrayList<>();

        /** {@return bytes of {@code [address, address + size)} not yet counted} */
        long added(long address, long size) {
            for (int i = 0; i < nRanges; i++) {
                if (ranges[2 * i] == address && ranges[2 * i + 1] == size) {
                    return 0;
                }
            }
            if (nRanges < RANGES) {
                ranges[2 * nRanges] = address;
                ranges[2 * nRanges + 1] = size;
                nRanges++;
            }
            return size;
        }
    }

    /**
     * One import's place in an epoch: scopes its segments, and takes its release for after the
     * epoch's close. {@link #leave} must be called exactly once.
     */
    public final class Ticket {
        private final Epoch epoch;
        private boolean left;

        private Ticket(Epoch epoch) {
            this.epoch = epoch;
        }

        /** {@return {@code raw}'s memory as a segment of this import's epoch} */
        public MemorySegment scope(MemorySegment raw) {
            return raw.reinterpret(raw.byteSize(), epoch.arena, null);
        }

        /**
         * Leaves the epoch: {@code release} runs once the epoch is closed, here if this was the
         * last import of a sealed epoch, else later on another thread.
         *
         * @throws IllegalStateException if the ticket has already left
         */
        public void leave(Runnable release) {
            Epoch close = null;
            synchronized (lock) {
                if (left) {
                    throw new IllegalStateException("import already left its epoch: members=" + epoch.members);
                }
                left = true;
                epoch.releases.add(release);
                epoch.live--;
                if (epoch.sealed && epoch.live == 0 && claim(epoch)) {
                    close = epoch;
                }
            }
            if (close != null) {
                closeClaimed(close);
            }
        }
    }

    /**
     * Joins the open epoch with an import spanning {@code size} bytes at {@code address}.
     *
     * @return the import's ticket
     */
    public Ticket join(long address, long size) {
        Epoch drained = null;
        Ticket t;
        synchronized (lock) {
            Epoch e = open;
            long add = 0;
            if (e != null) {
                add = e.added(address, size);
                if (e.members >= maxImports || System.nanoTime() - e.opened >= maxAgeNanos
                        || (add > 0 && e.members > 0 && e.bytes + add > maxBytes)) {
                    e.sealed = true;
                    open = null;
                    if (e.live == 0 && claim(e)) {
                        drained = e;
                    }
                    e = null;
                }
            }
            if (e == null) {
                e = new Epoch();
                add = e.added(address, size);
                open = e;
                scheduleSeal(e);
            }
            e.members++;
            e.live++;
            e.bytes += add;
            t = new Ticket(e);
        }
        if (drained != null) {
            closeClaimed(drained);
        }
        return t;
    }

    /**
     * Seals the open epoch and closes every epoch whose imports have all been released, so that
     * their releases have run when this returns. An epoch another thread is closing is waited for;
     * one whose close is refused because a segment of it is acquired (a downcall on another thread
     * is using it) is retried until the segment is let go, for at most {@link #FLUSH_PATIENCE_NANOS}
     * (after that its releases run later, on the reaper). Called from inside a release (a release
     * that flushes), it waits for nothing, since it would wait for itself.
     *
     * @return how many epochs this call closed
     */
    public int flush() {
        Thread me = Thread.currentThread();
        long deadline = System.nanoTime() + FLUSH_PATIENCE_NANOS;
        int closed = 0;
        boolean interrupted = false;
        while (true) {
            List<Epoch> claimed = new ArrayList<>();
            synchronized (lock) {
                if (open != null) {
                    open.sealed = true;
                    if (open.live == 0 && claim(open)) {
                        claimed.add(open);
                    }
                    open = null;
                }
                for (Epoch e : retry) {
                    if (claim(e)) {
                        claimed.add(e);
                    }
                }
                retry.clear();
            }
            for (Epoch e : claimed) {
                if (closeClaimed(e)) {
                    closed++;
                }
            }
            synchronized (lock) {
                if (closers.contains(me)) {
                    break;
                }
                // A close another thread claimed (the reaper, a releasing thread) has not run its
                // releases yet; a refused close puts its epoch on retry before its closer leaves.
                while (!closers.isEmpty()) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                long left = deadline - System.nanoTime();
                if (retry.isEmpty() || left <= 0) {
                    break;
                }
                try {
                    lock.wait(1);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            me.interrupt();
        }
        return closed;
    }

    /**
     * Takes the close of a sealed, drained epoch for this thread, so that no flush returns between
     * the decision to close and the close: the caller holds {@code lock}, and then calls
     * {@link #closeClaimed} without it.
     *
     * @return whether this thread is now its closer (false: another thread closed or is closing it)
     */
    private boolean claim(Epoch e) {
        if (e.closed) {
            return false;
        }
        e.closed = true;
        closers.add(Thread.currentThread());
        return true;
    }

    /**
     * Closes an epoch this thread {@linkplain #claim claimed}, then runs its releases; if the close
     * is refused because a segment is acquired (a downcall or an I/O operation is using it), puts
     * it on retry.
     *
     * @return whether it closed now
     */
    private boolean closeClaimed(Epoch e) {
        try {
            return closeAndRelease(e);
        } finally {
            synchronized (lock) {
                closers.remove(Thread.currentThread());
                lock.notifyAll();
            }
        }
    }

    private boolean closeAndRelease(Epoch e) {
        try {
            e.arena.close();
        } catch (IllegalStateException acquired) {
            synchronized (lock) {
                e.closed = false;
                retry.add(e);
            }
            reaper().schedule(this::retry, maxAgeNanos, TimeUnit.NANOSECONDS);
            return false;
        }
        Throwable first = null;
        for (Runnable r : e.releases) {
            try {
                r.run();
            } catch (RuntimeException | Error failure) {
                // Every release must run: one producer's failure cannot leak another's memory.
                if (first == null) {
                    first = failure;
                } else {
                    first.addSuppressed(failure);
                }
            }
        }
        if (first != null) {
            Thread t = Thread.currentThread();
            t.getUncaughtExceptionHandler().uncaughtException(t, first);
        }
        return true;
    }

    private void retry() {
        List<Epoch> again = new ArrayList<>();
        synchronized (lock) {
            for (Epoch e : retry) {
                if (claim(e)) {
                    again.add(e);
                }
            }
            retry.clear();
        }
        for (Epoch e : again) {
            closeClaimed(e);
        }
    }

    /** The reaper seals {@code e} once it is old, if it is still the open epoch. */
    private void scheduleSeal(Epoch e) {
        reaper().schedule(() -> {
            Epoch drained = null;
            synchronized (lock) {
                if (open == e) {
                    e.sealed = true;
                    open = null;
                    if (e.live == 0 && claim(e)) {
                        drained = e;
                    }
                }
            }
            if (drained != null) {
                closeClaimed(drained);
            }
        }, maxAgeNanos, TimeUnit.NANOSECONDS);
    }

    private static synchronized ScheduledExecutorService reaper() {
        if (reaper == null) {
            reaper = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "bufferbridge-import-epochs");
                t.setDaemon(true);
                return t;
            });
        }
        return reaper;
    }
}
