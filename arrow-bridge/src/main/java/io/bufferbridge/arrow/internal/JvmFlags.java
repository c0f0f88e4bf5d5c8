package io.bufferbridge.arrow.internal;

import org.apache.arrow.memory.BufferAllocator;

/**
 * The JVM flags arrow-bridge needs, each checked once before first use and reported as one line
 * that names the flag, instead of the JDK's multi-line warning or Arrow Java's
 * {@code UnsupportedOperationException} deep inside an allocation.
 */
public final class JvmFlags {
    private static final String NATIVE_ACCESS = nativeAccessRefusal();
    private static final String ADD_OPENS = addOpensRefusal();

    private JvmFlags() {
    }

    private static String nativeAccessRefusal() {
        Module m = JvmFlags.class.getModule();
        if (m.isNativeAccessEnabled()) {
            return null;
        }
        return "bufferbridge needs the JVM flag --enable-native-access=" + (m.isNamed() ? m.getName() : "ALL-UNNAMED")
                + " (it calls C through FFM: the Arrow C data interface's release callbacks)";
    }

    private static String addOpensRefusal() {
        Module arrow = BufferAllocator.class.getModule();
        if (Object.class.getModule().isOpen("java.nio", arrow)) {
            return null;
        }
        return "Arrow Java needs the JVM flag --add-opens=java.base/java.nio=" + (arrow.isNamed() ? arrow.getName()
                : "ALL-UNNAMED") + " (its MemoryUtil reads java.nio.DirectByteBuffer internals)";
    }

    /** @throws IllegalStateException if the JVM does not grant native access to arrow-bridge */
    public static void requireNativeAccess() {
        if (NATIVE_ACCESS != null) {
            throw new IllegalStateException(NATIVE_ACCESS);
        }
    }

    /**
     * @throws IllegalStateException if the JVM does not grant native access, or does not open
     *     {@code java.nio} to Arrow Java
     */
    public static void requireArrowJava() {
        requireNativeAccess();
        if (ADD_OPENS != null) {
            throw new IllegalStateException(ADD_OPENS);
        }
    }
}
