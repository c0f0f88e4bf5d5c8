package io.bufferbridge.arrow.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * An arena over the C heap ({@code calloc}/{@code free}) for memory that only C consumers reach:
 * the private structs, strings and buffers of an export, the moved structs of an import.
 *
 * <p>Why not {@link Arena#ofShared()}: a release callback may run on any thread, so the arena has
 * to be closable from any thread, and closing a shared arena is a handshake with every Java thread
 * (about 18 µs on a 2-core VM, against 0.15 µs for a confined one) — it dominated a 1 K-element
 * export + import. Nothing here needs that handshake: Java code never reads these segments after
 * the close, only the C consumer does before it calls {@code release}.
 *
 * <h2>Invariants</h2>
 * Small allocations are bump-allocated in chunks; a large one gets a block of its own. Every byte
 * {@link #allocate} and {@link #allocateAddress} hand out is zeroed, as {@link Arena#allocate}
 * promises; {@link #allocateAddressUnzeroed} is for memory the caller writes in full before anyone
 * reads it. A chunk given back to the pool is not zeroed then: it keeps how far it may hold stale
 * bytes, and a zeroing allocation zeroes what it takes of that part. The segments are unscoped (global):
 * the arena's owner guarantees no Java access after {@link #close()}. Allocation is for one thread
 * at a time (the exporting one); {@code close} may come from any thread.
 */
final class MallocArena implements Arena {
    /** Enough for the structs, strings and metadata of a 1-D or tensor export in one block. */
    private static final long CHUNK = 2048;
    private static final long MAX_ALIGNMENT = 4096;

    private static final Linker LINKER = Linker.nativeLinker();
    // Critical: calloc/free neither block for long nor call back into Java.
    // Pointers as JAVA_LONG (64-bit platforms only, which FFM's ADDRESS is here): no segment
    // object per call.
    private static final MethodHandle CALLOC = LINKER.downcallHandle(
            LINKER.defaultLookup().find("calloc").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG), Linker.Option.critical(false));
    private static final MethodHandle FREE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("free").orElseThrow(),
            FunctionDescriptor.ofVoid(JAVA_LONG), Linker.Option.critical(false));


    private static final MethodHandle MEMSET = LINKER.downcallHandle(
            LINKER.defaultLookup().find("memset").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG), Linker.Option.critical(false));

    static {
        if (ADDRESS.byteSize() != 8) {
            throw new ExceptionInInitializerError("MallocArena needs 64-bit pointers: address.bytes=" + ADDRESS.byteSize());
        }
    }

    /** Blocks taken and not yet given back, all arenas together; guarded by {@code POOL}. */
    private static long openBlocks;

    // The first block in a field and the rest in an array made at the second: one chunk is
    // the common case. closed is set once, under POOL's lock.
    private long firstBlock;
    private long[] moreBlocks;
    private int blockCount;
    private volatile boolean closed;
    /**
     * All of memory, global scope: an allocation is one slice of it (one object), and the current
     * chunk needs no segment of its own.
     */
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private long chunkAddress;
    private long chunkUsed = CHUNK;
    /** Bytes from the current chunk's start that may hold a previous arena's data. */
    private long chunkDirty;

    /** {@return C heap blocks taken by arenas not yet closed, all arenas together; for tests} */
    static long openBlocks() {
        synchronized (POOL) {
            return openBlocks;
        }
    }

    /**
     * @throws IllegalArgumentException if {@code byteSize} is negative or {@code byteAlignment} is
     *     not a power of two up to 4096
     * @throws IllegalStateException if the arena is closed
     * @throws OutOfMemoryError if {@code calloc} fails
     */
    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        return ALL.asSlice(allocateAddress(byteSize, byteAlignment), byteSize);
    }

    /**
     * As {@link #allocate(long, long)}, the address only: for memory read and written by address
     * (a moved struct), with no segment object.
     *
     * @throws IllegalArgumentException as {@link #allocate(long, long)}
     * @throws IllegalStateException if the arena is closed
     * @throws OutOfMemoryError if {@code calloc} fails
     */
    long allocateAddress(long byteSize, long byteAlignment) {
        long at = allocateAddressUnzeroed(byteSize, byteAlignment);
        if (chunkAddress != 0 && at >= chunkAddress && at < chunkAddress + chunkDirty) {
            // Only a pooled chunk's stale part: a new chunk from calloc and a large block are zeroed.
            zero(at, Math.min(byteSize, chunkAddress + chunkDirty - at));
        }
        return at;
    }

    /**
     * As {@link #allocateAddress}, but the memory may hold a previous arena's bytes: for memory the
     * caller writes in full, on this thread, before any reader can see it (an export's copied
     * blob and buffer pointers, a moved struct).
     *
     * @throws IllegalArgumentException as {@link #allocate(long, long)}
     * @throws IllegalStateException if the arena is closed
     * @throws OutOfMemoryError if {@code calloc} fails
     */
    long allocateAddressUnzeroed(long byteSize, long byteAlignment) {
        if (byteSize < 0 || byteAlignment <= 0 || (byteAlignment & (byteAlignment - 1)) != 0
                || byteAlignment > MAX_ALIGNMENT) {
            throw new IllegalArgumentException("bad allocation request: byteSize=" + byteSize + " byteAlignment="
                    + byteAlignment + " expected=byteSize>=0 and a power-of-two alignment<=" + MAX_ALIGNMENT);
        }
        if (closed) {
            throw new IllegalStateException("arena already closed: byteSize=" + byteSize);
        }
        // Compared so that nothing overflows, however large byteSize is.
        long start = (chunkAddress + chunkUsed + byteAlignment - 1) & -byteAlignment;
        if (chunkAddress != 0 && byteSize <= chunkAddress + CHUNK - start) {
            chunkUsed = start + byteSize - chunkAddress;
            return start;
        }
        if (byteSize > CHUNK / 2 - byteAlignment) {
            // Large: a block of its own, so the current chunk keeps serving small requests.
            if (byteSize > Long.MAX_VALUE - byteAlignment) {
                throw new OutOfMemoryError("allocation too large: byteSize=" + byteSize + " byteAlignment="
                        + byteAlignment);
            }
            long raw = block(byteSize + byteAlignment - 1);
            return (raw + byteAlignment - 1) & -byteAlignment;
        }
        chunk();
        long at = (chunkAddress + byteAlignment - 1) & -byteAlignment;
        chunkUsed = at + byteSize - chunkAddress;
        return at;
    }

    /** Bytes of a pair block: an import's moved {@code ArrowSchema} and {@code ArrowArray}, in that order. */
    static final long PAIR_BYTES = Structs.SCHEMA_BYTES + Structs.ARRAY_BYTES;

    /**
     * Pair blocks given back, for the next import; guarded by {@code POOL}, as {@code openBlocks}.
     * A foreign import keeps its moved structs until its epoch closes, up to 1,024 imports at a
     * time, and then they all come back at once: {@code calloc} served each from its small bins
     * (past glibc's per-thread cache of 7), a fifth of a foreign 1-D import's time in {@code
     * _int_malloc} (perf, 1 K elements). The pool holds an epoch's worth and a margin, at most
     * 1,088 blocks (165 KiB); past that a block is freed.
     */
    private static final long[] PAIRS = new long[1088];
    private static int pairsPooled;

    /**
     * {@return a block of {@link #PAIR_BYTES} bytes, 16-aligned, not zeroed, owned by the caller
     * alone}: for an import's moved structs, written in full before they are read; given back
     * exactly once by {@link #giveBackPairBlock}
     *
     * @throws OutOfMemoryError if {@code calloc} fails
     */
    static long takePairBlock() {
        long p = 0;
        synchronized (POOL) {
            if (pairsPooled > 0) {
                p = PAIRS[--pairsPooled];
            }
            openBlocks++;
        }
        return p != 0 ? p : callocCounted(PAIR_BYTES);
    }

    /** Gives back a block from {@link #takePairBlock}: to the pool, or freed when it is full. */
    static void giveBackPairBlock(long p) {
        boolean kept = false;
        synchronized (POOL) {
            openBlocks--;
            if (pairsPooled < PAIRS.length) {
                PAIRS[pairsPooled++] = p;
                kept = true;
            }
        }
        if (!kept) {
            free(p);
        }
    }

    /**
     * Chunks given back by closed arenas, for the next arena: a small export or import took a
     * {@code calloc} and a {@code free} of 2 KiB per arena, three arenas per round trip, about a
     * tenth of its time. At most {@code POOL_MAX} chunks (128 KiB) wait here; past that a chunk
     * is freed. {@code POOL_DIRTY[i]}: how many bytes from the start of {@code POOL[i]} may be
     * stale (zeroing them all at every close was a tenth of a small round trip again). The lock is
     * uncontended in the common case (one exporting thread).
     */
    private static final long[] POOL = new long[64];
    private static final long[] POOL_DIRTY = new long[POOL.length];
    private static final int POOL_MAX = POOL.length;
    private static int pooled;

    /** Makes a chunk of {@code CHUNK} bytes, from the pool or the C heap, the current one. */
    private void chunk() {
        long p = 0;
        long dirty = 0;
        synchronized (POOL) {
            if (pooled > 0) {
                pooled--;
                p = POOL[pooled];
                dirty = POOL_DIRTY[pooled];
            }
            // Counted before the calloc: a failed one is uncounted by its exception handler below.
            openBlocks++;
        }
        if (p == 0) {
            p = callocCounted(CHUNK);
        }
        // Marked in the low bit (calloc's blocks are 16-aligned): a chunk goes back to the pool.
        record(p | 1);
        // The chunk this one replaces counts as stale in full when the arena closes.
        chunkAddress = p;
        chunkDirty = dirty;
    }

    /** The bytes of a chunk {@link #takeChunk} hands out. */
    static final long CHUNK_BYTES = CHUNK;

    /**
     * {@return a chunk of {@link #CHUNK_BYTES} bytes, 16-aligned, not zeroed, owned by the caller
     * alone}: for an owner that writes every byte it uses before anyone can read it and needs no
     * arena object (a 1-D export's blob and buffer list, {@link LeafPairs}); given back exactly
     * once by {@link #giveBackChunk}
     *
     * @throws OutOfMemoryError if {@code calloc} fails
     */
    static long takeChunk() {
        long p = 0;
        synchronized (POOL) {
            if (pooled > 0) {
                p = POOL[--pooled];
            }
            openBlocks++;
        }
        if (p == 0) {
            p = callocCounted(CHUNK);
        }
        return p;
    }

    /** {@return a new block of {@code size} from the C heap, already counted in {@code openBlocks}}: uncounted if calloc fails */
    private static long callocCounted(long size) {
        try {
            return calloc(size);
        } catch (RuntimeException | Error e) {
            synchronized (POOL) {
                openBlocks--;
            }
            throw e;
        }
    }

    /** Gives back a chunk from {@link #takeChunk}: to the pool, all of it counted as stale, or freed. */
    static void giveBackChunk(long p) {
        boolean kept = false;
        synchronized (POOL) {
            openBlocks--;
            if (pooled < POOL_MAX) {
                POOL_DIRTY[pooled] = CHUNK;
                POOL[pooled++] = p;
                kept = true;
            }
        }
        if (!kept) {
            free(p);
        }
    }

    /** Zeroes {@code n} bytes at {@code p}: small spans in Java, larger ones by {@code memset}. */
    private static void zero(long p, long n) {
        if (n > 256) {
            memset(p, n);
            return;
        }
        long i = 0;
        for (; i < n && ((p + i) & 7) != 0; i++) {
            ALL.set(JAVA_BYTE, p + i, (byte) 0);
        }
        for (; i + 8 <= n; i += 8) {
            ALL.set(JAVA_LONG, p + i, 0L);
        }
        for (; i < n; i++) {
            ALL.set(JAVA_BYTE, p + i, (byte) 0);
        }
    }

    private long block(long size) {
        long p = calloc(size);
        synchronized (POOL) {
            openBlocks++;
        }
        record(p);
        return p;
    }

    private static long calloc(long size) {
        long p;
        try {
            p = (long) CALLOC.invokeExact(1L, Math.max(1L, size));
        } catch (Throwable t) {
            throw new IllegalStateException("calloc failed: size=" + size, t);
        }
        if (p == 0) {
            throw new OutOfMemoryError("calloc returned NULL: size=" + size);
        }
        if ((p & 15) != 0) {
            free(p);
            throw new IllegalStateException("calloc returned a block not 16-aligned: address=" + p);
        }
        return p;
    }

    /** Zeroes {@code bytes} at {@code p}: a downcall, no segment object per call. */
    private static void memset(long p, long bytes) {
        try {
            long unused = (long) MEMSET.invokeExact(p, 0, bytes);
        } catch (Throwable t) {
            throw new IllegalStateException("memset failed: address=" + p, t);
        }
    }

    private static void free(long p) {
        try {
            FREE.invokeExact(p);
        } catch (Throwable t) {
            throw new IllegalStateException("free failed: address=" + p, t);
        }
    }

    private void record(long p) {
        if (blockCount == 0) {
            firstBlock = p;
        } else {
            if (moreBlocks == null) {
                moreBlocks = new long[4];
            } else if (blockCount - 1 == moreBlocks.length) {
                moreBlocks = java.util.Arrays.copyOf(moreBlocks, 2 * moreBlocks.length);
            }
            moreBlocks[blockCount - 1] = p;
        }
        blockCount++;
    }

    /** {@return the global scope: segments of this arena are not checked by the JVM} */
    @Override
    public MemorySegment.Scope scope() {
        return Arena.global().scope();
    }

    /**
     * Frees every block; a chunk is kept for the next arena instead while the pool has room, with
     * the extent that may now hold this arena's bytes (zeroed by the next zeroing allocation).
     *
     * @throws IllegalStateException if the arena is already closed
     */
    @Override
    public void close() {
        int n;
        // One lock for the once-only check, the pool and the block count: a small round trip
        // closes an arena or two, and a CAS and two atomic counts beside the pool's lock showed.
        synchronized (POOL) {
            if (closed) {
                throw new IllegalStateException("arena already closed: blocks=" + blockCount);
            }
            closed = true;
            n = blockCount;
            openBlocks -= n;
            for (int i = 0; i < n && pooled < POOL_MAX; i++) {
                long p = blockAt(i);
                if ((p & 1) != 0) {
                    p &= ~1L;
                    // Stale: the used part of the current chunk (and what was stale in it
                    // before), all of an earlier one.
                    POOL_DIRTY[pooled] = p == chunkAddress ? Math.max(chunkDirty, Math.min(chunkUsed, CHUNK)) : CHUNK;
                    POOL[pooled++] = p;
                    setBlock(i, 0);
                }
            }
        }
        for (int i = 0; i < n; i++) {
            long p = blockAt(i);
            if (p != 0) {
                free(p & ~1L);
            }
        }
        blockCount = 0;
    }

    private long blockAt(int i) {
        return i == 0 ? firstBlock : moreBlocks[i - 1];
    }

    private void setBlock(int i, long p) {
        if (i == 0) {
            firstBlock = p;
        } else {
            moreBlocks[i - 1] = p;
        }
    }
}
