package io.bufferbridge.arrow.table;

import io.bufferbridge.view.ForeignMemory;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bufferbridge.arrow.c.ArrowImportException;
import io.bufferbridge.view.BufferView;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tables through an embedded DuckDB: registered once and queried many times, results read back as
 * tables with their nulls, in batches capped in bytes.
 */
class DuckDbTablesTest {
    private static final int ROWS = 1_000_000;
    private static Arena arena;
    private static Table big;
    private Connection connection;
    private Leaks leaks;

    /** a = i, b = i / 2, t = 4×4 float32 with t[i][j][k] = i + (4j + k) / 16, n = i, null every third row. */
    @BeforeAll
    static void build() {
        arena = Arena.ofShared();
        MemorySegment a = arena.allocate(ValueLayout.JAVA_LONG, ROWS);
        MemorySegment b = arena.allocate(ValueLayout.JAVA_DOUBLE, ROWS);
        MemorySegment t = arena.allocate(ValueLayout.JAVA_FLOAT, 16L * ROWS);
        MemorySegment n = arena.allocate(ValueLayout.JAVA_INT, ROWS);
        boolean[] valid = new boolean[ROWS];
        for (int i = 0; i < ROWS; i++) {
            a.setAtIndex(ValueLayout.JAVA_LONG, i, i);
            b.setAtIndex(ValueLayout.JAVA_DOUBLE, i, i * 0.5);
            for (int k = 0; k < 16; k++) {
                t.setAtIndex(ValueLayout.JAVA_FLOAT, 16L * i + k, i + k / 16f);
            }
            n.setAtIndex(ValueLayout.JAVA_INT, i, i);
            valid[i] = i % 3 != 0;
        }
        big = Table.of(Column.of("a", BufferView.ofSegment(a, "q", ROWS)),
                Column.of("b", BufferView.ofSegment(b, "d", ROWS)),
                Column.of("t", BufferView.ofSegment(t, "f", ROWS, 4, 4)),
                Column.of("n", BufferView.ofSegment(n, "i", ROWS), BufferView.ofArray(valid)));
    }

    @AfterAll
    static void free() {
        big.close();
        arena.close();
    }

    @BeforeEach
    void open() throws SQLException {
        leaks = new Leaks();
        connection = DriverManager.getConnection("jdbc:duckdb:");
    }

    @AfterEach
    void close() throws SQLException {
        connection.close();
        ForeignMemory.flushReleases();
        assertEquals(0, DuckDbTables.allocatedBytes(), "every DuckDB result buffer released");
        leaks.assertAllReleased();
    }

    @Test
    void aMillionRowsQueriedThreeTimesWithExactValuesAndNulls() throws SQLException {
        try (DuckDbRegistration r = DuckDbTables.register(connection, "big", big)) {
            for (int pass = 0; pass < 3; pass++) {
                try (Table agg = DuckDbTables.query(connection,
                        "SELECT count(*) AS c, sum(a)::BIGINT AS s, avg(b) AS m, count(n) AS nn FROM big")) {
                    assertEquals(1, agg.rowCount());
                    assertEquals(1_000_000L, agg.column("c").values().getLong(0));
                    assertEquals(499_999_500_000L, agg.column("s").values().getLong(0));
                    assertEquals(249_999.75, agg.column("m").values().getDouble(0));
                    assertEquals(666_666L, agg.column("nn").values().getLong(0), "every third n is NULL");
                    assertTrue(agg.column("c").isNullable(), "DuckDB's columns are all nullable");
                }
            }
            try (Table hits = DuckDbTables.query(connection,
                    "SELECT a, n, t FROM big WHERE a % 100000 = 7 ORDER BY a")) {
                assertEquals(10, hits.rowCount());
                long[] a = hits.column("a").values().toLongArray();
                boolean[] valid = hits.column("n").validity().orElseThrow().toBooleanArray();
                BufferView t = hits.column("t").values();
                assertArrayEquals(new long[] {10, 16}, t.shape(), "DuckDB drops the tensor extension: FLOAT[16]");
                for (int k = 0; k < 10; k++) {
                    assertEquals(100_000L * k + 7, a[k]);
                    assertEquals(a[k] % 3 != 0, valid[k]);
                    if (valid[k]) {
                        assertEquals(a[k], hits.column("n").values().getLong(k));
                    }
                    assertEquals((float) (a[k] + 5 / 16f), (float) t.getDouble(k, 5));
                }
            }
            try (Table nulls = DuckDbTables.query(connection,
                    "SELECT n, CASE WHEN a % 2 = 0 THEN b END AS half FROM big WHERE a < 6 ORDER BY a")) {
                assertArrayEquals(new boolean[] {false, true, true, false, true, true},
                        nulls.column("n").validity().orElseThrow().toBooleanArray());
                assertArrayEquals(new boolean[] {true, false, true, false, true, false},
                        nulls.column("half").validity().orElseThrow().toBooleanArray());
                assertEquals(5L, nulls.column("n").values().getLong(5));
                assertEquals(2.0, nulls.column("half").values().getDouble(4));
            }
        }
    }

    @Test
    void resultBatchesAreCappedInBytes() throws SQLException {
        try (DuckDbRegistration r = DuckDbTables.register(connection, "big", big)) {
            List<Table> batches = DuckDbTables.queryBatches(connection, "SELECT t FROM big", 1 << 20);
            try {
                // FLOAT[16] is 64 bytes a row: 16,384 rows in 1 MiB.
                long total = 0;
                for (Table b : batches) {
                    assertTrue(b.rowCount() <= 16_384, "rows=" + b.rowCount());
                    total += b.rowCount();
                }
                assertEquals(ROWS, total);
                assertTrue(batches.size() >= ROWS / 16_384, "batches=" + batches.size());
            } finally {
                batches.forEach(Table::close);
            }
        }
    }

    @Test
    void tensorRowsOf65536And100000ElementsRoundTrip() throws SQLException {
        int[] sizes = {65_536, 100_000};
        for (int size : sizes) {
            short[] values = new short[3 * size];
            for (int i = 0; i < values.length; i++) {
                values[i] = (short) (i * 7);
            }
            BufferView v = size == 65_536
                    ? BufferView.ofArray(values, io.bufferbridge.view.Order.C, 3, 256, 256)
                    : BufferView.ofArray(values, io.bufferbridge.view.Order.C, 3, size);
            try (Table t = Table.of(Column.of("x", v));
                    DuckDbRegistration r = DuckDbTables.register(connection, "wide", t);
                    Table back = DuckDbTables.query(connection, "SELECT x FROM wide")) {
                BufferView x = back.column("x").values();
                assertArrayEquals(new long[] {3, size}, x.shape(), "DuckDB returns SMALLINT[" + size + "]");
                assertArrayEquals(values, x.toShortArray());
            }
        }
    }

    @Test
    void aColumnNoViewCanHoldIsRefusedByName() throws SQLException {
        try (DuckDbRegistration r = DuckDbTables.register(connection, "big", big)) {
            ArrowImportException e = assertThrows(ArrowImportException.class, () -> DuckDbTables.query(connection,
                    "SELECT a, 'row ' || a AS label FROM big LIMIT 2"));
            assertTrue(e.getMessage().startsWith("column cannot be imported: path=batch column=1 name='label':"
                    + " unsupported Arrow format"), e.getMessage());
        }
    }

    @Test
    void closingDropsTheView() throws SQLException {
        DuckDbRegistration r = DuckDbTables.register(connection, "gone", big);
        try (Table one = DuckDbTables.query(connection, "SELECT count(*) AS c FROM gone")) {
            assertEquals(1_000_000L, one.column("c").values().getLong(0));
        }
        r.close();
        SQLException e = assertThrows(SQLException.class, () -> DuckDbTables.query(connection, "SELECT * FROM gone"));
        assertTrue(e.getMessage().contains("gone"), e.getMessage());
        assertFalse(big.column("a").values().exports() != 0, "nothing of the table is held");
    }

    @Test
    void twoScansStartedTogetherNeedACopy() throws SQLException {
        String twice = "SELECT count(*)::BIGINT AS n FROM %s UNION ALL SELECT count(*)::BIGINT FROM %s";
        try (Table small = Table.of(Column.of("x", BufferView.ofArray(new long[] {1, 2, 3, 3})));
                DuckDbRegistration r = DuckDbTables.register(connection, "small", small)) {
            // A join runs its sides one after the other: the registration re-arms in between.
            try (Table join = DuckDbTables.query(connection,
                    "SELECT count(*)::BIGINT AS n FROM small a JOIN small b ON a.x = b.x")) {
                assertEquals(6L, join.column("n").values().getLong(0));
            }
            SQLException e = assertThrows(SQLException.class,
                    () -> DuckDbTables.query(connection, twice.formatted("small", "small")));
            ForeignMemory.flushReleases();
            assertTrue(e.getMessage().contains("This stream has been released"), e.getMessage());
            DuckDbTables.copyInto(connection, "copied", small);
        }
        try (Table both = DuckDbTables.query(connection, twice.formatted("copied", "copied"))) {
            assertArrayEquals(new long[] {4, 4}, both.column("n").values().toLongArray());
        }
    }

    @Test
    void batchWidthsFromDuckDbTypeNames() {
        assertEquals(8, DuckDbTables.typeWidth("BIGINT"));
        assertEquals(64, DuckDbTables.typeWidth("FLOAT[16]"));
        assertEquals(16, DuckDbTables.typeWidth("INTEGER[2][2]"));
        assertEquals(16, DuckDbTables.typeWidth("DECIMAL(10,2)"));
        assertEquals(16, DuckDbTables.typeWidth("INTEGER[]"));
        assertEquals(16, DuckDbTables.typeWidth("TINYINT[ANY]"), "an empty array's type, as DuckDB names it");
        assertEquals(800_000, DuckDbTables.typeWidth("BIGINT[100000]"));
    }
}
