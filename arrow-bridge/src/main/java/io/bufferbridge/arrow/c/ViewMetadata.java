package io.bufferbridge.arrow.c;

import io.bufferbridge.arrow.internal.Layouts;
import io.bufferbridge.format.Format;
import io.bufferbridge.format.FormatException;
import io.bufferbridge.view.BufferView;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code bufferbridge.*} field metadata that describes one buffer view (docs/contract.md §3,
 * "Metadata"): its keys, how they are read and how they are written. The exporter writes it, the
 * importer reads it, and any Arrow field's metadata can be read with it, for example an Arrow Java
 * {@code Field.getMetadata()}:
 *
 * {@snippet :
 * Map<String, String> md = field.getMetadata();
 * if (ViewMetadata.isPresent(md)) {
 *     ViewMetadata view = ViewMetadata.parse(md);
 *     long[] shape = view.shape();
 * }
 * }
 *
 * <p>Immutable. {@link #parse} checks what the metadata alone can show (the format parses, shape
 * and strides are lists of integers of one length, the flags are {@code true}/{@code false}, the
 * itemsize is one the format allows); whether it agrees with the Arrow type is the importer's
 * check.
 */
public final class ViewMetadata {
    /** The prefix of every key: other keys of a field are not the view's. */
    public static final String PREFIX = "bufferbridge.";
    /** The exporter's format string, unchanged. */
    public static final String FORMAT = "bufferbridge.format";
    /** The shape, decimal, comma-separated, empty for ndim 0. */
    public static final String SHAPE = "bufferbridge.shape";
    /**
     * The strides in bytes of the data buffer as exported, as the shape: the view's own when
     * zero-copy, the copy's C-contiguous strides when it copied.
     */
    public static final String STRIDES = "bufferbridge.strides";
    /** {@code true}/{@code false}; the C data interface has no read-only flag of its own. */
    public static final String READONLY = "bufferbridge.readonly";
    /** Whether the data buffer is a copy (then in C order) rather than the view's memory. */
    public static final String COPIED = "bufferbridge.copied";
    /**
     * The itemsize, decimal; a record's itemsize may follow either rule ({@code "ic"} is 5 or 8),
     * and the Arrow type does not say which. Optional when reading: without it the format's own
     * rule gives the itemsize.
     */
    public static final String ITEMSIZE = "bufferbridge.itemsize";

    /** The most axes a view may have (PEP 3118's {@code PyBUF_MAX_NDIM}). */
    private static final int MAX_NDIM = 64;

    private final Format format;
    private final long itemsize;
    private final long[] shape;
    private final long[] strides;
    private final boolean readOnly;
    private final boolean copied;

    private ViewMetadata(Format format, long itemsize, long[] shape, long[] strides, boolean readOnly,
            boolean copied) {
        this.format = format;
        this.itemsize = itemsize;
        this.shape = shape;
        this.strides = strides;
        this.readOnly = readOnly;
        this.copied = copied;
    }

    /**
     * {@return the metadata of an export of {@code view}}: the view's strides when the export is
     * zero-copy, the C-contiguous strides of the copy otherwise
     *
     * @param copied whether the exported buffer is a copy of the view
     * @throws IllegalStateException if the view has been released
     */
    public static ViewMetadata of(BufferView view, boolean copied) {
        long[] shape = view.shape();
        long[] strides = copied ? Layouts.cStrides(view.itemsize(), shape) : view.strides();
        return new ViewMetadata(view.format(), view.itemsize(), shape, strides, view.isReadOnly(), copied);
    }

    /**
     * {@return whether {@code metadata} describes a view} (it has {@link #FORMAT})
     *
     * @param metadata a field's metadata
     */
    public static boolean isPresent(Map<String, String> metadata) {
        return metadata.containsKey(FORMAT);
    }

    /**
     * Reads the {@code bufferbridge.*} keys of a field's metadata; other keys are ignored. Messages
     * name the field as {@code path=root}.
     *
     * @param metadata a field's metadata
     * @return the view it describes
     * @throws ArrowImportException if a key is missing or malformed, the format does not parse,
     *     shape and strides disagree in length, a dimension is negative, or the itemsize does not
     *     fit the format
     */
    public static ViewMetadata parse(Map<String, String> metadata) {
        String text = metadata.get(FORMAT);
        if (text == null) {
            throw new ArrowImportException("bufferbridge metadata incomplete: path=root missing=" + FORMAT);
        }
        Format format;
        try {
            format = Format.of(text);
        } catch (FormatException e) {
            throw new ArrowImportException("bufferbridge.format does not parse: path=root format='" + text + "'", e);
        }
        long[] shape = longs(metadata, SHAPE);
        long[] strides = longs(metadata, STRIDES);
        if (shape.length != strides.length || shape.length > MAX_NDIM) {
            throw new ArrowImportException("bufferbridge.shape and bufferbridge.strides disagree: path=root shape="
                    + Arrays.toString(shape) + " strides=" + Arrays.toString(strides));
        }
        for (long d : shape) {
            if (d < 0) {
                throw new ArrowImportException("bufferbridge.shape has a negative dimension: path=root shape="
                        + Arrays.toString(shape));
            }
        }
        boolean readOnly = bool(metadata, READONLY);
        boolean copied = bool(metadata, COPIED);
        long itemsize;
        String size = metadata.get(ITEMSIZE);
        if (size != null) {
            long[] v = longs(metadata, ITEMSIZE);
            if (v.length != 1) {
                throw new ArrowImportException("bufferbridge.itemsize is not one integer: path=root found='" + size
                        + "'");
            }
            itemsize = v[0];
        } else {
            itemsize = format.isStructCompatible() ? format.itemsize() : format.paddedItemsize();
        }
        if (!format.isItemsize(itemsize)) {
            throw new ArrowImportException("bufferbridge.itemsize does not match bufferbridge.format: path=root format='"
                    + text + "' itemsize=" + itemsize + " expected=" + format.itemsize() + " or "
                    + format.paddedItemsize());
        }
        return new ViewMetadata(format, itemsize, shape, strides, readOnly, copied);
    }

    /** {@return the format, as {@link #FORMAT} gives it} */
    public Format format() {
        return format;
    }

    /** {@return the itemsize in bytes} */
    public long itemsize() {
        return itemsize;
    }

    /** {@return the number of axes} */
    public int ndim() {
        return shape.length;
    }

    /** {@return a copy of the shape} */
    public long[] shape() {
        return shape.clone();
    }

    /** {@return a copy of the strides in bytes of the buffer as exported} */
    public long[] strides() {
        return strides.clone();
    }

    /**
     * {@return the length of axis {@code axis}}, without copying the shape
     *
     * @throws IndexOutOfBoundsException if {@code axis} is not in {@code 0..ndim()-1}
     */
    public long dimension(int axis) {
        return shape[axis];
    }

    /**
     * {@return the stride in bytes of axis {@code axis}}, without copying the strides
     *
     * @throws IndexOutOfBoundsException if {@code axis} is not in {@code 0..ndim()-1}
     */
    public long stride(int axis) {
        return strides[axis];
    }

    /** {@return whether the view is read-only} */
    public boolean isReadOnly() {
        return readOnly;
    }

    /** {@return whether the exported buffer is a copy, in C order} */
    public boolean isCopied() {
        return copied;
    }

    /**
     * {@return the six keys and their values, in the order the exporter writes them}: a new
     * mutable map, for example to build an Arrow Java {@code Field}
     */
    public Map<String, String> toMap() {
        Map<String, String> md = new LinkedHashMap<>();
        md.put(FORMAT, format.text());
        md.put(SHAPE, join(shape));
        md.put(STRIDES, join(strides));
        md.put(READONLY, Boolean.toString(readOnly));
        md.put(COPIED, Boolean.toString(copied));
        md.put(ITEMSIZE, Long.toString(itemsize));
        return md;
    }

    /** Equal when every value {@link #toMap} writes is equal (the format compared as text). */
    @Override
    public boolean equals(Object o) {
        return o instanceof ViewMetadata m && format.text().equals(m.format.text()) && itemsize == m.itemsize
                && Arrays.equals(shape, m.shape) && Arrays.equals(strides, m.strides) && readOnly == m.readOnly
                && copied == m.copied;
    }

    @Override
    public int hashCode() {
        return (format.text().hashCode() * 31 + Arrays.hashCode(shape)) * 31 + Arrays.hashCode(strides);
    }

    /** {@return the metadata as {@link #toMap} writes it} */
    @Override
    public String toString() {
        return toMap().toString();
    }

    private static String join(long[] values) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            b.append(i == 0 ? "" : ",").append(values[i]);
        }
        return b.toString();
    }

    /** Comma-separated decimals, read in place: no split, no substrings. */
    private static long[] longs(Map<String, String> md, String key) {
        String v = md.get(key);
        if (v == null) {
            throw new ArrowImportException("bufferbridge metadata incomplete: path=root missing=" + key);
        }
        if (v.isEmpty()) {
            return new long[0];
        }
        int n = 1;
        for (int i = 0; i < v.length(); i++) {
            if (v.charAt(i) == ',') {
                n++;
            }
        }
        long[] out = new long[n];
        int k = 0;
        int start = 0;
        for (int i = 0; i <= v.length(); i++) {
            if (i == v.length() || v.charAt(i) == ',') {
                out[k++] = decimal(v, start, i, key);
                start = i + 1;
            }
        }
        return out;
    }

    /** As {@link Long#parseLong} of {@code v[from, to)}: an optional sign, then digits. */
    private static long decimal(String v, int from, int to, String key) {
        boolean negative = false;
        int i = from;
        if (i < to && (v.charAt(i) == '-' || v.charAt(i) == '+')) {
            negative = v.charAt(i) == '-';
            i++;
        }
        if (i == to) {
            throw notIntegers(key, v);
        }
        // Accumulated negatively against a limit, as Long.parseLong does, so that Long.MIN_VALUE is read too.
        long limit = negative ? Long.MIN_VALUE : -Long.MAX_VALUE;
        long multmin = limit / 10;
        long r = 0;
        for (; i < to; i++) {
            int d = v.charAt(i) - '0';
            if (d < 0 || d > 9 || r < multmin) {
                throw notIntegers(key, v);
            }
            r *= 10;
            if (r < limit + d) {
                throw notIntegers(key, v);
            }
            r -= d;
        }
        return negative ? r : -r;
    }

    private static ArrowImportException notIntegers(String key, String v) {
        return new ArrowImportException("bufferbridge metadata is not a list of integers: path=root key=" + key
                + " found='" + v + "'");
    }

    private static boolean bool(Map<String, String> md, String key) {
        String v = md.get(key);
        if ("true".equals(v)) {
            return true;
        }
        if ("false".equals(v)) {
            return false;
        }
        throw new ArrowImportException("bufferbridge metadata is not true/false: path=root key=" + key + " found="
                + (v == null ? "missing" : "'" + v + "'"));
    }
}
