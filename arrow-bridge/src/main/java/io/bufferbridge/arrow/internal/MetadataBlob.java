package io.bufferbridge.arrow.internal;

import io.bufferbridge.arrow.c.ArrowImportException;
import io.bufferbridge.arrow.c.ViewMetadata;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The C data interface's encoding of {@code ArrowSchema.metadata}: an int32 number of pairs, then
 * for each key and each value an int32 byte length and that many UTF-8 bytes (no NUL), all
 * integers in native byte order.
 */
public final class MetadataBlob {
    /**
     * A blob has no length field of its own, so reading a hostile one cannot be bounds-checked
     * against its allocation. These caps turn a garbage count or length (the usual sign of a
     * truncated blob) into a refusal instead of a huge read. {@code MAX_BYTES} bounds each string
     * and the whole blob.
     */
    static final int MAX_PAIRS = 1 << 16;
    static final int MAX_BYTES = 1 << 24;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;

    private MetadataBlob() {
    }

    /**
     * {@return the encoded blob in memory from {@code arena}, or NULL for an empty map}
     *
     * @param arena owns the blob
     * @param metadata keys and values, in order
     */
    public static MemorySegment encode(Arena arena, Map<String, String> metadata) {
        return encode(arena, metadata, null);
    }

    /**
     * {@return the blob of {@code metadata} followed by the six {@code bufferbridge.*} pairs of
     * {@code view}, or NULL when there is nothing to write}
     *
     * <p>Written straight into the arena's memory: lengths first, then the bytes, numbers as
     * digits, ASCII strings a char at a time; no map, no byte arrays, except for a string with
     * non-ASCII characters.
     *
     * @param view the view's metadata, or null for none
     */
    static MemorySegment encode(Arena arena, Map<String, String> metadata, ViewMetadata view) {
        int pairs = metadata.size() + (view == null ? 0 : 6);
        if (pairs == 0) {
            return MemorySegment.NULL;
        }
        long size = 4;
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            size += 8 + utf8Length(e.getKey()) + utf8Length(e.getValue());
        }
        if (view != null) {
            size += 48 + ViewMetadata.FORMAT.length() + ViewMetadata.SHAPE.length() + ViewMetadata.STRIDES.length()
                    + ViewMetadata.READONLY.length() + ViewMetadata.COPIED.length() + ViewMetadata.ITEMSIZE.length()
                    + utf8Length(view.format().text()) + listLength(view, true) + listLength(view, false)
                    + (view.isReadOnly() ? 4 : 5) + (view.isCopied() ? 4 : 5) + digits(view.itemsize());
        }
        MemorySegment blob = arena.allocate(size, 4);
        blob.set(INT, 0, pairs);
        long at = 4;
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            at = putString(blob, at, e.getKey());
            at = putString(blob, at, e.getValue());
        }
        if (view != null) {
            at = putString(blob, at, ViewMetadata.FORMAT);
            at = putString(blob, at, view.format().text());
            at = putString(blob, at, ViewMetadata.SHAPE);
            at = putList(blob, at, view, true);
            at = putString(blob, at, ViewMetadata.STRIDES);
            at = putList(blob, at, view, false);
            at = putString(blob, at, ViewMetadata.READONLY);
            at = putString(blob, at, Boolean.toString(view.isReadOnly()));
            at = putString(blob, at, ViewMetadata.COPIED);
            at = putString(blob, at, Boolean.toString(view.isCopied()));
            at = putString(blob, at, ViewMetadata.ITEMSIZE);
            blob.set(INT, at, digits(view.itemsize()));
            at = putDecimal(blob, at + 4, view.itemsize());
        }
        if (at != size) {
            throw new IllegalStateException("metadata blob size mismatch: computed=" + size + " written=" + at);
        }
        return blob;
    }

    /** {@return the UTF-8 length of {@code s}} */
    private static int utf8Length(String s) {
        int n = s.length();
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return utf8(s).length;
            }
        }
        return n;
    }

    /** Writes the length and UTF-8 bytes of {@code s} at {@code at}; {@return the position after} */
    private static long putString(MemorySegment blob, long at, String s) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            if (s.charAt(i) >= 0x80) {
                byte[] b = utf8(s);
                blob.set(INT, at, b.length);
                MemorySegment.copy(b, 0, blob, ValueLayout.JAVA_BYTE, at + 4, b.length);
                return at + 4 + b.length;
            }
        }
        blob.set(INT, at, n);
        for (int i = 0; i < n; i++) {
            blob.set(ValueLayout.JAVA_BYTE, at + 4 + i, (byte) s.charAt(i));
        }
        return at + 4 + n;
    }

    /** {@return the length of the shape (or strides) list as text} */
    private static int listLength(ViewMetadata view, boolean shape) {
        int n = Math.max(0, view.ndim() - 1);
        for (int i = 0; i < view.ndim(); i++) {
            n += digits(shape ? view.dimension(i) : view.stride(i));
        }
        return n;
    }

    private static long putList(MemorySegment blob, long at, ViewMetadata view, boolean shape) {
        blob.set(INT, at, listLength(view, shape));
        at += 4;
        for (int i = 0; i < view.ndim(); i++) {
            if (i > 0) {
                blob.set(ValueLayout.JAVA_BYTE, at++, (byte) ',');
            }
            at = putDecimal(blob, at, shape ? view.dimension(i) : view.stride(i));
        }
        return at;
    }

    /** {@return the length of {@code v} as {@link Long#toString} writes it} */
    static int digits(long v) {
        if (v == Long.MIN_VALUE) {
            return 20;
        }
        int n = v < 0 ? 2 : 1;
        for (long a = Math.abs(v); a >= 10; a /= 10) {
            n++;
        }
        return n;
    }

    /** Writes {@code v} as {@link Long#toString} would; {@return the position after} */
    private static long putDecimal(MemorySegment blob, long at, long v) {
        int n = digits(v);
        long end = at + n;
        long p = end;
        // Negative remainders, so that Long.MIN_VALUE needs no special case.
        long r = v < 0 ? v : -v;
        do {
            blob.set(ValueLayout.JAVA_BYTE, --p, (byte) ('0' - r % 10));
            r /= 10;
        } while (r != 0);
        if (v < 0) {
            blob.set(ValueLayout.JAVA_BYTE, at, (byte) '-');
        }
        return end;
    }

    /**
     * Decodes a blob.
     *
     * @param pointer the blob, or NULL for no metadata
     * @param path where in the schema tree, for messages
     * @return the pairs in order; empty for NULL
     * @throws ArrowImportException if a count or length is negative or past the caps
     */
    static Pairs decode(MemorySegment pointer, String path) {
        if (pointer.address() == 0) {
            return Pairs.EMPTY;
        }
        MemorySegment blob = pointer.reinterpret(Long.MAX_VALUE);
        int count = blob.get(INT, 0);
        if (count < 0 || count > MAX_PAIRS) {
            throw new ArrowImportException("metadata blob truncated or malformed: path=" + path + " pairs=" + count
                    + " expected=0.." + MAX_PAIRS);
        }
        // First the lengths, each checked before it is used to move on; then the strings, read
        // within the lengths kept in the array (read once, so a blob changed under us cannot
        // make a read leave the checked extent).
        int[] lengths = new int[2 * count];
        long at = 4;
        for (int k = 0; k < lengths.length; k++) {
            int len = blob.get(INT, at);
            if (len < 0 || len > MAX_BYTES) {
                throw new ArrowImportException("metadata blob truncated or malformed: path=" + path + " pair=" + k / 2
                        + (k % 2 == 0 ? " key" : " value") + " length=" + len + " expected=0.." + MAX_BYTES);
            }
            lengths[k] = len;
            at += 4 + len;
            if (at > MAX_BYTES) {
                throw new ArrowImportException("metadata blob truncated or malformed: path=" + path + " pair=" + k / 2
                        + " blobBytes>=" + at + " expected=0.." + MAX_BYTES);
            }
        }
        MemorySegment bytes = blob.asSlice(0, at);
        String[] strings = new String[lengths.length];
        long pos = 4;
        for (int k = 0; k < lengths.length; k++) {
            strings[k] = string(bytes, pos + 4, lengths[k]);
            pos += 4 + lengths[k];
        }
        return new Pairs(strings);
    }

    /**
     * The keys bufferbridge reads and the values it writes most: decoded to these constants, not
     * to new strings.
     */
    private static final String[] KNOWN = {ViewMetadata.FORMAT, ViewMetadata.SHAPE, ViewMetadata.STRIDES,
        ViewMetadata.READONLY, ViewMetadata.COPIED, ViewMetadata.ITEMSIZE, Extensions.NAME_KEY,
        Extensions.METADATA_KEY, Extensions.FIXED_SHAPE_TENSOR, Extensions.OPAQUE, Extensions.BOOL8, "true", "false",
        ""};

    /** {@code ONE_CHAR[c]}: the string of ASCII character {@code c} (formats, itemsizes, strides such as "8"). */
    private static final String[] ONE_CHAR = new String[128];

    static {
        for (int c = 0; c < 128; c++) {
            ONE_CHAR[c] = String.valueOf((char) c);
        }
    }

    /** {@return the string at {@code from}}: a constant when it is a known one, else a new string */
    private static String string(MemorySegment bytes, long from, int length) {
        if (length == 1) {
            byte c = bytes.get(ValueLayout.JAVA_BYTE, from);
            if (c >= 0) {
                return ONE_CHAR[c];
            }
        }
        for (String k : KNOWN) {
            if (k.length() == length && matches(k, bytes, from)) {
                return k;
            }
        }
        byte[] b = new byte[length];
        MemorySegment.copy(bytes, ValueLayout.JAVA_BYTE, from, b, 0, length);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static boolean matches(String ascii, MemorySegment bytes, long from) {
        for (int i = ascii.length() - 1; i >= 0; i--) {
            if (bytes.get(ValueLayout.JAVA_BYTE, from + i) != ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Decoded metadata: the keys and values in one array, in the blob's order; lookups are linear,
     * which for the few keys a field has is faster than hashing, and nothing is built per entry
     * until an entry is asked for. A key given twice reads as its last value, as it did when the
     * blob was decoded into a map by {@code put} in order (the C data interface does not define
     * duplicates); iteration shows every pair.
     */
    static final class Pairs extends AbstractMap<String, String> {
        static final Pairs EMPTY = new Pairs(new String[0]);

        private final String[] kv;

        Pairs(String[] kv) {
            this.kv = kv;
        }

        /** {@return the number of pairs} */
        @Override
        public int size() {
            return kv.length / 2;
        }

        String key(int i) {
            return kv[2 * i];
        }

        String value(int i) {
            return kv[2 * i + 1];
        }

        @Override
        public String get(Object key) {
            for (int i = kv.length - 2; i >= 0; i -= 2) {
                if (kv[i].equals(key)) {
                    return kv[i + 1];
                }
            }
            return null;
        }

        @Override
        public boolean containsKey(Object key) {
            for (int i = 0; i < kv.length; i += 2) {
                if (kv[i].equals(key)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public Set<Map.Entry<String, String>> entrySet() {
            return new AbstractSet<>() {
                @Override
                public Iterator<Map.Entry<String, String>> iterator() {
                    return new Iterator<>() {
                        private int i;

                        @Override
                        public boolean hasNext() {
                            return i < kv.length;
                        }

                        @Override
                        public Map.Entry<String, String> next() {
                            if (i >= kv.length) {
                                throw new NoSuchElementException("no more pairs: size=" + size());
                            }
                            i += 2;
                            return new SimpleImmutableEntry<>(kv[i - 2], kv[i - 1]);
                        }
                    };
                }

                @Override
                public int size() {
                    return kv.length / 2;
                }
            };
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
