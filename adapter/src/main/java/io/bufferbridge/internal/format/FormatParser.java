package io.bufferbridge.internal.format;

import io.bufferbridge.format.FormatException;
import io.bufferbridge.format.ScalarKind;

/**
 * Parses a format string with the union of two grammars: CPython's {@code struct} grammar, which
 * gives a string it accepts its meaning, and NumPy's PEP 3118 grammar (without NumPy's leniency)
 * for the strings only NumPy accepts.
 */
public final class FormatParser {
    private FormatParser() {}

    /**
     * Parses {@code text}.
     *
     * @param text a format string
     * @return the layout
     * @throws FormatException if neither grammar accepts the string; when both refuse, the
     *     message is that of the grammar that read further, and on a tie NumPy's when the string
     *     uses NumPy's syntax, else {@code struct}'s
     */
    public static ParsedFormat parse(String text) {
        int nul = text.indexOf('\0');
        if (nul >= 0) {
            throw new FormatException(text, nul, "embedded NUL character");
        }
        // struct's grammar has no '{', ':' or '(' (only its codes, digits, whitespace and an order
        // prefix at 0), so it refuses every string holding one: for those, NumPy's grammar goes
        // first and struct's error is made only when both refuse. Same answers, without building
        // (and filling the stack trace of) an exception on every record format parsed.
        FormatException structError = null;
        if (!hasNumpyOnlyPunctuation(text)) {
            try {
                return new StructGrammar(text).parse();
            } catch (FormatException e) {
                structError = e;
            }
        }
        try {
            return new NumpyGrammar(text).parse();
        } catch (FormatException numpyError) {
            if (structError == null) {
                try {
                    return new StructGrammar(text).parse();
                } catch (FormatException e) {
                    structError = e;
                }
            }
            if (structError.position() != numpyError.position()) {
                throw structError.position() > numpyError.position() ? structError : numpyError;
            }
            throw usesNumpySyntax(text) ? numpyError : structError;
        }
    }

    private static boolean hasNumpyOnlyPunctuation(String text) {
        for (int k = 0; k < text.length(); k++) {
            char c = text.charAt(k);
            if (c == '{' || c == ':' || c == '(') {
                return true;
            }
        }
        return false;
    }

    /** Whether a string reaches for NumPy's syntax, so that NumPy's message explains it better. */
    private static boolean usesNumpySyntax(String text) {
        for (int k = 0; k < text.length(); k++) {
            char c = text.charAt(k);
            if ("T{}:()^Zwg&tXOu".indexOf(c) >= 0 || (k > 0 && "@=<>!".indexOf(c) >= 0)) {
                return true;
            }
        }
        return false;
    }

    /** The kind of each one-character code, so a parse does not search {@code ScalarKind.values()}. */
    private static final ScalarKind[] KIND_OF_CHAR = new ScalarKind[128];

    static {
        for (char c = 0; c < KIND_OF_CHAR.length; c++) {
            KIND_OF_CHAR[c] = ScalarKind.ofCode(String.valueOf(c)).orElse(null);
        }
    }

    /**
     * {@return {@code ScalarKind.ofCode(String.valueOf(c))}, from a table, or null for no kind}:
     * null rather than an {@code Optional} because the parser asks once per character
     */
    static ScalarKind kindOf(char c) {
        return c < KIND_OF_CHAR.length ? KIND_OF_CHAR[c] : null;
    }

    static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    static String describe(char c) {
        if (c < 0x20 || c == 0x7f) {
            return c == 0 ? "NUL" : String.format("'\\x%02x'", (int) c);
        }
        return "'" + c + "'";
    }
}
