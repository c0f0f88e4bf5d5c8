package io.bufferbridge.arrow.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.bufferbridge.arrow.c.ViewMetadata;
import io.bufferbridge.view.BufferView;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The blob written straight into C memory, byte for byte the C data interface's encoding. */
class MetadataBlobTest {

    /** The reference encoding, built the plain way. */
    private static byte[] reference(Map<String, String> md) {
        ByteBuffer b = ByteBuffer.allocate(1 << 12).order(ByteOrder.nativeOrder());
        b.putInt(md.size());
        md.forEach((k, v) -> {
            byte[] kb = k.getBytes(StandardCharsets.UTF_8);
            byte[] vb = v.getBytes(StandardCharsets.UTF_8);
            b.putInt(kb.length).put(kb).putInt(vb.length).put(vb);
        });
        byte[] out = new byte[b.position()];
        b.flip().get(out);
        return out;
    }

    @Test
    void viewMetadataIsWrittenAsItsMapWouldBe() {
        long[] values = new long[8];
        // Strides with a minus sign, zero and the extremes, a non-ASCII key before them.
        try (Arena arena = Arena.ofConfined();
                BufferView v = BufferView.of(MemorySegment.ofArray(values), 56, "<q", 8, new long[] {2, 1, 3},
                        new long[] {-24, 0, -8}, true)) {
            Map<String, String> ext = new LinkedHashMap<>();
            ext.put("ARROW:extension:name", "größe");
            ext.put("", "x");
            ViewMetadata vm = ViewMetadata.of(v, false);
            Map<String, String> all = new LinkedHashMap<>(ext);
            all.putAll(vm.toMap());
            MemorySegment blob = MetadataBlob.encode(arena, ext, vm);
            byte[] expected = reference(all);
            assertEquals(expected.length, blob.byteSize());
            assertEquals(List.of(expected.length), List.of((int) blob.byteSize()));
            org.junit.jupiter.api.Assertions.assertArrayEquals(expected, blob.toArray(ValueLayout.JAVA_BYTE));
            MetadataBlob.Pairs back = MetadataBlob.decode(blob, "root");
            assertEquals(all, back);
            assertEquals(8, back.size());
            // Known keys and flags come back as the constants, not new strings.
            assertSame(ViewMetadata.STRIDES, back.key(4));
            assertSame(ViewMetadata.READONLY, back.key(5));
        }
    }

    @Test
    void decimalsAtTheLimits() {
        for (long n : new long[] {0, 7, 9, 10, -1, -10, 99, 100, Long.MAX_VALUE, Long.MIN_VALUE, -Long.MAX_VALUE}) {
            assertEquals(Long.toString(n).length(), MetadataBlob.digits(n), Long.toString(n));
        }
    }

    @Test
    void aKeyGivenTwiceReadsAsItsLastValue() {
        try (Arena arena = Arena.ofConfined()) {
            byte[] blob = {2, 0, 0, 0, 1, 0, 0, 0, 'k', 1, 0, 0, 0, 'a', 1, 0, 0, 0, 'k', 1, 0, 0, 0, 'b'};
            if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
                return;
            }
            MemorySegment s = arena.allocate(blob.length);
            s.copyFrom(MemorySegment.ofArray(blob));
            MetadataBlob.Pairs p = MetadataBlob.decode(s, "root");
            assertEquals("b", p.get("k"));
            assertEquals(2, p.size());
            assertEquals(List.of(Map.entry("k", "a"), Map.entry("k", "b")), List.copyOf(p.entrySet()));
        }
    }

    @Test
    void noMetadataIsNull() {
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(0, MetadataBlob.encode(arena, Map.of()).address());
            assertEquals(Map.of(), MetadataBlob.decode(MemorySegment.NULL, "root"));
        }
    }
}
