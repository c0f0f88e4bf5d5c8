package io.bufferbridge.internal.view;

import io.bufferbridge.format.Element;
import io.bufferbridge.view.Complex;
import java.lang.foreign.MemorySegment;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;

/**
 * Python's {@code ==} between views ({@code memoryview ==}) and between unpacked values: numbers compare by value across types
 * ({@code 1 == 1.0 == True}), NaN equals nothing, bytes equal only bytes, lists compare element
 * by element.
 */
public final class ValueEquality {
    private ValueEquality() {}

    /**
     * {@return Python's {@code memoryview ==} for two views of one shape}: every pair of elements,
     * in C order, unpacks to values Python finds equal
     */
    public static boolean contentEquals(long[] shape, MemorySegment ma, long oa, long[] sa, Element ea,
            MemorySegment mb, long ob, long[] sb, Element eb) {
        if (Bounds.elementCount(shape) == 0) {
            return true;
        }
        long[] index = new long[shape.length];
        while (true) {
            if (!pythonEquals(ElementCodec.read(ma, Bounds.position(oa, shape, sa, index), ea),
                    ElementCodec.read(mb, Bounds.position(ob, shape, sb, index), eb))) {
                return false;
            }
            int k = shape.length - 1;
            while (k >= 0 && ++index[k] == shape[k]) {
                index[k] = 0;
                k--;
            }
            if (k < 0) {
                return true;
            }
        }
    }

    /** {@return whether Python would find {@code a == b}} */
    public static boolean pythonEquals(Object a, Object b) {
        if (a instanceof List<?> la) {
            if (!(b instanceof List<?> lb) || la.size() != lb.size()) {
                return false;
            }
            for (int k = 0; k < la.size(); k++) {
                if (!pythonEquals(la.get(k), lb.get(k))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof byte[] ba) {
            return b instanceof byte[] bb && Arrays.equals(ba, bb);
        }
        if (a instanceof String sa) {
            return sa.equals(b);
        }
        if (a instanceof Complex || b instanceof Complex) {
            Complex ca = toComplex(a);
            Complex cb = toComplex(b);
            return ca != null && cb != null && numbersEqual(ca.real(), cb.real()) && numbersEqual(ca.imag(), cb.imag());
        }
        Object na = number(a);
        Object nb = number(b);
        return na != null && nb != null && numbersEqual(na, nb);
    }

    private static Complex toComplex(Object o) {
        if (o instanceof Complex c) {
            return c;
        }
        Object n = number(o);
        return n == null ? null : new Complex(n instanceof Double d ? d : new BigDecimal(n.toString()).doubleValue(), 0.0);
    }

    /** Booleans are numbers in Python; anything that is not a number gives null. */
    private static Object number(Object o) {
        if (o instanceof Boolean b) {
            return b ? 1L : 0L;
        }
        if (o instanceof Long || o instanceof BigInteger || o instanceof Double) {
            return o;
        }
        return null;
    }

    private static boolean numbersEqual(Object a, Object b) {
        if (a instanceof Double da && Double.isNaN(da) || b instanceof Double db && Double.isNaN(db)) {
            return false;
        }
        if (a instanceof Double da && Double.isInfinite(da) || b instanceof Double db && Double.isInfinite(db)) {
            return a instanceof Double x && b instanceof Double y && x.doubleValue() == y.doubleValue();
        }
        return exact(a).compareTo(exact(b)) == 0;
    }

    private static BigDecimal exact(Object n) {
        return switch (n) {
            case Double d -> new BigDecimal(d);
            case Long l -> BigDecimal.valueOf(l);
            case BigInteger i -> new BigDecimal(i);
            default -> throw new IllegalArgumentException("not a number: " + n);
        };
    }
}
