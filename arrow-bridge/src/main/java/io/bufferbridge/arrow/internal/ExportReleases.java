package io.bufferbridge.arrow.internal;

import io.bufferbridge.view.MemoryHold;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The release callbacks of exported structs: FFM upcalls that free what an export allocated.
 *
 * <p>Each exported half (the schema tree, the array tree) owns one {@link MallocArena} and is registered
 * under an id stored in every struct's {@code private_data}. A root's release releases the children
 * still live; a child's release (a consumer may move a child out and release it on its own) only
 * counts down. When every struct of a half has been released its arena is freed and the memory it
 * held is let go. Every callback sets {@code release} to NULL; a callback run on an unknown id is
 * counted as spurious and does nothing else, so a buggy consumer cannot free twice.
 */
public final class ExportReleases {
    private static final AtomicLong ROOT_RELEASES = new AtomicLong();
    private static final AtomicLong SPURIOUS = new AtomicLong();
    private static final AtomicLong NEXT_ID = new AtomicLong(1);
    private static final HalfTable LIVE = new HalfTable();

    static final MemorySegment SCHEMA_ROOT = Native.upcall(ExportReleases.class, "releaseSchemaRoot");
    static final MemorySegment SCHEMA_CHILD = Native.upcall(ExportReleases.class, "releaseSchemaChild");
    static final MemorySegment ARRAY_ROOT = Native.upcall(ExportReleases.class, "releaseArrayRoot");
    static final MemorySegment ARRAY_CHILD = Native.upcall(ExportReleases.class, "releaseArrayChild");
    static final long SCHEMA_ROOT_ADDRESS = SCHEMA_ROOT.address();
    static final long SCHEMA_CHILD_ADDRESS = SCHEMA_CHILD.address();
    static final long ARRAY_ROOT_ADDRESS = ARRAY_ROOT.address();
    static final long ARRAY_CHILD_ADDRESS = ARRAY_CHILD.address();

    private ExportReleases() {
    }

    /**
     * One exported struct tree and what it owns; or, for a {@linkplain LeafPairs 1-D leaf export},
     * both trees (a <em>pair</em>: one chunk of memory, one table entry for both ids), with what its
     * structs were written with, so that an import of it can check them against the record.
     */
    static final class Half {
        final Arena arena;
        final MemoryHold held;
        /** Structs of this half not yet released (of the array half, for a pair). */
        int outstanding;
        /** A pair's ids; both 0 for a single half. */
        final long schemaId;
        final long arrayId;
        /** A pair's schema structs not yet released. */
        int schemaOutstanding;
        /** What a pair's structs were written from, and where; null and 0 for a single half. */
        final LeafPairs.Template template;
        final long blob;
        final long buffers;
        final long data;
        /** A pair's memory (blob, buffer list), from {@link MallocArena#takeChunk}; its arena is null. */
        final long chunk;
        /**
         * Whether {@link LeafPairs} imported the pair: its structs were moved into that import, so a
         * release through any other struct carrying its ids (a copy, a forgery) is spurious.
         */
        boolean claimed;

        Half(Arena arena, MemoryHold held, int structs) {
            this(arena, held, structs, 0, 0, 0, null, 0, 0, 0, 0);
        }

        Half(Arena arena, MemoryHold held, int arrayStructs, long schemaId, long arrayId, int schemaStructs,
                LeafPairs.Template template, long blob, long buffers, long data, long chunk) {
            this.arena = arena;
            this.chunk = chunk;
            this.held = held;
            this.outstanding = arrayStructs;
            this.schemaId = schemaId;
            this.arrayId = arrayId;
            this.schemaOutstanding = schemaStructs;
            this.template = template;
            this.blob = blob;
            this.buffers = buffers;
            this.data = data;
        }

        boolean isPair() {
            return schemaId != 0;
        }

        /** {@return 1 for a single half; for a pair, how many of its sides have live structs} */
        synchronized int liveSides() {
            return isPair() ? (schemaOutstanding > 0 ? 1 : 0) + (outstanding > 0 ? 1 : 0) : 1;
        }

        /**
         * Counts one struct of a side down.
         *
         * @param id the id the struct carries
         * @param claim whether the release comes from the pair's {@link LeafPairs} import (not
         *     through a struct)
         * @return {@code SIDE_DONE} when it was the side's last struct, with {@code ALL_DONE} when
         *     the half's (the pair's) last; 0 when not; -1 when the release is spurious (a pair's
         *     side released through a struct with the other side's id, through a struct after
         *     its import, or once too often)
         */
        synchronized int countDown(boolean schemaSide, long id, boolean claim) {
            if (!isPair()) {
                return --outstanding == 0 ? SIDE_DONE | ALL_DONE : 0;
            }
            if (claimed != claim || id != (schemaSide ? schemaId : arrayId)
                    || (schemaSide ? schemaOutstanding : outstanding) <= 0) {
                return -1;
            }
            int left = schemaSide ? --schemaOutstanding : --outstanding;
            if (left != 0) {
                return 0;
            }
            return schemaOutstanding == 0 && outstanding == 0 ? SIDE_DONE | ALL_DONE : SIDE_DONE;
        }
    }

    static final int SIDE_DONE = 1;
    static final int ALL_DONE = 2;

    /**
     * The live halves by id: open addressing over {@code long} keys under one lock, so that an
     * export and its release box no {@code Long} and make no map node (they were a tenth of a
     * small round trip's allocation). Ids are never 0; deletion shifts the probe chain back, so no
     * tombstones accumulate.
     */
    static final class HalfTable {
        private long[] keys = new long[64];
        private Half[] values = new Half[64];
        private int size;

        synchronized void put(long id, Half half) {
            if (2 * (size + 1) > keys.length) {
                grow();
            }
            int i = slot(id, keys.length);
            while (keys[i] != 0) {
                if (keys[i] == id) {
                    values[i] = half;
                    return;
                }
                i = (i + 1) & (keys.length - 1);
            }
            keys[i] = id;
            values[i] = half;
            size++;
        }

        synchronized Half get(long id) {
            if (id == 0) {
                return null;
            }
            for (int i = slot(id, keys.length); keys[i] != 0; i = (i + 1) & (keys.length - 1)) {
                if (keys[i] == id) {
                    return values[i];
                }
            }
            return null;
        }

        synchronized void remove(long id) {
            int mask = keys.length - 1;
            int i = slot(id, keys.length);
            while (keys[i] != id) {
                if (keys[i] == 0) {
                    return;
                }
                i = (i + 1) & mask;
            }
            // Backward-shift deletion: move up every later entry of the chain that may sit at i.
            int hole = i;
            for (int j = (i + 1) & mask; keys[j] != 0; j = (j + 1) & mask) {
                int home = slot(keys[j], keys.length);
                if (((j - home) & mask) >= ((j - hole) & mask)) {
                    keys[hole] = keys[j];
                    values[hole] = values[j];
                    hole = j;
                }
            }
            keys[hole] = 0;
            values[hole] = null;
            size--;
        }

        synchronized int size() {
            return size;
        }

        /** {@return the halves not yet freed: a pair counts each of its sides still live} */
        synchronized int halves() {
            int n = 0;
            for (Half h : values) {
                if (h != null) {
                    n += h.liveSides();
                }
            }
            return n;
        }

        private void grow() {
            long[] oldKeys = keys;
            Half[] oldValues = values;
            keys = new long[2 * oldKeys.length];
            values = new Half[2 * oldKeys.length];
            size = 0;
            for (int i = 0; i < oldKeys.length; i++) {
                if (oldKeys[i] != 0) {
                    put(oldKeys[i], oldValues[i]);
                }
            }
        }

        private static int slot(long id, int length) {
            long h = id * 0x9E3779B97F4A7C15L;
            return (int) (h >>> 40) & (length - 1);
        }
    }

    /** {@return a fresh id for {@code private_data}} */
    static long nextId() {
        return NEXT_ID.getAndIncrement();
    }

    /** {@return the first of two fresh ids, {@code id} and {@code id + 1}} */
    static long nextIds() {
        return NEXT_ID.getAndAdd(2);
    }

    /**
     * Registers a half about to be handed out.
     *
     * @param id from {@link #nextId()}, already stored in every struct's {@code private_data}
     * @param arena freed when the last struct is released
     * @param held closed then too; may be null
     * @param structs how many structs (root and descendants) the tree has
     */
    static void register(long id, Arena arena, MemoryHold held, int structs) {
        LIVE.put(id, new Half(arena, held, structs));
    }

    /** {@return root release callbacks run so far, schema and array alike} */
    public static long rootReleases() {
        return ROOT_RELEASES.get();
    }

    /** {@return callbacks run on a struct that was not live (a consumer's bug); should stay 0} */
    public static long spuriousReleases() {
        return SPURIOUS.get();
    }

    /** {@return exported halves whose memory has not been freed yet} */
    public static int liveHalves() {
        return LIVE.halves();
    }

    static void releaseSchemaRoot(MemorySegment struct) {
        guarded(struct.address(), true, true);
    }

    static void releaseSchemaChild(MemorySegment struct) {
        guarded(struct.address(), true, false);
    }

    static void releaseArrayRoot(MemorySegment struct) {
        guarded(struct.address(), false, true);
    }

    static void releaseArrayChild(MemorySegment struct) {
        guarded(struct.address(), false, false);
    }

    /**
     * Runs one of this class's callbacks in Java when {@code function} is one of its stubs, as
     * when bufferbridge imports its own export: the same code the upcall reaches, without the
     * two transitions through native code.
     *
     * @return whether {@code function} was ours (and has run)
     */
    static boolean releaseDirectly(long function, long struct) {
        if (function == SCHEMA_ROOT_ADDRESS || function == SCHEMA_CHILD_ADDRESS) {
            guarded(struct, true, function == SCHEMA_ROOT_ADDRESS);
            return true;
        }
        if (function == ARRAY_ROOT_ADDRESS || function == ARRAY_CHILD_ADDRESS) {
            guarded(struct, false, function == ARRAY_ROOT_ADDRESS);
            return true;
        }
        return false;
    }

    /** {@return whether {@code function} is the release of one of our exported root arrays} */
    static boolean isOwnArrayRelease(long function) {
        return function == ARRAY_ROOT_ADDRESS;
    }

    /**
     * Releases one of our exported root arrays (its release is {@link #isOwnArrayRelease}) at once,
     * freeing its structs, but keeps the memory it held.
     *
     * <p>Why: when bufferbridge imports its own export, the imported view's segments reach only
     * the exported view's memory, which the export's hold keeps; the export's structs, buffer
     * pointers and metadata are reached by nothing. So they go back when the imported view is
     * released, and only the hold waits for the import's epoch to close. Deferring the structs too
     * let about 150 round trips' C-heap blocks pile up per epoch, which made a small round trip
     * 1.7 times slower (fresh calloc blocks instead of the ones just freed).
     *
     * @return the hold to close once the imported view's epoch has closed, or null when the export
     *     had none (it copied) or still has live children
     */
    static MemoryHold releaseKeepingHold(long struct) {
        return release(struct, false, true, true);
    }

    /** An exception must not unwind into native code: the JVM would abort. */
    private static void guarded(long struct, boolean schema, boolean root) {
        try {
            release(struct, schema, root, false);
        } catch (Throwable t) {
            UpcallErrors.report(t);
        }
    }

    /**
     * @param keep whether the half's hold is returned instead of being closed
     * @return the kept hold, or null (none kept, none held, or the half still has live structs)
     */
    private static MemoryHold release(long struct, boolean schema, boolean root, boolean keep) {
        // Fields by address (Structs): a release allocates no segment per struct or child.
        long releaseField = schema ? Structs.S_RELEASE : Structs.A_RELEASE;
        long release = Structs.get(struct, releaseField);
        long id = Structs.get(struct, schema ? Structs.S_PRIVATE_DATA : Structs.A_PRIVATE_DATA);
        Half half = lookUp(id);
        if (release == 0 || half == null) {
            SPURIOUS.incrementAndGet();
            return null;
        }
        long n = Structs.get(struct, schema ? Structs.S_N_CHILDREN : Structs.A_N_CHILDREN);
        long children = Structs.get(struct, schema ? Structs.S_CHILDREN : Structs.A_CHILDREN);
        for (long i = 0; i < n; i++) {
            long child = Structs.pointerAt(children, i);
            long childRelease = Structs.get(child, releaseField);
            // A child the consumer moved away has release NULL here; its copy is released on its own.
            if (childRelease != 0) {
                Native.callRelease(childRelease, child);
            }
        }
        int done = half.countDown(schema, id, false);
        if (done < 0) {
            SPURIOUS.incrementAndGet();
            return null;
        }
        if (root) {
            ROOT_RELEASES.incrementAndGet();
        }
        Structs.set(struct, releaseField, 0);
        return finish(half, id, done, schema, keep);
    }

    /**
     * Releases one side of a pair {@link LeafPairs} imported (its structs were moved into the
     * import, so there is no struct to read): as the root's release callback would.
     *
     * @return the kept hold, as {@link #releaseKeepingHold}, when {@code keep}
     */
    static MemoryHold releaseClaimed(Half half, boolean schema, boolean keep) {
        int done = half.countDown(schema, schema ? half.schemaId : half.arrayId, true);
        if (done < 0) {
            SPURIOUS.incrementAndGet();
            return null;
        }
        ROOT_RELEASES.incrementAndGet();
        return finish(half, schema ? half.schemaId : half.arrayId, done, schema, keep);
    }

    /**
     * {@return the half a struct's id names}, or null: a single half by its id, a pair by its
     * schema's id ({@code id}) or its array's ({@code id - 1}, the pair's only entry)
     */
    private static Half lookUp(long id) {
        Half h = LIVE.get(id);
        if (h == null && id != Long.MIN_VALUE) {
            Half pair = LIVE.get(id - 1);
            if (pair != null && pair.isPair() && pair.arrayId == id) {
                h = pair;
            }
        }
        return h;
    }

    /**
     * Counts the root release of a claimed pair's schema, which {@link LeafPairs} counted down
     * itself while it claimed the pair (under the pair's lock: the schema side of a pair has no
     * hold, and the array side is live, so nothing else is let go).
     */
    static void countClaimedSchemaRelease() {
        ROOT_RELEASES.incrementAndGet();
    }

    /** {@return the live pair of these ids}, or null */
    static Half livePair(long schemaId, long arrayId) {
        Half h = LIVE.get(schemaId);
        return h != null && h.isPair() && h.schemaId == schemaId && h.arrayId == arrayId ? h : null;
    }

    /**
     * Registers a pair, about to be handed out: one entry, under its schema's id (its array's is
     * the next), so that an export and its releases make one table insertion and one removal.
     */
    static void registerPair(Half pair) {
        if (pair.arrayId != pair.schemaId + 1) {
            throw new IllegalArgumentException("a pair's ids are consecutive: schemaId=" + pair.schemaId
                    + " arrayId=" + pair.arrayId);
        }
        LIVE.put(pair.schemaId, pair);
    }

    /** What follows a counted-down struct: the side's id, hold and arena let go when it was the last. */
    private static MemoryHold finish(Half half, long id, int done, boolean schema, boolean keep) {
        MemoryHold kept = null;
        if ((done & SIDE_DONE) == 0) {
            return null;
        }
        // A pair's one entry goes with its last side (a side released twice is refused by countDown).
        if (!half.isPair() || (done & ALL_DONE) != 0) {
            LIVE.remove(half.isPair() ? half.schemaId : id);
        }
        try {
            // A pair's hold is its array's: the schema's release leaves it.
            if (half.held != null && !(half.isPair() && schema)) {
                if (keep) {
                    kept = half.held;
                } else {
                    half.held.close();
                }
            }
        } finally {
            if ((done & ALL_DONE) != 0) {
                try {
                    if (half.arena != null) {
                        half.arena.close();
                    } else {
                        MallocArena.giveBackChunk(half.chunk);
                    }
                } catch (RuntimeException | Error e) {
                    // The caller never sees a hold it was not returned: close it here.
                    if (kept != null) {
                        kept.close();
                    }
                    throw e;
                }
            }
        }
        return kept;
    }
}
