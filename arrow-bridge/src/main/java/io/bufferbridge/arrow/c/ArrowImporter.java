package io.bufferbridge.arrow.c;

import io.bufferbridge.arrow.internal.ViewImport;
import io.bufferbridge.view.BufferView;

/**
 * Imports an Arrow C data interface pair as a buffer view (SPEC §2–3).
 *
 * <p>A pair a bufferbridge exporter wrote comes back with its format string, itemsize, shape and
 * read-only flag, and its strides when the export was zero-copy (else C strides). A pair from any
 * other producer gives a read-only view with the canonical format of SPEC §2; a non-zero
 * {@code ArrowArray.offset} is honoured at every level.
 *
 * <h2>Ownership</h2>
 * The structs are <em>moved</em>: copied into the import's memory and their {@code release} set to
 * NULL, so the caller may free the struct memory at once. The schema is released as soon as it has
 * been read. A zero-copy view holds the array until the view (and every view derived from it) is
 * released, then runs the producer's release once; a view that needed a copy (structs, bit-packed
 * booleans) releases the array right after copying.
 */
public final class ArrowImporter {
    private ArrowImporter() {
    }

    /**
     * Imports a pair.
     *
     * @param schema the type; moved
     * @param array the data; moved
     * @return a view of the data
     * @throws ArrowImportException if the pair is released, malformed, of a type with no PEP 3118
     *     counterpart, or contradicts its own metadata; both structs have been released then
     */
    public static BufferView importView(ArrowSchema schema, ArrowArray array) {
        return ViewImport.importView(schema, array).view();
    }

    /**
     * Imports a pair and tells whether the view is a copy.
     *
     * @param schema the type; moved
     * @param array the data; moved
     * @return the view, and whether its memory is a copy rather than the producer's original
     * @throws ArrowImportException as {@link #importView}
     */
    public static ImportedView importPair(ArrowSchema schema, ArrowArray array) {
        return ViewImport.importView(schema, array);
    }

    /**
     * {@return how many imports still hold memory (their view, or a view derived from it, is not
     * released yet)}; a refused import never counts
     */
    public static int liveCount() {
        return ViewImport.liveImports();
    }
}
