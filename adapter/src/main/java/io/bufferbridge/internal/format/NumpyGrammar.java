package io.bufferbridge.internal.format;

import io.bufferbridge.format.Element;
import io.bufferbridge.format.Field;
import io.bufferbridge.format.FormatException;
import io.bufferbridge.format.Record;
import io.bufferbridge.format.Scalar;
import io.bufferbridge.format.ScalarKind;
import io.bufferbridge.format.SubArray;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * NumPy's PEP 3118 grammar ({@code _dtype_from_pep3118} in {@code numpy/_core/_internal.py}),
 * with the same sizes, offsets, alignment and padding, but strict where NumPy is lenient: an
 * unterminated {@code T{}, a {@code }} that closes nothing, a sub-array shape that is not plain
 * decimal digits, and whitespace are errors.
 *
 * <p>An item is {@code [(d0,d1,…)] [order] [count] (code | T{items}) [:name:]}. The order
 * character is state of the whole string: it stays in force until changed, across the end of a
 * nested record.
 */
final class NumpyGrammar {
    private static final String ORDERS = "@=<>^!";
    private static final String NATIVE_CODES = "?cbBhHiIlLqQefdgswx";
    private static final String STANDARD_CODES = "?cbBhHiIlLqQefdswx";
    private static final String UNSUPPORTED = "u&tXO";

    private final String s;
    private int i;
    /** The order state: one of {@code @ = < > ^}; {@code !} is stored as {@code >}. */
    private char mode = '@';
    /** Whether a count or dimension was written with a leading zero, which the canonical drops. */
    private boolean leadingZero;

    NumpyGrammar(String s) {
        this.s = s;
    }

    private record Body(List<Field> fields, long size, long contentSize, long alignment) {}

    ParsedFormat parse() {
        Body body = body(-1);
        List<Field> fields = body.fields();
        if (fields.size() == 1 && !fields.get(0).named() && fields.get(0).offset() == 0
                && fields.get(0).element().size() == body.size()) {
            Element root = fields.get(0).element();
            long itemsize = root instanceof Record r ? r.contentSize() : root.size();
            return new ParsedFormat(root, itemsize, body.size(), body.alignment(), canonical(), false);
        }
        Record root = new Record(fields, body.size(), body.contentSize(), body.alignment());
        return new ParsedFormat(root, body.contentSize(), body.size(), body.alignment(), canonical(), false);
    }

    /** Parses items up to the matching brace ({@code openPos >= 0}) or the end of the string. */
    private Body body(int openPos) {
        boolean sub = openPos >= 0;
        // The fields in order, unnamed ones (named() false) with an empty name until fixNames.
        List<Field> fields = new ArrayList<>();
        boolean unnamed = false;
        // Names seen, for the duplicate check: a linear search of the fields while there are few
        // (cheaper than hashing), a set once there are many (no quadratic time on a long record).
        Set<String> seen = null;
        long offset = 0;
        long common = 1;
        boolean closed = false;
        while (i < s.length()) {
            if (s.charAt(i) == '}') {
                if (!sub) {
                    throw new FormatException(s, i, "'}' closes no record");
                }
                i++;
                closed = true;
                break;
            }
            int itemStart = i;
            List<Long> shape = null;
            if (s.charAt(i) == '(') {
                shape = shape();
            }
            if (i < s.length() && ORDERS.indexOf(s.charAt(i)) >= 0) {
                char written = s.charAt(i);
                mode = written == '!' ? '>' : written;
                i++;
            }
            long count = 1;
            boolean hasCount = false;
            int countPos = i;
            digitRun(i);
            while (i < s.length() && FormatParser.isDigit(s.charAt(i))) {
                try {
                    count = hasCount ? Sizes.appendDigit(count, s.charAt(i)) : s.charAt(i) - '0';
                } catch (Sizes.Overflow o) {
                    throw new FormatException(s, countPos, "size overflows");
                }
                hasCount = true;
                i++;
            }
            if (i >= s.length()) {
                throw new FormatException(s, hasCount ? countPos : i, hasCount
                        ? "repeat count without a format character"
                        : "format ends where a format character was expected");
            }
            boolean nativeSizes = mode == '@' || mode == '^';
            Element value;
            // value.size(), kept beside it: Element is an interface of three records, and its
            // calls here are megamorphic (an itable dispatch each).
            long valueSize;
            long align;
            boolean padding = false;
            if (s.startsWith("T{", i)) {
                int open = i;
                i += 2;
                Body inner = body(open);
                value = new Record(inner.fields(), inner.size(), inner.contentSize(), inner.alignment());
                valueSize = inner.size();
                align = inner.alignment();
            } else {
                int codePos = i;
                char c = s.charAt(i);
                ScalarKind kind;
                if (c == 'Z') {
                    if (i + 1 >= s.length()) {
                        throw new FormatException(s, codePos, "complex code 'Z' without its type character");
                    }
                    String code = s.substring(i, i + 2);
                    i += 2;
                    char t = code.charAt(1);
                    if (!(t == 'f' || t == 'd' || (t == 'g' && nativeSizes))) {
                        throw new FormatException(s, codePos, "unknown complex code '" + code + "'"
                                + (t == 'g' ? " in standard mode" : "") + " (expected Zf, Zd or native Zg)");
                    }
                    kind = ScalarKind.ofCode(code).orElseThrow();
                } else {
                    String codes = nativeSizes ? NATIVE_CODES : STANDARD_CODES;
                    if (codes.indexOf(c) < 0) {
                        if (UNSUPPORTED.indexOf(c) >= 0) {
                            throw new FormatException(s, codePos, "format character '" + c + "' ("
                                    + unsupportedName(c) + ") is not supported");
                        }
                        if (c == 'g') {
                            throw new FormatException(s, codePos, "format character 'g' needs native mode ('@' or '^'), found '" + mode + "'");
                        }
                        throw new FormatException(s, codePos, "unknown format character " + FormatParser.describe(c));
                    }
                    kind = FormatParser.kindOf(c);
                    i++;
                }
                padding = kind == ScalarKind.PAD;
                ByteOrder order = mode == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
                long unit = nativeSizes ? kind.nativeSize() : kind.standardSize();
                long scalarAlign = kind.nativeAlignment();
                if (count > Integer.MAX_VALUE) {
                    throw new FormatException(s, countPos, "count " + count + " does not fit into a C int (NumPy's limit)");
                }
                try {
                    if (kind.isCounted()) {
                        // NumPy folds the count of S, U and V into the dtype: 3s is S3, not (S1,(3,)).
                        valueSize = Sizes.multiply(count, unit);
                        value = new Scalar(kind, count, valueSize, mode == '@' ? scalarAlign : 1, order);
                        count = 1;
                    } else {
                        valueSize = unit;
                        value = new Scalar(kind, 1, unit, mode == '@' ? scalarAlign : 1, order);
                    }
                } catch (Sizes.Overflow o) {
                    throw new FormatException(s, itemStart, "size overflows");
                }
                align = scalarAlign;
            }
            if (count > Integer.MAX_VALUE) {
                throw new FormatException(s, countPos, "count " + count + " does not fit into a C int (NumPy's limit)");
            }
            if (shape != null && (count == 0 || valueSize == 0) && !(count == 1 && value instanceof Record)) {
                throw new FormatException(s, itemStart, "sub-array shape applied to an element of size 0 (NumPy refuses it)");
            }
            try {
                long extra = 0;
                if (mode == '@') {
                    offset = Sizes.alignUp(offset, align);
                    long intra = Sizes.padding(valueSize, align);
                    if (intra != 0) {
                        if (count > 1 || (shape != null && product(shape) > 1)) {
                            value = padded(value, valueSize, intra);
                            valueSize = Sizes.add(valueSize, intra);
                        } else {
                            extra = intra;
                        }
                    }
                    common = Sizes.lcm(common, align);
                }
                if (count != 1) {
                    SubArray counted = subArray(value, valueSize, List.of(count));
                    value = counted;
                    valueSize = counted.size();
                }
                if (shape != null) {
                    SubArray shaped = subArray(value, valueSize, shape);
                    value = shaped;
                    valueSize = shaped.size();
                }
                String name = null;
                if (i < s.length() && s.charAt(i) == ':') {
                    int close = s.indexOf(':', i + 1);
                    if (close < 0) {
                        throw new FormatException(s, i, "unterminated field name started");
                    }
                    name = s.substring(i + 1, close);
                    i = close + 1;
                }
                if (!(padding && name == null)) {
                    if (seen == null && fields.size() >= 16) {
                        seen = new HashSet<>();
                        for (Field f : fields) {
                            if (f.named()) {
                                seen.add(f.name());
                            }
                        }
                    }
                    if (name != null && (seen != null ? !seen.add(name) : isNamedIn(fields, name))) {
                        throw new FormatException(s, itemStart, "duplicate field name '" + name + "' is not supported");
                    }
                    unnamed |= name == null;
                    fields.add(new Field(name == null ? "" : name, name != null, offset, value));
                }
                offset = Sizes.add(Sizes.add(offset, valueSize), extra);
            } catch (Sizes.Overflow o) {
                throw new FormatException(s, itemStart, "size overflows");
            }
        }
        if (sub && !closed) {
            throw new FormatException(s, openPos, "unterminated record started");
        }
        long size;
        try {
            size = mode == '@' ? Sizes.alignUp(offset, common) : offset;
        } catch (Sizes.Overflow o) {
            throw new FormatException(s, i, "size overflows when padded to the alignment " + common);
        }
        return new Body(unnamed ? fixNames(fields) : fields, size, offset, common);
    }

    /** NumPy's {@code _fix_names}: an unnamed field gets the first {@code fN} not already taken. */
    private static List<Field> fixNames(List<Field> fields) {
        List<String> fixed = new ArrayList<>();
        for (Field f : fields) {
            fixed.add(f.named() ? f.name() : null);
        }
        for (int k = 0; k < fixed.size(); k++) {
            if (fixed.get(k) != null) {
                continue;
            }
            int j = 0;
            while (fixed.contains("f" + j)) {
                j++;
            }
            fixed.set(k, "f" + j);
            Field f = fields.get(k);
            fields.set(k, new Field(fixed.get(k), false, f.offset(), f.element()));
        }
        return fields;
    }

    private List<Long> shape() {
        int open = i;
        i++;
        List<Long> dims = new ArrayList<>();
        while (true) {
            int start = i;
            digitRun(i);
            long d = 0;
            while (i < s.length() && FormatParser.isDigit(s.charAt(i))) {
                try {
                    d = Sizes.appendDigit(d, s.charAt(i));
                } catch (Sizes.Overflow o) {
                    throw new FormatException(s, start, "size overflows");
                }
                i++;
            }
            if (i == start) {
                throw new FormatException(s, i, "sub-array shape started at " + open
                        + " expects a decimal dimension, found " + found());
            }
            if (d > Integer.MAX_VALUE) {
                throw new FormatException(s, start, "dimension " + d + " does not fit into a C int (NumPy's limit)");
            }
            dims.add(d);
            if (i < s.length() && s.charAt(i) == ',') {
                i++;
            } else if (i < s.length() && s.charAt(i) == ')') {
                i++;
                return dims;
            } else {
                throw new FormatException(s, i, "sub-array shape started at " + open
                        + " expects ',' or ')', found " + found());
            }
        }
    }

    private String found() {
        return i < s.length() ? FormatParser.describe(s.charAt(i)) : "the end";
    }

    /** {@return whether a named field is called {@code name}} */
    private static boolean isNamedIn(List<Field> fields, String name) {
        for (int k = 0; k < fields.size(); k++) {
            Field f = fields.get(k);
            if (f.named() && f.name().equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** Notes a count or dimension starting at {@code at} that has a leading zero ({@code 03}). */
    private void digitRun(int at) {
        if (at + 1 < s.length() && s.charAt(at) == '0' && FormatParser.isDigit(s.charAt(at + 1))) {
            leadingZero = true;
        }
    }

    /**
     * {@return the canonical string: the strict grammar allows no whitespace and keeps every
     * character as written, so it is the text itself but for leading zeros of counts and
     * dimensions, which are dropped ({@code (02,3)03i} is {@code (2,3)3i}); field names are kept}
     */
    private String canonical() {
        if (!leadingZero) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        int k = 0;
        while (k < s.length()) {
            char c = s.charAt(k);
            if (c == ':') {
                // A field name, between two colons, copied as it is.
                int close = s.indexOf(':', k + 1);
                b.append(s, k, close + 1);
                k = close + 1;
            } else if (FormatParser.isDigit(c)) {
                int end = k;
                while (end < s.length() && FormatParser.isDigit(s.charAt(end))) {
                    end++;
                }
                while (k < end - 1 && s.charAt(k) == '0') {
                    k++;
                }
                b.append(s, k, end);
                k = end;
            } else {
                b.append(c);
                k++;
            }
        }
        return b.toString();
    }

    private static long product(List<Long> shape) throws Sizes.Overflow {
        long n = 1;
        for (long d : shape) {
            n = Sizes.multiply(n, d);
        }
        return n;
    }

    private static SubArray subArray(Element value, long valueSize, List<Long> shape) throws Sizes.Overflow {
        if (value instanceof SubArray inner) {
            List<Long> merged = new ArrayList<>(shape);
            merged.addAll(inner.shape());
            return new SubArray(inner.element(), merged, Sizes.multiply(product(shape), valueSize));
        }
        return new SubArray(value, shape, Sizes.multiply(product(shape), valueSize));
    }

    /** NumPy's {@code _add_trailing_padding}: the element grows, its fields stay where they are. */
    private static Element padded(Element value, long valueSize, long padding) throws Sizes.Overflow {
        long size = Sizes.add(valueSize, padding);
        if (value instanceof Record r) {
            return new Record(r.fields(), size, r.contentSize(), r.alignment());
        }
        return new Record(List.of(new Field("f0", false, 0, value)), size, valueSize, value.alignment());
    }

    private static String unsupportedName(char c) {
        return switch (c) {
            case 'u' -> "UCS-2 text";
            case '&' -> "pointer";
            case 't' -> "bit field";
            case 'X' -> "function pointer";
            default -> "Python object";
        };
    }
}
