package io.bufferbridge.arrow.vector;

import java.util.Objects;
import org.apache.arrow.vector.FieldVector;

/**
 * The result of {@link ArrowVectors#toVector}: the vector, and whether its data is a copy.
 *
 * @param vector the vector; the caller closes it, which releases the view's export
 * @param copied false when the vector's data buffer is the view's own memory; true when the view's
 *     memory was on the Java heap, its layout not dense, or its element a record (docs/contract.md §2)
 */
public record VectorOfView(FieldVector vector, boolean copied) implements AutoCloseable {

    /** @throws NullPointerException if {@code vector} is null */
    public VectorOfView {
        Objects.requireNonNull(vector, "vector");
    }

    /** Closes the vector. */
    @Override
    public void close() {
        vector.close();
    }
}
