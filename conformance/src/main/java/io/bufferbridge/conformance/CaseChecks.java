package io.bufferbridge.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import io.bufferbridge.arrow.c.ImportedView;
import io.bufferbridge.format.Element;
import io.bufferbridge.format.Field;
import io.bufferbridge.format.Format;
import io.bufferbridge.format.Record;
import io.bufferbridge.format.Scalar;
import io.bufferbridge.format.ScalarKind;
import io.bufferbridge.format.SubArray;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.Complex;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * The checks of docs/contract.md §3 and §4 on a view that came back from a round trip. Each returns null when
 * the check holds, else the first difference as {@code key=value} facts.
 */
public final class CaseChecks {
    private CaseChecks() {}

    /**
     * Compares a view imported back from a bufferbridge export with the case: format string,
     * itemsize, shape, read-only flag, strides (the case's when zero-copy, else C-contiguous), and
     * the logical bytes.
     *
     * @param c the case
     * @param back the imported view
     * @param copied whether the export reported a copy
     * @return null, or the first difference
     */
    public static String roundTrip(Case c, BufferView back, boolean copied) {
        if (!back.format().text().equals(c.format())) {
            return "format differs: expected='" + c.format() + "' found='" + back.format().text() + "'";
        }
        if (back.itemsize() != c.itemsize()) {
            return "itemsize differs: expected=" + c.itemsize() + " found=" + back.itemsize();
        }
        if (!Arrays.equals(back.shape(), c.shape())) {
            return "shape differs: expected=" + Arrays.toString(c.shape()) + " found=" + Arrays.toString(back.shape());
        }
        if (back.isReadOnly() != c.readOnly()) {
            return "readonly differs: expected=" + c.readOnly() + " found=" + back.isReadOnly();
        }
        if (back.elementCount() > 0) {
            long[] want = copied ? cStrides(c.itemsize(), c.shape()) : c.strides();
            if (!Arrays.equals(back.strides(), want)) {
                return "strides differ: expected=" + Arrays.toString(want) + " found=" + Arrays.toString(back.strides())
                        + " copied=" + copied;
            }
        }
        if (c.zeroCopy() && copied) {
            return "copied a case that must be zero-copy: zero_copy=true copied=true";
        }
        return logical(c, back);
    }

    /**
     * Checks a view imported back from a bufferbridge export against the case and the view that
     * was exported: {@link #roundTrip}, the same address when the export did not copy, and the
     * case's values. Releases the imported view.
     *
     * @param c the case
     * @param exported the view that was exported
     * @param imported what came back
     * @return null, or the first difference
     */
    public static String imported(Case c, BufferView exported, ImportedView imported) {
        BufferView back = imported.view();
        try {
            String d = roundTrip(c, back, imported.copied());
            if (d == null && !imported.copied() && back.elementCount() > 0 && back.address() != exported.address()) {
                d = "zero-copy export came back at another address: exported=0x" + Long.toHexString(exported.address())
                        + " imported=0x" + Long.toHexString(back.address());
            }
            return d != null ? d : values(c, back);
        } finally {
            back.close();
        }
    }

    /**
     * {@return null when the view's bytes in C order equal the case's logical bytes, comparing only
     * data bytes (not the bytes of {@code x} padding)}
     *
     * @param c the case
     * @param view a view of the same format and shape
     */
    public static String logical(Case c, BufferView view) {
        byte[] found = view.toBytes();
        byte[] want = c.logical();
        if (found.length != want.length) {
            return "logical length differs: expected=" + want.length + " found=" + found.length;
        }
        boolean[] data = dataMask(view.format(), (int) view.itemsize());
        for (int k = 0; k < found.length; k++) {
            if (found[k] != want[k] && (data.length == 0 || data[k % data.length])) {
                return "logical bytes differ: byte=" + k + " element=" + (data.length == 0 ? 0 : k / data.length)
                        + " expected=0x" + HexFormat.of().toHexDigits(want[k]) + " found=0x"
                        + HexFormat.of().toHexDigits(found[k]);
            }
        }
        return null;
    }

    /** Which bytes of an item hold data: every byte of a scalar that is not a pad byte. */
    static boolean[] dataMask(Format format, int itemsize) {
        boolean[] mask = new boolean[itemsize];
        mark(format.element(), 0, mask);
        return mask;
    }

    private static void mark(Element e, long at, boolean[] mask) {
        switch (e) {
            case Scalar s -> {
                if (s.kind() != ScalarKind.PAD) {
                    for (long k = at; k < at + s.size() && k < mask.length; k++) {
                        mask[(int) k] = true;
                    }
                }
            }
            case Record r -> {
                for (Field f : r.fields()) {
                    mark(f.element(), at + f.offset(), mask);
                }
            }
            case SubArray a -> {
                for (long i = 0; i < a.length(); i++) {
                    mark(a.element(), at + i * a.element().size(), mask);
                }
            }
        }
    }

    static long[] cStrides(long itemsize, long[] shape) {
        long[] strides = new long[shape.length];
        long sd = itemsize;
        for (int k = shape.length - 1; k >= 0; k--) {
            strides[k] = sd;
            sd *= Math.max(shape[k], 1);
        }
        return strides;
    }

    /**
     * {@return null when the case has no values or they equal the view's elements; else the first
     * difference}
     *
     * @param c the case
     * @param view the view
     */
    public static String values(Case c, BufferView view) {
        if (c.values() == null) {
            return null;
        }
        return compare(c.values(), view.toList(), "values");
    }

    private static String compare(JsonNode want, Object found, String where) {
        if (want.isArray()) {
            if (found instanceof Complex z && want.size() == 2) {
                String re = compare(want.get(0), z.real(), where + ".real");
                return re != null ? re : compare(want.get(1), z.imag(), where + ".imag");
            }
            if (found instanceof List<?> nested && nested.size() != want.size()) {
                // struct.unpack reads a repeat count inside a multi-item format as that many
                // items ('2c2s' gives three values); bufferbridge reads it as NumPy does, a
                // sub-array. Compare struct's flat tuple with the flattened sub-arrays.
                List<Object> flat = new java.util.ArrayList<>();
                for (Object o : nested) {
                    if (o instanceof List<?> sub) {
                        flat.addAll(sub);
                    } else {
                        flat.add(o);
                    }
                }
                found = flat;
            }
            if (!(found instanceof List<?> list) || list.size() != want.size()) {
                return where + ": expected " + abbreviate(want.toString()) + " found " + describe(found);
            }
            for (int k = 0; k < want.size(); k++) {
                String d = compare(want.get(k), list.get(k), where + "[" + k + "]");
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        boolean same;
        if (want.isBoolean()) {
            same = found instanceof Boolean b && b == want.booleanValue();
        } else if (want.isIntegralNumber()) {
            BigInteger w = want.bigIntegerValue();
            same = (found instanceof Long l && BigInteger.valueOf(l).equals(w))
                    || (found instanceof BigInteger b && b.equals(w))
                    || (found instanceof Double d && !d.isNaN() && !d.isInfinite() && new java.math.BigDecimal(d).compareTo(new java.math.BigDecimal(w)) == 0);
        } else if (want.isNumber()) {
            same = found instanceof Double d && Double.compare(d, want.doubleValue()) == 0
                    || found instanceof Double d2 && d2 == want.doubleValue();
        } else if (want.isTextual()) {
            String s = want.asText();
            same = switch (s) {
                case "nan" -> found instanceof Double d && d.isNaN();
                case "inf" -> found instanceof Double d && d == Double.POSITIVE_INFINITY;
                case "-inf" -> found instanceof Double d && d == Double.NEGATIVE_INFINITY;
                default -> s.startsWith("hex:") ? found instanceof byte[] b && HexFormat.of().formatHex(b).equals(s.substring(4))
                        : s.equals(found);
            };
        } else {
            same = false;
        }
        return same ? null : where + ": expected " + want + " found " + describe(found);
    }

    private static String describe(Object o) {
        if (o instanceof byte[] b) {
            return "bytes " + HexFormat.of().formatHex(b);
        }
        return o == null ? "null" : abbreviate(o.toString()) + " (" + o.getClass().getSimpleName() + ")";
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }
}
