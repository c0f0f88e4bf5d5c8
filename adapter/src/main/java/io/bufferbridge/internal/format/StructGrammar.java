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
import java.util.List;

/**
 * CPython's {@code struct} grammar as {@code struct.calcsize} implements it ({@code prepare_s} in
 * {@code Modules/_struct.c}): one order prefix at position 0, whitespace between items, repeat
 * counts, alignment before an item in native mode and never after the last one.
 *
 * <p>Items become fields the way NumPy reads the same string: a repeat count on a code is a
 * sub-array, {@code s}/{@code p} counts are byte lengths, {@code x} is padding and no field.
 */
final class StructGrammar {
    private static final String CODES = "xcbB?hHiIlLqQnNefdspP";
    private static final String NATIVE_ONLY = "nNP";

    private final String s;
    private int i;

    StructGrammar(String s) {
        this.s = s;
    }

    ParsedFormat parse() {
        char mode = '@';
        StringBuilder canonical = new StringBuilder();
        if (!s.isEmpty() && "@=<>!".indexOf(s.charAt(0)) >= 0) {
            mode = s.charAt(0);
            i = 1;
            if (mode != '@') {
                canonical.append(mode);
            }
        }
        boolean nativeMode = mode == '@';
        ByteOrder order = (mode == '>' || mode == '!') ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        long size = 0;
        long common = 1;
        List<Element> elements = new ArrayList<>();
        List<Long> offsets = new ArrayList<>();
        try {
            while (i < s.length()) {
                char c = s.charAt(i);
                if (isPySpace(c)) {
                    i++;
                    continue;
                }
                int itemStart = i;
                long num = 1;
                if (FormatParser.isDigit(c)) {
                    num = 0;
                    while (i < s.length() && FormatParser.isDigit(s.charAt(i))) {
                        try {
                            num = Sizes.appendDigit(num, s.charAt(i));
                        } catch (Sizes.Overflow o) {
                            throw new FormatException(s, itemStart, "size overflows");
                        }
                        i++;
                    }
                    if (i == s.length()) {
                        throw new FormatException(s, itemStart, "repeat count without a format character");
                    }
                    c = s.charAt(i);
                }
                int codePos = i;
                if (CODES.indexOf(c) < 0) {
                    if (isPySpace(c)) {
                        throw new FormatException(s, codePos, "whitespace between a repeat count and its format character");
                    }
                    throw new FormatException(s, codePos, "unknown format character " + FormatParser.describe(c));
                }
                if (!nativeMode && NATIVE_ONLY.indexOf(c) >= 0) {
                    throw new FormatException(s, codePos,
                            "format character '" + c + "' needs native mode ('@' or no prefix), found prefix '" + mode + "'");
                }
                i++;
                ScalarKind kind = FormatParser.kindOf(c);
                long unit = nativeMode ? kind.nativeSize() : kind.standardSize();
                long align = nativeMode ? kind.nativeAlignment() : 1;
                try {
                    size = Sizes.alignUp(size, align);
                    long bytes = Sizes.multiply(num, unit);
                    long offset = size;
                    size = Sizes.add(size, bytes);
                    if (nativeMode) {
                        common = Sizes.lcm(common, align);
                    }
                    if (kind.isCounted()) {
                        if (kind != ScalarKind.PAD) {
                            elements.add(new Scalar(kind, num, bytes, 1, order));
                            offsets.add(offset);
                        }
                    } else {
                        Scalar scalar = new Scalar(kind, 1, unit, align, order);
                        elements.add(num == 1 ? scalar : new SubArray(scalar, List.of(num), bytes));
                        offsets.add(offset);
                    }
                } catch (Sizes.Overflow o) {
                    throw new FormatException(s, itemStart, "size overflows");
                }
                if (num != 1) {
                    canonical.append(num);
                }
                canonical.append(c);
            }
            long padded = nativeMode ? Sizes.alignUp(size, common) : size;
            Element root;
            if (elements.size() == 1 && offsets.get(0) == 0 && elements.get(0).size() == padded) {
                root = elements.get(0);
            } else {
                List<Field> fields = new ArrayList<>();
                for (int k = 0; k < elements.size(); k++) {
                    fields.add(new Field("f" + k, false, offsets.get(k), elements.get(k)));
                }
                root = new Record(fields, padded, size, common);
            }
            return new ParsedFormat(root, size, padded, common, canonical.toString(), true);
        } catch (Sizes.Overflow o) {
            throw new FormatException(s, s.length(), "size overflows when padded to the alignment " + common);
        }
    }

    /** {@code Py_ISSPACE}: space, tab, newline, vertical tab, form feed, carriage return. */
    static boolean isPySpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }
}
