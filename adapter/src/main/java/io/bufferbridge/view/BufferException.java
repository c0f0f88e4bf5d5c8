package io.bufferbridge.view;

/**
 * The analogue of Python's {@code BufferError}: an exporter refused a request, or an operation
 * conflicts with live exports (freeing or resizing memory that a view still uses, releasing a
 * view that has exported buffers), or a write was attempted through a read-only view.
 *
 * <p>The message names the request or operation and the layout or state that refused it.
 */
public class BufferException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what was refused and why */
    public BufferException(String message) {
        super(message);
    }
}
