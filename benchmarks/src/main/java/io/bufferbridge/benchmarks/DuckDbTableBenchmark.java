package io.bufferbridge.benchmarks;

import io.bufferbridge.arrow.table.Column;
import io.bufferbridge.arrow.table.DuckDbRegistration;
import io.bufferbridge.arrow.table.DuckDbTables;
import io.bufferbridge.arrow.table.Table;
import io.bufferbridge.conformance.OneBatchReader;
import io.bufferbridge.view.BufferView;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.c.ArrowArrayStream;
import org.apache.arrow.c.Data;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.duckdb.DuckDBConnection;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Benchmark 8: registering a 10,000,000-row table of two columns (int64 {@code a}, float64
 * {@code b}) with an embedded DuckDB and running {@code SELECT sum(a)}, then dropping the view:
 * {@link DuckDbTables#register} of a {@link Table} over native memory, against the same through
 * Arrow Java's own stream export ({@code Data.exportArrayStream} of a one-batch
 * {@link OneBatchReader} over an equal {@link VectorSchemaRoot}: Arrow Java has no in-memory reader,
 * and its stream can be scanned once, so it is made anew per operation). Reported: the ratio.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--sun-misc-unsafe-memory-access=allow"})
public class DuckDbTableBenchmark {
    static final int ROWS = 10_000_000;
    static final long SUM = (long) ROWS * (ROWS - 1) / 2;

    private Arena memory;
    private Table table;
    private BufferAllocator allocator;
    private VectorSchemaRoot root;
    private Connection connection;

    @Setup(Level.Trial)
    public void setUp() throws SQLException {
        memory = Arena.ofShared();
        MemorySegment a = memory.allocate(8L * ROWS, 64);
        MemorySegment b = memory.allocate(8L * ROWS, 64);
        allocator = new RootAllocator();
        BigIntVector av = new BigIntVector("a", allocator);
        Float8Vector bv = new Float8Vector("b", allocator);
        av.allocateNew(ROWS);
        bv.allocateNew(ROWS);
        for (int i = 0; i < ROWS; i++) {
            a.setAtIndex(ValueLayout.JAVA_LONG, i, i);
            b.setAtIndex(ValueLayout.JAVA_DOUBLE, i, i * 0.5);
            av.set(i, i);
            bv.set(i, i * 0.5);
        }
        av.setValueCount(ROWS);
        bv.setValueCount(ROWS);
        table = Table.of(Column.of("a", BufferView.ofSegment(a, "q", ROWS)), Column.of("b", BufferView.ofSegment(b, "d", ROWS)));
        root = new VectorSchemaRoot(List.<FieldVector>of(av, bv));
        root.setRowCount(ROWS);
        connection = DriverManager.getConnection("jdbc:duckdb:");
        Checks.require(bufferbridge() == SUM, "bufferbridge: wrong sum");
        Checks.require(arrowJava() == SUM, "Arrow Java: wrong sum");
    }

    @TearDown(Level.Trial)
    public void tearDown() throws SQLException {
        connection.close();
        root.close();
        allocator.close();
        table.close();
        memory.close();
    }

    private long sum(String view) throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("SELECT sum(a)::BIGINT FROM " + view)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Ours: register the table, query, drop the view. */
    @Benchmark
    public long bufferbridge() throws SQLException {
        try (DuckDbRegistration r = DuckDbTables.register(connection, "t", table)) {
            return sum("t");
        }
    }

    /** Baseline: Arrow Java's stream of a one-batch reader, registered, queried, dropped. */
    @Benchmark
    public long arrowJava() throws SQLException {
        try (ArrowArrayStream stream = ArrowArrayStream.allocateNew(allocator)) {
            // The stream owns the reader from here: its release closes it.
            Data.exportArrayStream(allocator, new OneBatchReader(allocator, root), stream);
            connection.unwrap(DuckDBConnection.class).registerArrowStream("j", stream);
            long s = sum("j");
            try (Statement st = connection.createStatement()) {
                st.execute("DROP VIEW j");
            }
            return s;
        }
    }
}
