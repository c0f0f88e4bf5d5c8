package io.bufferbridge.dlpack.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.atomic.AtomicLong;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The C heap ({@code malloc}/{@code free}) for what an export hands to a consumer, and the FFM
 * plumbing of deleters.
 *
 * <p>Why the C heap and not an {@link Arena}: a deleter runs on whatever thread the consumer
 * drops the tensor from, so the memory must be freeable from any thread, and closing a shared
 * arena is a handshake with every Java thread (tens of microseconds). Java code never reads an
 * export's block after its deleter has run; only the consumer does, before.
 */
final class CHeap {
    /** {@code void (*deleter)(struct X*)}: the shape of both deleters. */
    static final FunctionDescriptor DELETER = FunctionDescriptor.ofVoid(ADDRESS);

    private static final Linker LINKER = Linker.nativeLinker();
    // Critical: malloc/free neither block for long nor call back into Java.
    private static final MethodHandle MALLOC = LINKER.downcallHandle(
            LINKER.defaultLookup().find("malloc").orElseThrow(),
            FunctionDescriptor.of(ADDRESS, JAVA_LONG), Linker.Option.critical(false));
    private static final MethodHandle FREE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("free").orElseThrow(),
            FunctionDescriptor.ofVoid(ADDRESS), Linker.Option.critical(false));
    private static final MethodHandle CALL_DELETER = LINKER.downcallHandle(DELETER);
    private static final AtomicLong OPEN = new AtomicLong();

    private CHeap() {
    }

    /**
     * {@return {@code size} uninitialised bytes (at least 1 is asked for), 16-byte aligned as glibc's
     * malloc gives}
     *
     * @throws OutOfMemoryError if malloc fails
     */
    static MemorySegment malloc(long size) {
        MemorySegment p;
        try {
            p = (MemorySegment) MALLOC.invokeExact(Math.max(1L, size));
        } catch (Throwable t) {
            throw new IllegalStateException("malloc failed: size=" + size, t);
        }
        if (p.address() == 0) {
            throw new OutOfMemoryError("malloc returned NULL: size=" + size);
        }
        OPEN.incrementAndGet();
        return p.reinterpret(size);
    }

    static void free(MemorySegment p) {
        try {
            FREE.invokeExact(p);
        } catch (Throwable t) {
            throw new IllegalStateException("free failed: address=" + p.address(), t);
        }
        OPEN.decrementAndGet();
    }

    /** {@return blocks malloc'ed here and not freed yet; for tests} */
    static long openBlocks() {
        return OPEN.get();
    }

    /** Calls a producer's deleter on its managed tensor. */
    static void callDeleter(MemorySegment function, MemorySegment self) {
        try {
            CALL_DELETER.invokeExact(function, self);
        } catch (Throwable t) {
            throw new IllegalStateException("deleter failed: function=0x" + Long.toHexString(function.address()), t);
        }
    }

    /** {@return a permanent upcall stub for the static method {@code name} of {@code owner}} */
    static MemorySegment upcall(Class<?> owner, String name, MethodType type, FunctionDescriptor descriptor) {
        try {
            MethodHandle target = MethodHandles.lookup().findStatic(owner, name, type);
            // The stubs live as long as the JVM: a consumer may drop a tensor at any time.
            return LINKER.upcallStub(target, descriptor, Arena.global());
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
