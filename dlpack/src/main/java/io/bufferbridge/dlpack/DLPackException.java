package io.bufferbridge.dlpack;

/**
 * A DLPack export or import refused: a view DLPack cannot describe, a managed tensor that is
 * malformed or hostile, or a copy that was forbidden. The message names the problem, what was
 * expected and what was found, as {@code key=value} facts. The Python side raises it as
 * {@code BufferError}.
 */
public final class DLPackException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message the facts */
    public DLPackException(String message) {
        super(message);
    }
}
