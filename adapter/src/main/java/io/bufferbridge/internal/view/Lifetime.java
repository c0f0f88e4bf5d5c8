package io.bufferbridge.internal.view;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The shared lifetime of a root view and every view derived from it (CPython's managed buffer):
 * the exporter's memory stays valid until the last of them is released, and then the exporter is
 * told once.
 *
 * <p>Two kinds of holder keep the memory: <em>readers</em> (the views, which read it through their
 * segment) and <em>holds</em> (native code that was given the memory's address, such as an Arrow
 * export, which reads it without a segment). Both are counted in one atomic word, readers in the
 * low half and holds in the high half, so that exactly one thread sees the count reach zero.
 *
 * <p>Why two kinds: a foreign view's segments are scoped by an epoch ({@link Epochs}), which can
 * close only once every view of every import in it is released. If an export's hold were a view,
 * an import of that export joining the same epoch would wait for the hold, and the hold for the
 * import's release: neither would ever run. A hold is not a reader, so the epoch closes once the
 * readers are gone, and the memory itself is given back only after the last hold too.
 */
public final class Lifetime implements Runnable {
    private static final long HOLD = 1L << 32;
    private static final long READERS = HOLD - 1;

    private final AtomicLong count;
    // A foreign view's: run when its last reader is released, then the epoch is left. Fields, not
    // a lambda: a small export + import makes one foreign lifetime, and its two lambdas showed.
    private final Epochs.Ticket ticket;
    private final Runnable unreached;
    private final Runnable onLastRelease;
    // Where holds go: this lifetime, or for an export's the exporter's (see exportOf).
    private final Lifetime holdTarget;

    /** @param onLastRelease run once, when the last reader or hold lets go; may be null */
    public Lifetime(Runnable onLastRelease) {
        this.count = new AtomicLong(1);
        this.ticket = null;
        this.unreached = null;
        this.onLastRelease = onLastRelease;
        this.holdTarget = this;
    }

    private Lifetime(Epochs.Ticket ticket, Runnable unreached, Runnable release) {
        // The epoch is a hold: it lets go once its arena is closed.
        this.count = new AtomicLong(HOLD + 1);
        this.ticket = ticket;
        this.unreached = unreached;
        this.onLastRelease = release;
        this.holdTarget = this;
    }

    private Lifetime(Lifetime exporter, Runnable onLastRelease) {
        this.count = new AtomicLong(1);
        this.ticket = null;
        this.unreached = null;
        this.onLastRelease = onLastRelease;
        this.holdTarget = exporter.holdTarget;
    }

    /**
     * {@return the lifetime of an export ({@code getBuffer}) of a view whose lifetime is
     * {@code exporter}}: holds taken through the export go to the exporter's memory, so that the
     * export itself (a consumer's view, counted by its exporter) can be released while native code
     * still holds the memory
     */
    public static Lifetime exportOf(Lifetime exporter, Runnable onLastRelease) {
        return new Lifetime(exporter, onLastRelease);
    }

    /**
     * {@return the lifetime of a view of foreign memory}: when its last reader is released it runs
     * {@code unreached} and leaves {@code ticket}'s epoch, and {@code release} runs once the epoch
     * has closed and every hold has let go
     */
    public static Lifetime foreign(Epochs.Ticket ticket, Runnable unreached, Runnable release) {
        return new Lifetime(ticket, unreached, release);
    }

    /**
     * Adds a reader (a derived view).
     *
     * @throws IllegalStateException if every reader has already been released
     */
    public void retain() {
        add(1);
    }

    /** Removes a reader; the last one ends the readers' part, and everything if no hold is left. */
    public void release() {
        long left = count.addAndGet(-1);
        if ((left & READERS) == 0) {
            if (ticket != null) {
                try {
                    unreached.run();
                } finally {
                    // The epoch is this lifetime's hold: run() lets it go once the epoch has closed.
                    ticket.leave(this);
                }
            }
            if (left == 0) {
                last();
            }
        }
    }

    /**
     * Adds a hold: the memory stays valid, without a reader, until {@link #unhold()} of the
     * lifetime returned.
     *
     * @return the lifetime that took the hold: this one, or the exporter's of an export
     * @throws IllegalStateException if every reader has already been released
     */
    public Lifetime hold() {
        if ((count.get() & READERS) == 0) {
            throw new IllegalStateException("lifetime already ended: readers=0");
        }
        holdTarget.add(HOLD);
        return holdTarget;
    }

    /** Removes a hold; the last holder of either kind runs the release hook. */
    public void unhold() {
        if (count.addAndGet(-HOLD) == 0) {
            last();
        }
    }

    /** The epoch's hold lets go ({@link #unhold()}): what a foreign view leaves its epoch with. */
    @Override
    public void run() {
        unhold();
    }

    private void add(long delta) {
        long c;
        do {
            c = count.get();
            if ((c & READERS) == 0) {
                throw new IllegalStateException("lifetime already ended: readers=0 holds=" + (c >>> 32));
            }
        } while (!count.compareAndSet(c, c + delta));
    }

    private void last() {
        if (onLastRelease != null) {
            onLastRelease.run();
        }
    }
}
