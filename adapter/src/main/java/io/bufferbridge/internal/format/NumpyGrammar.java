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
import java.util.Arrays;
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
    private static final String UNSUPPORTED = "u&tXO";
    /** {@link #CODE_CLASS} bits: the code is valid in native mode, in standard mode. */
    private static final byte NATIVE = 1, STANDARD = 2;
    /** Per ASCII character, which modes accept it as a one-character code: a table, not a search. */
    private static final byte[] CODE_CLASS = new byte[128];
    /**
     * The scalars of the one-character, uncounted codes, by mode ({@code @ ^ <= >}) and kind: they
     * are immutable values, so a parse shares them instead of making one per item.
     */
    private static final Scalar[][] SCALARS = new Scalar[4][];

    static {
        for (char c : "?cbBhHiIlLqQefdgswx".toCharArray()) {
            CODE_CLASS[c] |= NATIVE;
        }
        for (char c : "?cbBhHiIlLqQefdswx".toCharArray()) {
            CODE_CLASS[c] |= STANDARD;
        }
        String modes = "@^<>";
        ScalarKind[] kinds = ScalarKind.values();
        for (int m = 0; m < modes.length(); m++) {
            char mode = modes.charAt(m);
            boolean nativeSizes = mode == '@' || mode == '^';
            ByteOrder order = mode == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
            SCALARS[m] = new Scalar[kinds.length];
            for (ScalarKind kind : kinds) {
                if (!kind.isCounted()) {
                    long unit = nativeSizes ? kind.nativeSize() : kind.standardSize();
                    SCALARS[m][kind.ordinal()] =
                            new Scalar(kind, 1, unit, mode == '@' ? kind.nativeAlignment() : 1, order);
                }
            }
        }
    }

    private final String s;
    private final int n;
    private int i;
    /** The order state: one of {@code @ = < > ^}; {@code !} is stored as {@code >}. */
    private char mode = '@';
    /** Whether a count or dimension was written with a leading zero, which the canonical drops. */
    private boolean leadingZero;
    /**
     * The fields of the records being parsed, innermost last: a record's fields are
     * {@code fields[base, top)} until it ends, when they become its immutable list and are popped.
     * One array for the whole parse instead of a list per record.
     */
    private Field[] fields;
    private int top;
    /** What the last {@link #body} found: its size, content size, alignment, unnamed fields. */
    private long bodySize;
    private long bodyContentSize;
    private long bodyAlignment;
    private boolean bodyUnnamed;

    NumpyGrammar(String s) {
        this.s = s;
        this.n = s.length();
    }

    ParsedFormat parse() {
        body(-1);
        long size = bodySize;
        long contentSize = bodyContentSize;
        long alignment = bodyAlignment;
        // fixNames only renames, so the one-item test may look at the fields before it.
        if (top == 1 && !fields[0].named() && fields[0].offset() == 0 && fields[0].element().size() == size) {
            Element root = fields[0].element();
            long itemsize = root instanceof Record r ? r.contentSize() : root.size();
            return new ParsedFormat(root, itemsize, size, alignment, canonical(), false);
        }
        Record root = new Record(popFields(0, bodyUnnamed), size, contentSize, alignment);
        return new ParsedFormat(root, contentSize, size, alignment, canonical(), false);
    }

    /**
     * Parses items up to the matching brace ({@code openPos >= 0}) or the end of the string,
     * leaving the fields on the stack from where it stood and the sizes in the {@code body…}
     * fields.
     */
    private void body(int openPos) {
        boolean sub = openPos >= 0;
        // The fields are fields[base, top), unnamed ones (named() false) with an empty name until
        // fixNames.
        int base = top;
        boolean unnamed = false;
        // Names seen, for the duplicate check: a linear search of the fields while there are few
        // (cheaper than hashing), a set once there are many (no quadratic time on a long record).
        Set<String> seen = null;
        long offset = 0;
        long common = 1;
        boolean closed = false;
        while (i < n) {
            char at = s.charAt(i);
            if (at == '}') {
                if (!sub) {
                    throw new FormatException(s, i, "'}' closes no record");
                }
                i++;
                closed = true;
                break;
            }
            int itemStart = i;
            List<Long> shape = null;
            if (at == '(') {
                shape = shape();
            }
            if (i < n && isOrder(s.charAt(i))) {
                char written = s.charAt(i);
                mode = written == '!' ? '>' : written;
                i++;
            }
            long count = 1;
            boolean hasCount = false;
            int countPos = i;
            digitRun(i);
            char c;
            while (i < n && FormatParser.isDigit(c = s.charAt(i))) {
                try {
                    count = hasCount ? Sizes.appendDigit(count, c) : c - '0';
                } catch (Sizes.Overflow o) {
                    throw new FormatException(s, countPos, "size overflows");
                }
                hasCount = true;
                i++;
            }
            if (i >= n) {
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
            c = s.charAt(i);
            if (c == 'T' && i + 1 < n && s.charAt(i + 1) == '{') {
                int open = i;
                i += 2;
                int innerBase = top;
                body(open);
                valueSize = bodySize;
                align = bodyAlignment;
                long innerContentSize = bodyContentSize;
                value = new Record(popFields(innerBase, bodyUnnamed), valueSize, innerContentSize, align);
            } else {
                int codePos = i;
                ScalarKind kind;
                if (c == 'Z') {
                    if (i + 1 >= n) {
                        throw new FormatException(s, codePos, "complex code 'Z' without its type character");
                    }
                    char t = s.charAt(i + 1);
                    i += 2;
                    if (!(t == 'f' || t == 'd' || (t == 'g' && nativeSizes))) {
                        throw new FormatException(s, codePos, "unknown complex code '" + s.substring(codePos, codePos + 2)
                                + "'" + (t == 'g' ? " in standard mode" : "") + " (expected Zf, Zd or native Zg)");
                    }
                    kind = t == 'f' ? ScalarKind.COMPLEX64 : t == 'd' ? ScalarKind.COMPLEX128 : ScalarKind.COMPLEX_LONG_DOUBLE;
                } else {
                    if (c >= CODE_CLASS.length || (CODE_CLASS[c] & (nativeSizes ? NATIVE : STANDARD)) == 0) {
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
                long unit = nativeSizes ? kind.nativeSize() : kind.standardSize();
                long scalarAlign = kind.nativeAlignment();
                if (count > Integer.MAX_VALUE) {
                    throw new FormatException(s, countPos, "count " + count + " does not fit into a C int (NumPy's limit)");
                }
                if (kind.isCounted()) {
                    // NumPy folds the count of S, U and V into the dtype: 3s is S3, not (S1,(3,)).
                    try {
                        valueSize = Sizes.multiply(count, unit);
                    } catch (Sizes.Overflow o) {
                        throw new FormatException(s, itemStart, "size overflows");
                    }
                    ByteOrder order = mode == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
                    value = new Scalar(kind, count, valueSize, mode == '@' ? scalarAlign : 1, order);
                    count = 1;
                } else {
                    valueSize = unit;
                    value = SCALARS[modeIndex(mode)][kind.ordinal()];
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
                if (i < n && s.charAt(i) == ':') {
                    int close = s.indexOf(':', i + 1);
                    if (close < 0) {
                        throw new FormatException(s, i, "unterminated field name started");
                    }
                    name = s.substring(i + 1, close);
                    i = close + 1;
                }
                if (!(padding && name == null)) {
                    if (seen == null && top - base >= 16) {
                        seen = new HashSet<>();
                        for (int k = base; k < top; k++) {
                            if (fields[k].named()) {
                                seen.add(fields[k].name());
                            }
                        }
                    }
                    if (name != null && (seen != null ? !seen.add(name) : isNamedIn(base, name))) {
                        throw new FormatException(s, itemStart, "duplicate field name '" + name + "' is not supported");
                    }
                    unnamed |= name == null;
                    push(new Field(name == null ? "" : name, name != null, offset, value));
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
        bodySize = size;
        bodyContentSize = offset;
        bodyAlignment = common;
        bodyUnnamed = unnamed;
    }

    private static boolean isOrder(char c) {
        return c == '@' || c == '=' || c == '<' || c == '>' || c == '^' || c == '!';
    }

    /** {@return the row of {@link #SCALARS} for an order state} */
    private static int modeIndex(char mode) {
        return switch (mode) {
            case '@' -> 0;
            case '^' -> 1;
            case '>' -> 3;
            default -> 2; // '=' and '<': standard sizes, little-endian, as the grammar reads them
        };
    }

    private void push(Field f) {
        if (fields == null) {
            fields = new Field[8];
        } else if (top == fields.length) {
            fields = Arrays.copyOf(fields, top * 2);
        }
        fields[top++] = f;
    }

    /**
     * {@return {@code fields[base, top)} as an immutable list, unnamed fields named} and pops them:
     * the fixed-arity {@code List.of} keeps its argument array without a copy, and the records'
     * {@code List.copyOf} keeps an immutable list as it is
     */
    private List<Field> popFields(int base, boolean unnamed) {
        if (unnamed) {
            fixNames(base);
        }
        Field[] f = fields;
        int b = base;
        List<Field> list = switch (top - base) {
            case 0 -> List.of();
            case 1 -> List.of(f[b]);
            case 2 -> List.of(f[b], f[b + 1]);
            case 3 -> List.of(f[b], f[b + 1], f[b + 2]);
            case 4 -> List.of(f[b], f[b + 1], f[b + 2], f[b + 3]);
            case 5 -> List.of(f[b], f[b + 1], f[b + 2], f[b + 3], f[b + 4]);
            case 6 -> List.of(f[b], f[b + 1], f[b + 2], f[b + 3], f[b + 4], f[b + 5]);
            case 7 -> List.of(f[b], f[b + 1], f[b + 2], f[b + 3], f[b + 4], f[b + 5], f[b + 6]);
            case 8 -> List.of(f[b], f[b + 1], f[b + 2], f[b + 3], f[b + 4], f[b + 5], f[b + 6], f[b + 7]);
            default -> List.of(Arrays.copyOfRange(f, base, top));
        };
        top = base;
        return list;
    }

    /**
     * NumPy's {@code _fix_names}: an unnamed field gets the first {@code fN} not already taken,
     * by a named field anywhere in the record or by an earlier unnamed one. The earlier generated
     * names are all below the last {@code N} chosen, so the search goes on from there.
     */
    private void fixNames(int base) {
        int named = 0;
        for (int k = base; k < top; k++) {
            if (fields[k].named()) {
                named++;
            }
        }
        Set<String> taken = null;
        if (named >= 16) {
            taken = new HashSet<>();
            for (int k = base; k < top; k++) {
                if (fields[k].named()) {
                    taken.add(fields[k].name());
                }
            }
        }
        int j = 0;
        for (int k = base; k < top; k++) {
            Field f = fields[k];
            if (f.named()) {
                continue;
            }
            String name = "f" + j;
            while (named > 0 && (taken != null ? taken.contains(name) : isNamedIn(base, name))) {
                j++;
                name = "f" + j;
            }
            j++;
            fields[k] = new Field(name, false, f.offset(), f.element());
        }
    }

    private List<Long> shape() {
        int open = i;
        i++;
        int first = i;
        int rank = 0;
        while (true) {
            int start = i;
            digitRun(i);
            long d = 0;
            char c;
            while (i < n && FormatParser.isDigit(c = s.charAt(i))) {
                try {
                    d = Sizes.appendDigit(d, c);
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
            rank++;
            if (i < n && s.charAt(i) == ',') {
                i++;
            } else if (i < n && s.charAt(i) == ')') {
                i++;
                return dims(first, rank);
            } else {
                throw new FormatException(s, i, "sub-array shape started at " + open
                        + " expects ',' or ')', found " + found());
            }
        }
    }

    /**
     * {@return the {@code rank} dimensions written from {@code from} on, already checked by
     * {@link #shape}}: read a second time rather than gathered into a scratch list, so a shape
     * costs only its immutable list (small dimensions box to the {@code Long} cache)
     */
    private List<Long> dims(int from, int rank) {
        cursor = from;
        return switch (rank) {
            case 1 -> List.of(nextDim());
            case 2 -> List.of(nextDim(), nextDim());
            case 3 -> List.of(nextDim(), nextDim(), nextDim());
            case 4 -> List.of(nextDim(), nextDim(), nextDim(), nextDim());
            default -> {
                Long[] d = new Long[rank];
                for (int k = 0; k < rank; k++) {
                    d[k] = nextDim();
                }
                yield List.of(d);
            }
        };
    }

    /** Where {@link #nextDim} reads. */
    private int cursor;

    /** {@return the checked dimension at {@link #cursor}}, stepping over it and its ',' or ')' */
    private Long nextDim() {
        long d = 0;
        char c;
        while (FormatParser.isDigit(c = s.charAt(cursor))) {
            d = d * 10 + (c - '0');
            cursor++;
        }
        cursor++;
        return d;
    }

    private String found() {
        return i < n ? FormatParser.describe(s.charAt(i)) : "the end";
    }

    /** {@return whether a named field of {@code fields[base, top)} is called {@code name}} */
    private boolean isNamedIn(int base, String name) {
        for (int k = base; k < top; k++) {
            Field f = fields[k];
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
