package io.bufferbridge.arrow.c;

import io.bufferbridge.arrow.internal.ViewExport;
import io.bufferbridge.view.BufferView;

/**
 * Exports buffer views through the Arrow C data interface (docs/contract.md §2–3).
 *
 * <p>The element maps to an Arrow type by docs/contract.md §2's table; ndim 0 and 1 give an array of
 * {@code max(1, shape[0])} elements, ndim ≥ 2 an {@code arrow.fixed_shape_tensor}. The field
 * metadata carries the view ({@code bufferbridge.format}, {@code .shape}, {@code .strides},
 * {@code .readonly}, {@code .copied}, and {@code .itemsize}, which docs/contract.md §3 does not list: a record's
 * itemsize may follow either of two rules and the Arrow type does not tell them apart).
 *
 * <h2>Zero-copy and ownership</h2>
 * When the view's memory is native and its layout dense (and the element is no record, which
 * Arrow stores field by field), the data buffer is the view's own memory: the export holds a view
 * of it (from {@link BufferView#getBuffer(int)}) until the consumer releases the array, so the
 * caller's view cannot be released before then. Otherwise the elements are copied, in C order,
 * into native memory the export owns. Each struct's {@code release} is an FFM upcall that runs once,
 * frees what the export allocated and sets {@code release} to NULL.
 */
public final class ArrowExporter {
    private ArrowExporter() {
    }

    /**
     * Exports {@code view} into a pair of structs the caller provides (allocated with
     * {@link ArrowSchema#allocate} or wrapped from a consumer such as Arrow Java).
     *
     * @param view the view to export; not released by this call
     * @param schema receives the type; must be released (its {@code release} NULL)
     * @param array receives the data; must be released
     * @throws ArrowExportException if a target struct is still live
     * @throws IllegalStateException if the view has been released
     */
    public static void exportView(BufferView view, ArrowSchema schema, ArrowArray array) {
        ViewExport.export(view, schema, array);
    }
}
