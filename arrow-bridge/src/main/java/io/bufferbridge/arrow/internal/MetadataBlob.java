package io.bufferbridge.arrow.internal;

import io.bufferbridge.arrow.c.ArrowImportException;
import io.bufferbridge.arrow.c.ViewMetadata;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
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
     * <p>Built in this thread's scratch array (lengths, then the bytes, numbers as digits, ASCII
     * strings a char at a time: no map, no per-string arrays except for non-ASCII text) and copied
     * into the arena's memory once: writing the C memory a byte at a time cost a bounds and scope
     * check per byte, a fifth of a small export.
     *
     * @param view the view's metadata, or null for none
     */
    static MemorySegment encode(Arena arena, Map<String, String> metadata, ViewMetadata view) {
        long p = encodeAddress(arena, metadata, view);
        return p == 0 ? MemorySegment.NULL : MemorySegment.ofAddress(p).reinterpret(size(p));
    }

    /** {@return the blob's size in bytes}; it was written by {@link #encodeAddress}, so it is well formed */
    private static long size(long address) {
        MemorySegment blob = MemorySegment.ofAddress(address).reinterpret(MAX_BYTES);
        long at = 4;
        for (int k = 0; k < 2 * blob.get(INT, 0); k++) {
            at += 4 + blob.get(INT, at);
        }
        return at;
    }

    /** All of memory, global scope: a blob written by address, with no segment object. */
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    /**
     * As {@link #encode(Arena, Map, ViewMetadata)}, the blob's address only (0 for none): an
     * export stores the pointer and needs no segment object for it.
     */
    static long encodeAddress(Arena arena, Map<String, String> metadata, ViewMetadata view) {
        int size = encodedSize(metadata, view);
        if (size == 0) {
            return 0;
        }
        byte[] b = scratch(size);
        fill(b, size, metadata, view);
        // Written on this thread right after the allocation, so by address.
        long blob = arena instanceof MallocArena m ? m.allocateAddress(size, 4) : arena.allocate(size, 4).address();
        MemorySegment.copy(b, 0, ALL, ValueLayout.JAVA_BYTE, blob, size);
        return blob;
    }

    /**
     * {@return the blob {@link #encodeAddress} writes, as a new array of exactly its bytes}, or an
     * empty array when there is nothing to write: for a template that many exports copy
     * ({@link LeafPairs})
     */
    static byte[] encodeBytes(Map<String, String> metadata, ViewMetadata view) {
        int size = encodedSize(metadata, view);
        byte[] b = new byte[size];
        if (size > 0) {
            fill(b, size, metadata, view);
        }
        return b;
    }

    /** {@return the blob's size in bytes, 0 when there are no pairs} */
    private static int encodedSize(Map<String, String> metadata, ViewMetadata view) {
        int pairs = metadata.size() + (view == null ? 0 : 6);
        if (pairs == 0) {
            return 0;
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
        if (size > MAX_BYTES) {
            throw new IllegalArgumentException("metadata too large to encode: bytes=" + size + " limit=" + MAX_BYTES);
        }
        return (int) size;
    }

    /** Writes the blob of {@code size} bytes ({@link #encodedSize}) into {@code b}. */
    private static void fill(byte[] b, int size, Map<String, String> metadata, ViewMetadata view) {
        putInt(b, 0, metadata.size() + (view == null ? 0 : 6));
        int at = 4;
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            at = putString(b, at, e.getKey());
            at = putString(b, at, e.getValue());
        }
        if (view != null) {
            at = putString(b, at, ViewMetadata.FORMAT);
            at = putString(b, at, view.format().text());
            at = putString(b, at, ViewMetadata.SHAPE);
            at = putList(b, at, view, true);
            at = putString(b, at, ViewMetadata.STRIDES);
            at = putList(b, at, view, false);
            at = putString(b, at, ViewMetadata.READONLY);
            at = putString(b, at, view.isReadOnly() ? "true" : "false");
            at = putString(b, at, ViewMetadata.COPIED);
            at = putString(b, at, view.isCopied() ? "true" : "false");
            at = putString(b, at, ViewMetadata.ITEMSIZE);
            putInt(b, at, digits(view.itemsize()));
            at = putDecimal(b, at + 4, view.itemsize());
        }
        if (at != size) {
            throw new IllegalStateException("metadata blob size mismatch: computed=" + size + " written=" + at);
        }
    }

    /** Per thread, grown on demand up to {@code SCRATCH_MAX}; larger blobs get an array of their own. */
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[512]);
    private static final int SCRATCH_MAX = 1 << 16;

    private static byte[] scratch(int size) {
        byte[] b = SCRATCH.get();
        if (b.length >= size) {
            return b;
        }
        b = new byte[size];
        if (size <= SCRATCH_MAX) {
            SCRATCH.set(b);
        }
        return b;
    }

    private static final VarHandle NATIVE_INT = MethodHandles.byteArrayViewVarHandle(int[].class,
            ByteOrder.nativeOrder());

    private static void putInt(byte[] b, int at, int v) {
        NATIVE_INT.set(b, at, v);
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
    private static int putString(byte[] b, int at, String s) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                byte[] u = utf8(s);
                putInt(b, at, u.length);
                System.arraycopy(u, 0, b, at + 4, u.length);
                return at + 4 + u.length;
            }
            b[at + 4 + i] = (byte) c;
        }
        putInt(b, at, n);
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

    private static int putList(byte[] b, int at, ViewMetadata view, boolean shape) {
        putInt(b, at, listLength(view, shape));
        at += 4;
        for (int i = 0; i < view.ndim(); i++) {
            if (i > 0) {
                b[at++] = ',';
            }
            at = putDecimal(b, at, shape ? view.dimension(i) : view.stride(i));
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
    private static int putDecimal(byte[] b, int at, long v) {
        int end = at + digits(v);
        int p = end;
        // Negative remainders, so that Long.MIN_VALUE needs no special case.
        long r = v < 0 ? v : -v;
        do {
            b[--p] = (byte) ('0' - r % 10);
            r /= 10;
        } while (r != 0);
        if (v < 0) {
            b[at] = '-';
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
        return decode(pointer.address(), path);
    }

    /** As {@link #decode(MemorySegment, String)}, for the blob at {@code address} (0 for none). */
    static Pairs decode(long address, String path) {
        if (address == 0) {
            return Pairs.EMPTY;
        }
        MemorySegment blob = MemorySegment.ofAddress(address).reinterpret(Long.MAX_VALUE);
        int count = blob.get(INT, 0);
        if (count < 0 || count > MAX_PAIRS) {
            throw new ArrowImportException("metadata blob truncated or malformed: path=" + path + " pairs=" + count
                    + " expected=0.." + MAX_PAIRS);
        }
        // First the lengths, each checked before it is used to move on; then one bulk copy of
        // the whole blob into this thread's scratch array, the strings decoded from the copy.
        // Reading the C memory a byte at a time cost a bounds and scope check per byte.
        long at = 4;
        for (int k = 0; k < 2 * count; k++) {
            int len = blob.get(INT, at);
            if (len < 0 || len > MAX_BYTES) {
                throw new ArrowImportException("metadata blob truncated or malformed: path=" + path + " pair=" + k / 2
                        + (k % 2 == 0 ? " key" : " value") + " length=" + len + " expected=0.." + MAX_BYTES);
            }
            at += 4 + len;
            if (at > MAX_BYTES) {
                throw new ArrowImportException("metadata blob truncated or malformed: path=" + path + " pair=" + k / 2
                        + " blobBytes>=" + at + " expected=0.." + MAX_BYTES);
            }
        }
        int total = (int) at;
        byte[] bytes = scratch(total);
        MemorySegment.copy(blob, ValueLayout.JAVA_BYTE, 0, bytes, 0, total);
        String[] strings = new String[2 * count];
        int pos = 4;
        for (int k = 0; k < strings.length; k++) {
            int len = (int) NATIVE_INT.get(bytes, pos);
            // The copy is ours; a producer that changed the blob after the first pass is caught here.
            if (len < 0 || len > total - pos - 4) {
                throw new ArrowImportException("metadata blob changed while read: path=" + path + " pair=" + k / 2
                        + " length=" + len + " expected=0.." + (total - pos - 4));
            }
            strings[k] = string(bytes, pos + 4, len);
            pos += 4 + len;
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

    /** {@code BY_LENGTH[n]}: the known strings of length {@code n}, at most two of them. */
    private static final String[][] BY_LENGTH;

    static {
        int longest = 0;
        for (String k : KNOWN) {
            longest = Math.max(longest, k.length());
        }
        BY_LENGTH = new String[longest + 1][];
        for (int n = 0; n <= longest; n++) {
            int len = n;
            BY_LENGTH[n] = java.util.Arrays.stream(KNOWN).filter(k -> k.length() == len).toArray(String[]::new);
        }
    }

    /** {@code ONE_CHAR[c]}: the string of ASCII character {@code c} (formats, itemsizes, strides such as "8"). */
    private static final String[] ONE_CHAR = new String[128];

    static {
        for (int c = 0; c < 128; c++) {
            ONE_CHAR[c] = String.valueOf((char) c);
        }
    }

    /** {@return the string at {@code from}}: a constant when it is a known one, else a new string */
    private static String string(byte[] bytes, int from, int length) {
        if (length == 1 && bytes[from] >= 0) {
            return ONE_CHAR[bytes[from]];
        }
        if (length < BY_LENGTH.length) {
            for (String k : BY_LENGTH[length]) {
                if (matches(k, bytes, from)) {
                    return k;
                }
            }
        }
        return new String(bytes, from, length, StandardCharsets.UTF_8);
    }

    private static boolean matches(String ascii, byte[] bytes, int from) {
        for (int i = ascii.length() - 1; i >= 0; i--) {
            if (bytes[from + i] != ascii.charAt(i)) {
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
