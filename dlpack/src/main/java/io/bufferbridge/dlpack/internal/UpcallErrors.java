package io.bufferbridge.dlpack.internal;

/**
 * Where an exception thrown inside an upcall (a deleter, the Python offer's export function) goes.
 * It must not unwind into native code — the JVM would abort — and must not be lost: it is handed
 * to the calling thread's uncaught-exception handler, which an application sets per thread or for
 * the JVM ({@link Thread#setDefaultUncaughtExceptionHandler}); the default prints the stack trace to
 * standard error. The same rule as arrow-bridge's release callbacks; this module does not depend on
 * arrow-bridge, so it has its own copy of these few lines.
 */
final class UpcallErrors {
    private UpcallErrors() {
    }

    static void report(Throwable failure) {
        Thread t = Thread.currentThread();
        try {
            t.getUncaughtExceptionHandler().uncaughtException(t, failure);
        } catch (Throwable handlerFailed) {
            // Nothing may leave an upcall: a handler that throws is ignored.
        }
    }
}
