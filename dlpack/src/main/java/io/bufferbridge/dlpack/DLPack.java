package io.bufferbridge.dlpack;

import io.bufferbridge.dlpack.internal.TensorExport;
import io.bufferbridge.dlpack.internal.TensorImport;
import io.bufferbridge.view.BufferView;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Buffer views to and from DLPack 1.1 managed tensors, as docs/contract.md ("DLPack") states.
 *
 * <h2>Export</h2>
 * An export writes the view into a {@link DLManagedTensorVersioned} (or a legacy
 * {@link DLManagedTensor}, for a consumer that asks for no version) on the C heap and hands it
 * over: the consumer owns it and calls its deleter once, from any thread, which frees what the
 * export allocated and lets the view's memory go. The view may be released before that: the
 * export holds its memory ({@link BufferView#hold()}). DLPack strides count elements, so a view
 * whose byte strides are all multiples of its itemsize is shared (zero-copy; negative and zero
 * strides included); any other, and heap memory (the GC moves Java arrays), is copied into C order
 * and flagged {@code IS_COPIED}. A read-only view is flagged {@code READ_ONLY}; the legacy struct
 * has no flag, so a read-only view is refused as a legacy tensor unless it is copied.
 *
 * <h2>Import</h2>
 * An import takes the tensor over: its deleter runs exactly once, when the view and every view
 * derived from it have been released and no segment of them can reach the memory any more
 * (docs/contract.md, "Lifetime"), or at once when the tensor is refused. The view is always
 * zero-copy, read-only when the tensor is flagged so.
 *
 * <p>Every method is thread-safe. The JVM needs {@code --enable-native-access} for this module and
 * the adapter's.
 */
public final class DLPack {
    private DLPack() {
    }

    /**
     * Exports {@code view} as a {@code DLManagedTensorVersioned} (DLPack 1.1).
     *
     * @param view the view; still the caller's to release
     * @param copy whether the export may, must or must not copy
     * @return the struct, owned by the consumer: its deleter must run exactly once
     * @throws DLPackException if the view's format has no DLPack dtype, or {@code copy} is
     *     {@link CopyMode#NEVER} and the view needs a copy
     * @throws IllegalStateException if the view has been released
     */
    public static DLManagedTensorVersioned exportVersioned(BufferView view, CopyMode copy) {
        MemorySegment m = TensorExport.export(Objects.requireNonNull(view, "view"), Objects.requireNonNull(copy, "copy"),
                true);
        return DLManagedTensorVersioned.wrap(m.address());
    }

    /**
     * Exports {@code view} as a legacy {@code DLManagedTensor}, for consumers that ask for no
     * version. It has no flags: a copy is not flagged, and a read-only view is refused unless
     * {@code copy} is {@link CopyMode#ALWAYS} (its consumer could write the shared memory).
     *
     * @param view the view; still the caller's to release
     * @param copy whether the export may, must or must not copy
     * @return the struct, owned by the consumer: its deleter must run exactly once
     * @throws DLPackException if the view's format has no DLPack dtype, {@code copy} is
     *     {@link CopyMode#NEVER} and the view needs a copy, or the view is read-only and shared
     * @throws IllegalStateException if the view has been released
     */
    public static DLManagedTensor exportLegacy(BufferView view, CopyMode copy) {
        MemorySegment m = TensorExport.export(Objects.requireNonNull(view, "view"), Objects.requireNonNull(copy, "copy"),
                false);
        return DLManagedTensor.wrap(m.address());
    }

    /**
     * Imports a {@code DLManagedTensorVersioned}, taking it over.
     *
     * @param tensor the tensor; its deleter is the import's to run from now on
     * @return the view, and the producer's flags
     * @throws DLPackException if the tensor is refused (NULL, no deleter, another major version, a
     *     device that is not host memory, a dtype with no PEP 3118 format or {@code lanes != 1},
     *     ndim outside 0..64, a negative or overflowing shape or strides, NULL data with elements);
     *     its deleter has then run, unless it is NULL
     */
    public static ImportedTensor importVersioned(DLManagedTensorVersioned tensor) {
        return TensorImport.importTensor(tensor == null ? null : tensor.segment(), true);
    }

    /**
     * Imports a legacy {@code DLManagedTensor}, taking it over. The view is writable: the
     * legacy struct cannot say otherwise.
     *
     * @param tensor the tensor; its deleter is the import's to run from now on
     * @return the view
     * @throws DLPackException under the conditions of {@link #importVersioned}, but the version
     */
    public static ImportedTensor importLegacy(DLManagedTensor tensor) {
        return TensorImport.importTensor(tensor == null ? null : tensor.segment(), false);
    }

    /**
     * {@return whether exporting {@code view} under {@code copy} would copy} (and flag
     * {@code IS_COPIED}), without exporting it
     *
     * @param view the view
     * @param copy the copy mode
     * @throws IllegalStateException if the view has been released
     */
    public static boolean isCopyNeeded(BufferView view, CopyMode copy) {
        return TensorExport.copies(view, copy);
    }

    /** {@return exported tensors whose deleter has not run yet} */
    public static int liveExportCount() {
        return TensorExport.live();
    }

    /** {@return deleters run on exported tensors so far} */
    public static long deleterCount() {
        return TensorExport.deletes();
    }

    /** {@return deleters run on a tensor that was not a live export (a consumer's bug); should stay 0} */
    public static long spuriousDeleterCount() {
        return TensorExport.spurious();
    }

    /** {@return imported tensors whose deleter has not run yet} */
    public static int liveImportCount() {
        return TensorImport.live();
    }
}
