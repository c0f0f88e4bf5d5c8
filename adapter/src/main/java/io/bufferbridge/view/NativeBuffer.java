package io.bufferbridge.view;

import io.bufferbridge.format.Format;
import io.bufferbridge.internal.view.Bounds;
import io.bufferbridge.internal.view.Messages;
import io.bufferbridge.internal.view.Validity;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Zero-filled native memory with a format and a shape, owned by its own shared arena: an
 * exporter whose memory is freed by {@link #close()}.
 *
 * <h2>Lifetime</h2>
 * {@link #close()} frees the memory, so it is refused while any view handed out by
 * {@link #getBuffer(int)} (or derived from one) is alive. Views may be released from any thread.
 */
public final class NativeBuffer implements BufferExporter, AutoCloseable {
    private final Arena arena;
    private final MemorySegment memory;
    private final Format format;
    private final long itemsize;
    private final long[] shape;
    private final long[] strides;
    private int exports;
    private boolean closed;

    private NativeBuffer(Arena arena, MemorySegment memory, Format format, long itemsize, long[] shape, long[] strides) {
        this.arena = arena;
        this.memory = memory;
        this.format = format;
        this.itemsize = itemsize;
        this.shape = shape;
        this.strides = strides;
    }

    /**
     * Allocates zeroed memory for a C-ordered array.
     *
     * @param format the element format
     * @param shape the dimensions
     * @return a new buffer, which the caller must {@link #close()}
     * @throws InvalidViewException if the format does not parse or the shape is invalid or too large
     */
    public static NativeBuffer allocate(String format, long... shape) {
        return allocate(format, Order.C, shape);
    }

    /**
     * Allocates zeroed memory for an array in C or Fortran order.
     *
     * @param format the element format
     * @param order {@link Order#C} or {@link Order#F}
     * @param shape the dimensions
     * @return a new buffer, which the caller must {@link #close()}
     * @throws InvalidViewException if the format does not parse, the shape is invalid or too large,
     *     or {@code order} is {@link Order#A}
     */
    public static NativeBuffer allocate(String format, Order order, long... shape) {
        Format parsed = Validity.parse(format);
        if (order == Order.A) {
            throw new InvalidViewException("array order must be C or F: order=A");
        }
        long itemsize = parsed.isStructCompatible() ? parsed.itemsize() : parsed.paddedItemsize();
        long[] sh = shape.clone();
        long count = Bounds.elementCount(sh);
        if (count < 0 || (itemsize > 0 && count > Long.MAX_VALUE / itemsize)) {
            throw new InvalidViewException("array too large: shape=" + Arrays.toString(sh) + " itemsize=" + itemsize);
        }
        Bounds.check(count * itemsize, 0, itemsize, sh, new long[sh.length]);
        long[] st = order == Order.C ? Bounds.cStrides(itemsize, sh) : Bounds.fStrides(itemsize, sh);
        Arena arena = Arena.ofShared();
        MemorySegment memory = arena.allocate(count * itemsize, Math.max(1, Math.min(parsed.alignment(), 16)));
        return new NativeBuffer(arena, memory, parsed, itemsize, sh, st);
    }

    /**
     * Hands out a writable view of the memory.
     *
     * @param flags the request
     * @return a view; freeing is refused until it and its derived views are released
     * @throws BufferException if the layout cannot meet the request
     * @throws IllegalStateException if the buffer has been closed
     */
    @Override
    public synchronized BufferView getBuffer(int flags) {
        if (closed) {
            throw new IllegalStateException("native buffer is closed: format=" + Messages.quote(format.text()));
        }
        BufferView view = BufferView.exported(memory, 0, format, itemsize, shape, strides, false, flags, this::released);
        exports++;
        return view;
    }

    /** {@return the number of views handed out and not yet released} */
    public synchronized int exports() {
        return exports;
    }

    private synchronized void released() {
        exports--;
    }

    /**
     * Frees the memory. Idempotent.
     *
     * @throws BufferException if views of the memory are alive
     */
    @Override
    public void close() {
        if (exports() > 0) {
            // A view may be waiting only for a deferred release (an export of it, imported again).
            ForeignMemory.flushReleases();
        }
        free();
    }

    private synchronized void free() {
        if (closed) {
            return;
        }
        if (exports > 0) {
            throw new BufferException("cannot free memory with live exports: exports=" + exports
                    + " bytes=" + memory.byteSize());
        }
        closed = true;
        arena.close();
    }
}
