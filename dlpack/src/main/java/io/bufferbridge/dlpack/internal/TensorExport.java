package io.bufferbridge.dlpack.internal;

import io.bufferbridge.dlpack.CopyMode;
import io.bufferbridge.dlpack.DLDevice;
import io.bufferbridge.dlpack.DLManagedTensor;
import io.bufferbridge.dlpack.DLManagedTensorVersioned;
import io.bufferbridge.dlpack.DLPackException;
import io.bufferbridge.dlpack.DLPackVersion;
import io.bufferbridge.dlpack.DLTensor;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.MemoryHold;
import io.bufferbridge.view.Order;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodType;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A view written into a managed tensor (docs/contract.md, "DLPack"), and the deleters that take it
 * back.
 *
 * <p>One {@code malloc} block per export holds the managed struct, the shape, the strides and,
 * when the export copies, the C-order copy; its address is the struct's, and the live exports are
 * registered under it. A deleter removes its struct's entry atomically, so it frees the block and
 * lets the view's memory go exactly once whichever thread calls it, however often: a call on a
 * struct that is not live is counted as spurious and does nothing else, and never reads the
 * struct (its memory may already be freed).
 */
public final class TensorExport {
    /** Data of a copy starts at a multiple of this: the widest element, and a cache line. */
    private static final long DATA_ALIGNMENT = 64;
    private static final Map<Long, Live> LIVE = new ConcurrentHashMap<>();
    private static final AtomicLong DELETES = new AtomicLong();
    private static final AtomicLong SPURIOUS = new AtomicLong();

    private static final MethodType DELETER_TYPE = MethodType.methodType(void.class, MemorySegment.class);
    static final MemorySegment VERSIONED_DELETER = CHeap.upcall(TensorExport.class, "deleteVersioned", DELETER_TYPE,
            CHeap.DELETER);
    static final MemorySegment LEGACY_DELETER = CHeap.upcall(TensorExport.class, "deleteLegacy", DELETER_TYPE,
            CHeap.DELETER);

    private TensorExport() {
    }

    /** What a live export owns: its block, and a hold on the view's memory when zero-copy. */
    private record Live(MemorySegment block, MemoryHold hold) {
    }

    /** {@return exports whose deleter has not run yet} */
    public static int live() {
        return LIVE.size();
    }

    /** {@return deleters run on a live export so far} */
    public static long deletes() {
        return DELETES.get();
    }

    /** {@return deleters run on a struct that was not live (a consumer's bug); should stay 0} */
    public static long spurious() {
        return SPURIOUS.get();
    }

    /** {@return malloc blocks of exports not yet freed; for tests} */
    public static long openBlocks() {
        return CHeap.openBlocks();
    }

    /** {@return whether exporting {@code view} copies under {@code mode}}, without exporting it */
    public static boolean copies(BufferView view, CopyMode mode) {
        if (mode == CopyMode.ALWAYS || !view.isNative()) {
            return true;
        }
        long itemsize = view.itemsize();
        for (long s : view.strides()) {
            if (s % itemsize != 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Exports {@code view}.
     *
     * @param versioned a {@code DLManagedTensorVersioned}, else a legacy {@code DLManagedTensor}
     * @return the struct's address; the consumer owns it and calls its deleter once
     * @throws DLPackException if the format has no DLPack dtype, {@code mode} is NEVER and a copy
     *     is needed, or a legacy export is asked of a read-only view without a copy
     * @throws IllegalStateException if the view has been released
     */
    public static MemorySegment export(BufferView view, CopyMode mode, boolean versioned) {
        int dtype = DTypes.of(view.format());
        boolean copy = copies(view, mode);
        long itemsize = view.itemsize();
        long[] shape = view.shape();
        long[] strides = view.strides();
        int ndim = shape.length;
        if (copy && mode == CopyMode.NEVER) {
            throw new DLPackException("a zero-copy export is impossible: copy=False " + reason(view)
                    + " strides=" + Arrays.toString(strides) + " itemsize=" + itemsize);
        }
        boolean readOnly = view.isReadOnly();
        if (readOnly && !versioned && !copy) {
            // A legacy tensor cannot say read-only, and its consumer would write the view's memory.
            throw new DLPackException("a read-only view cannot be shared as a legacy DLManagedTensor, which has no "
                    + "read-only flag: readonly=true max_version=None expected=max_version>=(1,0) or copy=True");
        }
        long bytes = view.byteLength();
        if (copy && bytes > Long.MAX_VALUE / 2) {
            // A valid view of zero strides can have 2^80 elements; its copy cannot exist.
            throw new DLPackException("the copy DLPack needs is too large: elements=" + view.elementCount() + " itemsize="
                    + itemsize + " bytes=" + (bytes == Long.MAX_VALUE ? "overflow" : Long.toString(bytes)));
        }
        long header = versioned ? DLManagedTensorVersioned.LAYOUT.byteSize() : DLManagedTensor.LAYOUT.byteSize();
        long arrays = header + 16L * ndim;
        long dataAt = copy ? (arrays + DATA_ALIGNMENT - 1) & -DATA_ALIGNMENT : arrays;
        // One block; a copy's data is aligned inside it (malloc gives 16, so ask for the slack).
        MemorySegment raw = CHeap.malloc(copy ? Math.addExact(dataAt + DATA_ALIGNMENT, bytes) : arrays);
        MemorySegment block = raw;
        MemoryHold hold = null;
        try {
            MemorySegment data;
            long[] elementStrides = new long[ndim];
            if (copy) {
                long skew = (-(raw.address() + dataAt)) & (DATA_ALIGNMENT - 1);
                data = raw.asSlice(dataAt + skew, bytes);
                view.copyTo(data, 0, Order.C);
                long s = 1;
                for (int k = ndim - 1; k >= 0; k--) {
                    elementStrides[k] = s;
                    s *= Math.max(shape[k], 1);
                }
            } else {
                hold = view.hold();
                data = MemorySegment.ofAddress(view.address());
                for (int k = 0; k < ndim; k++) {
                    elementStrides[k] = strides[k] / itemsize;
                }
            }
            block.asSlice(0, arrays).fill((byte) 0);
            MemorySegment shapeAt = block.asSlice(header, 8L * ndim);
            MemorySegment stridesAt = block.asSlice(header + 8L * ndim, 8L * ndim);
            for (int k = 0; k < ndim; k++) {
                shapeAt.setAtIndex(ValueLayout.JAVA_LONG, k, shape[k]);
                stridesAt.setAtIndex(ValueLayout.JAVA_LONG, k, elementStrides[k]);
            }
            DLTensor t;
            if (versioned) {
                DLManagedTensorVersioned m = DLManagedTensorVersioned.wrap(block);
                m.version().major(DLPackVersion.MAJOR);
                m.version().minor(DLPackVersion.MINOR);
                m.flags((readOnly ? DLManagedTensorVersioned.FLAG_READ_ONLY : 0)
                        | (copy ? DLManagedTensorVersioned.FLAG_IS_COPIED : 0));
                m.managerCtx(block);
                m.deleter(VERSIONED_DELETER);
                t = m.tensor();
            } else {
                DLManagedTensor m = DLManagedTensor.wrap(block);
                m.managerCtx(block);
                m.deleter(LEGACY_DELETER);
                t = m.tensor();
            }
            t.data(data);
            t.device().deviceType(DLDevice.CPU);
            t.device().deviceId(0);
            t.ndim(ndim);
            t.dtype().code(dtype >>> 8);
            t.dtype().bits(dtype & 0xff);
            t.dtype().lanes(1);
            // A NULL pointer for ndim 0: nothing to point at, and DLPack allows it.
            t.shape(ndim == 0 ? MemorySegment.NULL : shapeAt);
            t.strides(ndim == 0 ? MemorySegment.NULL : stridesAt);
            t.byteOffset(0);
            LIVE.put(block.address(), new Live(block, hold));
            return block;
        } catch (RuntimeException | Error e) {
            if (hold != null) {
                hold.close();
            }
            CHeap.free(raw);
            throw e;
        }
    }

    private static String reason(BufferView view) {
        return view.isNative() ? "reason='a byte stride is not a multiple of the itemsize'"
                : "reason='heap memory has no stable address'";
    }

    static void deleteVersioned(MemorySegment self) {
        delete(self);
    }

    static void deleteLegacy(MemorySegment self) {
        delete(self);
    }

    /**
     * Runs a deleter in Java when {@code function} is one of ours, as when bufferbridge imports its
     * own export: the same code the upcall reaches, without two transitions through native code.
     *
     * @return whether it was ours (and has run)
     */
    static boolean deleteDirectly(MemorySegment function, MemorySegment self) {
        long f = function.address();
        if (f == VERSIONED_DELETER.address() || f == LEGACY_DELETER.address()) {
            delete(self);
            return true;
        }
        return false;
    }

    /** An exception must not unwind into native code: the JVM would abort. */
    private static void delete(MemorySegment self) {
        try {
            Live live = LIVE.remove(self.address());
            if (live == null) {
                SPURIOUS.incrementAndGet();
                return;
            }
            DELETES.incrementAndGet();
            try {
                if (live.hold() != null) {
                    live.hold().close();
                }
            } finally {
                CHeap.free(live.block());
            }
        } catch (Throwable t) {
            UpcallErrors.report(t);
        }
    }
}
