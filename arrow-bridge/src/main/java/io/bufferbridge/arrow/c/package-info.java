/**
 * Buffer views through the Apache Arrow C data interface: FFM mirrors of {@code struct ArrowSchema}
 * and {@code struct ArrowArray}, an exporter and an importer; and through the C stream interface:
 * an FFM mirror of {@code struct ArrowArrayStream} and {@link io.bufferbridge.arrow.c.ArrowStreams},
 * which exports a sequence of views as a stream of record batches and imports one back.
 * Implementation lives in {@code io.bufferbridge.arrow.internal}, which is not API.
 */
package io.bufferbridge.arrow.c;
