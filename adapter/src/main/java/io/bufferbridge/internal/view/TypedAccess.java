package io.bufferbridge.internal.view;

import io.bufferbridge.format.Format;
import io.bufferbridge.format.Scalar;
import io.bufferbridge.format.ScalarKind;

/**
 * Which typed accessors ({@code getLong}, {@code setDouble}, {@code toIntArray}…) a format admits.
 * A valid view of another element type refuses them with {@link UnsupportedOperationException}:
 * the view is valid and so are the arguments, the operation does not apply, as
 * {@code address()} does not apply to heap memory. {@code get}/{@code set} take every format.
 */
public final class TypedAccess {
    private TypedAccess() {}

    /**
     * {@return the format's scalar, when it is an integer of {@code size} bytes}
     *
     * @throws UnsupportedOperationException if it is not
     */
    public static Scalar integer(Format format, int size, String what) {
        if (format.element() instanceof Scalar s && s.kind().isInteger() && s.size() == size) {
            return s;
        }
        throw new UnsupportedOperationException(what + " needs a " + size + "-byte integer format: format="
                + Messages.quote(format.text()));
    }

    /**
     * {@return the format's scalar, when it is of {@code kind} (any byte order)}
     *
     * @throws UnsupportedOperationException if it is not
     */
    public static Scalar kind(Format format, ScalarKind kind, String what) {
        if (format.element() instanceof Scalar s && s.kind() == kind) {
            return s;
        }
        throw new UnsupportedOperationException(what + " needs format " + Messages.quote(kind.code())
                + " (any byte order): format=" + Messages.quote(format.text()));
    }

    /**
     * {@return the format's scalar, when it is one integer or {@code ?}}
     *
     * @throws UnsupportedOperationException if it is not
     */
    public static Scalar integerOrBool(Format format, String what) {
        if (format.element() instanceof Scalar s && (s.kind().isInteger() || s.kind() == ScalarKind.BOOL)) {
            return s;
        }
        throw new UnsupportedOperationException(what + " needs an integer or '?' format: format="
                + Messages.quote(format.text()));
    }

    /**
     * {@return the format's scalar, when it is one real or integer value}
     *
     * @throws UnsupportedOperationException if it is not
     */
    public static Scalar realOrInteger(Format format, String what) {
        if (format.element() instanceof Scalar s && (s.kind().isFloat() || s.kind().isInteger())) {
            return s;
        }
        throw new UnsupportedOperationException(what + " needs a real or integer format: format="
                + Messages.quote(format.text()));
    }

    /**
     * {@return the format's scalar, when it is {@code e}, {@code f} or {@code d}}
     *
     * @throws UnsupportedOperationException if it is not
     */
    public static Scalar writableReal(Format format, String what) {
        if (format.element() instanceof Scalar s && s.kind().isFloat() && s.kind() != ScalarKind.LONG_DOUBLE) {
            return s;
        }
        throw new UnsupportedOperationException(what + " needs format 'e', 'f' or 'd': format="
                + Messages.quote(format.text()));
    }
}
