package io.bufferbridge.view;

/**
 * Thrown when a view cannot be built: its format does not parse, its itemsize does not match the
 * format, shape and strides disagree, a dimension is negative, or an element would lie outside
 * the memory. Also thrown for an index or a derived view (slice, cast, permutation) that is not
 * valid for the view it is applied to.
 *
 * <p>The message gives the facts as {@code key=value} pairs, for example
 * {@code "element bytes reach outside memory: lowest=-8 highest=40 memory=32"}.
 */
public class InvalidViewException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** @param message what is wrong, what was expected and what was found */
    public InvalidViewException(String message) {
        super(message);
    }

    /**
     * @param message what is wrong
     * @param cause the underlying problem, for example a {@code FormatException}
     */
    public InvalidViewException(String message, Throwable cause) {
        super(message, cause);
    }
}
