package io.bufferbridge.arrow.internal;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowImportException;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.format.Format;
import io.bufferbridge.internal.view.ViewInternals;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.InvalidViewException;
import io.bufferbridge.view.MemoryHold;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The common case of docs/contract.md §2–3, a 1-D (or 0-d) view of a fixed-width scalar exported
 * in place, written from a cached {@link Template}, and bufferbridge's import of such an export
 * built from the export's record instead of re-reading the structs.
 *
 * <p>Why: on a 1 K-element export + import in one process, encoding the {@code bufferbridge.*}
 * metadata and parsing it back, the import's record tree (schema, array, node, plan) and the
 * moved structs' arena were most of the time and the allocation. A view exported again with the
 * same format, itemsize, shape, strides and read-only flag has the same type and blob; and an
 * import of our own pair learns nothing from the structs that the export did not write.
 *
 * <h2>Safety of the import</h2>
 * The structs are the caller's and their memory is C heap anyone in the process may write, so a
 * pair is imported from the record only when every field of both structs, the buffer pointers,
 * the format and name strings and every byte of the blob are exactly what the export wrote, both
 * ids name one live pair no import has taken, and neither struct has been released; the check
 * runs under the pair's lock, so no release frees what it reads meanwhile. Anything else (a
 * foreign {@code private_data} beside our release pointer, a buffer pointer, length, format or
 * metadata changed after the export) goes to the full import, which reads the structs as given
 * and imports or refuses them as it always has. Once taken, the pair's release through any other
 * struct carrying its ids is spurious ({@link ExportReleases.Half#claimed}). The view is a foreign
 * view as the full import's ({@link io.bufferbridge.view.ForeignMemory}): scoped by an epoch,
 * the export's hold on the memory kept until that epoch has closed.
 */
final class LeafPairs {
    private static final ViewInternals.Access VIEWS = ViewInternals.get();
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    /** The template of the last 1-D leaf export (any thread's): immutable, so shared without a lock. */
    private static volatile Template last;

    private LeafPairs() {
    }

    /**
     * What a 1-D leaf export of a view writes, but for ids, the blob's copy and the buffer
     * pointers: the view's description (its arrays shared by every import built from it, which
     * never modify them), the type's permanent C strings and the encoded blob.
     */
    static final class Template {
        final Format format;
        final long itemsize;
        final long[] shape;
        final long[] strides;
        final boolean readOnly;
        final long count;
        final long bytes;
        final long formatC;
        final long nameC;
        /** The strings with their NUL, and the blob, as heap segments to compare against. */
        final MemorySegment formatBytes;
        final MemorySegment nameBytes;
        final long flags;
        final byte[] blob;
        final MemorySegment blobBytes;

        Template(Format format, long itemsize, long[] shape, long[] strides, boolean readOnly, long count,
                long bytes, String type, String name, long formatC, long nameC, long flags, byte[] blob) {
            this.format = format;
            this.itemsize = itemsize;
            this.shape = shape;
            this.strides = strides;
            this.readOnly = readOnly;
            this.count = count;
            this.bytes = bytes;
            this.formatC = formatC;
            this.nameC = nameC;
            this.formatBytes = cBytes(type);
            this.nameBytes = cBytes(name);
            this.flags = flags;
            this.blob = blob;
            this.blobBytes = MemorySegment.ofArray(blob);
        }

        boolean matches(BufferView view, long[] sh, long[] st) {
            return itemsize == view.itemsize() && readOnly == view.isReadOnly() && Arrays.equals(shape, sh)
                    && Arrays.equals(strides, st) && format.text().equals(view.format().text());
        }

        private static MemorySegment cBytes(String s) {
            byte[] u = s.getBytes(StandardCharsets.UTF_8);
            return MemorySegment.ofArray(Arrays.copyOf(u, u.length + 1));
        }
    }

    /**
     * Exports {@code view} from a template when it is a native 1-D leaf exported in place.
     *
     * @return whether it did; when not, nothing was written or kept
     * @throws IllegalStateException if the view has been released
     */
    static boolean tryExport(BufferView view, ArrowSchema schema, ArrowArray array, boolean adopt) {
        if (!view.isNative()) {
            return false;
        }
        long[] sh = VIEWS.shape(view);
        long[] st = VIEWS.strides(view);
        Template t = last;
        if (t == null || !t.matches(view, sh, st)) {
            t = ViewExport.leafTemplate(view);
            if (t == null) {
                return false;
            }
            last = t;
        }
        MemoryHold held = view.hold();
        // One arena for both structs' memory (the blob, the buffer pointers).
        MallocArena arena = new MallocArena();
        MemorySegment m = schema.segment();
        MemorySegment a = array.segment();
        try {
            long schemaId = ExportReleases.nextIds();
            long arrayId = schemaId + 1;
            long data = view.address();
            int n = t.blob.length;
            // Both written in full below, before any consumer sees them: not zeroed first.
            long blob = arena.allocateAddressUnzeroed(n, 8);
            MemorySegment.copy(t.blob, 0, ALL, ValueLayout.JAVA_BYTE, blob, n);
            long buffers = arena.allocateAddressUnzeroed(2 * ValueLayout.ADDRESS.byteSize(),
                    ValueLayout.ADDRESS.byteAlignment());
            // Fresh from the arena, this thread's: written by address.
            Structs.setPointerAt(buffers, 0, 0);
            Structs.setPointerAt(buffers, 1, data);
            // Each struct is written as one image with release NULL, then its release: through
            // the caller's segments, so checked as the mirrors' setters are, in two accesses
            // instead of one per field.
            Images images = IMAGES.get();
            images.schema(t.formatC, t.nameC, blob, t.flags, schemaId, 0);
            images.array(t.count, buffers, arrayId, 0);
            MemorySegment.copy(images.schemaImage, 0, m, 0, Structs.SCHEMA_BYTES);
            MemorySegment.copy(images.arrayImage, 0, a, 0, Structs.ARRAY_BYTES);
            Structs.set(m, Structs.S_RELEASE, ExportReleases.SCHEMA_ROOT_ADDRESS);
            Structs.set(a, Structs.A_RELEASE, ExportReleases.ARRAY_ROOT_ADDRESS);
            // Registered last, so a failure above leaves no entry behind; no consumer can call a
            // release before this method returns.
            ExportReleases.registerPair(new ExportReleases.Half(arena, held, 1, schemaId, arrayId, 1, t, blob,
                    buffers, data));
        } catch (RuntimeException | Error e) {
            // The targets may already point into the arena about to be freed: hand them back released.
            try {
                Structs.set(m, Structs.S_RELEASE, 0);
                Structs.set(a, Structs.A_RELEASE, 0);
            } finally {
                held.close();
                arena.close();
            }
            throw e;
        }
        if (adopt) {
            view.close();
        }
        return true;
    }

    /**
     * Imports a pair this class exported, from its record, when the structs are exactly as
     * written (see the class comment).
     *
     * @return the view, the structs moved (their release NULL); or null, with nothing read but
     *     the structs' fields, nothing changed: the caller imports them in full
     */
    static BufferView tryImport(ArrowSchema schema, ArrowArray array) {
        MemorySegment m = schema.segment();
        MemorySegment a = array.segment();
        // A snapshot of both structs (two checked accesses through the caller's segments); every
        // check below is on it, so a struct changed meanwhile cannot pass one check and fail another.
        Images found = IMAGES.get();
        MemorySegment.copy(m, 0, found.foundSchema, 0, Structs.SCHEMA_BYTES);
        MemorySegment.copy(a, 0, found.foundArray, 0, Structs.ARRAY_BYTES);
        long schemaId = found.foundSchemaWord(Structs.S_PRIVATE_DATA);
        long arrayId = found.foundArrayWord(Structs.A_PRIVATE_DATA);
        if (found.foundSchemaWord(Structs.S_RELEASE) != ExportReleases.SCHEMA_ROOT_ADDRESS
                || found.foundArrayWord(Structs.A_RELEASE) != ExportReleases.ARRAY_ROOT_ADDRESS) {
            return null;
        }
        ExportReleases.Half pair = ExportReleases.livePair(schemaId, arrayId);
        if (pair == null) {
            return null;
        }
        // Under the pair's lock: a release through another struct with these ids cannot free the
        // arena read here, and after the claim it is spurious.
        synchronized (pair) {
            if (pair.claimed || pair.schemaOutstanding != 1 || pair.outstanding != 1 || !asWritten(pair, found)) {
                return null;
            }
            pair.claimed = true;
        }
        // The move: the caller's structs are released; the import now owns both releases.
        Structs.set(m, Structs.S_RELEASE, 0);
        Structs.set(a, Structs.A_RELEASE, 0);
        ViewImport.started();
        LeafImport imported = new LeafImport(pair);
        Template t = pair.template;
        try {
            // Everything needed from the schema is known: released now, as the full import does.
            ExportReleases.releaseClaimed(pair, true, false);
            MemorySegment memory = MemorySegment.ofAddress(pair.data).reinterpret(t.bytes);
            return VIEWS.foreignView(memory, 0, t.format, t.itemsize, t.shape, t.strides, t.readOnly, imported,
                    imported::release);
        } catch (InvalidViewException e) {
            imported.abandon();
            throw new ArrowImportException("import refused: path=root " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            imported.abandon();
            throw e;
        }
    }

    /**
     * Whether both structs (as {@code found} holds them) and the memory they point to are exactly
     * what {@link #tryExport} wrote.
     */
    private static boolean asWritten(ExportReleases.Half p, Images found) {
        Template t = p.template;
        found.schema(t.formatC, t.nameC, p.blob, t.flags, p.schemaId, ExportReleases.SCHEMA_ROOT_ADDRESS);
        found.array(t.count, p.buffers, p.arrayId, ExportReleases.ARRAY_ROOT_ADDRESS);
        return MemorySegment.mismatch(found.schemaImage, 0, Structs.SCHEMA_BYTES, found.foundSchema, 0,
                Structs.SCHEMA_BYTES) == -1
                && MemorySegment.mismatch(found.arrayImage, 0, Structs.ARRAY_BYTES, found.foundArray, 0,
                        Structs.ARRAY_BYTES) == -1
                && Structs.pointerAt(p.buffers, 0) == 0 && Structs.pointerAt(p.buffers, 1) == p.data
                && sameBytes(t.formatC, t.formatBytes) && sameBytes(t.nameC, t.nameBytes)
                && sameBytes(p.blob, t.blobBytes);
    }

    private static final ThreadLocal<Images> IMAGES = ThreadLocal.withInitial(Images::new);

    /**
     * This thread's struct images: what a pair's structs are written as (and must still be, to be
     * imported from the record), and the snapshot of the structs an import is given. Heap arrays
     * behind segments, so that a struct is written or compared in one bulk access.
     */
    private static final class Images {
        final long[] schemaWords = new long[(int) (Structs.SCHEMA_BYTES / 8)];
        final long[] arrayWords = new long[(int) (Structs.ARRAY_BYTES / 8)];
        final MemorySegment schemaImage = MemorySegment.ofArray(schemaWords);
        final MemorySegment arrayImage = MemorySegment.ofArray(arrayWords);
        final long[] foundSchemaWords = new long[schemaWords.length];
        final long[] foundArrayWords = new long[arrayWords.length];
        final MemorySegment foundSchema = MemorySegment.ofArray(foundSchemaWords);
        final MemorySegment foundArray = MemorySegment.ofArray(foundArrayWords);

        /** The schema struct of a pair: a root leaf without children or dictionary. */
        void schema(long format, long name, long blob, long flags, long id, long release) {
            long[] w = schemaWords;
            w[(int) (Structs.S_FORMAT / 8)] = format;
            w[(int) (Structs.S_NAME / 8)] = name;
            w[(int) (Structs.S_METADATA / 8)] = blob;
            w[(int) (Structs.S_FLAGS / 8)] = flags;
            w[(int) (Structs.S_N_CHILDREN / 8)] = 0;
            w[(int) (Structs.S_CHILDREN / 8)] = 0;
            w[(int) (Structs.S_DICTIONARY / 8)] = 0;
            w[(int) (Structs.S_RELEASE / 8)] = release;
            w[(int) (Structs.S_PRIVATE_DATA / 8)] = id;
        }

        /** The array struct of a pair: {@code length} elements, no nulls, buffers {NULL, data}. */
        void array(long length, long buffers, long id, long release) {
            long[] w = arrayWords;
            w[(int) (Structs.A_LENGTH / 8)] = length;
            w[(int) (Structs.A_NULL_COUNT / 8)] = 0;
            w[(int) (Structs.A_OFFSET / 8)] = 0;
            w[(int) (Structs.A_N_BUFFERS / 8)] = 2;
            w[(int) (Structs.A_N_CHILDREN / 8)] = 0;
            w[(int) (Structs.A_BUFFERS / 8)] = buffers;
            w[(int) (Structs.A_CHILDREN / 8)] = 0;
            w[(int) (Structs.A_DICTIONARY / 8)] = 0;
            w[(int) (Structs.A_RELEASE / 8)] = release;
            w[(int) (Structs.A_PRIVATE_DATA / 8)] = id;
        }

        long foundSchemaWord(long offset) {
            return foundSchemaWords[(int) (offset / 8)];
        }

        long foundArrayWord(long offset) {
            return foundArrayWords[(int) (offset / 8)];
        }
    }

    /** {@return whether the memory at {@code address} holds {@code expected}} (one vectorized compare) */
    static boolean sameBytes(long address, MemorySegment expected) {
        long n = expected.byteSize();
        return MemorySegment.mismatch(ALL, address, address + n, expected, 0, n) == -1;
    }

    /**
     * The releases of an imported pair: its structs (the arena) when the view's readers are gone,
     * the hold on the exported memory once the view's epoch has closed.
     */
    private static final class LeafImport implements Runnable {
        private final ExportReleases.Half pair;
        private MemoryHold kept;
        private boolean arrayReleased;
        private boolean ended;

        LeafImport(ExportReleases.Half pair) {
            this.pair = pair;
        }

        /** The view's readers are gone: the structs go back, the hold waits for the epoch. */
        @Override
        public synchronized void run() {
            if (!arrayReleased) {
                arrayReleased = true;
                kept = ExportReleases.releaseClaimed(pair, false, true);
            }
        }

        /** After the epoch's close: the memory is let go. */
        synchronized void release() {
            try {
                run();
                if (kept != null) {
                    MemoryHold k = kept;
                    kept = null;
                    k.close();
                }
            } finally {
                end();
            }
        }

        /** The view was not built: everything goes back at once. */
        synchronized void abandon() {
            try {
                if (!arrayReleased) {
                    arrayReleased = true;
                    ExportReleases.releaseClaimed(pair, false, false);
                }
            } finally {
                end();
            }
        }

        private void end() {
            if (!ended) {
                ended = true;
                ViewImport.ended();
            }
        }
    }
}
