package io.bufferbridge.internal.format;

/** Overflow-checked size arithmetic shared by both grammars: every size is a non-negative long. */
final class Sizes {
    private Sizes() {}

    /** Thrown internally when a size leaves the range of a signed 64-bit integer. */
    static final class Overflow extends Exception {
        private static final long serialVersionUID = 1L;

        Overflow() {
            super(null, null, false, false);
        }
    }

    static long add(long a, long b) throws Overflow {
        long r = a + b;
        if (((a ^ r) & (b ^ r)) < 0) {
            throw new Overflow();
        }
        return r;
    }

    static long multiply(long a, long b) throws Overflow {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        if ((hi != 0 || lo < 0) && !(hi == -1 && lo < 0)) {
            throw new Overflow();
        }
        return lo;
    }

    /** Python's {@code (-offset) % align} for non-negative offset and positive align. */
    static long padding(long offset, long align) {
        // Alignments are powers of two (the division below stays for any other value): a mask
        // instead of a 64-bit division, which takes tens of cycles on some x86 cores and was a
        // third of a parse there.
        if (align > 0 && (align & (align - 1)) == 0) {
            return -offset & (align - 1);
        }
        long r = offset % align;
        return r == 0 ? 0 : align - r;
    }

    static long alignUp(long offset, long align) throws Overflow {
        return add(offset, padding(offset, align));
    }

    static long lcm(long a, long b) throws Overflow {
        if (a > 0 && b > 0 && (a & (a - 1)) == 0 && (b & (b - 1)) == 0) {
            // Both powers of two, the usual case: no division, as in padding.
            return Math.max(a, b);
        }
        return multiply(a / gcd(a, b), b);
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    /** Appends one decimal digit to a count, as CPython's overflow-safe loop does. */
    static long appendDigit(long value, char digit) throws Overflow {
        int d = digit - '0';
        if (value > (Long.MAX_VALUE - d) / 10) {
            throw new Overflow();
        }
        return value * 10 + d;
    }
}
