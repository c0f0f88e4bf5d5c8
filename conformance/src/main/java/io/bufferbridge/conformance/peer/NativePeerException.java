package io.bufferbridge.conformance.peer;

/**
 * The native peer refused an operation (its message says what and why), or could not be loaded.
 */
public final class NativePeerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NativePeerException(String message) {
        super(message);
    }

    public NativePeerException(String message, Throwable cause) {
        super(message, cause);
    }
}
