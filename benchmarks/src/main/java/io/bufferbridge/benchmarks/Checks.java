package io.bufferbridge.benchmarks;

/** Set-up checks: a benchmark whose premise fails must stop, not report a number. */
final class Checks {
    private Checks() {}

    static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }
}
