package io.bufferbridge.arrow.c;

import io.bufferbridge.arrow.internal.ViewImport;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;

/**
 * Imports an Arrow C data interface pair as a buffer view (docs/contract.md §2–3).
 *
 * <p>A pair a bufferbridge exporter wrote comes back with its format string, itemsize, shape and
 * read-only flag, and its strides when the export was zero-copy (else C strides). A pair from any
 * other producer gives a read-only view with the canonical format of docs/contract.md §2; a non-zero
 * {@code ArrowArray.offset} is honoured at every level.
 *
 * <h2>Ownership</h2>
 * The structs are <em>moved</em>: copied into the import's memory and their {@code release} set to
 * NULL, so the caller may free the struct memory at once. The schema is released as soon as it has
 * been read. A zero-copy view holds the array until the view (and every view derived from it) is
 * released, then runs the producer's release once; a view that needed a copy (structs, bit-packed
 * booleans) releases the array right after copying.
 *
 * <h2>Lifetime</h2>
 * Every segment an imported view hands out ({@link BufferView#memory()}, {@link
 * BufferView#asSegment()}, {@link BufferView#asByteBuffer()}, and those of views derived from it)
 * is scoped: once the view and every view derived from it are released, and the release has taken
 * effect, each of them refuses access with {@link IllegalStateException}, and a read racing the
 * release on another thread either completes on live memory or is refused; the producer's release
 * callback runs only after that, exactly once, on whichever thread completes the release. This
 * holds for zero-copy and copied imports, stream imports and views of Arrow Java vectors alike.
 *
 * <p>What it costs, and how long a release may be delayed: the guarantee is a shared arena's
 * close, a handshake with every Java thread (about 20 µs), so imports share the arena of an
 * <em>epoch</em> and one close serves them all. An epoch takes imports for at most 1 ms, at most
 * 1,024 of them, and at most 64 MiB of distinct producer memory (a larger import has an epoch of
 * its own). Its arena is closed, and its producers' releases run, when it no longer takes imports
 * and all of its imports have been released. So a release runs at most about 1 ms after the later
 * of its own view's release and the release of every import made in the same 1 ms window, and an
 * epoch keeps at most 64 MiB (or one larger import) alive past its release. A view that lives
 * longer than 1 ms is released at once when it is closed. Code that must know the releases have
 * run — before closing an Arrow Java allocator whose vectors were imported, or in a test that
 * counts release callbacks — calls {@link ForeignMemory#flushReleases()}.
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
        return ViewImport.importViewOnly(schema, array);
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
}
