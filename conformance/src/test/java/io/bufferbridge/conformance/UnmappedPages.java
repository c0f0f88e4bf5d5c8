package io.bufferbridge.conformance;

import io.bufferbridge.view.BufferView;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A producer whose release unmaps its memory, for {@link SoakTest}: each view lives in fresh pages
 * from {@code mmap}, given back to the kernel by the view's release, so a read after the release
 * faults (a SIGSEGV that fails the build), or, if a later mapping took the addresses, reads other
 * values, which the soak's value checks catch. (arrow-bridge's tests have the same producer for C
 * structs; a test-jar dependency on them would stop {@code mvn compile} of this module alone.)
 */
final class UnmappedPages {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle MMAP = LINKER.downcallHandle(LINKER.defaultLookup().find("mmap").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle MUNMAP = LINKER.downcallHandle(LINKER.defaultLookup().find("munmap").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final long PAGE = 4096;

    private final AtomicInteger releases = new AtomicInteger();

    /** {@return how many views' pages have been unmapped} */
    int releases() {
        return releases.get();
    }

    /** {@return a read-only C-order view of fresh pages holding {@code values}; its release unmaps them} */
    BufferView view(long... values) {
        long length = Math.max(PAGE, (8L * values.length + PAGE - 1) / PAGE * PAGE);
        MemorySegment base;
        try {
            base = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, length, 3, 0x22, -1, 0L);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (base.address() == -1L) {
            throw new AssertionError("mmap failed: bytes=" + length);
        }
        MemorySegment m = MemorySegment.ofAddress(base.address()).reinterpret(8L * values.length);
        MemorySegment.copy(values, 0, m, ValueLayout.JAVA_LONG, 0, values.length);
        return BufferView.of(m, 0, "q", 8, new long[] {values.length}, new long[] {8}, true, () -> {
            try {
                if ((int) MUNMAP.invokeExact(MemorySegment.ofAddress(m.address()), length) != 0) {
                    throw new AssertionError("munmap failed: address=" + m.address());
                }
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
            releases.incrementAndGet();
        });
    }
}
