package io.bufferbridge.arrow.table;

import io.bufferbridge.view.ForeignMemory;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.Order;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's "Tables" examples, as written there, with what their comments say asserted. */
class ReadmeTablesExamplesTest {
    @TempDir
    Path dir;

    @Test
    void aTable() {
        Leaks leaks = new Leaks();
        try (Table t = Table.of(
                Column.of("id", BufferView.ofArray(new long[] {1, 2, 3})),
                Column.of("score", BufferView.ofArray(new double[] {0.5, 0, 2.5}),
                        BufferView.ofArray(new boolean[] {true, false, true})))) {
            assertEquals(3, t.rowCount());
            assertEquals(1, t.column("score").nullCount());
        }
        leaks.assertAllReleased();
    }

    @Test
    void duckDb() throws SQLException {
        Leaks leaks = new Leaks();
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
                Table t = Table.of(
                        Column.of("a", BufferView.ofArray(new long[] {1, 2, 3, 4})),
                        Column.of("n", BufferView.ofArray(new int[] {10, 0, 30, 0}),
                                BufferView.ofArray(new boolean[] {true, false, true, false})));
                DuckDbRegistration r = DuckDbTables.register(duck, "t", t);
                Table sums = DuckDbTables.query(duck, "SELECT sum(a)::BIGINT AS s, count(n) AS c FROM t");
                Table rows = DuckDbTables.query(duck, "SELECT a, n + 1 AS m FROM t ORDER BY a")) {
            assertEquals(10L, sums.column("s").values().getLong(0));
            assertEquals(2L, sums.column("c").values().getLong(0));
            assertEquals(List.of(true, false, true, false), rows.column("m").validity().orElseThrow().toList());
            assertEquals(31L, rows.column("m").values().getLong(2));
        }
        ForeignMemory.flushReleases();
        assertEquals(0, DuckDbTables.allocatedBytes());
        leaks.assertAllReleased();
    }

    @Test
    void ipc() throws IOException {
        Leaks leaks = new Leaks();
        Path file = dir.resolve("t.arrows");
        try (Table t = Table.of(
                Column.of("id", BufferView.ofArray(new long[] {1, 2, 3})),
                Column.of("m", BufferView.ofArray(new float[] {1, 2, 3, 4, 5, 6}, Order.C, 3, 2)),
                Column.of("n", BufferView.ofArray(new int[] {7, 0, 9}),
                        BufferView.ofArray(new boolean[] {true, false, true})));
                FileChannel out = FileChannel.open(file, CREATE, WRITE, TRUNCATE_EXISTING)) {
            ArrowIpc.writeStream(List.of(t), out);
        }
        try (BufferAllocator allocator = new RootAllocator()) {
            List<Table> back = ArrowIpc.readStream(FileChannel.open(file, READ), allocator);
            assertArrayEquals(new long[] {3, 2}, back.get(0).column("m").values().shape());
            assertEquals(List.of(true, false, true), back.get(0).column("n").validity().orElseThrow().toList());
            back.forEach(Table::close);
            leaks.assertAllReleased(allocator);
        }
    }
}
