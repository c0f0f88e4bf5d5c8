package io.bufferbridge.format;

/**
 * Thrown when a format string is not a valid PEP 3118 / {@code struct} format.
 *
 * <p>This is the only exception the parser throws for any input string. The message names the
 * problem and where it was found, for example {@code "unknown format character 'y' at 0"};
 * {@link #position()} gives the same index in machine-readable form.
 */
public final class FormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String format;
    private final int position;

    /**
     * Creates an exception for a problem at {@code position} of {@code format}.
     *
     * @param format the whole format string
     * @param position index of the offending character (the string's length when the string
     *     ended too early)
     * @param problem what is wrong, phrased so that {@code problem + " at " + position} reads well
     */
    public FormatException(String format, int position, String problem) {
        super(problem + " at " + position + " in format " + quote(format));
        this.format = format;
        this.position = position;
    }

    /** {@return the format string that was refused} */
    public String format() {
        return format;
    }

    /** {@return index in {@link #format()} where the problem was found} */
    public int position() {
        return position;
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("'");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", (int) c));
            } else if (c == '\'' || c == '\\') {
                b.append('\\').append(c);
            } else {
                b.append(c);
            }
        }
        return b.append('\'').toString();
    }
}
