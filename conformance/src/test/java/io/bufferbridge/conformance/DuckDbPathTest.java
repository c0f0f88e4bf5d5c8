package io.bufferbridge.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bufferbridge.view.BufferView;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code duckdb} path where DuckDB changes the type: elements that travel as one fixed-size
 * binary come back as BLOBs, compared byte for byte (nested ones still skip); permuted tensors
 * come back without their permutation, compared in memory order.
 */
class DuckDbPathTest {
    private static DuckDbPath duckdb;
    private static Map<String, Case> cases;

    @BeforeAll
    static void open() throws IOException {
        duckdb = DuckDbPath.open();
        cases = Corpus.builtin().cases().stream().collect(Collectors.toMap(Case::id, Function.identity()));
    }

    @AfterAll
    static void close() {
        duckdb.close();
    }

    @Test
    void wholeElementBinariesComeBackAsEqualBlobs() {
        assumeTrue(duckdb.unavailable() == null, () -> "DuckDB did not start: " + duckdb.unavailable());
        // 5s (1-D and 0-D), c, and a big-endian int16 exported as arrow.opaque.
        for (String id : List.of("np-bytes5-c-1d", "np-bytes5-0d", "tb-char-c-1d-ro", "np-be-int16-neg-1d")) {
            assertEquals(Outcome.pass(), duckdb.run(cases.get(id)), id);
        }
    }

    @Test
    void nestedBinariesStillSkipWithTheReason() {
        assumeTrue(duckdb.unavailable() == null, () -> "DuckDB did not start: " + duckdb.unavailable());
        assertEquals(Outcome.skip("DuckDB returns fixed-size binary inside a nested type as variable-length BLOB,"
                + " which has no PEP 3118 format"), duckdb.run(cases.get("np-bytes5-c-2d-ro")));
    }

    @Test
    void permutedTensorsAreComparedInMemoryOrder() {
        assumeTrue(duckdb.unavailable() == null, () -> "DuckDB did not start: " + duckdb.unavailable());
        for (String id : List.of("np-int32-f-2d", "np-int8-perm-3d")) {
            assertEquals(Outcome.pass(), duckdb.run(cases.get(id)), id);
        }
    }

    /**
     * Rows far wider than the built-in corpus's: DuckDB's Arrow appender reserves batch rows × array
     * size elements, so batches sized in rows (2^20) asked for 512 GiB ("Out of Memory Error:
     * ArrowBuffer: failed to allocate 549755813888 bytes"); batches capped in bytes pass.
     */
    @Test
    void bigTensorRowsPass() {
        assumeTrue(duckdb.unavailable() == null, () -> "DuckDB did not start: " + duckdb.unavailable());
        long[] shape32 = new long[32];
        java.util.Arrays.fill(shape32, 0, 16, 2);
        java.util.Arrays.fill(shape32, 16, 32, 1);
        List<Case> big = List.of(
                bigCase("big-int64-f-256x256", "q", 8, new long[] {256, 256}, new int[] {1, 0}),
                bigCase("big-int16-perm-64x64x64", "h", 2, new long[] {64, 64, 64}, new int[] {2, 0, 1}),
                bigCase("big-int8-32d", "b", 1, shape32, null));
        for (Case c : big) {
            assertEquals(Outcome.pass(), duckdb.run(c), c.id());
        }
    }

    /** A case of distinct values (element k in memory order is k) whose axes are {@code perm} of C order. */
    private static Case bigCase(String id, String format, int itemsize, long[] physShape, int[] perm) {
        long count = 1;
        for (long d : physShape) {
            count *= d;
        }
        byte[] memory = new byte[Math.toIntExact(count * itemsize)];
        MemorySegment m = MemorySegment.ofArray(memory);
        for (long k = 0; k < count; k++) {
            switch (itemsize) {
                case 8 -> m.set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, k * 8, k * 7919);
                case 2 -> m.set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, k * 2, (short) (k * 31));
                default -> m.set(java.lang.foreign.ValueLayout.JAVA_BYTE, k, (byte) (k * 13));
            }
        }
        try (BufferView c = BufferView.ofSegment(m, format, physShape);
                BufferView v = perm == null ? c.asReadOnly() : c.asPermuted(perm)) {
            return new Case(id, format, itemsize, v.shape(), v.strides(), false, memory, 0, v.toBytes(), null, false,
                    false, "DuckDbPathTest", id);
        }
    }

    @Test
    void memoryOrderSortsAxesByStride() {
        try (BufferView c = BufferView.ofSegment(MemorySegment.ofArray(new byte[24]), "i", 2, 3);
                BufferView f = c.asTransposed();
                BufferView p = BufferView.ofSegment(MemorySegment.ofArray(new byte[24]), "b", 2, 3, 4).asPermuted(2, 0, 1)) {
            assertArrayEquals(new int[] {0, 1}, DuckDbPath.memoryOrder(c));
            assertArrayEquals(new int[] {1, 0}, DuckDbPath.memoryOrder(f));
            // permuted (2, 0, 1): strides (1, 12, 4), so memory order is axes 1, 2, 0
            assertArrayEquals(new int[] {1, 2, 0}, DuckDbPath.memoryOrder(p));
        }
    }

    @Test
    void aBlobThatDiffersFailsWithTheElementAndBothValues() {
        Field blob = new Field("", FieldType.notNullable(ArrowType.Binary.INSTANCE), null);
        try (BufferView view = BufferView.ofSegment(MemorySegment.ofArray(new byte[] {1, 2, 3, 4, 5, 6}), "3s", 2)) {
            assertEquals(Outcome.pass(), DuckDbPath.compareBlobs(view, blob, List.of(new byte[] {1, 2, 3}, new byte[] {4, 5, 6})));
            assertEquals(Outcome.fail("BLOB differs: element=1 expected=040506 found=040507"),
                    DuckDbPath.compareBlobs(view, blob, List.of(new byte[] {1, 2, 3}, new byte[] {4, 5, 7})));
            List<byte[]> withNull = new ArrayList<>();
            withNull.add(null);
            withNull.add(new byte[] {4, 5, 6});
            assertEquals(Outcome.fail("BLOB differs: element=0 expected=010203 found=NULL"),
                    DuckDbPath.compareBlobs(view, blob, withNull));
            assertEquals(Outcome.fail("BLOB count differs: expected=2 found=1"),
                    DuckDbPath.compareBlobs(view, blob, List.of(new byte[] {1, 2, 3})));
            Field utf8 = new Field("", FieldType.notNullable(ArrowType.Utf8.INSTANCE), null);
            assertEquals(Outcome.fail("fixed-size binary came back as neither fixed-size nor variable binary: found=Utf8"),
                    DuckDbPath.compareBlobs(view, utf8, List.of(new byte[] {1, 2, 3}, new byte[] {4, 5, 6})));
        }
    }
}
