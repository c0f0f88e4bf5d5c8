package io.bufferbridge.view;

/**
 * Request flags of {@link BufferExporter#getBuffer(int)}, with CPython's values ({@code PyBUF_*}
 * in {@code Include/pybuffer.h}).
 *
 * <p>A request names what the consumer can handle; the exporter refuses a request its layout
 * cannot meet, exactly as CPython's exporters do:
 * <ul>
 *   <li>{@link #WRITABLE} on a read-only exporter;
 *   <li>{@link #C_CONTIGUOUS}, {@link #F_CONTIGUOUS} or {@link #ANY_CONTIGUOUS} when the layout is
 *       not contiguous in that order;
 *   <li>no {@link #STRIDES} when the layout is not C-contiguous (the consumer would assume it is);
 *   <li>{@link #FORMAT} without {@link #ND} (a consumer that takes no shape reads unsigned bytes,
 *       which contradicts a format).
 * </ul>
 *
 * <p>A granted view always carries its format, shape and strides. Where CPython would leave a
 * field NULL because the request did not ask for it ({@link #fillsFormat}, {@link #fillsShape},
 * {@link #fillsStrides}), the consumer may ignore it; the layout it may then assume (unsigned
 * bytes, one dimension, C order) is guaranteed by the refusals above.
 */
public final class BufferFlags {
    private BufferFlags() {}

    /** {@code PyBUF_SIMPLE}: contiguous unsigned bytes, read-only allowed. */
    public static final int SIMPLE = 0;
    /** {@code PyBUF_WRITABLE}: the consumer will write. */
    public static final int WRITABLE = 0x0001;
    /** {@code PyBUF_FORMAT}: the consumer reads the format string. */
    public static final int FORMAT = 0x0004;
    /** {@code PyBUF_ND}: the consumer reads the shape (and assumes C order). */
    public static final int ND = 0x0008;
    /** {@code PyBUF_STRIDES}: the consumer reads shape and strides. */
    public static final int STRIDES = 0x0010 | ND;
    /** {@code PyBUF_C_CONTIGUOUS}: the layout must be C-contiguous. */
    public static final int C_CONTIGUOUS = 0x0020 | STRIDES;
    /** {@code PyBUF_F_CONTIGUOUS}: the layout must be Fortran-contiguous. */
    public static final int F_CONTIGUOUS = 0x0040 | STRIDES;
    /** {@code PyBUF_ANY_CONTIGUOUS}: the layout must be C- or Fortran-contiguous. */
    public static final int ANY_CONTIGUOUS = 0x0080 | STRIDES;
    /** {@code PyBUF_INDIRECT}: the consumer handles suboffsets (bufferbridge never uses them). */
    public static final int INDIRECT = 0x0100 | STRIDES;
    /** {@code PyBUF_CONTIG}. */
    public static final int CONTIG = ND | WRITABLE;
    /** {@code PyBUF_CONTIG_RO}. */
    public static final int CONTIG_RO = ND;
    /** {@code PyBUF_STRIDED}. */
    public static final int STRIDED = STRIDES | WRITABLE;
    /** {@code PyBUF_STRIDED_RO}. */
    public static final int STRIDED_RO = STRIDES;
    /** {@code PyBUF_RECORDS}. */
    public static final int RECORDS = STRIDES | WRITABLE | FORMAT;
    /** {@code PyBUF_RECORDS_RO}. */
    public static final int RECORDS_RO = STRIDES | FORMAT;
    /** {@code PyBUF_FULL}. */
    public static final int FULL = INDIRECT | WRITABLE | FORMAT;
    /** {@code PyBUF_FULL_RO}. */
    public static final int FULL_RO = INDIRECT | FORMAT;

    /** {@return whether the request asks for a writable buffer} @param flags a request */
    public static boolean isWritable(int flags) {
        return (flags & WRITABLE) != 0;
    }

    /** {@return whether CPython would fill the format for this request} @param flags a request */
    public static boolean fillsFormat(int flags) {
        return (flags & FORMAT) != 0;
    }

    /** {@return whether CPython would fill the shape for this request} @param flags a request */
    public static boolean fillsShape(int flags) {
        return (flags & ND) == ND;
    }

    /** {@return whether CPython would fill the strides for this request} @param flags a request */
    public static boolean fillsStrides(int flags) {
        return (flags & STRIDES) == STRIDES;
    }

    /**
     * {@return the request's name as CPython spells it, for example {@code "PyBUF_STRIDED_RO"},
     * or the named bits joined by {@code |}}
     *
     * @param flags a request
     */
    public static String name(int flags) {
        return switch (flags) {
            case SIMPLE -> "PyBUF_SIMPLE";
            case WRITABLE -> "PyBUF_WRITABLE";
            case FORMAT -> "PyBUF_FORMAT";
            case ND -> "PyBUF_ND";
            case STRIDES -> "PyBUF_STRIDES";
            case C_CONTIGUOUS -> "PyBUF_C_CONTIGUOUS";
            case F_CONTIGUOUS -> "PyBUF_F_CONTIGUOUS";
            case ANY_CONTIGUOUS -> "PyBUF_ANY_CONTIGUOUS";
            case INDIRECT -> "PyBUF_INDIRECT";
            case CONTIG -> "PyBUF_CONTIG";
            case STRIDED -> "PyBUF_STRIDED";
            case RECORDS -> "PyBUF_RECORDS";
            case RECORDS_RO -> "PyBUF_RECORDS_RO";
            case FULL -> "PyBUF_FULL";
            case FULL_RO -> "PyBUF_FULL_RO";
            default -> {
                StringBuilder b = new StringBuilder();
                int[] bits = {INDIRECT, ANY_CONTIGUOUS, F_CONTIGUOUS, C_CONTIGUOUS, STRIDES, ND, FORMAT, WRITABLE};
                int rest = flags;
                for (int bit : bits) {
                    if ((rest & bit) == bit) {
                        b.append(b.isEmpty() ? "" : "|").append(name(bit));
                        rest &= ~bit;
                    }
                }
                if (rest != 0 || b.isEmpty()) {
                    b.append(b.isEmpty() ? "" : "|").append("0x").append(Integer.toHexString(rest));
                }
                yield b.toString();
            }
        };
    }
}
