package io.bufferbridge.dlpack.internal;

import io.bufferbridge.dlpack.DLDevice;
import io.bufferbridge.dlpack.DLManagedTensor;
import io.bufferbridge.dlpack.DLManagedTensorVersioned;
import io.bufferbridge.dlpack.DLPackException;
import io.bufferbridge.dlpack.DLPackVersion;
import io.bufferbridge.dlpack.DLTensor;
import io.bufferbridge.dlpack.ImportedTensor;
import io.bufferbridge.format.Format;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A managed tensor read as a view (docs/contract.md, "DLPack"). The import owns the tensor from
 * the call on: a refused tensor's deleter runs before the refusal is thrown (DLPack: a consumer
 * that cannot use a tensor, a major version it does not know included, must still call it), and
 * an accepted one's runs once the view and every view derived from it are released, through
 * {@link ForeignMemory}, so no segment of the view can reach the memory afterwards.
 *
 * <p>Every field is checked before anything is read through the tensor's pointers, with exact
 * arithmetic: a hostile tensor is refused with a {@link DLPackException}, never a crash. What
 * cannot be checked is the producer's word that {@code shape}/{@code strides} point at
 * {@code ndim} values and {@code data} covers the elements they describe.
 */
public final class TensorImport {
    private static final AtomicInteger LIVE = new AtomicInteger();

    private TensorImport() {
    }

    /** {@return imported tensors whose deleter has not run yet} */
    public static int live() {
        return LIVE.get();
    }

    /**
     * Imports the managed tensor at {@code pointer}.
     *
     * @param versioned whether it is a {@code DLManagedTensorVersioned}, else a legacy one
     * @throws DLPackException if it is refused (its deleter has then run, unless it is NULL)
     */
    public static ImportedTensor importTensor(MemorySegment pointer, boolean versioned) {
        String kind = versioned ? "DLManagedTensorVersioned" : "DLManagedTensor";
        if (pointer == null || pointer.address() == 0) {
            throw new DLPackException("NULL managed tensor: struct=" + kind + " address=0");
        }
        MemorySegment self;
        MemorySegment deleter;
        DLTensor tensor;
        long flags = 0;
        if (versioned) {
            DLManagedTensorVersioned m = DLManagedTensorVersioned.wrap(pointer.address());
            self = m.segment();
            deleter = m.deleter();
            tensor = m.tensor();
            if (deleter.address() == 0) {
                throw refusedWithoutDeleter(kind);
            }
            int major = m.version().major();
            if (major != DLPackVersion.MAJOR) {
                throw refused(deleter, self, "unsupported DLPack major version: version.major="
                        + Integer.toUnsignedString(major) + " version.minor=" + Integer.toUnsignedString(m.version().minor())
                        + " expected=" + DLPackVersion.MAJOR);
            }
            flags = m.flags();
        } else {
            DLManagedTensor m = DLManagedTensor.wrap(pointer.address());
            self = m.segment();
            deleter = m.deleter();
            tensor = m.tensor();
            if (deleter.address() == 0) {
                throw refusedWithoutDeleter(kind);
            }
        }
        boolean readOnly = (flags & DLManagedTensorVersioned.FLAG_READ_ONLY) != 0;
        boolean copied = (flags & DLManagedTensorVersioned.FLAG_IS_COPIED) != 0;
        Runnable release = new Deleter(deleter, self, true);
        LIVE.incrementAndGet();
        try {
            BufferView view = read(tensor, readOnly, release);
            return new ImportedTensor(view, copied, versioned);
        } catch (RuntimeException | Error e) {
            // ForeignMemory.view runs nothing when it refuses: the deleter is ours to run.
            release.run();
            if (e instanceof DLPackException || e instanceof Error) {
                throw e;
            }
            throw new DLPackException("managed tensor refused: struct=" + kind + " " + e.getMessage());
        }
    }

    private static DLPackException refusedWithoutDeleter(String kind) {
        return new DLPackException("managed tensor without a deleter: struct=" + kind
                + " deleter=NULL expected=a deleter, run once when the view is released");
    }

    private static DLPackException refused(MemorySegment deleter, MemorySegment self, String message) {
        new Deleter(deleter, self, false).run();
        return new DLPackException(message);
    }

    /** The producer's deleter, run at most once. */
    private static final class Deleter implements Runnable {
        private final MemorySegment function;
        private final MemorySegment self;
        private final AtomicBoolean ran = new AtomicBoolean();
        /** Whether the tensor counts in {@link #LIVE} (it was accepted far enough to be counted). */
        private final boolean tracked;

        Deleter(MemorySegment function, MemorySegment self, boolean tracked) {
            this.function = function;
            this.self = self;
            this.tracked = tracked;
        }

        @Override
        public void run() {
            if (!ran.compareAndSet(false, true)) {
                return;
            }
            try {
                if (!TensorExport.deleteDirectly(function, self)) {
                    CHeap.callDeleter(function, self);
                }
            } finally {
                if (tracked) {
                    LIVE.decrementAndGet();
                }
            }
        }
    }

    private static BufferView read(DLTensor t, boolean readOnly, Runnable release) {
        int deviceType = t.device().deviceType();
        if (deviceType != DLDevice.CPU && deviceType != DLDevice.CUDA_HOST) {
            throw new DLPackException("device is not host memory: device.device_type=" + deviceType
                    + " device.device_id=" + t.device().deviceId() + " expected=1 (kDLCPU) or 3 (kDLCUDAHost)");
        }
        int ndim = t.ndim();
        if (ndim < 0 || ndim > 64) {
            throw new DLPackException("ndim out of range: ndim=" + ndim + " expected=0..64");
        }
        String format = DTypes.format(t.dtype().code(), t.dtype().bits(), t.dtype().lanes());
        long itemsize = Format.of(format).itemsize();
        long[] shape = new long[ndim];
        long[] strides = new long[ndim];
        if (ndim > 0) {
            if (t.shape().address() == 0) {
                throw new DLPackException("NULL shape: ndim=" + ndim + " shape=NULL expected=ndim values");
            }
            MemorySegment sh = t.shape().reinterpret(8L * ndim);
            for (int k = 0; k < ndim; k++) {
                shape[k] = sh.getAtIndex(ValueLayout.JAVA_LONG, k);
                if (shape[k] < 0) {
                    throw new DLPackException("negative dimension: shape[" + k + "]=" + shape[k] + " expected>=0");
                }
            }
        }
        // No element count: a valid view may have more than 2^63 elements (zero strides repeat one),
        // and only the reach of each axis must not overflow (checked below).
        boolean empty = false;
        for (long d : shape) {
            empty |= d == 0;
        }
        boolean cOrder = t.strides().address() == 0;
        MemorySegment st = cOrder ? MemorySegment.NULL : t.strides().reinterpret(8L * ndim);
        long c = itemsize;
        for (int k = ndim - 1; k >= 0; k--) {
            if (cOrder) {
                strides[k] = c;
                if (k > 0) {
                    c = multiply(c, Math.max(shape[k], 1), "shape");
                }
            } else {
                strides[k] = multiply(st.getAtIndex(ValueLayout.JAVA_LONG, k), itemsize, "strides");
            }
        }
        long byteOffset = t.byteOffset();
        if (byteOffset < 0) {
            throw new DLPackException("byte_offset out of range: byte_offset=" + Long.toUnsignedString(byteOffset)
                    + " expected<2^63");
        }
        long data = t.data().address();
        if (empty) {
            // No element is ever read: the view needs no memory, and the pointer may be anything.
            return ForeignMemory.view(MemorySegment.NULL, 0, format, itemsize, shape, strides, readOnly, release);
        }
        if (data == 0) {
            throw new DLPackException("NULL data with elements: data=NULL shape=" + java.util.Arrays.toString(shape)
                    + " expected=data");
        }
        long lo = 0;
        long hi = itemsize;
        for (int k = 0; k < ndim; k++) {
            long reach = multiply(strides[k], shape[k] - 1, "strides");
            if (reach < 0) {
                lo = add(lo, reach, "strides");
            } else {
                hi = add(hi, reach, "strides");
            }
        }
        long first = add(add(data, byteOffset, "byte_offset"), lo, "strides");
        long span = hi - lo;
        if (first <= 0 || first + span < 0) {
            throw new DLPackException("elements outside the address space: data=0x" + Long.toHexString(data)
                    + " byte_offset=" + byteOffset + " lowest=" + lo + " span=" + span);
        }
        MemorySegment memory = MemorySegment.ofAddress(first).reinterpret(span);
        return ForeignMemory.view(memory, -lo, format, itemsize, shape, strides, readOnly, release);
    }

    private static long multiply(long a, long b, String what) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw new DLPackException(what + " overflow 64 bits: " + a + "*" + b + " expected=a product < 2^63");
        }
    }

    private static long add(long a, long b, String what) {
        try {
            return Math.addExact(a, b);
        } catch (ArithmeticException e) {
            throw new DLPackException(what + " overflow 64 bits: " + a + "+" + b + " expected=a sum < 2^63");
        }
    }
}
