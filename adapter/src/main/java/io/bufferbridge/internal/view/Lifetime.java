package io.bufferbridge.internal.view;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The shared lifetime of a root view and every view derived from it (CPython's managed buffer):
 * the exporter's memory stays valid until the last of them is released, and then the exporter is
 * told once.
 */
public final class Lifetime {
    private final AtomicInteger holders = new AtomicInteger(1);
    private final Runnable onLastRelease;

    /** @param onLastRelease run once, when the last holder releases; may be null */
    public Lifetime(Runnable onLastRelease) {
        this.onLastRelease = onLastRelease;
    }

    /** Adds a holder (a derived view). */
    public void retain() {
        int prior = holders.getAndIncrement();
        if (prior <= 0) {
            holders.getAndDecrement();
            throw new IllegalStateException("lifetime already ended: holders=" + prior);
        }
    }

    /** Removes a holder; the last one runs the release hook. */
    public void release() {
        int left = holders.decrementAndGet();
        if (left == 0 && onLastRelease != null) {
            onLastRelease.run();
        }
    }
}
