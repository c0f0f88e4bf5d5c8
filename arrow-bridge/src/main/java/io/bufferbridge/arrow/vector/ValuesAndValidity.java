package io.bufferbridge.arrow.vector;

import io.bufferbridge.view.BufferView;
import java.util.Objects;

/**
 * A vector read as two views of the same shape: its values, with zero bytes in every null slot, and
 * its validity, format {@code ?}, {@code true} where the element is valid. Returned by
 * {@link ArrowVectors#withValidity}.
 *
 * @param values the values; zero-copy when the vector has no nulls, else a copy
 * @param validity one {@code ?} per element of {@code values}, in the same shape, always a copy
 * @param nullCount elements of {@code values} that are null
 */
public record ValuesAndValidity(BufferView values, BufferView validity, long nullCount) implements AutoCloseable {

    /** @throws NullPointerException if a view is null */
    public ValuesAndValidity {
        Objects.requireNonNull(values, "values");
        Objects.requireNonNull(validity, "validity");
    }

    /** Releases both views. */
    @Override
    public void close() {
        try {
            values.close();
        } finally {
            validity.close();
        }
    }
}
