package io.bufferbridge.internal.view;

import io.bufferbridge.format.Format;
import io.bufferbridge.format.FormatException;
import io.bufferbridge.view.InvalidViewException;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;

/**
 * Whether a view may be built: its format parses, its itemsize is the format's, its geometry lies
 * inside the memory ({@link Bounds#check}), and read-only memory gets no writable view.
 */
public final class Validity {
    private Validity() {}

    /**
     * Checks a view's description.
     *
     * @return the parsed format
     * @throws InvalidViewException if the format does not parse, {@code itemsize} is not the
     *     format's under {@code struct}'s or NumPy's rule, the geometry does not hold, or a writable
     *     view of read-only memory is asked
     */
    public static Format check(MemorySegment memory, long offset, String format, long itemsize, long[] shape,
            long[] strides, boolean readOnly) {
        Objects.requireNonNull(memory, "memory");
        Format parsed = parse(format);
        check(memory, offset, parsed, itemsize, shape, strides, readOnly);
        return parsed;
    }

    /**
     * As {@link #check(MemorySegment, long, String, long, long[], long[], boolean)}, for a format
     * already parsed.
     *
     * @throws InvalidViewException as that method, but for the parse
     */
    public static void check(MemorySegment memory, long offset, Format parsed, long itemsize, long[] shape,
            long[] strides, boolean readOnly) {
        Objects.requireNonNull(memory, "memory");
        if (!parsed.isItemsize(itemsize)) {
            throw new InvalidViewException("itemsize does not match the format: format=" + Messages.quote(parsed.text())
                    + " itemsize=" + itemsize + " expected=" + expectedItemsize(parsed));
        }
        Bounds.check(memory.byteSize(), offset, itemsize, shape, strides);
        if (!readOnly && memory.isReadOnly()) {
            throw new InvalidViewException("writable view of read-only memory: readonly=false memory.readOnly=true");
        }
    }

    /**
     * {@return the itemsize of a C-contiguous view of a whole segment}: {@code struct}'s for a
     * format {@code struct} accepts, else NumPy's
     *
     * @throws InvalidViewException if the format does not parse or the segment's size is not
     *     {@code product(shape) * itemsize}
     */
    public static long segmentItemsize(MemorySegment memory, String format, long[] shape) {
        Format parsed = parse(format);
        long itemsize = parsed.isStructCompatible() ? parsed.itemsize() : parsed.paddedItemsize();
        long count = Bounds.elementCount(shape);
        if (count < 0 || Math.multiplyHigh(count, itemsize) != 0 || count * itemsize != memory.byteSize()) {
            throw new InvalidViewException("segment size does not match the shape: bytes=" + memory.byteSize()
                    + " shape=" + Arrays.toString(shape) + " itemsize=" + itemsize);
        }
        return itemsize;
    }

    /**
     * {@return the parsed format}
     *
     * @throws InvalidViewException if it does not parse, with the parser's message
     */
    public static Format parse(String format) {
        Objects.requireNonNull(format, "format");
        try {
            return Format.of(format);
        } catch (FormatException e) {
            throw new InvalidViewException("invalid format: " + e.getMessage(), e);
        }
    }

    private static String expectedItemsize(Format f) {
        return f.itemsize() == f.paddedItemsize() ? String.valueOf(f.itemsize())
                : f.itemsize() + " (struct) or " + f.paddedItemsize() + " (NumPy)";
    }
}
