/**
 * Tables (docs/contract.md §5): ordered, named columns of one row count, each a buffer view with an optional
 * {@code ?} validity, through Arrow record batches and streams ({@link io.bufferbridge.arrow.table.ArrowTables}),
 * Arrow Java's {@code VectorSchemaRoot}, an embedded DuckDB ({@link io.bufferbridge.arrow.table.DuckDbTables})
 * and the Arrow IPC formats ({@link io.bufferbridge.arrow.table.ArrowIpc}). Built on the C data
 * interface of {@code io.bufferbridge.arrow.c}: zero-copy wherever docs/contract.md §2 allows it.
 */
package io.bufferbridge.arrow.table;
