package io.bufferbridge.internal.view;

import io.bufferbridge.format.Element;
import io.bufferbridge.format.Record;
import io.bufferbridge.format.Scalar;
import io.bufferbridge.format.ScalarKind;
import io.bufferbridge.format.SubArray;
import io.bufferbridge.view.Complex;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes one element at a byte position: a scalar in its byte order, a record field by
 * field, a sub-array in C order. Every access is unaligned, because a field view need not be
 * aligned.
 */
public final class ElementCodec {
    private ElementCodec() {}

    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG_BE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT_BE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE_LE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE_BE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

    static boolean big(Scalar s) {
        return s.order() == ByteOrder.BIG_ENDIAN;
    }

    /**
     * Reads an element as {@code memoryview.tolist()} or NumPy unpacks it: a scalar as
     * {@link #read(MemorySegment, long, Scalar)}, a record as a {@code List} of its fields' values,
     * a sub-array as nested {@code List}s in C order.
     */
    public static Object read(MemorySegment m, long pos, Element e) {
        return switch (e) {
            case Scalar s -> read(m, pos, s);
            case Record r -> {
                List<Object> values = new ArrayList<>(r.fields().size());
                for (var f : r.fields()) {
                    values.add(read(m, pos + f.offset(), f.element()));
                }
                yield values;
            }
            case SubArray a -> readSubArray(m, a, 0, pos);
        };
    }

    /**
     * {@return a view's values as {@code memoryview.tolist()} gives them}: the single value for a
     * 0-d view, else one list level per dimension
     */
    public static Object toList(MemorySegment m, long offset, long[] shape, long[] strides, Element e) {
        return shape.length == 0 ? read(m, offset, e) : toList(m, 0, offset, shape, strides, e);
    }

    private static List<Object> toList(MemorySegment m, int dim, long pos, long[] shape, long[] strides, Element e) {
        List<Object> out = new ArrayList<>((int) Math.min(shape[dim], 1 << 16));
        for (long i = 0; i < shape[dim]; i++) {
            long at = pos + i * strides[dim];
            out.add(dim + 1 == shape.length ? read(m, at, e) : toList(m, dim + 1, at, shape, strides, e));
        }
        return out;
    }

    private static Object readSubArray(MemorySegment m, SubArray a, int dim, long pos) {
        long n = a.shape().get(dim);
        long step = a.element().size();
        for (int k = dim + 1; k < a.shape().size(); k++) {
            step *= a.shape().get(k);
        }
        List<Object> values = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            long at = pos + i * step;
            values.add(dim + 1 == a.shape().size() ? read(m, at, a.element()) : readSubArray(m, a, dim + 1, at));
        }
        return values;
    }

    /**
     * Writes an element from a value of the type {@link #read(MemorySegment, long, Element)} gives.
     *
     * @throws IllegalArgumentException if the value does not fit the element
     * @throws UnsupportedOperationException if a scalar of the element cannot be written
     */
    public static void write(MemorySegment m, long pos, Element e, Object value) {
        switch (e) {
            case Scalar s -> write(m, pos, s, value);
            case Record r -> {
                List<?> values = listOf(value, r.fields().size(), "record");
                for (int k = 0; k < values.size(); k++) {
                    write(m, pos + r.fields().get(k).offset(), r.fields().get(k).element(), values.get(k));
                }
            }
            case SubArray a -> writeSubArray(m, a, 0, pos, value);
        }
    }

    private static void writeSubArray(MemorySegment m, SubArray a, int dim, long pos, Object value) {
        long n = a.shape().get(dim);
        long step = a.element().size();
        for (int k = dim + 1; k < a.shape().size(); k++) {
            step *= a.shape().get(k);
        }
        List<?> values = listOf(value, n, "sub-array");
        for (int i = 0; i < n; i++) {
            long at = pos + i * step;
            if (dim + 1 == a.shape().size()) {
                write(m, at, a.element(), values.get(i));
            } else {
                writeSubArray(m, a, dim + 1, at, values.get(i));
            }
        }
    }

    private static List<?> listOf(Object value, long size, String what) {
        if (!(value instanceof List<?> list) || list.size() != size) {
            throw new IllegalArgumentException("a " + what + " takes a List of its values: expected=" + size
                    + " found=" + (value instanceof List<?> l ? l.size() : typeName(value)));
        }
        return list;
    }

    /** Reads the raw bits of an integer (or bool) scalar of 1, 2, 4 or 8 bytes, sign- or zero-extended. */
    public static long readBits(MemorySegment m, long pos, Scalar s) {
        boolean unsigned = s.kind().isUnsigned() || s.kind() == ScalarKind.BOOL || s.kind() == ScalarKind.CHAR;
        return switch ((int) s.size()) {
            case 1 -> unsigned ? Byte.toUnsignedLong(m.get(ValueLayout.JAVA_BYTE, pos)) : m.get(ValueLayout.JAVA_BYTE, pos);
            case 2 -> {
                short v = m.get(big(s) ? SHORT_BE : SHORT_LE, pos);
                yield unsigned ? Short.toUnsignedLong(v) : v;
            }
            case 4 -> {
                int v = m.get(big(s) ? INT_BE : INT_LE, pos);
                yield unsigned ? Integer.toUnsignedLong(v) : v;
            }
            case 8 -> m.get(big(s) ? LONG_BE : LONG_LE, pos);
            default -> throw new IllegalArgumentException("not an integer scalar: format='" + s.kind().code() + "' size=" + s.size());
        };
    }

    /** Writes the low bytes of {@code bits} as an integer scalar. */
    public static void writeBits(MemorySegment m, long pos, Scalar s, long bits) {
        switch ((int) s.size()) {
            case 1 -> m.set(ValueLayout.JAVA_BYTE, pos, (byte) bits);
            case 2 -> m.set(big(s) ? SHORT_BE : SHORT_LE, pos, (short) bits);
            case 4 -> m.set(big(s) ? INT_BE : INT_LE, pos, (int) bits);
            case 8 -> m.set(big(s) ? LONG_BE : LONG_LE, pos, bits);
            default -> throw new IllegalArgumentException("not an integer scalar: format='" + s.kind().code() + "' size=" + s.size());
        }
    }

    /** Reads a real floating point scalar ({@code e f d g}) as a double. */
    public static double readReal(MemorySegment m, long pos, Scalar s) {
        return switch (s.kind()) {
            case FLOAT16 -> Float.float16ToFloat(m.get(big(s) ? SHORT_BE : SHORT_LE, pos));
            case FLOAT32 -> m.get(big(s) ? FLOAT_BE : FLOAT_LE, pos);
            case FLOAT64 -> m.get(big(s) ? DOUBLE_BE : DOUBLE_LE, pos);
            case LONG_DOUBLE -> x87ToDouble(m.get(big(s) ? LONG_BE : LONG_LE, pos),
                    Short.toUnsignedInt(m.get(big(s) ? SHORT_BE : SHORT_LE, pos + 8)));
            default -> throw new IllegalArgumentException("not a real scalar: format='" + s.kind().code() + "'");
        };
    }

    /** Reads a real or integer scalar as a double; an unsigned 64-bit value above 2^63 is not negative. */
    public static double readDouble(MemorySegment m, long pos, Scalar s) {
        if (s.kind().isFloat()) {
            return readReal(m, pos, s);
        }
        long bits = readBits(m, pos, s);
        return s.kind().isUnsigned() && bits < 0 ? (double) (bits >>> 1) * 2.0 + (bits & 1) : bits;
    }

    /** Writes a real floating point scalar ({@code e f d}). */
    public static void writeReal(MemorySegment m, long pos, Scalar s, double v) {
        switch (s.kind()) {
            case FLOAT16 -> m.set(big(s) ? SHORT_BE : SHORT_LE, pos, Float.floatToFloat16((float) v));
            case FLOAT32 -> m.set(big(s) ? FLOAT_BE : FLOAT_LE, pos, (float) v);
            case FLOAT64 -> m.set(big(s) ? DOUBLE_BE : DOUBLE_LE, pos, v);
            default -> throw new IllegalArgumentException("cannot write a double: format='" + s.kind().code() + "'");
        }
    }

    /**
     * x86 80-bit extended precision (the low 10 of {@code g}'s 16 bytes) to the nearest double:
     * 64-bit significand with an explicit integer bit, 15-bit exponent, sign.
     */
    static double x87ToDouble(long significand, int signExponent) {
        boolean negative = (signExponent & 0x8000) != 0;
        int exponent = signExponent & 0x7fff;
        double magnitude;
        if (exponent == 0x7fff) {
            magnitude = (significand << 1) == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        } else if (exponent == 0 && significand == 0) {
            magnitude = 0.0;
        } else {
            BigDecimal value = new BigDecimal(new BigInteger(Long.toUnsignedString(significand)));
            int power = (exponent == 0 ? 1 : exponent) - 16383 - 63;
            value = power >= 0 ? value.multiply(new BigDecimal(BigInteger.TWO.pow(power)))
                    : value.divide(new BigDecimal(BigInteger.TWO.pow(-power)));
            magnitude = value.doubleValue();
        }
        return negative ? -magnitude : magnitude;
    }

    /**
     * Reads a scalar as the value Python's {@code memoryview.tolist()} or NumPy would give:
     * {@code Long} (or {@code BigInteger} for an unsigned 64-bit value above {@code Long.MAX_VALUE}),
     * {@code Double}, {@code Boolean}, {@code byte[]} for {@code c s p x}, {@code String} for
     * {@code w}, {@link Complex} for {@code Zf Zd Zg}.
     */
    public static Object read(MemorySegment m, long pos, Scalar s) {
        ScalarKind k = s.kind();
        switch (k) {
            case BOOL:
                return m.get(ValueLayout.JAVA_BYTE, pos) != 0;
            case CHAR:
            case BYTES:
            case PAD:
                return copy(m, pos, s.size());
            case PASCAL: {
                if (s.size() == 0) {
                    return new byte[0];
                }
                int n = (int) Math.min(Byte.toUnsignedInt(m.get(ValueLayout.JAVA_BYTE, pos)), s.size() - 1);
                return copy(m, pos + 1, n);
            }
            case UCS4: {
                StringBuilder b = new StringBuilder();
                for (long c = 0; c < s.count(); c++) {
                    int cp = m.get(big(s) ? INT_BE : INT_LE, pos + 4 * c);
                    b.appendCodePoint(Character.isValidCodePoint(cp) ? cp : 0xfffd);
                }
                int end = b.length();
                while (end > 0 && b.charAt(end - 1) == 0) {
                    end--;
                }
                return b.substring(0, end);
            }
            case COMPLEX64, COMPLEX128, COMPLEX_LONG_DOUBLE: {
                Scalar part = new Scalar(switch (k) {
                    case COMPLEX64 -> ScalarKind.FLOAT32;
                    case COMPLEX128 -> ScalarKind.FLOAT64;
                    default -> ScalarKind.LONG_DOUBLE;
                }, 1, s.size() / 2, 1, s.order());
                return new Complex(readReal(m, pos, part), readReal(m, pos + s.size() / 2, part));
            }
            case FLOAT16, FLOAT32, FLOAT64, LONG_DOUBLE:
                return readReal(m, pos, s);
            default: {
                long bits = readBits(m, pos, s);
                if (s.size() == 8 && k.isUnsigned() && bits < 0) {
                    return BigInteger.valueOf(bits).add(TWO_64);
                }
                return bits;
            }
        }
    }

    /**
     * Writes {@code value} as {@code struct.pack} would: integers in range for integer codes,
     * numbers for float codes, booleans (or numbers, by truth) for {@code ?}, byte arrays for
     * {@code c s p}.
     *
     * @throws IllegalArgumentException if the value does not fit the code
     * @throws UnsupportedOperationException for a code that cannot be written ({@code w}, {@code g},
     *     complex)
     */
    public static void write(MemorySegment m, long pos, Scalar s, Object value) {
        ScalarKind k = s.kind();
        switch (k) {
            case BOOL -> {
                boolean b = value instanceof Boolean bool ? bool : value instanceof Number n && n.doubleValue() != 0;
                if (!(value instanceof Boolean) && !(value instanceof Number)) {
                    throw new IllegalArgumentException(unfit("?", "Boolean", typeName(value)));
                }
                m.set(ValueLayout.JAVA_BYTE, pos, (byte) (b ? 1 : 0));
            }
            case CHAR -> {
                if (!(value instanceof byte[] bytes) || bytes.length != 1) {
                    throw new IllegalArgumentException(unfit("c", "byte[1]", describe(value)));
                }
                m.set(ValueLayout.JAVA_BYTE, pos, bytes[0]);
            }
            case BYTES, PASCAL, PAD -> {
                if (!(value instanceof byte[] bytes)) {
                    throw new IllegalArgumentException(unfit(k.code(), "byte[]", typeName(value)));
                }
                MemorySegment target = m.asSlice(pos, s.size());
                target.fill((byte) 0);
                if (k == ScalarKind.PASCAL) {
                    if (s.size() > 0) {
                        int n = (int) Math.min(Math.min(bytes.length, s.size() - 1), 255);
                        target.set(ValueLayout.JAVA_BYTE, 0, (byte) n);
                        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, target, 1, n);
                    }
                } else {
                    MemorySegment.copy(MemorySegment.ofArray(bytes), 0, target, 0, Math.min(bytes.length, s.size()));
                }
            }
            case FLOAT16, FLOAT32, FLOAT64 -> {
                if (!(value instanceof Number n)) {
                    throw new IllegalArgumentException(unfit(k.code(), "Number", typeName(value)));
                }
                writeReal(m, pos, s, n.doubleValue());
            }
            default -> {
                if (!k.isInteger()) {
                    throw new UnsupportedOperationException("writing the format is not supported: format='" + k.code() + "'");
                }
                BigInteger v;
                if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
                    v = BigInteger.valueOf(((Number) value).longValue());
                } else if (value instanceof BigInteger b) {
                    v = b;
                } else {
                    throw new IllegalArgumentException(unfit(k.code(), "an integer", typeName(value)));
                }
                int bits = (int) s.size() * 8;
                BigInteger min = k.isUnsigned() ? BigInteger.ZERO : BigInteger.ONE.shiftLeft(bits - 1).negate();
                BigInteger max = k.isUnsigned() ? BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)
                        : BigInteger.ONE.shiftLeft(bits - 1).subtract(BigInteger.ONE);
                if (v.compareTo(min) < 0 || v.compareTo(max) > 0) {
                    throw new IllegalArgumentException("value out of range for the format: format='" + k.code() + "' value=" + v
                            + " min=" + min + " max=" + max);
                }
                writeBits(m, pos, s, v.longValue());
            }
        }
    }

    private static byte[] copy(MemorySegment m, long pos, long n) {
        return m.asSlice(pos, n).toArray(ValueLayout.JAVA_BYTE);
    }

    private static String unfit(String code, String expected, String found) {
        return "value does not fit the format: format='" + code + "' expected=" + expected + " found=" + found;
    }

    private static String typeName(Object value) {
        return value == null ? "null" : value.getClass().getSimpleName();
    }

    private static String describe(Object value) {
        return value instanceof byte[] b ? "byte[" + b.length + "]" : typeName(value);
    }
}
