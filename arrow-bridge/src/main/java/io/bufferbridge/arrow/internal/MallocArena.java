package io.bufferbridge.arrow.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static java.lang.foreign.ValueLayout.ADDRESS;
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
 * handed out is zeroed, as {@link Arena#allocate} promises. The segments are unscoped (global):
 * the arena's owner guarantees no Java access after {@link #close()}. Allocation is for one thread
 * at a time (the exporting one); {@code close} may come from any thread.
 */
final class MallocArena implements Arena {
    /** Enough for the structs, strings and metadata of a 1-D or tensor export in one block. */
    private static final long CHUNK = 2048;
    private static final long MAX_ALIGNMENT = 4096;

    private static final Linker LINKER = Linker.nativeLinker();
    // Critical: calloc/free neither block for long nor call back into Java.
    private static final MethodHandle CALLOC = LINKER.downcallHandle(
            LINKER.defaultLookup().find("calloc").orElseThrow(),
            FunctionDescriptor.of(ADDRESS, JAVA_LONG, JAVA_LONG), Linker.Option.critical(false));
    private static final MethodHandle FREE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("free").orElseThrow(),
            FunctionDescriptor.ofVoid(ADDRESS), Linker.Option.critical(false));

    private static final AtomicLong OPEN_BLOCKS = new AtomicLong();

    private final List<MemorySegment> blocks = new ArrayList<>(2);
    private final AtomicBoolean closed = new AtomicBoolean();
    private long chunkAddress;
    private long chunkUsed = CHUNK;

    /** {@return C heap blocks taken by arenas not yet closed, all arenas together; for tests} */
    static long openBlocks() {
        return OPEN_BLOCKS.get();
    }

    /**
     * @throws IllegalArgumentException if {@code byteSize} is negative or {@code byteAlignment} is
     *     not a power of two up to 4096
     * @throws IllegalStateException if the arena is closed
     * @throws OutOfMemoryError if {@code calloc} fails
     */
    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        if (byteSize < 0 || byteAlignment <= 0 || (byteAlignment & (byteAlignment - 1)) != 0
                || byteAlignment > MAX_ALIGNMENT) {
            throw new IllegalArgumentException("bad allocation request: byteSize=" + byteSize + " byteAlignment="
                    + byteAlignment + " expected=byteSize>=0 and a power-of-two alignment<=" + MAX_ALIGNMENT);
        }
        if (closed.get()) {
            throw new IllegalStateException("arena already closed: byteSize=" + byteSize);
        }
        // Compared so that nothing overflows, however large byteSize is.
        long start = (chunkAddress + chunkUsed + byteAlignment - 1) & -byteAlignment;
        if (chunkAddress != 0 && byteSize <= chunkAddress + CHUNK - start) {
            chunkUsed = start + byteSize - chunkAddress;
            return MemorySegment.ofAddress(start).reinterpret(byteSize);
        }
        if (byteSize > CHUNK / 2 - byteAlignment) {
            // Large: a block of its own, so the current chunk keeps serving small requests.
            if (byteSize > Long.MAX_VALUE - byteAlignment) {
                throw new OutOfMemoryError("allocation too large: byteSize=" + byteSize + " byteAlignment="
                        + byteAlignment);
            }
            long raw = block(byteSize + byteAlignment - 1);
            return MemorySegment.ofAddress((raw + byteAlignment - 1) & -byteAlignment).reinterpret(byteSize);
        }
        chunkAddress = block(CHUNK);
        long at = (chunkAddress + byteAlignment - 1) & -byteAlignment;
        chunkUsed = at + byteSize - chunkAddress;
        return MemorySegment.ofAddress(at).reinterpret(byteSize);
    }

    private long block(long size) {
        MemorySegment p;
        try {
            p = (MemorySegment) CALLOC.invokeExact(1L, Math.max(1L, size));
        } catch (Throwable t) {
            throw new IllegalStateException("calloc failed: size=" + size, t);
        }
        if (p.address() == 0) {
            throw new OutOfMemoryError("calloc returned NULL: size=" + size);
        }
        blocks.add(p);
        OPEN_BLOCKS.incrementAndGet();
        return p.address();
    }

    /** {@return the global scope: segments of this arena are not checked by the JVM} */
    @Override
    public MemorySegment.Scope scope() {
        return Arena.global().scope();
    }

    /**
     * Frees every block.
     *
     * @throws IllegalStateException if the arena is already closed
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            throw new IllegalStateException("arena already closed: blocks=" + blocks.size());
        }
        for (MemorySegment p : blocks) {
            try {
                FREE.invokeExact(p);
            } catch (Throwable t) {
                throw new IllegalStateException("free failed: address=" + p.address(), t);
            }
        }
        OPEN_BLOCKS.addAndGet(-blocks.size());
        blocks.clear();
    }
}
