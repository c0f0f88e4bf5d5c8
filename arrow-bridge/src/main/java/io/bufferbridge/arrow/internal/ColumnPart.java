package io.bufferbridge.arrow.internal;

import io.bufferbridge.view.BufferView;

/**
 * One column of a batch to export (docs/contract.md §5).
 *
 * @param name the field name
 * @param values the values, {@code shape[0]} rows
 * @param validity a 1-D {@code ?} view of the rows, or null for a column that is not nullable
 */
public record ColumnPart(String name, BufferView values, BufferView validity) {

    /** Releases the views. */
    void close() {
        close(values, validity);
    }

    /**
     * Releases a column's values and then its validity, which may be null; the validity is
     * released even when releasing the values throws.
     */
    public static void close(BufferView values, BufferView validity) {
        try {
            values.close();
        } finally {
            if (validity != null) {
                validity.close();
            }
        }
    }
}
