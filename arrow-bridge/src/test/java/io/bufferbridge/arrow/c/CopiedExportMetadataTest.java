package io.bufferbridge.arrow.c;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * "The metadata describes the buffer as exported" (docs/contract.md): when an export copies, its
 * {@code bufferbridge.strides} are the copy's C-contiguous strides. Checked as a C consumer
 * would: the metadata blob decoded byte by byte, then the exported data buffer walked with that
 * shape and those strides, from its first byte.
 */
class CopiedExportMetadataTest {
    private Arena arena;
    private Arena structs;

    @BeforeEach
    void open() {
        arena = Arena.ofShared();
        structs = Arena.ofConfined();
    }

    @AfterEach
    void close() {
        ForeignMemory.flushReleases();
        structs.close();
        arena.close();
    }

    /** The C data interface metadata encoding: int32 count, then int32-length-prefixed pairs. */
    private static Map<String, String> blob(MemorySegment pointer) {
        MemorySegment b = pointer.reinterpret(Integer.MAX_VALUE);
        ValueLayout.OfInt i32 = ValueLayout.JAVA_INT_UNALIGNED;
        Map<String, String> md = new LinkedHashMap<>();
        int n = b.get(i32, 0);
        long at = 4;
        for (int k = 0; k < n; k++) {
            int kl = b.get(i32, at);
            String key = new String(b.asSlice(at + 4, kl).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            at += 4 + kl;
            int vl = b.get(i32, at);
            String value = new String(b.asSlice(at + 4, vl).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            at += 4 + vl;
            md.put(key, value);
        }
        return md;
    }

    private static long[] longs(String csv) {
        return csv.isEmpty() ? new long[0]
                : java.util.Arrays.stream(csv.split(",")).mapToLong(Long::parseLong).toArray();
    }

    /** The first buffer with data, going down first children: the storage of a tensor export. */
    private static long dataBuffer(ArrowArray a) {
        while (a.nBuffers() < 2) {
            a = ArrowArray.wrap(a.children().reinterpret(8).get(ValueLayout.ADDRESS, 0).address());
        }
        return a.buffers().reinterpret(16).getAtIndex(ValueLayout.ADDRESS, 1).address();
    }

    /**
     * Exports {@code view}, checks that it copied and that walking the data buffer with the
     * metadata's shape and strides gives {@code expected} (8-byte elements read as longs, 2-byte as
     * shorts, in C order), and {@return the strides the metadata gave}.
     */
    private long[] exportedStrides(BufferView view, long[] expected) {
        ArrowSchema schema = ArrowSchema.allocate(structs);
        ArrowArray array = ArrowArray.allocate(structs);
        ArrowExporter.exportView(view, schema, array);
        try {
            Map<String, String> md = blob(schema.metadata());
            assertEquals("true", md.get("bufferbridge.copied"));
            long itemsize = Long.parseLong(md.get("bufferbridge.itemsize"));
            long[] shape = longs(md.get("bufferbridge.shape"));
            long[] strides = longs(md.get("bufferbridge.strides"));
            MemorySegment data = MemorySegment.ofAddress(dataBuffer(array)).reinterpret(itemsize * expected.length);
            long[] index = new long[shape.length];
            for (int k = 0; k < expected.length; k++) {
                long at = 0;
                for (int d = 0; d < shape.length; d++) {
                    at += index[d] * strides[d];
                }
                long got = itemsize == 8 ? data.get(ValueLayout.JAVA_LONG_UNALIGNED, at)
                        : data.get(ValueLayout.JAVA_SHORT_UNALIGNED, at);
                assertEquals(expected[k], got, "element " + k + " walked with the exported strides");
                for (int d = shape.length - 1; d >= 0 && ++index[d] == shape[d]; d--) {
                    index[d] = 0;
                }
            }
            return strides;
        } finally {
            try (BufferView back = ArrowImporter.importView(schema, array)) {
                assertEquals(view.toList(), back.toList(), "and the import gives the view's values back");
            }
        }
    }

    private BufferView int64s(long... values) {
        MemorySegment m = arena.allocate(8L * values.length, 8);
        MemorySegment.copy(values, 0, m, ValueLayout.JAVA_LONG, 0, values.length);
        return BufferView.ofSegment(m, "q", values.length);
    }

    @Test
    void everyOtherElement() {
        try (BufferView all = int64s(0, 1, 2, 3, 4, 5); BufferView step2 = all.asSlice(0, 6, 2)) {
            assertArrayEquals(new long[] {16}, step2.strides());
            assertArrayEquals(new long[] {8}, exportedStrides(step2, new long[] {0, 2, 4}));
        }
    }

    @Test
    void reversed() {
        try (BufferView all = int64s(10, 11, 12);
                BufferView reversed = BufferView.of(all.memory(), 16, "q", 8, new long[] {3}, new long[] {-8}, true)) {
            assertArrayEquals(new long[] {-8}, reversed.strides());
            assertArrayEquals(new long[] {8}, exportedStrides(reversed, new long[] {12, 11, 10}));
        }
    }

    @Test
    void transposedSteppedMatrix() {
        MemorySegment m = arena.allocate(2 * 12, 2);
        for (short k = 0; k < 12; k++) {
            m.setAtIndex(ValueLayout.JAVA_SHORT, k, k);
        }
        try (BufferView matrix = BufferView.ofSegment(m, "h", 3, 4);
                BufferView stepped = matrix.asSlice(1, 0, 4, 2);
                BufferView transposed = stepped.asTransposed()) {
            assertArrayEquals(new long[] {4, 8}, transposed.strides());
            // Columns 0 and 2 of the 3×4 matrix, as rows.
            assertArrayEquals(new long[] {6, 2}, exportedStrides(transposed, new long[] {0, 4, 8, 2, 6, 10}));
        }
    }

    @Test
    void recordFieldView() {
        // Three records T{i:x:d:y:} (16 bytes each, y at offset 8); the view of field y strides 16.
        MemorySegment m = arena.allocate(48, 8);
        for (int k = 0; k < 3; k++) {
            m.set(ValueLayout.JAVA_INT, 16L * k, k);
            m.set(ValueLayout.JAVA_DOUBLE, 16L * k + 8, 0.5 + k);
        }
        try (BufferView y = BufferView.of(m, 8, "d", 8, new long[] {3}, new long[] {16}, true)) {
            long[] bits = {Double.doubleToRawLongBits(0.5), Double.doubleToRawLongBits(1.5),
                Double.doubleToRawLongBits(2.5)};
            assertArrayEquals(new long[] {8}, exportedStrides(y, bits));
        }
    }
}
