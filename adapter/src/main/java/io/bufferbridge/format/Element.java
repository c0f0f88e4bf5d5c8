package io.bufferbridge.format;

/**
 * The layout of one element of a format: a {@link Scalar}, a {@link SubArray} of elements, or a
 * {@link Record} of named fields.
 *
 * <h2>Invariants</h2>
 * {@link #size()} is NumPy's itemsize of the element: for a record parsed in native mode it
 * includes the trailing padding that rounds the record up to its alignment. Every element is
 * immutable and compares by value.
 */
public sealed interface Element permits Scalar, SubArray, Record {

    /** {@return bytes one element occupies} */
    long size();

    /**
     * {@return the alignment the element asks for in native mode; 1 for a standard-size or
     * {@code ^} element}
     */
    long alignment();

    /** {@return the number of scalar values in one element (1 for a scalar)} */
    long valueCount();
}
