package io.bufferbridge.format;

import java.util.Objects;
import java.util.Optional;

/**
 * The element codes of the PEP 3118 grammar that denote a single value (or, for the byte string
 * codes, a fixed run of bytes).
 *
 * <p>Sizes are those of x86-64 / aarch64 Linux (LP64) in native mode ({@code @}, {@code ^}); the
 * standard sizes apply after {@code = < > !}. A code that has no standard size ({@code n N P g Zg})
 * is accepted only in native mode.
 */
public enum ScalarKind {
    /** {@code x}: a pad byte; a field only when it is named. */
    PAD("x", 1, 1, 1, 'V'),
    /** {@code c}: a char of length 1 ({@code bytes} of length 1 in Python). */
    CHAR("c", 1, 1, 1, 'S'),
    /** {@code b}: signed char. */
    INT8("b", 1, 1, 1, 'i'),
    /** {@code B}: unsigned char. */
    UINT8("B", 1, 1, 1, 'u'),
    /** {@code ?}: {@code _Bool}, one byte. */
    BOOL("?", 1, 1, 1, 'b'),
    /** {@code h}: short. */
    INT16("h", 2, 2, 2, 'i'),
    /** {@code H}: unsigned short. */
    UINT16("H", 2, 2, 2, 'u'),
    /** {@code i}: int. */
    INT32("i", 4, 4, 4, 'i'),
    /** {@code I}: unsigned int. */
    UINT32("I", 4, 4, 4, 'u'),
    /** {@code l}: long; 8 bytes native, 4 bytes standard. */
    LONG("l", 8, 8, 4, 'i'),
    /** {@code L}: unsigned long; 8 bytes native, 4 bytes standard. */
    ULONG("L", 8, 8, 4, 'u'),
    /** {@code q}: long long. */
    INT64("q", 8, 8, 8, 'i'),
    /** {@code Q}: unsigned long long. */
    UINT64("Q", 8, 8, 8, 'u'),
    /** {@code n}: {@code ssize_t}, native only. */
    SSIZE("n", 8, 8, 0, 'i'),
    /** {@code N}: {@code size_t}, native only. */
    SIZE("N", 8, 8, 0, 'u'),
    /** {@code e}: IEEE 754 binary16. */
    FLOAT16("e", 2, 2, 2, 'f'),
    /** {@code f}: IEEE 754 binary32. */
    FLOAT32("f", 4, 4, 4, 'f'),
    /** {@code d}: IEEE 754 binary64. */
    FLOAT64("d", 8, 8, 8, 'f'),
    /** {@code g}: x87 80-bit extended precision in 16 bytes, native only (NumPy). */
    LONG_DOUBLE("g", 16, 16, 0, 'f'),
    /** {@code s}: a fixed run of bytes; the count is the byte length. */
    BYTES("s", 1, 1, 1, 'S'),
    /** {@code p}: a Pascal string; the count is the byte length, length byte included. */
    PASCAL("p", 1, 1, 1, 'S'),
    /** {@code P}: {@code void *}, native only. */
    POINTER("P", 8, 8, 0, 'u'),
    /** {@code w}: UCS-4 text (NumPy {@code U}); the count is the number of characters. */
    UCS4("w", 4, 4, 4, 'U'),
    /** {@code Zf}: complex of two binary32. */
    COMPLEX64("Zf", 8, 4, 8, 'c'),
    /** {@code Zd}: complex of two binary64. */
    COMPLEX128("Zd", 16, 8, 16, 'c'),
    /** {@code Zg}: complex of two long doubles, native only (NumPy). */
    COMPLEX_LONG_DOUBLE("Zg", 32, 16, 0, 'c');

    private final String code;
    private final int nativeSize;
    private final int nativeAlignment;
    private final int standardSize;
    private final char numpyKind;

    ScalarKind(String code, int nativeSize, int nativeAlignment, int standardSize, char numpyKind) {
        this.code = code;
        this.nativeSize = nativeSize;
        this.nativeAlignment = nativeAlignment;
        this.standardSize = standardSize;
        this.numpyKind = numpyKind;
    }

    /** {@return the code as written in a format string, for example {@code "i"} or {@code "Zd"}} */
    public String code() {
        return code;
    }

    /** {@return bytes per unit in native mode} */
    public int nativeSize() {
        return nativeSize;
    }

    /** {@return the alignment in native ({@code @}) mode} */
    public int nativeAlignment() {
        return nativeAlignment;
    }

    /** {@return bytes per unit in standard mode, or 0 when the code has no standard size} */
    public int standardSize() {
        return standardSize;
    }

    /** {@return whether the count in front of this code is a length rather than a repeat count} */
    public boolean isCounted() {
        return this == BYTES || this == PASCAL || this == UCS4 || this == PAD;
    }

    /** {@return whether values of this kind are integers (signed or not), booleans excluded} */
    public boolean isInteger() {
        return numpyKind == 'i' || numpyKind == 'u';
    }

    /** {@return whether values of this kind are unsigned integers} */
    public boolean isUnsigned() {
        return numpyKind == 'u';
    }

    /** {@return whether values of this kind are real floating point numbers} */
    public boolean isFloat() {
        return numpyKind == 'f';
    }

    /** {@return whether values of this kind are complex numbers} */
    public boolean isComplex() {
        return numpyKind == 'c';
    }

    /** {@return NumPy's kind letter for this code: {@code i u f c b S U V}} */
    public char numpyKind() {
        return numpyKind;
    }

    /**
     * {@return the kind written as {@code code}, or an empty {@code Optional} if no kind has that
     * code}
     *
     * @param code a code as it appears in a format string, for example {@code "i"} or {@code "Zd"}
     */
    public static Optional<ScalarKind> ofCode(String code) {
        Objects.requireNonNull(code, "code");
        for (ScalarKind k : values()) {
            if (k.code.equals(code)) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }
}
