package io.bufferbridge.arrow.c;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
    private static final Pattern PATH = Pattern.compile("(?:^|[ :(])path=([^ ,)']+)");

    /** The node the refusal is about, the message's {@code path=} fact; "" when it names none. */
    private final String path;

    /**
     * @param message what was refused, what was expected and what was found; its first
     *     {@code path=…} fact becomes {@link #path()}
     */
    public ArrowImportException(String message) {
        super(message);
        this.path = pathOf(message);
    }

    /**
     * @param message what was refused; its first {@code path=…} fact becomes {@link #path()}
     * @param cause the underlying problem, for example a {@code FormatException}
     */
    public ArrowImportException(String message, Throwable cause) {
        super(message, cause);
        this.path = pathOf(message);
    }

    /**
     * {@return where in the imported tree the refusal is: {@code root} for the top-level pair, a
     * child as {@code root.f0}, {@code root.f0.child}, …, a record batch's column as
     * {@code batch}…}; the empty string for a refusal about no one node
     */
    public String path() {
        return path;
    }

    private static String pathOf(String message) {
        if (message == null) {
            return "";
        }
        Matcher m = PATH.matcher(message);
        return m.find() ? m.group(1) : "";
    }
}
