package io.bufferbridge.format;

import java.nio.ByteOrder;
import java.util.Objects;

/**
 * One value of a {@link ScalarKind}, with its size, alignment and byte order.
 *
 * <p>For the counted codes ({@code s p w x}) {@code count} is the length (bytes, or characters for
 * {@code w}) and {@link #size()} is the whole run; for every other code {@code count} is 1.
 *
 * @param kind the element code
 * @param count the length of a counted code, else 1
 * @param size bytes the value occupies
 * @param alignment the native alignment, or 1 where the mode inserts no alignment
 * @param order the byte order of multi-byte values
 */
public record Scalar(ScalarKind kind, long count, long size, long alignment, ByteOrder order)
        implements Element {

    /**
     * Checks the components.
     *
     * @throws NullPointerException if {@code kind} or {@code order} is null
     * @throws IllegalArgumentException if {@code count}, {@code size} or {@code alignment} is
     *     negative or zero where it may not be
     */
    public Scalar {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(order, "order");
        if (count < 0 || size < 0 || alignment < 1) {
            throw new IllegalArgumentException(
                    "scalar count, size or alignment out of range: kind='" + kind.code() + "' count=" + count
                            + " size=" + size + " alignment=" + alignment);
        }
    }

    @Override
    public long valueCount() {
        return 1;
    }

    /**
     * {@return NumPy's {@code dtype.str} for this scalar, for example {@code "<i4"}, {@code "|S3"}
     * or {@code ">c16"}}
     */
    public String numpyDtype() {
        long width = kind.isCounted() ? count : size;
        if (kind == ScalarKind.UCS4) {
            width = count;
        }
        char orderChar;
        if (kind == ScalarKind.UCS4) {
            orderChar = order == ByteOrder.BIG_ENDIAN ? '>' : '<';
        } else if (size <= 1 || kind.numpyKind() == 'S' || kind.numpyKind() == 'V' || kind == ScalarKind.BOOL) {
            orderChar = '|';
        } else {
            orderChar = order == ByteOrder.BIG_ENDIAN ? '>' : '<';
        }
        return "" + orderChar + kind.numpyKind() + width;
    }
}
