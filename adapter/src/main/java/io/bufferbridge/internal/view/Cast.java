package io.bufferbridge.internal.view;

import io.bufferbridge.format.Format;
import io.bufferbridge.view.BufferException;
import io.bufferbridge.view.InvalidViewException;
import java.util.Arrays;

/**
 * CPython 3.11's {@code memoryview.cast} rules ({@code memory_cast} in
 * {@code Objects/memoryobject.c}), in CPython's order and with its reasons: what a cast of a
 * C-contiguous view gives, or why it is refused.
 *
 * @param format the result's format, as the caller wrote it ({@code "@h"} stays {@code "@h"})
 * @param itemsize the result's itemsize
 * @param shape the result's shape; its strides are the C-order ones
 */
public record Cast(Format format, long itemsize, long[] shape) {

    /**
     * Applies the rules.
     *
     * @param source the view's format
     * @param shape the view's shape
     * @param strides the view's strides
     * @param cContiguous whether the view is C-contiguous
     * @param byteLength the view's byte length
     * @param destination the new format
     * @param newShape the new shape, or null for {@code cast(format)}
     * @return the result's format, itemsize and shape
     * @throws BufferException if the view is not C-contiguous (the one meaning of a contiguity
     *     refusal in bufferbridge, as {@code getBuffer} and {@code asSegment} give it)
     * @throws InvalidViewException if a rule on the formats or shapes refuses the cast
     */
    public static Cast of(Format source, long[] shape, long[] strides, boolean cContiguous, long byteLength,
            String destination, long[] newShape) {
        if (!cContiguous) {
            throw new BufferException("cast: casts are restricted to C-contiguous views: shape="
                    + Arrays.toString(shape) + " strides=" + Arrays.toString(strides));
        }
        if ((newShape != null || shape.length != 1) && hasZero(shape)) {
            throw new InvalidViewException("cast: cannot cast view with zeros in shape or strides: shape="
                    + Arrays.toString(shape));
        }
        if (newShape != null) {
            if (newShape.length > Bounds.MAX_NDIM) {
                throw new InvalidViewException("cast: number of dimensions must not exceed 64: ndim=" + newShape.length);
            }
            if (shape.length != 1 && newShape.length != 1) {
                throw new InvalidViewException("cast: cast must be 1D -> ND or ND -> 1D: from ndim=" + shape.length
                        + " to ndim=" + newShape.length);
            }
        }
        String dest = destination.startsWith("@") ? destination.substring(1) : destination;
        long destSize = nativeCharSize(dest);
        if (destSize < 0) {
            throw new InvalidViewException("cast: destination format must be a native single character format"
                    + " prefixed with an optional '@': format=" + Messages.quote(destination));
        }
        String src = source.text().startsWith("@") ? source.text().substring(1) : source.text();
        boolean srcByte = nativeCharSize(src) > 0 && isByteCode(src);
        if (!srcByte && !isByteCode(dest)) {
            throw new InvalidViewException("cast: cannot cast between two non-byte formats: from="
                    + Messages.quote(source.text()) + " to=" + Messages.quote(destination));
        }
        if (byteLength % destSize != 0) {
            throw new InvalidViewException("cast: length is not a multiple of itemsize: length=" + byteLength
                    + " itemsize=" + destSize);
        }
        // the result keeps the format as given, "@h" included, as CPython's cast does
        Format parsed = Format.of(destination);
        if (newShape == null) {
            return new Cast(parsed, destSize, new long[] {byteLength / destSize});
        }
        long total = destSize;
        for (long d : newShape) {
            if (d <= 0) {
                throw new InvalidViewException("cast: elements of shape must be integers > 0: shape="
                        + Arrays.toString(newShape));
            }
            if (d > Long.MAX_VALUE / total) {
                throw new InvalidViewException("cast: product(shape) > SSIZE_MAX: shape=" + Arrays.toString(newShape));
            }
            total *= d;
        }
        if (total != byteLength) {
            throw new InvalidViewException("cast: product(shape) * itemsize != buffer size: shape="
                    + Arrays.toString(newShape) + " itemsize=" + destSize + " bytes=" + byteLength);
        }
        return new Cast(parsed, destSize, newShape.clone());
    }

    private static boolean hasZero(long[] shape) {
        for (long d : shape) {
            if (d == 0) {
                return true;
            }
        }
        return false;
    }

    private static boolean isByteCode(String code) {
        return code.equals("b") || code.equals("B") || code.equals("c");
    }

    /**
     * CPython 3.11's {@code get_native_fmtchar}: the size of a native single-character format, or
     * -1. ({@code e} joined the list in 3.12; the replayed oracle is 3.11.)
     */
    private static long nativeCharSize(String code) {
        if (code.length() != 1) {
            return -1;
        }
        return switch (code.charAt(0)) {
            case 'c', 'b', 'B', '?' -> 1;
            case 'h', 'H' -> 2;
            case 'i', 'I', 'f' -> 4;
            case 'l', 'L', 'q', 'Q', 'n', 'N', 'd', 'P' -> 8;
            default -> -1;
        };
    }
}
