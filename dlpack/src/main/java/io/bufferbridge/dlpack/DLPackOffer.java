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
    /**
     * Who the offer is for, where a consumer departs from DLPack's rules. DLPack has no way to
     * tell the producer who is asking, so the Java side that makes the offer says it.
     */
    public enum Consumer {
        /**
         * Any consumer that follows DLPack 1.x (NumPy, JAX): a read-only view is shared flagged
         * {@code READ_ONLY}, negative strides are shared.
         */
        STANDARD,
        /**
         * PyTorch 2.x, which ignores {@code READ_ONLY} (the tensor it makes is writable) and
         * aborts the whole process on a negative stride (a C++ exception thrown past
         * {@code from_dlpack}, "Storage size calculation overflowed", in torch 2.13): a read-only
         * view is refused unless the consumer asks for {@code copy=True}, which gives it a
         * private copy; a view with a negative stride is copied into C order and flagged
         * {@code IS_COPIED}, or refused under {@code copy=False}.
         */
        TORCH
    }

    private final BufferView view;
    private final Consumer consumer;
    private final long handle;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicInteger exports = new AtomicInteger();
    private final AtomicInteger copies = new AtomicInteger();

    private DLPackOffer(BufferView view, Consumer consumer) {
        this.view = view;
        this.consumer = consumer;
        this.handle = Offers.register(this::export);
    }

    /**
     * {@return an offer of {@code view} to any consumer that follows DLPack ({@link Consumer#STANDARD})}
     *
     * @param view the view; it refuses release until the offer is closed
     * @throws IllegalStateException if the view has been released
     */
    public static DLPackOffer of(BufferView view) {
        return of(view, Consumer.STANDARD);
    }

    /**
     * {@return an offer of {@code view} to {@code consumer}}
     *
     * @param view the view; it refuses release until the offer is closed
     * @param consumer who takes it
     * @throws IllegalStateException if the view has been released
     */
    public static DLPackOffer of(BufferView view, Consumer consumer) {
        Objects.requireNonNull(consumer, "consumer");
        return new DLPackOffer(Objects.requireNonNull(view, "view").getBuffer(BufferFlags.FULL_RO), consumer);
    }

    /** {@return the C export function every offer is called through} */
    public static MemorySegment exportFunction() {
        return Offers.FUNCTION;
    }

    /** {@return this offer's {@code handle} argument of {@link #exportFunction()}} */
    public long handle() {
        return handle;
    }

    /** {@return who the offer is for} */
    public Consumer consumer() {
        return consumer;
    }

    /**
     * Exports the view once, as the export function does for a request.
     *
     * @param versioned a {@link DLManagedTensorVersioned}, else a legacy {@link DLManagedTensor}
     * @param copy the consumer's {@code copy}
     * @return the struct's memory; the consumer owns it
     * @throws DLPackException as {@link DLPack#exportVersioned} and {@link DLPack#exportLegacy},
     *     or as {@link Consumer#TORCH} says
     * @throws IllegalStateException if the offer is closed
     */
    public MemorySegment export(boolean versioned, CopyMode copy) {
        if (closed.get()) {
            throw new IllegalStateException("DLPack offer is closed: handle=" + handle);
        }
        CopyMode mode = copy;
        if (consumer == Consumer.TORCH) {
            if (view.isReadOnly() && copy != CopyMode.ALWAYS) {
                throw new DLPackException("a read-only view is not shared with PyTorch, which ignores "
                        + "DLPACK_FLAG_BITMASK_READ_ONLY and would write it: readonly=true consumer=TORCH copy="
                        + python(copy) + " expected=copy=True (a private copy) or a writable view");
            }
            if (hasNegativeStride(view.strides())) {
                if (copy == CopyMode.NEVER) {
                    throw new DLPackException("PyTorch cannot take a negative stride and only a copy has none: "
                            + "consumer=TORCH copy=False strides=" + java.util.Arrays.toString(view.strides()));
                }
                mode = CopyMode.ALWAYS;
            }
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

    private static boolean hasNegativeStride(long[] strides) {
        for (long s : strides) {
            if (s < 0) {
                return true;
            }
        }
        return false;
    }

    private static String python(CopyMode copy) {
        return switch (copy) {
            case IF_NEEDED -> "None";
            case ALWAYS -> "True";
            case NEVER -> "False";
        };
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
