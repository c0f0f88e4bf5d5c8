package io.bufferbridge.arrow.internal;

import io.bufferbridge.view.BufferView;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Arrow validity bitmaps (bit {@code i} of byte {@code i / 8}, least significant first, 1 = valid)
 * and {@code ?} views, one byte per row (docs/contract.md §5): both directions are copies.
 */
final class Bitmaps {
    private Bitmaps() {
    }

    /**
     * Packs a 1-D {@code ?} view into {@code bitmap}.
     *
     * @param bitmap at least {@code (n + 7) / 8} bytes, zeroed
     * @return the number of false (null) values
     */
    static long pack(BufferView validity, MemorySegment bitmap) {
        byte[] bytes = validity.toBytes();
        long nulls = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] != 0) {
                int at = i >>> 3;
                bitmap.set(ValueLayout.JAVA_BYTE, at, (byte) (bitmap.get(ValueLayout.JAVA_BYTE, at) | 1 << (i & 7)));
            } else {
                nulls++;
            }
        }
        return nulls;
    }

    /**
     * {@return one byte per bit of {@code [offset, offset + length)} of the bitmap at
     * {@code address}, 1 where set}; a transient read of memory the caller has checked
     */
    static byte[] unpack(long address, long offset, long length) {
        byte[] out = new byte[Math.toIntExact(length)];
        MemorySegment bits = MemorySegment.ofAddress(address).reinterpret((offset + length + 7) / 8);
        for (int k = 0; k < out.length; k++) {
            long i = offset + k;
            out[k] = (byte) (bits.get(ValueLayout.JAVA_BYTE, i >>> 3) >>> (i & 7) & 1);
        }
        return out;
    }

    /** {@return the cleared bits in {@code [offset, end)} of the bitmap at {@code address}} */
    static long countNulls(long address, long offset, long end) {
        MemorySegment bits = MemorySegment.ofAddress(address).reinterpret(end / 8 + (end % 8 == 0 ? 0 : 1));
        long nulls = 0;
        for (long i = offset; i < end; i++) {
            if ((bits.get(ValueLayout.JAVA_BYTE, i >>> 3) >>> (i & 7) & 1) == 0) {
                nulls++;
            }
        }
        return nulls;
    }
}
