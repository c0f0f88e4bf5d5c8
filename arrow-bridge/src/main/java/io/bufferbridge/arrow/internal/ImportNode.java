package io.bufferbridge.arrow.internal;

import io.bufferbridge.arrow.c.ArrowImportException;
import io.bufferbridge.format.Format;
import io.bufferbridge.format.FormatException;
import java.util.ArrayList;
import java.util.List;

/**
 * A schema node paired with its array node and read as one of the four layouts a view can come
 * from: fixed-width values, bit-packed booleans, a fixed-size list, or a struct. Building one
 * checks every count, pointer, length and offset before any buffer is touched.
 *
 * @param schema the schema node
 * @param array the array node
 * @param kind the layout
 * @param width bytes per value of a {@link Kind#FIXED} node
 * @param listSize {@code N} of a {@link Kind#LIST} node
 * @param canonical the PEP 3118 format of a leaf read without bufferbridge metadata (docs/contract.md §2)
 * @param children paired children
 */
record ImportNode(ImportedSchema schema, ImportedArray array, Kind kind, long width, long listSize, String canonical,
        List<ImportNode> children) {

    enum Kind {
        FIXED, BITS, LIST, STRUCT
    }

    String path() {
        return schema.path();
    }

    long offset() {
        return array.offset();
    }

    long length() {
        return array.length();
    }

    long data() {
        return array.buffers()[1];
    }

    ImportNode child() {
        return children.get(0);
    }

    boolean needsCopy() {
        if (kind == Kind.BITS || kind == Kind.STRUCT) {
            return true;
        }
        for (ImportNode c : children) {
            if (c.needsCopy()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Pairs and checks a whole tree.
     *
     * @throws ArrowImportException naming the first problem found
     */
    static ImportNode pair(ImportedSchema s, ImportedArray a) {
        return pair(s, a, false);
    }

    /**
     * Pairs and checks a whole tree; the root may have nulls when {@code rootNulls} (a table
     * column, whose validity the caller reads), no other node may.
     *
     * @throws ArrowImportException naming the first problem found
     */
    static ImportNode pair(ImportedSchema s, ImportedArray a, boolean rootNulls) {
        String f = s.format();
        Kind kind;
        long width = 0;
        long listSize = 0;
        String canonical = null;
        String ext = s.extensionName();
        if (f.startsWith("+w:")) {
            kind = Kind.LIST;
            listSize = size(f, 3, s);
        } else if (f.equals("+s")) {
            kind = Kind.STRUCT;
        } else if (f.equals("b")) {
            kind = Kind.BITS;
            canonical = "?";
        } else {
            kind = Kind.FIXED;
            String[] leaf = leaf(f, ext, s);
            canonical = leaf[0];
            width = Long.parseLong(leaf[1]);
        }
        long expectedBuffers = kind == Kind.LIST || kind == Kind.STRUCT ? 1 : 2;
        if (a.buffers().length != expectedBuffers) {
            throw new ArrowImportException("n_buffers does not match the type: " + where(s) + " expected="
                    + expectedBuffers + " found=" + a.buffers().length);
        }
        int expectedChildren = switch (kind) {
            case LIST -> 1;
            case STRUCT -> s.children().size();
            default -> 0;
        };
        if (s.children().size() != expectedChildren) {
            throw new ArrowImportException("schema n_children does not match the type: " + where(s) + " expected="
                    + expectedChildren + " found=" + s.children().size());
        }
        if (a.children().size() != expectedChildren) {
            throw new ArrowImportException("array n_children does not match the schema: " + where(s) + " expected="
                    + expectedChildren + " found=" + a.children().size());
        }
        if (a.length() < 0 || a.offset() < 0) {
            throw new ArrowImportException("negative length or offset: " + where(s) + " length=" + a.length()
                    + " offset=" + a.offset());
        }
        long end = exactAdd(a.offset(), a.length(), s);
        if (a.nullCount() < -1) {
            throw new ArrowImportException("null_count out of range: " + where(s) + " null_count=" + a.nullCount()
                    + " expected>=-1");
        }
        // null_count -1 ("not computed") is counted from the bitmap below, once every length and
        // child has been checked: the bitmap is the first buffer read, and only within a checked extent
        if (!rootNulls && a.buffers()[0] != 0 && a.nullCount() != 0 && a.nullCount() != -1) {
            throw new ArrowImportException("nulls cannot be represented in a buffer view: " + where(s)
                    + " null_count=" + a.nullCount());
        }
        if (a.buffers()[0] == 0 && a.nullCount() > 0) {
            throw new ArrowImportException("null_count without a validity bitmap: " + where(s) + " null_count="
                    + a.nullCount());
        }
        if ((kind == Kind.FIXED || kind == Kind.BITS) && a.buffers()[1] == 0 && a.length() > 0) {
            throw new ArrowImportException("data buffer is NULL: " + where(s) + " length=" + a.length());
        }
        if (kind == Kind.FIXED) {
            exactMultiply(end, width, s);
        }
        List<ImportNode> children = expectedChildren == 0 ? List.of() : new ArrayList<>(expectedChildren);
        for (int i = 0; i < expectedChildren; i++) {
            ImportNode child = pair(s.children().get(i), a.children().get(i));
            // The child must hold every value the parent's offset and length reach.
            long needed = kind == Kind.LIST ? exactMultiply(end, listSize, s) : end;
            if (child.length() < needed) {
                throw new ArrowImportException("child too short for its parent's offset and length: path="
                        + child.path() + " length=" + child.length() + " expected>=" + needed + " parent.offset="
                        + a.offset() + " parent.length=" + a.length()
                        + (kind == Kind.LIST ? " list_size=" + listSize : ""));
            }
            children.add(child);
        }
        if (!rootNulls && a.buffers()[0] != 0 && a.nullCount() == -1) {
            // "Not computed": count the cleared bits of the range the array covers.
            long nulls = Bitmaps.countNulls(a.buffers()[0], a.offset(), end);
            if (nulls != 0) {
                throw new ArrowImportException("nulls cannot be represented in a buffer view: " + where(s)
                        + " null_count=-1 nulls=" + nulls);
            }
        }
        return new ImportNode(s, a, kind, width, listSize, canonical, children);
    }

    // Read-only by convention: leaf() hands these out, pair() only reads them.
    private static final String[] LEAF_BOOL_1 = {"?", "1"};
    private static final String[] LEAF_b_1 = {"b", "1"};
    private static final String[] LEAF_B_U_1 = {"B", "1"};
    private static final String[] LEAF_H_U_2 = {"H", "2"};
    private static final String[] LEAF_I_U_4 = {"I", "4"};
    private static final String[] LEAF_Q_U_8 = {"Q", "8"};
    private static final String[] LEAF_X_16 = {"16s", "16"};
    private static final String[] LEAF_X_32 = {"32s", "32"};
    private static final String[] LEAF_d_8 = {"d", "8"};
    private static final String[] LEAF_e_2 = {"e", "2"};
    private static final String[] LEAF_f_4 = {"f", "4"};
    private static final String[] LEAF_h_2 = {"h", "2"};
    private static final String[] LEAF_i_4 = {"i", "4"};
    private static final String[] LEAF_q_8 = {"q", "8"};

    /** {@return where a node is, for messages}: built only when a message is */
    private static String where(ImportedSchema s) {
        return "path=" + s.path() + " format='" + s.format() + "'";
    }

    /** {@return canonical PEP 3118 format and byte width of a fixed-width leaf} */
    private static String[] leaf(String f, String ext, ImportedSchema s) {
        switch (f) {
            case "c":
                return Extensions.BOOL8.equals(ext) ? LEAF_BOOL_1 : LEAF_b_1;
            case "C":
                return LEAF_B_U_1;
            case "s":
                return LEAF_h_2;
            case "S":
                return LEAF_H_U_2;
            case "i":
                return LEAF_i_4;
            case "I":
                return LEAF_I_U_4;
            case "l":
                return LEAF_q_8;
            case "L":
                return LEAF_Q_U_8;
            case "e":
                return LEAF_e_2;
            case "f":
                return LEAF_f_4;
            case "g":
                return LEAF_d_8;
            // Dates, times, timestamps and durations: their storage integer.
            case "tdD", "tts", "ttm":
                return LEAF_i_4;
            case "tdm", "ttu", "ttn", "tDs", "tDm", "tDu", "tDn":
                return LEAF_q_8;
            default:
                break;
        }
        if (f.startsWith("ts") && f.length() >= 4 && "smun".indexOf(f.charAt(2)) >= 0 && f.charAt(3) == ':') {
            return LEAF_q_8;
        }
        if (f.startsWith("w:")) {
            long n = size(f, 2, s);
            String canonical = n + "s";
            if (Extensions.OPAQUE.equals(ext)) {
                String typeName = Extensions.opaquePep3118TypeName(s.metadata().getOrDefault(Extensions.METADATA_KEY, ""));
                if (typeName != null && parsesWithItemsize(typeName, n)) {
                    canonical = typeName;
                }
            }
            return new String[] {canonical, Long.toString(n)};
        }
        if (f.startsWith("d:")) {
            String[] parts = f.substring(2).split(",", -1);
            String bits = parts.length == 3 ? parts[2] : parts.length == 2 ? "128" : null;
            if ("128".equals(bits)) {
                return LEAF_X_16;
            }
            if ("256".equals(bits)) {
                return LEAF_X_32;
            }
            throw new ArrowImportException("unsupported decimal: " + where(s) + " expected=d:P,S or d:P,S,128 or d:P,S,256");
        }
        throw new ArrowImportException("unsupported Arrow format: " + where(s));
    }

    private static boolean parsesWithItemsize(String format, long n) {
        try {
            return Format.of(format).isItemsize(n);
        } catch (FormatException e) {
            return false;
        }
    }

    /** The {@code N} of {@code w:N} or {@code +w:N}: a decimal without sign. */
    private static long size(String f, int from, ImportedSchema s) {
        String digits = f.substring(from);
        if (digits.isEmpty()) {
            throw new ArrowImportException("fixed size missing: " + where(s) + " expected=" + f.substring(0, from) + "N");
        }
        for (int i = 0; i < digits.length(); i++) {
            if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
                throw new ArrowImportException("fixed size is not a non-negative integer: " + where(s) + " found='"
                        + digits + "'");
            }
        }
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new ArrowImportException("fixed size too large: " + where(s) + " found='" + digits + "'");
        }
    }

    private static long exactAdd(long a, long b, ImportedSchema s) {
        try {
            return Math.addExact(a, b);
        } catch (ArithmeticException e) {
            throw new ArrowImportException("offset + length overflows: " + where(s) + " a=" + a + " b=" + b);
        }
    }

    private static long exactMultiply(long a, long b, ImportedSchema s) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw new ArrowImportException("size overflows: " + where(s) + " a=" + a + " b=" + b);
        }
    }

    static long exactAdd(long a, long b, String where) {
        try {
            return Math.addExact(a, b);
        } catch (ArithmeticException e) {
            throw new ArrowImportException("offset + length overflows: " + where + " a=" + a + " b=" + b);
        }
    }

    static long exactMultiply(long a, long b, String where) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw new ArrowImportException("size overflows: " + where + " a=" + a + " b=" + b);
        }
    }
}
