package io.bufferbridge.view;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.bufferbridge.format.Format;
import io.bufferbridge.format.FormatException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.math.BigInteger;
import java.util.List;

/**
 * Coverage-guided fuzzing of view construction (the second fuzz target of the README): a fuzzed format, itemsize,
 * shape, strides, offset and memory size. The memory is a segment of exactly that size, so an
 * element outside it makes FFM throw {@link IndexOutOfBoundsException}: that is a finding. An
 * accepted view must read every element ({@code toBytes()}, {@code toList()}); a refused one throws
 * {@link InvalidViewException}.
 */
class ViewFuzzTest {
    /** Formats worth starting from; the fuzzer also writes its own. */
    private static final List<String> FORMATS = List.of("b", "B", "?", "c", "h", "<H", ">i", "=l", "@l", "q", "Q",
            "n", "N", "P", "e", "f", "d", "Zf", "Zd", "3s", "0s", "p", "x", "ic", "hd", "2i", "(2,3)h", "(0)i",
            "T{i:a:B:b:}", "T{<h:x:3x:>d:y:}", "^id", "!I", "g", "Zg", "T{(2)d:m:?:f:}", "5p", "");

    /** Bytes read out in full; larger accepted views are only checked for their size guard. */
    private static final long READ_LIMIT = 1 << 14;

    @FuzzTest(maxDuration = "30s")
    void build(FuzzedDataProvider data) {
        String format = data.consumeBoolean() ? data.pickValue(FORMATS) : data.consumeString(24);
        long itemsize;
        long parsedItemsize = -1;
        try {
            Format f = Format.of(format);
            parsedItemsize = f.itemsize();
            switch (data.consumeInt(0, 3)) {
                case 0 -> itemsize = f.itemsize();
                case 1 -> itemsize = f.paddedItemsize();
                default -> itemsize = data.consumeLong(-2, 64);
            }
        } catch (FormatException e) {
            itemsize = data.consumeLong(-2, 64);
        }
        int ndim = data.consumeBoolean() ? data.consumeInt(0, 4) : data.consumeInt(0, 70);
        int nstrides = data.consumeInt(0, 20) == 0 ? data.consumeInt(0, 70) : ndim;
        long[] shape = new long[ndim];
        for (int k = 0; k < ndim; k++) {
            shape[k] = data.consumeBoolean() ? data.consumeLong(-1, 8) : data.consumeLong();
        }
        long[] strides = new long[nstrides];
        for (int k = 0; k < nstrides; k++) {
            strides[k] = data.consumeBoolean() ? data.consumeLong(-64, 64) : data.consumeLong();
        }
        long offset = data.consumeBoolean() ? data.consumeLong(-4, 512) : data.consumeLong();
        int memorySize = data.consumeInt(0, 4096);
        boolean readOnlyMemory = data.consumeInt(0, 7) == 0;
        boolean readOnly = readOnlyMemory ? data.consumeBoolean() : data.consumeBoolean();
        byte fill = data.consumeByte();

        try (Arena arena = Arena.ofConfined()) {
            MemorySegment memory = arena.allocate(memorySize, 1).fill(fill);
            if (readOnlyMemory) {
                memory = memory.asReadOnly();
            }
            BufferView view;
            try {
                view = BufferView.of(memory, offset, format, itemsize, shape, strides, readOnly);
            } catch (InvalidViewException refused) {
                assertTrue(refused.getMessage() != null && !refused.getMessage().isEmpty(), "refusal has a message");
                return;
            }
            // accepted: it must be valid by contract §1 (docs/contract.md), then every element must be readable
            assertEquals(shape.length, strides.length, "accepted with ndim != len(strides)");
            assertTrue(ndim <= 64, "accepted with ndim > 64");
            assertTrue(parsedItemsize >= 0, "accepted a format that does not parse: " + format);
            BigInteger count = BigInteger.ONE;
            for (long d : shape) {
                assertTrue(d >= 0, "accepted a negative dimension");
                count = count.multiply(BigInteger.valueOf(d));
            }
            BigInteger bytes = count.multiply(BigInteger.valueOf(itemsize));
            if (bytes.compareTo(BigInteger.valueOf(READ_LIMIT)) <= 0) {
                byte[] out = view.toBytes();
                assertEquals(bytes.longValueExact(), out.length, "toBytes length");
                assertEquals(bytes.longValueExact(), view.byteLength(), "byteLength");
                assertEquals(count.min(BigInteger.valueOf(Long.MAX_VALUE)).longValueExact(), view.elementCount(), "elementCount");
                // toList builds one list per index prefix: a [2**40, 0] view has no elements but
                // 2**40 empty lists, as in Python; read it only when that stays small
                BigInteger lists = BigInteger.ZERO;
                BigInteger prefix = BigInteger.ONE;
                for (long d : shape) {
                    prefix = prefix.multiply(BigInteger.valueOf(d));
                    lists = lists.add(prefix);
                }
                if (lists.compareTo(BigInteger.valueOf(4_096)) <= 0) {
                    Object list = view.toList();
                    assertTrue(ndim == 0 || list instanceof List<?>, "toList shape");
                }
                assertArrayEquals(out, view.toBytes(Order.C), "toBytes is repeatable");
            } else {
                // zero strides make views of any size over little memory; their sizes must not wrap
                // (toBytes then throws its documented OutOfMemoryError, which Jazzer would report
                // as a finding however it is caught, so it is not called here)
                BigInteger max = BigInteger.valueOf(Long.MAX_VALUE);
                assertEquals(bytes.min(max).longValueExact(), view.byteLength(), "byteLength saturates");
                assertEquals(count.min(max).longValueExact(), view.elementCount(), "elementCount saturates");
            }
            view.close();
            view.close();
            assertThrows(IllegalStateException.class, view::toBytes, "use after release");
        }
    }
}
