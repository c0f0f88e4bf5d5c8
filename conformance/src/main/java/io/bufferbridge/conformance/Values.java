package io.bufferbridge.conformance;

import io.bufferbridge.view.Complex;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;

/**
 * Compares the values of two views element by element after flattening dimensions and fields,
 * for peers that keep the values but not the shape. Unlike Python's {@code ==}, NaN equals NaN
 * here: the question is whether the peer carried the value, not IEEE comparison.
 */
final class Values {
    private Values() {}

    static void flatten(Object value, List<Object> out) {
        if (value instanceof List<?> list) {
            for (Object v : list) {
                flatten(v, out);
            }
        } else if (value instanceof Complex z) {
            out.add(z.real());
            out.add(z.imag());
        } else {
            out.add(value);
        }
    }

    /** {@return null when both lists hold the same values, else the first difference} */
    static String sameValues(List<Object> want, List<Object> found) {
        if (want.size() != found.size()) {
            return "value count differs: expected=" + want.size() + " found=" + found.size();
        }
        for (int k = 0; k < want.size(); k++) {
            if (!same(want.get(k), found.get(k))) {
                return "value differs: index=" + k + " expected=" + show(want.get(k)) + " found=" + show(found.get(k));
            }
        }
        return null;
    }

    private static boolean same(Object a, Object b) {
        if (a instanceof byte[] x) {
            return b instanceof byte[] y && Arrays.equals(x, y);
        }
        if (a instanceof String || b instanceof String) {
            return a.equals(b);
        }
        BigDecimal x = number(a);
        BigDecimal y = number(b);
        if (x == null || y == null) {
            boolean nanA = a instanceof Double d && d.isNaN();
            boolean nanB = b instanceof Double d && d.isNaN();
            boolean infA = a instanceof Double d && d.isInfinite();
            return nanA && nanB || infA && a.equals(b);
        }
        return x.compareTo(y) == 0;
    }

    private static BigDecimal number(Object o) {
        return switch (o) {
            case Boolean b -> b ? BigDecimal.ONE : BigDecimal.ZERO;
            case Long l -> BigDecimal.valueOf(l);
            case BigInteger i -> new BigDecimal(i);
            case Double d when Double.isFinite(d) -> new BigDecimal(d);
            default -> null;
        };
    }

    private static String show(Object o) {
        return o instanceof byte[] b ? "bytes " + java.util.HexFormat.of().formatHex(b) : String.valueOf(o);
    }
}
