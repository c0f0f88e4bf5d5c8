package io.bufferbridge.arrow.internal;

import io.bufferbridge.arrow.c.ArrowImportException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
        if (metadata.isEmpty()) {
            return MemorySegment.NULL;
        }
        byte[][] parts = new byte[2 * metadata.size()][];
        int size = 4;
        int k = 0;
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            parts[k] = utf8(e.getKey());
            parts[k + 1] = utf8(e.getValue());
            size += 8 + parts[k].length + parts[k + 1].length;
            k += 2;
        }
        // Built on the Java heap and copied once: one bounds check instead of one per field.
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
        b.putInt(metadata.size());
        for (byte[] part : parts) {
            b.putInt(part.length).put(part);
        }
        MemorySegment blob = arena.allocate(size, 4);
        MemorySegment.copy(b.array(), 0, blob, ValueLayout.JAVA_BYTE, 0, size);
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
        // First the lengths, each checked before it is used to move on; then one copy of the
        // whole blob, the strings decoded from it.
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
        byte[] bytes = new byte[(int) at];
        MemorySegment.copy(blob, ValueLayout.JAVA_BYTE, 0, bytes, 0, bytes.length);
        int pos = 4;
        for (int k = 0; k < lengths.length; k += 2) {
            String key = new String(bytes, pos + 4, lengths[k], StandardCharsets.UTF_8);
            pos += 4 + lengths[k];
            String value = new String(bytes, pos + 4, lengths[k + 1], StandardCharsets.UTF_8);
            pos += 4 + lengths[k + 1];
            out.put(key, value);
        }
        return out;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
