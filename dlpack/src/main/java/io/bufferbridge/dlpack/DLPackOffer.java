package io.bufferbridge.dlpack;

import io.bufferbridge.dlpack.internal.Offers;
import io.bufferbridge.view.BufferFlags;
import io.bufferbridge.view.BufferView;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A view offered to a consumer that asks for its tensor when it is ready, as Python's
 * {@code __dlpack__(*, stream, max_version, dl_device, copy)} does: the consumer decides at that
 * moment whether it wants a versioned or a legacy tensor and whether it allows a copy, so the
 * offer exports on demand, once per request, through a C function any native caller (Python's
 * {@code ctypes}, the {@code bufferbridge.dlpack} module) can call:
 *
 * <pre>{@code
 * // returns the managed tensor (the caller owns it), or NULL with a message in error
 * void *export(int64_t handle, int32_t request, char *error, int64_t error_size);
 * // request: bit 0 versioned; bits 1-2 copy: 0 None, 1 True, 2 False
 * }</pre>
 *
 * <p>The offer takes an export of the view ({@link BufferView#getBuffer(int)}), so the view
 * refuses to be released until the offer is closed, as CPython's {@code memoryview} refuses while
 * it has exports; tensors already handed out hold the memory themselves and outlive the offer.
 * Thread-safe.
 */
public final class DLPackOffer implements AutoCloseable {
    /** What an offer does with a read-only view, for consumers that ignore the read-only flag. */
    public enum ReadOnly {
        /** Share it flagged {@code READ_ONLY} (DLPack's rule; NumPy honours it). */
        FLAG,
        /** Hand over a copy, so a consumer that writes (PyTorch ignores the flag) writes its own. */
        COPY,
        /** Refuse it, with a {@link DLPackException} (a {@code BufferError} in Python). */
        REFUSE
    }

    private final BufferView view;
    private final ReadOnly readOnly;
    private final long handle;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicInteger exports = new AtomicInteger();
    private final AtomicInteger copies = new AtomicInteger();

    private DLPackOffer(BufferView view, ReadOnly readOnly) {
        this.view = view;
        this.readOnly = readOnly;
        this.handle = Offers.register(this::export);
    }

    /**
     * {@return an offer of {@code view} that shares a read-only view flagged {@code READ_ONLY}}
     *
     * @param view the view; it refuses release until the offer is closed
     * @throws IllegalStateException if the view has been released
     */
    public static DLPackOffer of(BufferView view) {
        return of(view, ReadOnly.FLAG);
    }

    /**
     * {@return an offer of {@code view}}
     *
     * @param view the view; it refuses release until the offer is closed
     * @param readOnly what a read-only view becomes
     * @throws IllegalStateException if the view has been released
     */
    public static DLPackOffer of(BufferView view, ReadOnly readOnly) {
        Objects.requireNonNull(readOnly, "readOnly");
        return new DLPackOffer(Objects.requireNonNull(view, "view").getBuffer(BufferFlags.FULL_RO), readOnly);
    }

    /** {@return the C export function every offer is called through} */
    public static MemorySegment exportFunction() {
        return Offers.FUNCTION;
    }

    /** {@return this offer's {@code handle} argument of {@link #exportFunction()}} */
    public long handle() {
        return handle;
    }

    /** {@return the offer's read-only rule} */
    public ReadOnly readOnly() {
        return readOnly;
    }

    /**
     * Exports the view once, as the export function does for a request.
     *
     * @param versioned a {@link DLManagedTensorVersioned}, else a legacy {@link DLManagedTensor}
     * @param copy the consumer's {@code copy}
     * @return the struct's memory; the consumer owns it
     * @throws DLPackException as {@link DLPack#exportVersioned} and {@link DLPack#exportLegacy},
     *     or if the view is read-only under {@link ReadOnly#REFUSE}
     * @throws IllegalStateException if the offer is closed
     */
    public MemorySegment export(boolean versioned, CopyMode copy) {
        if (closed.get()) {
            throw new IllegalStateException("DLPack offer is closed: handle=" + handle);
        }
        CopyMode mode = copy;
        if (view.isReadOnly() && readOnly != ReadOnly.FLAG) {
            if (readOnly == ReadOnly.REFUSE) {
                throw new DLPackException("a read-only view is not offered to this consumer: readonly=true offer=REFUSE"
                        + " expected=a writable view or an offer that copies (ReadOnly.COPY)");
            }
            if (mode == CopyMode.NEVER) {
                throw new DLPackException("a read-only view is only offered as a copy: readonly=true offer=COPY copy=False");
            }
            mode = CopyMode.ALWAYS;
        }
        boolean copied = DLPack.isCopyNeeded(view, mode);
        MemorySegment m = versioned ? DLPack.exportVersioned(view, mode).segment()
                : DLPack.exportLegacy(view, mode).segment();
        exports.incrementAndGet();
        if (copied) {
            copies.incrementAndGet();
        }
        return m;
    }

    /** {@return tensors exported through this offer so far} */
    public int exportCount() {
        return exports.get();
    }

    /** {@return how many of them were copies (flagged {@code IS_COPIED} when versioned)} */
    public int copyCount() {
        return copies.get();
    }

    /** Withdraws the offer and releases its export of the view. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            Offers.unregister(handle);
            view.close();
        }
    }
}
