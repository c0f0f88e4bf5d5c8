package io.bufferbridge.dlpack;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** A foreign producer's deleter for the tests (counts its calls per struct), and calls into deleters. */
final class Deleters {
    static final Map<Long, AtomicInteger> CALLS = new ConcurrentHashMap<>();
    static final MemorySegment COUNTING;
    private static final MethodHandle CALL = Linker.nativeLinker().downcallHandle(FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));

    static {
        try {
            MethodHandle target = MethodHandles.lookup().findStatic(Deleters.class, "counting",
                    MethodType.methodType(void.class, MemorySegment.class));
            COUNTING = Linker.nativeLinker().upcallStub(target, FunctionDescriptor.ofVoid(ValueLayout.ADDRESS), Arena.global());
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Deleters() {
    }

    static void counting(MemorySegment self) {
        CALLS.computeIfAbsent(self.address(), a -> new AtomicInteger()).incrementAndGet();
    }

    /** {@return how often the counting deleter ran on the struct at {@code address}} */
    static int calls(long address) {
        AtomicInteger n = CALLS.get(address);
        return n == null ? 0 : n.get();
    }

    /** Calls {@code deleter(self)} through native code, as a C consumer does. */
    static void call(MemorySegment deleter, MemorySegment self) {
        try {
            CALL.invokeExact(deleter, self);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
