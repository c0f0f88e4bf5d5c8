package io.bufferbridge.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * Findings of {@link ViewFuzzTest}, written out as plain tests (the fuzz inputs that found them are
 * replayed too, from {@code ViewFuzzTestInputs/}).
 */
class ViewFindingsTest {
    /**
     * Zero strides make valid views whose element count overflows a long. elementCount() and
     * byteLength() wrapped (to -1 and -itemsize) and toBytes() threw NegativeArraySizeException
     * instead of its documented OutOfMemoryError; they now saturate at Long.MAX_VALUE.
     */
    @Test
    void sizesOfAStrideZeroViewWithMoreThan2To63ElementsSaturate() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(8);
            BufferView v = BufferView.of(m, 0, "q", 8, new long[] {1L << 40, 1L << 40}, new long[] {0, 0}, true);
            assertEquals(Long.MAX_VALUE, v.elementCount());
            assertEquals(Long.MAX_VALUE, v.byteLength());
            OutOfMemoryError e = assertThrows(OutOfMemoryError.class, v::toBytes);
            assertEquals("view too large for a byte[]: bytes=9223372036854775807", e.getMessage());
            assertThrows(OutOfMemoryError.class, v::toLongArray);
        }
    }

    /** A zero itemsize makes any element count zero bytes, even one that overflows. */
    @Test
    void zeroItemsizeViewsHaveZeroBytesWhateverTheirCount() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(1);
            BufferView v = BufferView.of(m, 0, "0s", 0, new long[] {1L << 40, 1L << 40}, new long[] {0, 0}, true);
            assertEquals(Long.MAX_VALUE, v.elementCount());
            assertEquals(0, v.byteLength());
            assertEquals(0, v.toBytes().length);
        }
    }
}
