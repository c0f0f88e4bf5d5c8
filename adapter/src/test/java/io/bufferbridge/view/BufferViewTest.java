package io.bufferbridge.view;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bufferbridge.format.FormatException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.IntBuffer;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class BufferViewTest {
    private static final MemorySegment M32 = MemorySegment.ofArray(new byte[32]);

    // ------------------------------------------------------------ validation

    @Test
    void invalidFormatIsRefusedWithTheParserMessage() {
        InvalidViewException e = assertThrows(InvalidViewException.class,
                () -> BufferView.of(M32, 0, "T{i", 4, new long[] {1}, new long[] {4}, true));
        assertEquals("invalid format: unterminated record started at 0 in format 'T{i'", e.getMessage());
        assertTrue(e.getCause() instanceof FormatException);
    }

    @Test
    void itemsizeMustBeTheFormatsUnderEitherRule() {
        InvalidViewException e = assertThrows(InvalidViewException.class,
                () -> BufferView.of(M32, 0, "ic", 6, new long[] {1}, new long[] {6}, true));
        assertEquals("itemsize does not match the format: format='ic' itemsize=6 expected=5 (struct) or 8 (NumPy)",
                e.getMessage());
        assertEquals(5, BufferView.of(M32, 0, "ic", 5, new long[] {2}, new long[] {5}, true).itemsize());
        assertEquals(8, BufferView.of(M32, 0, "ic", 8, new long[] {2}, new long[] {8}, true).itemsize());
    }

    @Test
    void geometryIsCheckedWithFactsInTheMessage() {
        assertEquals("shape and strides differ in length: shape=[2, 2] strides=[4]",
                assertThrows(InvalidViewException.class,
                        () -> BufferView.of(M32, 0, "i", 4, new long[] {2, 2}, new long[] {4}, true)).getMessage());
        assertEquals("too many dimensions: ndim=65 max=64", assertThrows(InvalidViewException.class,
                () -> BufferView.of(M32, 0, "B", 1, new long[65], new long[65], true)).getMessage());
        assertEquals("negative dimension: axis=1 shape=[1, -1]", assertThrows(InvalidViewException.class,
                () -> BufferView.of(M32, 0, "B", 1, new long[] {1, -1}, new long[] {1, 1}, true)).getMessage());
        assertEquals("element bytes reach outside memory: lowest=0 highest=36 memory=32 offset=0 itemsize=4"
                        + " shape=[9] strides=[4]",
                assertThrows(InvalidViewException.class,
                        () -> BufferView.of(M32, 0, "i", 4, new long[] {9}, new long[] {4}, true)).getMessage());
        assertEquals("element bytes reach outside memory: lowest=-4 highest=8 memory=32 offset=4 itemsize=4"
                        + " shape=[3] strides=[-4]",
                assertThrows(InvalidViewException.class,
                        () -> BufferView.of(M32, 4, "i", 4, new long[] {3}, new long[] {-4}, true)).getMessage());
        assertEquals("element offsets overflow a 64-bit integer: offset=0 itemsize=1 shape=[4611686018427387904, 4]"
                        + " strides=[4, 1] memory=32",
                assertThrows(InvalidViewException.class, () -> BufferView.of(M32, 0, "B", 1,
                        new long[] {1L << 62, 4}, new long[] {4, 1}, true)).getMessage());
        assertEquals("offset outside memory: offset=33 memory=32", assertThrows(InvalidViewException.class,
                () -> BufferView.of(M32, 33, "B", 1, new long[] {0}, new long[] {1}, true)).getMessage());
        assertEquals("writable view of read-only memory: readonly=false memory.readOnly=true",
                assertThrows(InvalidViewException.class, () -> BufferView.of(M32.asReadOnly(), 0, "B", 1,
                        new long[] {1}, new long[] {1}, false)).getMessage());
    }

    @Test
    void broadcastZeroStrideAndZeroSizeViewsAreValid() {
        BufferView broadcast = BufferView.of(M32, 0, "i", 4, new long[] {1L << 40, 3}, new long[] {0, 4}, true);
        assertEquals(3L << 40, broadcast.elementCount());
        assertFalse(broadcast.isCContiguous());
        BufferView empty = BufferView.of(M32, 32, "d", 8, new long[] {0, 5}, new long[] {8, -100}, true);
        assertTrue(empty.isCContiguous() && empty.isFContiguous());
        assertArrayEquals(new byte[0], empty.toBytes());
        assertEquals(List.of(), empty.toList());
    }

    // ------------------------------------------------------------ element access

    @Test
    void aNumpyFieldViewReadsUnalignedValuesAtStrideThirteen() {
        // two packed records T{<i:x:<d:y:c:z:} (13 bytes); the view is rec["y"]
        ByteBuffer b = ByteBuffer.allocate(26).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, 1).putDouble(4, 2.5).put(12, (byte) 'a').putInt(13, 3).putDouble(17, -0.125).put(25, (byte) 'b');
        BufferView y = BufferView.of(MemorySegment.ofArray(b.array()), 4, "<d", 8, new long[] {2}, new long[] {13}, false);
        assertEquals(List.of(2.5, -0.125), y.toList());
        assertEquals(-0.125, y.getDouble(1));
        y.setDouble(7.0, -1);
        assertEquals(7.0, b.getDouble(17));
        BufferView records = BufferView.of(MemorySegment.ofArray(b.array()), 0, "T{<i:x:<d:y:c:z:}", 13,
                new long[] {2}, new long[] {13}, true);
        assertEquals(List.of(3L, 7.0, "b"), normalize(records.get(1)));
    }

    @Test
    void byteOrderIsHonoured() {
        byte[] bytes = {0, 0, 1, 2, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xfe};
        BufferView big = BufferView.of(MemorySegment.ofArray(bytes), 0, ">i", 4, new long[] {2}, new long[] {4}, false);
        assertEquals(List.of(258L, -2L), big.toList());
        BufferView little = big.asCast("B").asCast("I");
        assertEquals(List.of(0x02010000L, 0xfeffffffL), little.toList());
        big.setLong(0x01020304, 0);
        assertArrayEquals(new byte[] {1, 2, 3, 4}, java.util.Arrays.copyOf(bytes, 4));
    }

    @Test
    void everyKindOfValueUnpacks() {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        b.putFloat(0, 1.5f).putFloat(4, -2f);                // Zf
        b.putInt(8, 'h').putInt(12, 'é').putInt(16, 0);       // 3w
        b.putShort(20, Float.floatToFloat16(0.5f));          // e
        b.put(22, (byte) 3).put(23, (byte) 'a').put(24, (byte) 'b').put(25, (byte) 'c'); // 4p
        b.putLong(26, -1L);                                  // Q
        b.putLong(34, 0xC000000000000000L).putShort(42, (short) 0x3fff); // g: 1.5 in x87 format
        MemorySegment m = MemorySegment.ofArray(b.array());
        assertEquals(new Complex(1.5, -2), scalar(m, 0, "Zf", 8));
        assertEquals("hé", scalar(m, 8, "3w", 12));
        assertEquals(0.5, scalar(m, 20, "e", 2));
        assertEquals("abc", new String((byte[]) scalar(m, 22, "4p", 4)));
        assertEquals(new BigInteger("18446744073709551615"), scalar(m, 26, "Q", 8));
        assertEquals(1.5, scalar(m, 34, "g", 16));
        assertEquals(List.of(List.of(1.5, -2.0)), normalize(BufferView.of(m, 0, "(1,2)f", 8, new long[0], new long[0], true).get()));
    }

    private static Object scalar(MemorySegment m, long offset, String format, long itemsize) {
        return BufferView.of(m, offset, format, itemsize, new long[0], new long[0], true).get();
    }

    /** byte[] values become Strings so lists compare by value. */
    private static Object normalize(Object o) {
        if (o instanceof byte[] bytes) {
            return new String(bytes);
        }
        if (o instanceof List<?> list) {
            return list.stream().map(BufferViewTest::normalize).toList();
        }
        return o;
    }

    @Test
    void indexingChecksEveryAxisAndCountsNegativesFromTheEnd() {
        BufferView v = BufferView.ofArray(new int[] {0, 1, 2, 3, 4, 5}, Order.C, 2, 3);
        assertEquals(5L, v.get(-1, -1));
        assertEquals("index out of bounds: axis=1 index=3 length=3",
                assertThrows(IndexOutOfBoundsException.class, () -> v.get(0, 3)).getMessage());
        assertEquals("index has the wrong number of coordinates: coordinates=1 ndim=2",
                assertThrows(IndexOutOfBoundsException.class, () -> v.get(0)).getMessage());
        assertEquals("getDouble needs a real or integer format: format='?'", assertThrows(
                UnsupportedOperationException.class, () -> BufferView.ofArray(new boolean[1]).getDouble(0)).getMessage());
    }

    // ------------------------------------------------------------ derived views

    @Test
    void slicingWorksOnAnyAxisWithNegativeSteps() {
        BufferView v = BufferView.ofArray(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, Order.C, 3, 4);
        BufferView cols = v.asSlice(1, Long.MAX_VALUE, Long.MIN_VALUE, -2);
        assertArrayEquals(new long[] {3, 2}, cols.shape());
        assertArrayEquals(new long[] {16, -8}, cols.strides());
        assertEquals(List.of(List.of(3L, 1L), List.of(7L, 5L), List.of(11L, 9L)), cols.toList());
        assertEquals(List.of(2L, 6L, 10L), v.asIndex(1, 2).toList());
        assertEquals(List.of(List.of(0L, 4L, 8L), List.of(1L, 5L, 9L), List.of(2L, 6L, 10L), List.of(3L, 7L, 11L)),
                v.asTransposed().toList());
        assertEquals("slice step cannot be zero: axis=1", assertThrows(InvalidViewException.class,
                () -> v.asSlice(1, 0, 1, 0)).getMessage());
        assertEquals("not a permutation of the axes: axes=[0, 0] ndim=2", assertThrows(InvalidViewException.class,
                () -> v.asPermuted(0, 0)).getMessage());
        assertEquals("slice axis out of range: axis=2 ndim=2", assertThrows(InvalidViewException.class,
                () -> v.asSlice(2, 0, 1, 1)).getMessage());
    }

    @Test
    void toBytesFollowsTheOrder() {
        BufferView f = BufferView.ofArray(new byte[] {0, 1, 2, 3, 4, 5}, Order.F, 2, 3);
        assertArrayEquals(new byte[] {0, 2, 4, 1, 3, 5}, f.toBytes(Order.C));
        assertArrayEquals(new byte[] {0, 1, 2, 3, 4, 5}, f.toBytes(Order.F));
        assertArrayEquals(new byte[] {0, 1, 2, 3, 4, 5}, f.toBytes(Order.A));
        assertArrayEquals(new byte[] {0, 2, 4, 1, 3, 5}, f.toByteArray());
    }

    // ------------------------------------------------------------ equality

    @Test
    void equalsIsReflexiveForNanWhileContentEqualsFollowsPython() {
        BufferView nan = BufferView.ofArray(new double[] {Double.NaN, 1});
        assertEquals(nan, nan);
        assertEquals(nan, BufferView.ofArray(new double[] {Double.NaN, 1}));
        assertEquals(nan.hashCode(), BufferView.ofArray(new double[] {Double.NaN, 1}).hashCode());
        assertFalse(nan.contentEquals(nan));
        BufferView ints = BufferView.ofArray(new int[] {3, 1});
        BufferView doubles = BufferView.ofArray(new double[] {3, 1});
        assertTrue(ints.contentEquals(doubles), "1 == 1.0 across formats");
        assertNotEquals(ints, doubles, "equals needs equal layouts");
    }

    // ------------------------------------------------------------ NIO and arrays back

    @Test
    void nioBuffersRespectPositionLimitOrderAndReadOnly() {
        ByteBuffer bytes = ByteBuffer.allocateDirect(16).order(ByteOrder.BIG_ENDIAN);
        bytes.putInt(4, 7).putInt(8, -9);
        IntBuffer ints = bytes.position(4).limit(12).slice().order(ByteOrder.BIG_ENDIAN).asIntBuffer();
        BufferView v = BufferView.ofBuffer(ints);
        assertEquals(">i", v.format().text());
        assertEquals(List.of(7L, -9L), v.toList());
        assertTrue(v.isNative());

        DoubleBuffer ro = DoubleBuffer.wrap(new double[] {1, 2, 3}).position(1).asReadOnlyBuffer();
        BufferView r = BufferView.ofBuffer(ro);
        assertEquals("d", r.format().text());
        assertTrue(r.isReadOnly());
        assertEquals(List.of(2.0, 3.0), r.toList());
        assertEquals("view is read-only: setDouble refused: format='d'",
                assertThrows(BufferException.class, () -> r.setDouble(0, 0)).getMessage());
        assertThrows(BufferException.class, () -> r.getBuffer(BufferFlags.WRITABLE));
    }

    @Test
    void viewsBecomeJavaArraysAgainInCOrder() {
        BufferView f = BufferView.ofArray(new long[] {1, 2, 3, 4, 5, 6}, Order.F, 2, 3);
        assertArrayEquals(new long[] {1, 3, 5, 2, 4, 6}, f.toLongArray());
        assertArrayEquals(new int[] {7, 8}, BufferView.ofArray(new int[] {7, 8}).toIntArray());
        assertArrayEquals(new short[] {-1}, BufferView.ofArray(new short[] {-1}).toShortArray());
        assertArrayEquals(new char[] {'x'}, BufferView.ofArray(new char[] {'x'}).toCharArray());
        assertArrayEquals(new float[] {0.5f}, BufferView.ofArray(new float[] {0.5f}).toFloatArray());
        assertArrayEquals(new double[] {2, 1}, BufferView.ofArray(new double[] {1, 2}).asSlice(1, Long.MIN_VALUE, -1).toDoubleArray());
        assertArrayEquals(new boolean[] {true, false}, BufferView.ofArray(new boolean[] {true, false}).toBooleanArray());
        assertEquals("toIntArray needs a 4-byte integer format: format='d'", assertThrows(
                UnsupportedOperationException.class, () -> BufferView.ofArray(new double[1]).toIntArray()).getMessage());

        byte[] backing = {1, 2, 3};
        ByteBuffer shared = BufferView.ofArray(backing).asByteBuffer();
        shared.put(1, (byte) 20);
        assertEquals(20, backing[1], "asByteBuffer shares the memory");
        assertEquals("asByteBuffer shares only byte[] and native memory, use asSegment() or toBytes(): memory=int[]",
                assertThrows(UnsupportedOperationException.class, () -> BufferView.ofArray(new int[1]).asByteBuffer()).getMessage());
        assertEquals("asSegment needs a C-contiguous view: shape=[3] strides=[-1]", assertThrows(BufferException.class,
                () -> BufferView.ofArray(backing).asSlice(Long.MAX_VALUE, Long.MIN_VALUE, -1).asSegment()).getMessage());
    }

    // ------------------------------------------------------------ exporters that own memory

    @Test
    void growableBufferRefusesToResizeWhileExported() {
        GrowableBuffer g = GrowableBuffer.copyOf(new byte[] {1, 2});
        BufferView v = g.getBuffer(BufferFlags.SIMPLE);
        BufferView tail = v.asSlice(1, 2, 1);
        v.close();
        BufferException e = assertThrows(BufferException.class, () -> g.resize(4));
        assertEquals("Existing exports of data: object cannot be re-sized: exports=1 length=2 requested=4", e.getMessage());
        tail.close();
        g.resize(4);
        try (BufferView w = g.getBuffer(BufferFlags.FULL_RO)) {
            assertEquals(List.of(1L, 2L, 0L, 0L), w.toList());
        }
    }

    @Test
    void nativeBufferRefusesToFreeWhileExportedAndThenRefusesRequests() {
        NativeBuffer n = NativeBuffer.allocate("d", 4);
        BufferView v = n.getBuffer(BufferFlags.FULL);
        v.setDouble(3.5, 2);
        assertEquals("cannot free memory with live exports: exports=1 bytes=32",
                assertThrows(BufferException.class, n::close).getMessage());
        assertEquals(List.of(0.0, 0.0, 3.5, 0.0), v.toList());
        v.close();
        n.close();
        n.close();
        assertEquals("native buffer is closed: format='d'",
                assertThrows(IllegalStateException.class, () -> n.getBuffer(BufferFlags.SIMPLE)).getMessage());
    }

    @Test
    void viewsMayBeReleasedFromAnotherThread() throws Exception {
        ExecutorService other = Executors.newSingleThreadExecutor();
        try (Arena arena = Arena.ofShared()) {
            BufferView v = BufferView.ofSegment(arena.allocate(16), "q", 2);
            Future<?> closed = other.submit(v::close);
            closed.get();
            assertFalse(v.isAlive());
            java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> other.submit(() -> v.get(0)).get(), "use after release from the other thread");
            assertTrue(e.getCause() instanceof IllegalStateException, e.getCause().toString());
            assertEquals("operation on a released view: format='q' shape=[2]", e.getCause().getMessage());
            other.submit(v::close).get();
        } finally {
            other.shutdownNow();
        }
    }
}
