/**
 * bufferbridge arrow-bridge: buffer views through the Arrow C data interface
 * ({@code io.bufferbridge.arrow.c}), Arrow Java vectors ({@code io.bufferbridge.arrow.vector}) and
 * tables of named columns ({@code io.bufferbridge.arrow.table}). Implementation lives in the
 * non-exported {@code io.bufferbridge.arrow.internal}. What the types promise is written out in
 * {@code docs/contract.md} in the repository.
 */
module io.bufferbridge.arrow {
    // API types take and return views, Arrow Java vectors and allocators, and JDBC connections.
    requires transitive io.bufferbridge.adapter;
    requires transitive org.apache.arrow.memory.core;
    requires transitive org.apache.arrow.vector;
    requires transitive java.sql;
    requires org.apache.arrow.c;
    requires com.fasterxml.jackson.databind;
    // Optional, as in the pom: only DuckDbTables loads it, and a user of that class brings it.
    requires static duckdb.jdbc;

    exports io.bufferbridge.arrow.c;
    exports io.bufferbridge.arrow.vector;
    exports io.bufferbridge.arrow.table;
}
