package io.bufferbridge.format;

import java.util.List;
import java.util.Objects;

/**
 * A fixed-shape array of one element layout, C-ordered, written {@code (d0,d1)x} or with a repeat
 * count ({@code 3i}), which is read as NumPy reads it: a sub-array of shape {@code (3,)}.
 *
 * <p>Nested sub-arrays are flattened as NumPy flattens them: {@code (2)3i} is one sub-array of
 * shape {@code (2,3)} of {@code i}. {@link #element()} is therefore never itself a sub-array.
 *
 * @param element the element repeated; never a {@code SubArray}
 * @param shape the dimensions, outermost first; each at least 0
 * @param size bytes of the whole sub-array
 */
public record SubArray(Element element, List<Long> shape, long size) implements Element {

    /**
     * Checks the components and copies the shape.
     *
     * @throws NullPointerException if {@code element} or {@code shape} is null
     * @throws IllegalArgumentException if {@code element} is a sub-array, {@code shape} is empty
     *     or has a negative dimension
     */
    public SubArray {
        Objects.requireNonNull(element, "element");
        shape = List.copyOf(shape);
        if (element instanceof SubArray) {
            throw new IllegalArgumentException("sub-array of a sub-array: flatten the shapes");
        }
        if (shape.isEmpty()) {
            throw new IllegalArgumentException("sub-array without dimensions: shape=" + shape);
        }
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative sub-array dimension: shape=" + shape);
            }
        }
    }

    @Override
    public long alignment() {
        return element.alignment();
    }

    /** {@return the number of elements, the product of the shape} */
    public long length() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public long valueCount() {
        return length() * element.valueCount();
    }
}
