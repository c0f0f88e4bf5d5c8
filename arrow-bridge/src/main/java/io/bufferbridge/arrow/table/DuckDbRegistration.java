package io.bufferbridge.arrow.table;

import io.bufferbridge.arrow.internal.ColumnPart;
import io.bufferbridge.arrow.internal.StreamExport;
import java.lang.foreign.Arena;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * A table registered with an embedded DuckDB by {@link DuckDbTables#register}: a temporary view
 * that every query scans afresh. Closing it drops the view and releases what it holds.
 */
public final class DuckDbRegistration implements AutoCloseable {
    private final Connection connection;
    private final String name;
    private final StreamExport.Rearm rearm;
    private final List<ColumnPart> held;
    private final Arena arena;
    private boolean closed;

    DuckDbRegistration(Connection connection, String name, StreamExport.Rearm rearm, List<ColumnPart> held,
            Arena arena) {
        this.connection = connection;
        this.name = name;
        this.rearm = rearm;
        this.held = held;
        this.arena = arena;
    }

    /** {@return the name the table is registered under} */
    public String name() {
        return name;
    }

    /**
     * Drops the view and releases the table's memory (a scan still running keeps what it reads
     * until DuckDB releases it). Idempotent. Close it before the connection: after the connection
     * has closed, the stream DuckDB kept is left alone (its struct may be gone), and the views it
     * holds stay alive.
     *
     * @throws SQLException if DuckDB refuses to drop the view; the memory is released all the same
     *     once no scan holds it
     */
    @Override
    public synchronized void close() throws SQLException {
        if (closed) {
            return;
        }
        closed = true;
        // DuckDB keeps its own copy of the stream struct, freed with the connection: touched only
        // while the connection is open, and first, before the view that owns it is dropped.
        boolean open = !connection.isClosed();
        rearm.close(open);
        try (Statement st = open ? connection.createStatement() : null) {
            if (st != null) {
                st.execute("DROP VIEW IF EXISTS " + DuckDbTables.identifier(name));
            }
        } finally {
            held.forEach(ArrowTables::closePart);
            arena.close();
        }
    }
}
