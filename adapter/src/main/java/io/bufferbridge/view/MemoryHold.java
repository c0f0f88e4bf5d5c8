package io.bufferbridge.view;

import io.bufferbridge.internal.view.Lifetime;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Keeps a view's memory valid for native code that was given its address — an Arrow or DLPack
 * export, a C library — without being a view: it cannot read the memory, and it does not stop the
 * view it came from from being released (as a slice of a {@code memoryview} does not stop
 * {@code release()} of the original in CPython). The exporter's memory is given back only once
 * every view and every hold have let go. Obtained from {@link BufferView#hold()}.
 *
 * <p>Thread-safe; {@link #close()} may come from any thread, and only the first call counts.
 */
public final class MemoryHold implements AutoCloseable {
    private final Lifetime lifetime;
    private final AtomicBoolean closed = new AtomicBoolean();

    MemoryHold(Lifetime of) {
        this.lifetime = of.hold();
    }

    /** {@return whether {@link #close()} has not been called yet} */
    public boolean isHeld() {
        return !closed.get();
    }

    /** Lets the memory go. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            lifetime.unhold();
        }
    }
}
