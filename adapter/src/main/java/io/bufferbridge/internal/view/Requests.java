package io.bufferbridge.internal.view;

import io.bufferbridge.format.Format;
import io.bufferbridge.view.BufferException;
import io.bufferbridge.view.BufferFlags;
import java.util.Arrays;

/**
 * CPython's {@code bf_getbuffer} checks of a request against a layout ({@code memory_getbuf},
 * {@code PyBuffer_FillInfo}), in CPython's order, with CPython's reasons.
 */
public final class Requests {
    private Requests() {}

    /**
     * Checks that a layout can grant {@code flags}.
     *
     * @throws BufferException if the request asks for writing and the layout is read-only, asks for
     *     a contiguity the layout does not have, omits {@link BufferFlags#STRIDES} for a layout that
     *     is not C-contiguous, or asks for {@link BufferFlags#FORMAT} without {@link BufferFlags#ND}
     */
    public static void check(int flags, boolean readOnly, boolean c, boolean f, Format format, long[] shape,
            long[] strides) {
        String refusal = null;
        if (BufferFlags.isWritable(flags) && readOnly) {
            refusal = "underlying buffer is not writable";
        } else if ((flags & BufferFlags.C_CONTIGUOUS) == BufferFlags.C_CONTIGUOUS && !c) {
            refusal = "underlying buffer is not C-contiguous";
        } else if ((flags & BufferFlags.F_CONTIGUOUS) == BufferFlags.F_CONTIGUOUS && !f) {
            refusal = "underlying buffer is not Fortran contiguous";
        } else if ((flags & BufferFlags.ANY_CONTIGUOUS) == BufferFlags.ANY_CONTIGUOUS && !(c || f)) {
            refusal = "underlying buffer is not contiguous";
        } else if (!BufferFlags.fillsStrides(flags) && !c) {
            refusal = "underlying buffer is not C-contiguous";
        } else if (!BufferFlags.fillsShape(flags) && BufferFlags.fillsFormat(flags)) {
            refusal = "cannot cast to unsigned bytes if the format flag is present";
        }
        if (refusal != null) {
            // The layout goes into the message only when there is one: a granted request builds no string.
            throw new BufferException(refusal + ": request=" + BufferFlags.name(flags) + " format="
                    + Messages.quote(format.text()) + " shape=" + Arrays.toString(shape) + " strides="
                    + Arrays.toString(strides) + " readonly=" + readOnly);
        }
    }
}
