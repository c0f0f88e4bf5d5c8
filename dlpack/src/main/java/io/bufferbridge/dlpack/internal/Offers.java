package io.bufferbridge.dlpack.internal;

import io.bufferbridge.dlpack.CopyMode;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodType;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The C export function of {@link io.bufferbridge.dlpack.DLPackOffer}: one upcall stub for every
 * offer, which finds the offer by its handle. A handle is never reused, so a consumer calling with
 * a withdrawn offer's handle gets a refusal, not another offer's view.
 */
public final class Offers {
    /** What an offer does for one request. */
    @FunctionalInterface
    public interface Exporter {
        /** {@return the managed tensor} @param versioned versioned or legacy @param copy the copy mode */
        MemorySegment export(boolean versioned, CopyMode copy);
    }

    private static final Map<Long, Exporter> LIVE = new ConcurrentHashMap<>();
    private static final AtomicLong NEXT = new AtomicLong(1);

    /** {@code void *export(int64_t handle, int32_t request, char *error, int64_t error_size)}. */
    public static final MemorySegment FUNCTION = CHeap.upcall(Offers.class, "export",
            MethodType.methodType(MemorySegment.class, long.class, int.class, MemorySegment.class, long.class),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG));

    private Offers() {
    }

    /** {@return a new handle for {@code exporter}} */
    public static long register(Exporter exporter) {
        long h = NEXT.getAndIncrement();
        LIVE.put(h, exporter);
        return h;
    }

    /** Withdraws a handle. */
    public static void unregister(long handle) {
        LIVE.remove(handle);
    }

    /** The upcall: nothing may unwind into the caller; a refusal is a NULL and a message. */
    static MemorySegment export(long handle, int request, MemorySegment error, long errorSize) {
        try {
            Exporter e = LIVE.get(handle);
            if (e == null) {
                return fail(error, errorSize, "no such DLPack offer (withdrawn or never made): handle=" + handle);
            }
            int copy = (request >>> 1) & 3;
            if (copy == 3 || (request & ~7) != 0) {
                return fail(error, errorSize, "bad export request: request=" + request
                        + " expected=bit 0 versioned, bits 1-2 copy 0..2");
            }
            CopyMode mode = copy == 0 ? CopyMode.IF_NEEDED : copy == 1 ? CopyMode.ALWAYS : CopyMode.NEVER;
            return e.export((request & 1) != 0, mode);
        } catch (Throwable t) {
            try {
                String message = t.getMessage() == null ? t.toString() : t.getMessage();
                if (!(t instanceof RuntimeException)) {
                    UpcallErrors.report(t);
                }
                return fail(error, errorSize, message);
            } catch (Throwable again) {
                UpcallErrors.report(again);
                return MemorySegment.NULL;
            }
        }
    }

    private static MemorySegment fail(MemorySegment error, long errorSize, String message) {
        if (error.address() != 0 && errorSize > 0) {
            byte[] utf8 = message.getBytes(StandardCharsets.UTF_8);
            int n = (int) Math.min(utf8.length, errorSize - 1);
            MemorySegment out = error.reinterpret(errorSize);
            MemorySegment.copy(utf8, 0, out, ValueLayout.JAVA_BYTE, 0, n);
            out.set(ValueLayout.JAVA_BYTE, n, (byte) 0);
        }
        return MemorySegment.NULL;
    }
}
