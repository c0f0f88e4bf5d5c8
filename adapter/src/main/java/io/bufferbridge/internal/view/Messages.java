package io.bufferbridge.internal.view;

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
}
