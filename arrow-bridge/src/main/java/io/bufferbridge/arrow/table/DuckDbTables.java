package io.bufferbridge.arrow.table;

import io.bufferbridge.arrow.c.ArrowArrayStream;
import io.bufferbridge.arrow.c.ArrowImportException;
import io.bufferbridge.arrow.internal.BatchExport;
import io.bufferbridge.arrow.internal.ColumnPart;
import io.bufferbridge.arrow.internal.StreamExport;
import io.bufferbridge.view.BufferView;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBResultSet;

/**
 * Tables in and out of an embedded DuckDB (its JDBC driver, {@code org.duckdb:duckdb_jdbc}, an
 * optional dependency the caller brings).
 *
 * <h2>In: a name to query any number of times</h2>
 * {@link #register} exports the table as an {@code ArrowArrayStream} and hands it to
 * {@code DuckDBConnection.registerArrowStream}, which creates a temporary view. DuckDB's stream
 * factory <em>moves</em> the struct it was given out on every scan and leaves it released, so a
 * plain stream can be queried once ("This stream has been released" after); the registration
 * writes a fresh stream into the struct as soon as DuckDB calls into the one it moved, so every
 * query scans the table again. A query that starts two scans of it before reading from either
 * (a {@code UNION ALL} of two, two scalar subqueries; a join is fine, its sides run one after the
 * other) still finds it released: {@link #copyInto} makes a DuckDB table for such queries. The
 * data stay in the table's memory: DuckDB reads the views' buffers, nothing is copied in. No Arrow Java reader is involved, so
 * Arrow Java's rule that a reader handed to {@code Data.exportArrayStream} belongs to the stream
 * (closing it too gives a NullPointerException and "Memory was leaked") does not arise.
 *
 * <h2>Out: a query's result as tables, in batches capped in bytes</h2>
 * {@link #queryBatches} asks DuckDB for Arrow batches of as many rows as fit in a byte budget,
 * from the result's column types ({@link #rowsPerBatch}): DuckDB's Arrow appender reserves
 * {@code rows × array size} elements per batch for an {@code ARRAY} column, so a row count that
 * suits scalars fails for rows of 65,536 elements. Each batch becomes a table (zero-copy of
 * DuckDB's buffers, through Arrow Java's {@code ArrowReader}); every DuckDB column is nullable, so
 * every column has a validity. {@link #query} joins the batches into one table.
 */
public final class DuckDbTables {
    /** The default byte budget of one result batch: 64 MiB. */
    public static final long DEFAULT_BATCH_BYTES = 64L << 20;

    // Accounts the result batches Arrow Java imports from DuckDB; every buffer goes back when the
    // tables holding it are closed (allocatedBytes() tells). One allocator for the process: tables
    // outlive the query, so no per-query allocator could be closed.
    private static final BufferAllocator RESULTS = new RootAllocator();

    private DuckDbTables() {
    }

    /**
     * Registers {@code table} under {@code name}, replacing any view of that name.
     *
     * @param connection a DuckDB connection
     * @param name the view's name
     * @param table the table; not closed (the registration holds views derived from its, so the
     *     table may be closed first)
     * @return the registration; close it to drop the view
     * @throws SQLException if the connection is not DuckDB's or DuckDB refuses the stream
     * @throws IllegalStateException if the table has been closed
     */
    public static DuckDbRegistration register(Connection connection, String name, Table table) throws SQLException {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(table, "table");
        DuckDBConnection duck = connection.unwrap(DuckDBConnection.class);
        long rows = table.rowCount();
        List<ColumnPart> held = ArrowTables.parts(table, 0, rows);
        Arena arena = Arena.ofShared();
        StreamExport.Rearm rearm = null;
        try {
            var schema = BatchExport.schemaType(held, true, true);
            ArrowArrayStream target = ArrowArrayStream.allocate(arena);
            rearm = StreamExport.exportRearming(target, () -> new StreamExport.Batches(schema,
                    List.of(derived(held)), new long[] {rows}));
            duck.registerArrowStream(name, org.apache.arrow.c.ArrowArrayStream.wrap(target.address()));
            return new DuckDbRegistration(connection, name, rearm, held, arena);
        } catch (RuntimeException | Error e) {
            if (rearm != null) {
                rearm.close();
            }
            held.forEach(ArrowTables::closePart);
            arena.close();
            throw e;
        }
    }

    /**
     * Copies {@code table} into a DuckDB table {@code name} (replacing one of that name): DuckDB's
     * own storage, which any query may scan any number of times at once, nulls kept, tensor
     * columns as {@code ARRAY} columns (DuckDB drops the shape beyond the first level). A copy: the
     * table may be closed afterwards.
     *
     * @throws SQLException if the connection is not DuckDB's or DuckDB refuses the table
     */
    public static void copyInto(Connection connection, String name, Table table) throws SQLException {
        Objects.requireNonNull(name, "name");
        String scratch = "bufferbridge_copy_" + COPIES.incrementAndGet();
        try (DuckDbRegistration r = register(connection, scratch, table);
                Statement st = connection.createStatement()) {
            st.execute("CREATE OR REPLACE TABLE " + identifier(name) + " AS SELECT * FROM " + identifier(scratch));
        }
    }

    private static final java.util.concurrent.atomic.AtomicLong COPIES = new java.util.concurrent.atomic.AtomicLong();

    /** Views derived from the registration's, for one scan's stream to own. */
    private static List<ColumnPart> derived(List<ColumnPart> held) {
        List<ColumnPart> out = new ArrayList<>();
        for (ColumnPart p : held) {
            BufferView values = p.values().asSlice(0, 0, Long.MAX_VALUE, 1);
            BufferView validity = p.validity() == null ? null : p.validity().asSlice(0, 0, Long.MAX_VALUE, 1);
            out.add(new ColumnPart(p.name(), values, validity));
        }
        return out;
    }

    /**
     * {@return the whole result of {@code sql} as one table}: the batches of
     * {@link #queryBatches} with {@link #DEFAULT_BATCH_BYTES}, joined by {@link Table#concat} (a
     * copy) when there are several; a result of one batch is returned as it is (zero-copy)
     *
     * @throws SQLException if DuckDB fails the query
     * @throws ArrowImportException if a result column has no PEP 3118 counterpart (VARCHAR, LIST…;
     *     the message names it)
     */
    public static Table query(Connection connection, String sql) throws SQLException {
        List<Table> batches = queryBatches(connection, sql, DEFAULT_BATCH_BYTES);
        if (batches.size() == 1) {
            return batches.get(0);
        }
        try {
            return Table.concat(batches);
        } finally {
            batches.forEach(Table::close);
        }
    }

    /**
     * {@return the result of {@code sql} as tables of at most {@code maxBatchBytes} bytes of values
     * each} (or one row, if a row is larger); an empty result gives one table of 0 rows
     *
     * @param connection a DuckDB connection
     * @param sql the query
     * @param maxBatchBytes the byte budget of one batch, at least 1
     * @throws SQLException if the connection is not DuckDB's or DuckDB fails the query
     * @throws ArrowImportException if a result column has no PEP 3118 counterpart (the message names
     *     it); nothing read is left open then
     */
    public static List<Table> queryBatches(Connection connection, String sql, long maxBatchBytes)
            throws SQLException {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(sql, "sql");
        if (maxBatchBytes < 1) {
            throw new IllegalArgumentException("batch byte budget must be positive: maxBatchBytes=" + maxBatchBytes);
        }
        List<Table> out = new ArrayList<>();
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            long rows = rowsPerBatch(rs.getMetaData(), maxBatchBytes);
            try (ArrowReader reader = (ArrowReader) rs.unwrap(DuckDBResultSet.class).arrowExportStream(RESULTS, rows)) {
                while (reader.loadNextBatch()) {
                    out.add(ArrowTables.fromVectorSchemaRoot(reader.getVectorSchemaRoot()));
                }
                if (out.isEmpty()) {
                    reader.getVectorSchemaRoot().setRowCount(0);
                    out.add(ArrowTables.fromVectorSchemaRoot(reader.getVectorSchemaRoot()));
                }
            }
            return out;
        } catch (IOException e) {
            out.forEach(Table::close);
            throw new SQLException("reading DuckDB's Arrow result failed: " + e.getMessage(), e);
        } catch (SQLException | RuntimeException | Error e) {
            out.forEach(Table::close);
            throw e;
        }
    }

    /**
     * {@return how many rows of a result fit in {@code maxBatchBytes}, at least 1}: a row's width
     * is the sum of its columns' value widths from their DuckDB type names (an {@code ARRAY}
     * type {@code T[a][b]} is {@code a × b} values of {@code T}; a type of no fixed width, or an
     * array of a size DuckDB does not name ({@code T[ANY]}), counts 16 bytes), at most DuckDB's limit of 2^20 rows a batch would anyway hold well
     *
     * @param metadata a DuckDB result's metadata
     * @param maxBatchBytes the byte budget, at least 1
     * @throws SQLException if the metadata cannot be read
     */
    public static long rowsPerBatch(ResultSetMetaData metadata, long maxBatchBytes) throws SQLException {
        long width = 0;
        for (int i = 1; i <= metadata.getColumnCount(); i++) {
            width = Math.addExact(width, typeWidth(metadata.getColumnTypeName(i)));
        }
        return Math.max(1, Math.min(1L << 20, maxBatchBytes / Math.max(1, width)));
    }

    /** Bytes of one value of a DuckDB type, an ARRAY's elements multiplied out. */
    static long typeWidth(String type) {
        String t = type.trim();
        long n = 1;
        while (t.endsWith("]")) {
            int open = t.lastIndexOf('[');
            String digits = t.substring(open + 1, t.length() - 1);
            if (digits.isEmpty() || !digits.chars().allMatch(Character::isDigit)) {
                // A LIST (its length varies; no PEP 3118 counterpart anyway), or an ARRAY whose
                // size DuckDB does not name ("[ANY]", as for an empty array): a width unknown.
                return 16;
            }
            n = Math.multiplyExact(n, Long.parseLong(digits));
            t = t.substring(0, open);
        }
        int paren = t.indexOf('(');
        String base = (paren < 0 ? t : t.substring(0, paren)).toUpperCase(java.util.Locale.ROOT);
        long w = switch (base) {
            case "BOOLEAN", "TINYINT", "UTINYINT" -> 1;
            case "SMALLINT", "USMALLINT" -> 2;
            case "INTEGER", "UINTEGER", "FLOAT", "DATE" -> 4;
            case "BIGINT", "UBIGINT", "DOUBLE", "TIME", "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS",
                    "TIMESTAMP WITH TIME ZONE" -> 8;
            default -> 16;
        };
        return Math.multiplyExact(n, w);
    }

    /** {@return bytes of DuckDB results still held by tables this class returned} */
    public static long allocatedBytes() {
        return RESULTS.getAllocatedMemory();
    }

    /** A DuckDB identifier, quoted. */
    static String identifier(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }
}
