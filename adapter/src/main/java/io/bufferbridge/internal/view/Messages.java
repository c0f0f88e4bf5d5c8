package io.bufferbridge.internal.view;

import io.bufferbridge.format.Format;
import io.bufferbridge.view.BufferException;
import java.util.Arrays;

/**
 * How adapter messages write a value: {@code key=value} facts after the problem, text values
 * (formats, names) in single quotes as {@code FormatException} quotes them, numbers and arrays bare.
 */
public final class Messages {
    private Messages() {}

    /** {@return {@code text} in single quotes} @param text a format string or a name */
    public static String quote(String text) {
        return "'" + text + "'";
    }

    /** {@return the refusal of any use of a released view} */
    public static IllegalStateException released(Format format, long[] shape) {
        return new IllegalStateException("operation on a released view: format=" + quote(format.text()) + " shape="
                + Arrays.toString(shape));
    }

    /** {@return the refusal of a write ({@code what}) through a read-only view} */
    public static BufferException readOnly(String what, Format format) {
        return new BufferException("view is read-only: " + what + " refused: format=" + quote(format.text()));
    }

    /** {@return a view's {@code toString}: its geometry as facts} */
    public static String describe(Format format, long itemsize, long[] shape, long[] strides, long offset,
            boolean readOnly, boolean released) {
        return "BufferView[format=" + quote(format.text()) + " itemsize=" + itemsize + " shape="
                + Arrays.toString(shape) + " strides=" + Arrays.toString(strides) + " offset=" + offset
                + " readonly=" + readOnly + (released ? " released" : "") + "]";
    }
}
