package io.bufferbridge.arrow.c;

/**
 * Thrown when an {@code ArrowSchema}/{@code ArrowArray} pair cannot be imported as a buffer view:
 * a struct is already released, a format is NULL, unknown or malformed, the array does not match
 * its type ({@code n_buffers}, {@code n_children}, lengths, offsets, NULL buffers), or the
 * {@code bufferbridge.*} or extension metadata contradicts the Arrow type.
 *
 * <p>The message names what was refused and where ({@code path=root.f0}), with the facts as
 * {@code key=value} pairs, for example
 * {@code "n_buffers does not match the type: path=root format='i' expected=2 found=3"}. Before it
 * is thrown both structs have been released (their producers' callbacks ran once) and nothing the
 * import allocated is left.
 */
public final class ArrowImportException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** @param message what was refused, what was expected and what was found */
    public ArrowImportException(String message) {
        super(message);
    }

    /**
     * @param message what was refused
     * @param cause the underlying problem, for example a {@code FormatException}
     */
    public ArrowImportException(String message, Throwable cause) {
        super(message, cause);
    }
}
