package io.bufferbridge.arrow.vector;

/**
 * Thrown when a vector with nulls is asked for as a plain view: a buffer view has no null slots, and
 * the bytes under a null are not data. The caller chooses instead between
 * {@link ArrowVectors#copyFilled(org.apache.arrow.vector.FieldVector, Object)} (a copy with a fill
 * value in the null slots) and {@link ArrowVectors#withValidity(org.apache.arrow.vector.FieldVector)}
 * (the values, zeroed under nulls, and a {@code ?} view of the validity).
 */
public final class VectorHasNullsException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final long nullCount;
    private final long length;

    /**
     * @param nullCount null slots in the vector and its children
     * @param length the vector's value count
     * @param where the vector's field name and type, for the message
     */
    public VectorHasNullsException(long nullCount, long length, String where) {
        super("vector has nulls: nullCount=" + nullCount + " length=" + length + " " + where
                + "; ask for a fill value or the validity view");
        this.nullCount = nullCount;
        this.length = length;
    }

    /** {@return null slots counted in the vector and its children} */
    public long nullCount() {
        return nullCount;
    }

    /** {@return the vector's value count} */
    public long length() {
        return length;
    }
}
