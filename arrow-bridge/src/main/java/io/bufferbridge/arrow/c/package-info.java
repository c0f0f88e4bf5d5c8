/**
 * Buffer views through the Apache Arrow C data interface: FFM mirrors of {@code struct ArrowSchema}
 * and {@code struct ArrowArray}, an exporter and an importer. Implementation lives in
 * {@code io.bufferbridge.arrow.internal}, which is not API.
 */
package io.bufferbridge.arrow.c;
