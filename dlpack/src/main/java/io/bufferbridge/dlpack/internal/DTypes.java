package io.bufferbridge.dlpack.internal;

import io.bufferbridge.dlpack.DLDataType;
import io.bufferbridge.dlpack.DLPackException;
import io.bufferbridge.format.Format;
import io.bufferbridge.format.Scalar;
import java.nio.ByteOrder;

/**
 * The element mapping of docs/contract.md ("DLPack"): PEP 3118 scalars to DLPack's (code, bits),
 * lanes always 1, and back.
 */
public final class DTypes {
    private DTypes() {
    }

    /**
     * {@return {@code code << 8 | bits}} for the view's format
     *
     * @throws DLPackException if the format has no DLPack dtype (records, sub-arrays, bytes,
     *     {@code g}, non-native byte order…)
     */
    public static int of(Format format) {
        if (format.element() instanceof Scalar s && s.count() == 1 && (s.size() == 1 || s.order() == ByteOrder.nativeOrder())) {
            int bits = (int) s.size() * 8;
            int code = switch (s.kind()) {
                case INT8, INT16, INT32, LONG, INT64, SSIZE -> DLDataType.INT;
                case UINT8, UINT16, UINT32, ULONG, UINT64, SIZE, POINTER -> DLDataType.UINT;
                case FLOAT16, FLOAT32, FLOAT64 -> DLDataType.FLOAT;
                case COMPLEX64, COMPLEX128 -> DLDataType.COMPLEX;
                case BOOL -> DLDataType.BOOL;
                default -> -1;
            };
            if (code >= 0) {
                return code << 8 | bits;
            }
        }
        throw new DLPackException("format has no DLPack dtype: format='" + format.text()
                + "' expected=a native-order b B h H i I l L q Q n N P e f d Zf Zd or ?");
    }

    /**
     * {@return the PEP 3118 format of a DLPack dtype}
     *
     * @throws DLPackException if {@code lanes != 1} or the dtype has no PEP 3118 format
     */
    public static String format(int code, int bits, int lanes) {
        if (lanes != 1) {
            throw new DLPackException("vector dtypes are not supported: dtype.lanes=" + lanes + " expected=1");
        }
        String f = switch (code) {
            case DLDataType.INT -> switch (bits) {
                case 8 -> "b";
                case 16 -> "h";
                case 32 -> "i";
                case 64 -> "q";
                default -> null;
            };
            case DLDataType.UINT -> switch (bits) {
                case 8 -> "B";
                case 16 -> "H";
                case 32 -> "I";
                case 64 -> "Q";
                default -> null;
            };
            case DLDataType.FLOAT -> switch (bits) {
                case 16 -> "e";
                case 32 -> "f";
                case 64 -> "d";
                default -> null;
            };
            case DLDataType.COMPLEX -> switch (bits) {
                case 64 -> "Zf";
                case 128 -> "Zd";
                default -> null;
            };
            case DLDataType.BOOL -> bits == 8 ? "?" : null;
            default -> null;
        };
        if (f == null) {
            throw new DLPackException("dtype has no PEP 3118 format: dtype.code=" + code + " dtype.bits=" + bits
                    + " expected=kDLInt/kDLUInt 8-64, kDLFloat 16/32/64, kDLComplex 64/128 or kDLBool 8");
        }
        return f;
    }
}
