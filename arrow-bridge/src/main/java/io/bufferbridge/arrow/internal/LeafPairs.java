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
import java.nio.ByteOrder;
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

    /** The buffer list at the start of a pair's chunk: {validity NULL, data}. */
    private static final long BUFFERS_BYTES = 2 * ValueLayout.ADDRESS.byteSize();

    /** The largest blob a pair's chunk holds after its buffer list. */
    static final long MAX_BLOB = MallocArena.CHUNK_BYTES - BUFFERS_BYTES;

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
        /** The strings with their NUL, and the blob, as words to compare against ({@link #words}). */
        final long[] formatWords;
        final int formatLength;
        final long[] nameWords;
        final int nameLength;
        final long flags;
        final byte[] blob;
        final long[] blobWords;

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
            byte[] f = cBytes(type);
            this.formatWords = words(f);
            this.formatLength = f.length;
            byte[] n = cBytes(name);
            this.nameWords = words(n);
            this.nameLength = n.length;
            this.flags = flags;
            this.blob = blob;
            this.blobWords = words(blob);
        }

        boolean matches(BufferView view, long[] sh, long[] st) {
            return itemsize == view.itemsize() && readOnly == view.isReadOnly() && Arrays.equals(shape, sh)
                    && Arrays.equals(strides, st) && format.text().equals(view.format().text());
        }

        private static byte[] cBytes(String s) {
            byte[] u = s.getBytes(StandardCharsets.UTF_8);
            return Arrays.copyOf(u, u.length + 1);
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
        // One chunk for both structs' memory: the buffer list, then the blob (Template keeps
        // blobs that fit), both written in full below before any consumer sees them.
        long chunk;
        try {
            chunk = MallocArena.takeChunk();
        } catch (RuntimeException | Error e) {
            held.close();
            throw e;
        }
        MemorySegment m = schema.segment();
        MemorySegment a = array.segment();
        try {
            long schemaId = ExportReleases.nextIds();
            long arrayId = schemaId + 1;
            long data = view.address();
            int n = t.blob.length;
            long buffers = chunk;
            long blob = chunk + BUFFERS_BYTES;
            MemorySegment.copy(t.blob, 0, ALL, ValueLayout.JAVA_BYTE, blob, n);
            // The chunk is this thread's alone: written by address.
            Structs.setPointerAt(buffers, 0, 0);
            Structs.setPointerAt(buffers, 1, data);
            // The caller's structs: by address when confined to this thread (one checked access
            // each, see Structs.confinedAddress), else through their segments; release last.
            long ms = Structs.confinedAddress(m, Structs.SCHEMA_BYTES);
            long as = Structs.confinedAddress(a, Structs.ARRAY_BYTES);
            Structs.set(m, ms, Structs.S_FORMAT, t.formatC);
            Structs.set(m, ms, Structs.S_NAME, t.nameC);
            Structs.set(m, ms, Structs.S_METADATA, blob);
            Structs.set(m, ms, Structs.S_FLAGS, t.flags);
            Structs.set(m, ms, Structs.S_N_CHILDREN, 0);
            Structs.set(m, ms, Structs.S_CHILDREN, 0);
            Structs.set(m, ms, Structs.S_DICTIONARY, 0);
            Structs.set(m, ms, Structs.S_PRIVATE_DATA, schemaId);
            Structs.set(a, as, Structs.A_LENGTH, t.count);
            Structs.set(a, as, Structs.A_NULL_COUNT, 0);
            Structs.set(a, as, Structs.A_OFFSET, 0);
            Structs.set(a, as, Structs.A_N_BUFFERS, 2);
            Structs.set(a, as, Structs.A_N_CHILDREN, 0);
            Structs.set(a, as, Structs.A_BUFFERS, buffers);
            Structs.set(a, as, Structs.A_CHILDREN, 0);
            Structs.set(a, as, Structs.A_DICTIONARY, 0);
            Structs.set(a, as, Structs.A_PRIVATE_DATA, arrayId);
            Structs.set(m, ms, Structs.S_RELEASE, ExportReleases.SCHEMA_ROOT_ADDRESS);
            Structs.set(a, as, Structs.A_RELEASE, ExportReleases.ARRAY_ROOT_ADDRESS);
            // Registered last, so a failure above leaves no entry behind; no consumer can call a
            // release before this method returns.
            ExportReleases.registerPair(new ExportReleases.Half(null, held, 1, schemaId, arrayId, 1, t, blob,
                    buffers, data, chunk));
        } catch (RuntimeException | Error e) {
            // The targets may already point into the chunk about to be given back: hand them back released.
            try {
                Structs.set(m, Structs.S_RELEASE, 0);
                Structs.set(a, Structs.A_RELEASE, 0);
            } finally {
                held.close();
                MallocArena.giveBackChunk(chunk);
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
        if (schema == null || array == null) {
            // The full import says what is missing.
            return null;
        }
        MemorySegment m = schema.segment();
        MemorySegment a = array.segment();
        // The caller's structs: by address when confined to this thread (see
        // Structs.confinedAddress), else through their segments. A read-only one goes to the full
        // import, which refuses to move it as it always has.
        if (m.isReadOnly() || a.isReadOnly()) {
            return null;
        }
        long ms = Structs.confinedAddress(m, Structs.SCHEMA_BYTES);
        long as = Structs.confinedAddress(a, Structs.ARRAY_BYTES);
        if (Structs.get(m, ms, Structs.S_RELEASE) != ExportReleases.SCHEMA_ROOT_ADDRESS
                || Structs.get(a, as, Structs.A_RELEASE) != ExportReleases.ARRAY_ROOT_ADDRESS) {
            return null;
        }
        ExportReleases.Half pair = ExportReleases.livePair(Structs.get(m, ms, Structs.S_PRIVATE_DATA),
                Structs.get(a, as, Structs.A_PRIVATE_DATA));
        if (pair == null) {
            return null;
        }
        // Under the pair's lock: a release through another struct with these ids cannot free the
        // chunk read here, and after the claim it is spurious.
        synchronized (pair) {
            if (pair.claimed || pair.schemaOutstanding != 1 || pair.outstanding != 1
                    || !asWritten(pair, m, ms, a, as)) {
                return null;
            }
            pair.claimed = true;
            // Everything needed from the schema is known: released now, as the full import does
            // (counted down under this lock already; its release is counted below).
            pair.schemaOutstanding = 0;
        }
        // The move: the caller's structs are released; the import now owns both releases.
        Structs.set(m, ms, Structs.S_RELEASE, 0);
        Structs.set(a, as, Structs.A_RELEASE, 0);
        ViewImport.started();
        LeafImport imported = new LeafImport(pair);
        Template t = pair.template;
        try {
            ExportReleases.countClaimedSchemaRelease();
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
     * Whether both structs (their release and ids already compared) and the memory they point to
     * are exactly what {@link #tryExport} wrote. Each field is read once and compared with the
     * record, and only the record is used afterwards.
     */
    private static boolean asWritten(ExportReleases.Half p, MemorySegment m, long ms, MemorySegment a, long as) {
        Template t = p.template;
        return Structs.get(m, ms, Structs.S_FORMAT) == t.formatC && Structs.get(m, ms, Structs.S_NAME) == t.nameC
                && Structs.get(m, ms, Structs.S_METADATA) == p.blob && Structs.get(m, ms, Structs.S_FLAGS) == t.flags
                && Structs.get(m, ms, Structs.S_N_CHILDREN) == 0 && Structs.get(m, ms, Structs.S_CHILDREN) == 0
                && Structs.get(m, ms, Structs.S_DICTIONARY) == 0
                && Structs.get(a, as, Structs.A_LENGTH) == t.count && Structs.get(a, as, Structs.A_NULL_COUNT) == 0
                && Structs.get(a, as, Structs.A_OFFSET) == 0 && Structs.get(a, as, Structs.A_N_BUFFERS) == 2
                && Structs.get(a, as, Structs.A_BUFFERS) == p.buffers && Structs.get(a, as, Structs.A_N_CHILDREN) == 0
                && Structs.get(a, as, Structs.A_CHILDREN) == 0 && Structs.get(a, as, Structs.A_DICTIONARY) == 0
                && Structs.pointerAt(p.buffers, 0) == 0 && Structs.pointerAt(p.buffers, 1) == p.data
                && sameBytes(t.formatC, t.formatWords, t.formatLength) && sameBytes(t.nameC, t.nameWords, t.nameLength)
                && sameBytes(p.blob, t.blobWords, t.blob.length);
    }

    /**
     * {@return whether the {@code n} bytes at {@code address} are {@code expected}} (the bytes as
     * native-order words, the last one zero-padded): a word at a time, the tail a byte at a time
     */
    static boolean sameBytes(long address, long[] expected, int n) {
        int words = n >>> 3;
        for (int i = 0; i < words; i++) {
            if (ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, address + 8L * i) != expected[i]) {
                return false;
            }
        }
        for (int i = words << 3; i < n; i++) {
            if (ALL.get(ValueLayout.JAVA_BYTE, address + i) != byteOf(expected[i >>> 3], i & 7)) {
                return false;
            }
        }
        return true;
    }

    /** {@return byte {@code k} in memory order of a native-order word} */
    private static byte byteOf(long word, int k) {
        return (byte) (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? word >>> (8 * k) : word >>> (56 - 8 * k));
    }

    /** {@return {@code bytes} as native-order words, the last zero-padded} */
    static long[] words(byte[] bytes) {
        long[] w = new long[(bytes.length + 7) >>> 3];
        MemorySegment.copy(MemorySegment.ofArray(bytes), ValueLayout.JAVA_BYTE, 0, MemorySegment.ofArray(w),
                ValueLayout.JAVA_BYTE, 0, bytes.length);
        return w;
    }

    /**
     * The releases of an imported pair: its structs (the chunk) when the view's readers are gone,
     * the hold on the exported memory once the view's epoch has closed.
     *
     * <p>Not synchronized: the view's lifetime runs {@link #run} once and then, once, {@link
     * #release} (after the epoch's close, whose lock orders the two across threads), and
     * {@link #abandon} only when the view was never built.
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
        public void run() {
            if (!arrayReleased) {
                arrayReleased = true;
                kept = ExportReleases.releaseClaimed(pair, false, true);
            }
        }

        /** After the epoch's close: the memory is let go. */
        void release() {
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
        void abandon() {
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
