package io.bufferbridge.arrow.internal;

import io.bufferbridge.arrow.c.ArrowImportException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The C data interface's encoding of {@code ArrowSchema.metadata}: an int32 number of pairs, then
 * for each key and each value an int32 byte length and that many UTF-8 bytes (no NUL), all
 * integers in native byte order.
 */
public final class MetadataBlob {
    /**
     * A blob has no length field of its own, so reading a hostile one cannot be bounds-checked
     * against its allocation. These caps turn a garbage count or length (the usual sign of a
     * truncated blob) into a refusal instead of a huge read.
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
        if (metadata.isEmpty()) {
            return MemorySegment.NULL;
        }
        long size = 4;
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            size += 8 + utf8(e.getKey()).length + utf8(e.getValue()).length;
        }
        MemorySegment blob = arena.allocate(size, 4);
        blob.set(INT, 0, metadata.size());
        long at = 4;
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            at = put(blob, at, utf8(e.getKey()));
            at = put(blob, at, utf8(e.getValue()));
        }
        return blob;
    }

    /**
     * Decodes a blob.
     *
     * @param pointer the blob, or NULL for no metadata
     * @param path where in the schema tree, for messages
     * @return the pairs in order; empty for NULL
     * @throws ArrowImportException if a count or length is negative or past the caps
     */
    public static Map<String, String> decode(MemorySegment pointer, String path) {
        Map<String, String> out = new LinkedHashMap<>();
        if (pointer.address() == 0) {
            return out;
        }
        MemorySegment blob = pointer.reinterpret(Long.MAX_VALUE);
        int count = blob.get(INT, 0);
        if (count < 0 || count > MAX_PAIRS) {
            throw new ArrowImportException("metadata blob truncated or malformed: path=" + path + " pairs=" + count
                    + " expected=0.." + MAX_PAIRS);
        }
        long at = 4;
        for (int i = 0; i < count; i++) {
            String[] kv = new String[2];
            for (int j = 0; j < 2; j++) {
                int len = blob.get(INT, at);
                if (len < 0 || len > MAX_BYTES) {
                    throw new ArrowImportException("metadata blob truncated or malformed: path=" + path + " pair=" + i
                            + (j == 0 ? " key" : " value") + " length=" + len + " expected=0.." + MAX_BYTES);
                }
                byte[] bytes = blob.asSlice(at + 4, len).toArray(ValueLayout.JAVA_BYTE);
                kv[j] = new String(bytes, StandardCharsets.UTF_8);
                at += 4 + len;
            }
            out.put(kv[0], kv[1]);
        }
        return out;
    }

    private static long put(MemorySegment blob, long at, byte[] bytes) {
        blob.set(INT, at, bytes.length);
        MemorySegment.copy(bytes, 0, blob, ValueLayout.JAVA_BYTE, at + 4, bytes.length);
        return at + 4 + bytes.length;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
