package io.bufferbridge.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@code equals} and {@code hashCode} read the elements where they lie: they agree with comparing
 * and hashing {@code toBytes()}, and a valid view with more elements than any array (zero strides)
 * compares and hashes without materializing.
 */
class EqualityTest {
    private static final long TWO_40 = 1L << 40;

    /** What equals meant when it compared toBytes(): the definition the new code must keep. */
    private static boolean bytesEqual(BufferView a, BufferView b) {
        return a.format().equals(b.format()) && a.itemsize() == b.itemsize() && Arrays.equals(a.shape(), b.shape())
                && Arrays.equals(a.toBytes(), b.toBytes());
    }

    /** What hashCode was when it hashed toBytes(); the same for views of at most 1,024 elements. */
    private static int bytesHash(BufferView v) {
        return 31 * (31 * v.format().hashCode() + Arrays.hashCode(v.shape())) + Arrays.hashCode(v.toBytes());
    }

    @Test
    void strideZeroViewsOf2To80ElementsCompareAndHashWithoutMaterializing() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(8);
            MemorySegment b = arena.allocate(8);
            a.set(ValueLayout.JAVA_LONG, 0, 42);
            b.set(ValueLayout.JAVA_LONG, 0, 42);
            long[] shape = {TWO_40, TWO_40};
            BufferView va = BufferView.of(a, 0, "q", 8, shape, new long[] {0, 0}, true);
            BufferView vb = BufferView.of(b, 0, "q", 8, shape, new long[] {0, 0}, true);
            assertTrue(va.equals(vb));
            assertEquals(va.hashCode(), vb.hashCode());
            // the hash of 1,024 copies of the element's bytes, as a 1,024-element view hashes them
            BufferView prefix = BufferView.of(a, 0, "q", 8, new long[] {1024}, new long[] {0}, true);
            int hashedBytes = Arrays.hashCode(prefix.toBytes());
            assertEquals(31 * (31 * va.format().hashCode() + Arrays.hashCode(shape)) + hashedBytes, va.hashCode());

            b.set(ValueLayout.JAVA_LONG, 0, 43);
            assertFalse(va.equals(vb), "one byte differs in every element");
            assertNotEquals(va.hashCode(), vb.hashCode());
        }
    }

    @Test
    void aRepeatedElementEqualsTheSameValuesStoredOut() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment one = arena.allocate(4);
            one.set(ValueLayout.JAVA_INT, 0, 7);
            BufferView repeated = BufferView.of(one, 0, "i", 4, new long[] {2, 3}, new long[] {0, 0}, true);
            BufferView stored = BufferView.ofArray(new int[] {7, 7, 7, 7, 7, 7}, Order.C, 2, 3);
            assertTrue(repeated.equals(stored));
            assertTrue(stored.equals(repeated));
            assertEquals(bytesHash(stored), repeated.hashCode());
            BufferView lastDiffers = BufferView.ofArray(new int[] {7, 7, 7, 7, 7, 8}, Order.C, 2, 3);
            assertFalse(repeated.equals(lastDiffers));
            assertFalse(lastDiffers.equals(repeated));
            // stride 0 on one axis of one view only: that axis is compared element by element
            BufferView rowRepeated = BufferView.of(MemorySegment.ofArray(new int[] {7, 7, 8}), 0, "i", 4,
                    new long[] {2, 3}, new long[] {0, 4}, true);
            assertTrue(rowRepeated.equals(BufferView.ofArray(new int[] {7, 7, 8, 7, 7, 8}, Order.C, 2, 3)));
            assertFalse(rowRepeated.equals(lastDiffers));
        }
    }

    /** 64 axes of length 2 and stride 1 over 65 bytes: 2^64 elements, 65 distinct positions. */
    @Test
    void overlappingAxesOf2To64ElementsCompareByTheirDistinctPositions() {
        long[] shape = new long[64];
        long[] strides = new long[64];
        Arrays.fill(shape, 2);
        Arrays.fill(strides, 1);
        byte[] bytes = new byte[65];
        Arrays.fill(bytes, (byte) 5);
        BufferView a = BufferView.of(MemorySegment.ofArray(bytes), 0, "b", 1, shape, strides, true);
        BufferView b = BufferView.of(MemorySegment.ofArray(bytes.clone()), 0, "b", 1, shape, strides, true);
        assertEquals(Long.MAX_VALUE, a.elementCount());
        assertTrue(a.equals(b));
        assertEquals(a.hashCode(), b.hashCode());
        // every one of the 65 bytes is reached: the last one differing is found
        byte[] lastDiffers = bytes.clone();
        lastDiffers[64] = 6;
        BufferView c = BufferView.of(MemorySegment.ofArray(lastDiffers), 0, "b", 1, shape, strides, true);
        assertFalse(a.equals(c));
        // the same 65 bytes as a 1-D view: another shape, so not equal
        BufferView flat = BufferView.of(MemorySegment.ofArray(bytes), 0, "b", 1, new long[] {65}, new long[] {1}, true);
        assertFalse(a.equals(flat));
    }

    @Test
    void theHashReadsTheFirst1024ElementsInCOrder() {
        int[] values = new int[1025];
        Arrays.setAll(values, k -> k);
        BufferView v = BufferView.ofArray(values);
        int[] lastChanged = values.clone();
        lastChanged[1024] = -1;
        BufferView w = BufferView.ofArray(lastChanged);
        assertFalse(v.equals(w));
        assertEquals(v.hashCode(), w.hashCode(), "element 1024 is past the hashed prefix");
        int[] firstChanged = values.clone();
        firstChanged[1023] = -1;
        assertNotEquals(v.hashCode(), BufferView.ofArray(firstChanged).hashCode(), "element 1023 is hashed");
    }

    @Test
    void releasedViewsEqualOnlyThemselves() {
        BufferView v = BufferView.ofArray(new int[] {1, 2});
        BufferView w = BufferView.ofArray(new int[] {1, 2});
        assertTrue(v.equals(w));
        w.close();
        assertFalse(v.equals(w));
        assertTrue(w.equals(w));
        assertEquals(System.identityHashCode(w), w.hashCode());
    }

    /**
     * Random strided layouts — slices with any step, permutations, zero strides, negative
     * strides, records with padding — over a few shared bytes: equals and hashCode give what
     * comparing and hashing toBytes() gave.
     */
    @Test
    void randomLayoutsAgreeWithComparingTheirBytes() {
        SplittableRandom random = new SplittableRandom(13);
        String[] formats = {"b", "h", "i", "q", "d", "ic", "T{b:a:xxxh:b:}", "3s"};
        byte[] memory = new byte[96];
        int equalPairs = 0;
        for (int round = 0; round < 4000; round++) {
            // few distinct byte values, so that different layouts often hold equal bytes
            for (int k = 0; k < memory.length; k++) {
                memory[k] = (byte) random.nextInt(2);
            }
            String format = formats[random.nextInt(formats.length)];
            BufferView a = randomView(random, memory, format);
            BufferView b = randomView(random, memory, format);
            if (a == null || b == null) {
                continue;
            }
            if (random.nextInt(3) == 0) {
                b = BufferView.of(MemorySegment.ofArray(a.toBytes()), 0, format, a.itemsize(), a.shape(),
                        stridesOfACopy(a), true);
            }
            boolean expected = bytesEqual(a, b);
            equalPairs += expected ? 1 : 0;
            assertEquals(expected, a.equals(b), a + " vs " + b);
            assertEquals(expected, b.equals(a), b + " vs " + a);
            assertEquals(bytesHash(a), a.hashCode(), a.toString());
            if (expected) {
                assertEquals(a.hashCode(), b.hashCode(), a + " vs " + b);
            }
        }
        assertTrue(equalPairs > 500, "enough equal pairs to test both answers: " + equalPairs);
    }

    private static long[] stridesOfACopy(BufferView v) {
        long[] strides = new long[v.ndim()];
        long step = v.itemsize();
        for (int k = v.ndim() - 1; k >= 0; k--) {
            strides[k] = step;
            step *= Math.max(v.shape()[k], 1);
        }
        return strides;
    }

    /** A random valid view of {@code memory}, or null when the draw is not valid. */
    private static BufferView randomView(SplittableRandom random, byte[] memory, String format) {
        long itemsize = io.bufferbridge.format.Format.of(format).itemsize();
        int ndim = random.nextInt(4);
        long[] shape = new long[ndim];
        long[] strides = new long[ndim];
        for (int k = 0; k < ndim; k++) {
            shape[k] = random.nextInt(4);
            strides[k] = random.nextInt(4) == 0 ? 0 : (random.nextInt(5) - 2) * itemsize + random.nextInt(2);
            if (k > 0 && random.nextInt(4) == 0) {
                strides[k] = strides[k - 1]; // axes with the same stride, which equals folds together
            }
        }
        long offset = random.nextInt(memory.length);
        try {
            return BufferView.of(MemorySegment.ofArray(memory), offset, format, itemsize, shape, strides, true);
        } catch (InvalidViewException outside) {
            return null;
        }
    }
}
