package io.bufferbridge.conformance;

import io.bufferbridge.format.Element;
import io.bufferbridge.format.Field;
import io.bufferbridge.format.Record;
import io.bufferbridge.format.Scalar;
import io.bufferbridge.format.ScalarKind;
import io.bufferbridge.format.SubArray;
import io.bufferbridge.view.BufferView;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * Whether a case's {@code zero_copy=true} is a claim the contract can hold. The contract
 * (docs/contract.md, "Arrow mapping") copies every layout that is not dense and every record whose
 * fields all map to Arrow types; a corpus line that claims zero-copy for one of those is a wrong
 * corpus line, not a failing implementation, and the runner reports it before any path (a fuzzed
 * line that added {@code "zero_copy":true} to a reversed view was the first to show it).
 */
final class ZeroCopyClaim {
    private ZeroCopyClaim() {}

    /**
     * The codes the Arrow mapping gives an Arrow type of their own; the others (and a pad byte that
     * is a named field) travel opaque.
     */
    private static final Set<ScalarKind> MAPPED = EnumSet.complementOf(EnumSet.of(ScalarKind.PAD, ScalarKind.PASCAL,
            ScalarKind.LONG_DOUBLE, ScalarKind.UCS4, ScalarKind.COMPLEX_LONG_DOUBLE));

    /** Codes whose values are bytes, the same in either byte order. */
    private static final Set<ScalarKind> BYTEWISE = EnumSet.of(ScalarKind.BYTES, ScalarKind.CHAR);

    /**
     * {@return null when the case claims nothing or a claim the contract can hold, else why the
     * contract copies this view}
     *
     * @param c the case
     * @param view the case's own view
     */
    static String check(Case c, BufferView view) {
        if (!c.zeroCopy()) {
            return null;
        }
        String layout = layout(view.shape(), view.strides(), view.itemsize());
        if (layout != null) {
            return "the case claims zero_copy=true for a layout the contract copies: " + layout;
        }
        if (view.format().element() instanceof Record r && mapsWhole(r)) {
            return "the case claims zero_copy=true for a record the contract de-interleaves: format='"
                    + view.format().text() + "'";
        }
        return null;
    }

    /** Null when the elements fill their span exactly, in some axis order, with strides >= 0. */
    private static String layout(long[] shape, long[] strides, long itemsize) {
        for (long s : strides) {
            if (s < 0) {
                return "negative stride strides=" + Arrays.toString(strides);
            }
        }
        long elements = 1;
        for (long n : shape) {
            elements *= n;
        }
        if (elements == 0) {
            return null; // nothing to copy: any claim holds
        }
        long[][] axes = new long[shape.length][];
        int used = 0;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] > 1) {
                axes[used++] = new long[] {strides[i], shape[i]};
            }
        }
        long[][] sorted = Arrays.copyOf(axes, used);
        Arrays.sort(sorted, (a, b) -> Long.compare(a[0], b[0]));
        long expected = itemsize;
        for (long[] axis : sorted) {
            if (axis[0] != expected) {
                return "not dense shape=" + Arrays.toString(shape) + " strides=" + Arrays.toString(strides)
                        + " itemsize=" + itemsize;
            }
            expected *= axis[1];
        }
        return null;
    }

    /** A record is a struct (a copy) only when every field maps; one opaque field makes it opaque. */
    private static boolean mapsWhole(Element e) {
        return switch (e) {
            case Scalar s -> MAPPED.contains(s.kind())
                    && (s.size() == 1 || BYTEWISE.contains(s.kind()) || s.order() == ByteOrder.nativeOrder());
            case SubArray a -> mapsWhole(a.element());
            case Record r -> r.fields().stream().map(Field::element).allMatch(ZeroCopyClaim::mapsWhole);
        };
    }
}
