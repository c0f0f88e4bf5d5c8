package io.bufferbridge.view;

import io.bufferbridge.format.Format;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A resizable run of bytes that exports itself as format {@code B}: Python's {@code bytearray}.
 *
 * <h2>Lifetime</h2>
 * A resize moves the bytes to a new array, so, like {@code bytearray}, it is refused while any
 * view handed out by {@link #getBuffer(int)} (or derived from one) is alive.
 */
public final class GrowableBuffer implements BufferExporter {
    private static final Format BYTES = Format.of("B");

    private byte[] data;
    private int exports;

    private GrowableBuffer(byte[] data) {
        this.data = data;
    }

    /**
     * {@return a buffer of {@code length} zero bytes}
     *
     * @param length the number of bytes
     * @throws IllegalArgumentException if {@code length} is negative
     */
    public static GrowableBuffer allocate(int length) {
        if (length < 0) {
            throw new IllegalArgumentException("negative length: length=" + length);
        }
        return new GrowableBuffer(new byte[length]);
    }

    /** {@return a buffer holding a copy of {@code bytes}} @param bytes the initial contents */
    public static GrowableBuffer copyOf(byte[] bytes) {
        return new GrowableBuffer(bytes.clone());
    }

    /** {@return the number of bytes} */
    public synchronized int length() {
        return data.length;
    }

    /** {@return the number of views handed out and not yet released (with everything derived from them)} */
    public synchronized int exports() {
        return exports;
    }

    /**
     * Changes the length, keeping the first bytes and zero-filling new ones.
     *
     * @param length the new number of bytes
     * @throws BufferException if views of the buffer are alive
     * @throws IllegalArgumentException if {@code length} is negative
     */
    public synchronized void resize(int length) {
        if (exports > 0) {
            throw new BufferException("Existing exports of data: object cannot be re-sized: exports=" + exports
                    + " length=" + data.length + " requested=" + length);
        }
        if (length < 0) {
            throw new IllegalArgumentException("negative length: length=" + length);
        }
        data = Arrays.copyOf(data, length);
    }

    /**
     * Hands out a writable 1-D view of the bytes, format {@code B}.
     *
     * @param flags the request; every request but one with {@link BufferFlags#FORMAT} and no
     *     {@link BufferFlags#ND} is granted
     * @return a view sharing the bytes; resizing is refused until it and its derived views are released
     * @throws BufferException if {@code flags} asks for a format without a shape
     */
    @Override
    public synchronized BufferView getBuffer(int flags) {
        BufferView view = BufferView.exported(MemorySegment.ofArray(data), 0, BYTES, 1, new long[] {data.length},
                new long[] {1}, false, flags, this::released);
        exports++;
        return view;
    }

    private synchronized void released() {
        exports--;
    }
}
