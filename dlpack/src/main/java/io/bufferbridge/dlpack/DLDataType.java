package io.bufferbridge.dlpack;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * A mirror of DLPack's {@code DLDataType}: the element type as a code, a bit width and a lane
 * count. Which PEP 3118 formats map to which is docs/contract.md ("DLPack").
 *
 * <pre>{@code
 * typedef struct {
 *   uint8_t code;    // kDLInt = 0, kDLUInt = 1, kDLFloat = 2, kDLBfloat = 4, kDLComplex = 5, kDLBool = 6, ...
 *   uint8_t bits;
 *   uint16_t lanes;
 * } DLDataType;
 * }</pre>
 */
public final class DLDataType {
    /** The C layout. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            ValueLayout.JAVA_BYTE.withName("code"),
            ValueLayout.JAVA_BYTE.withName("bits"),
            ValueLayout.JAVA_SHORT.withName("lanes"))
            .withName("DLDataType");

    /** {@code kDLInt}. */
    public static final int INT = 0;
    /** {@code kDLUInt}. */
    public static final int UINT = 1;
    /** {@code kDLFloat}. */
    public static final int FLOAT = 2;
    /** {@code kDLBfloat}. */
    public static final int BFLOAT = 4;
    /** {@code kDLComplex}. */
    public static final int COMPLEX = 5;
    /** {@code kDLBool}. */
    public static final int BOOL = 6;

    private final MemorySegment segment;

    private DLDataType(MemorySegment segment) {
        this.segment = segment;
    }

    /** {@return a zeroed struct in memory from {@code arena}, which owns it} @param arena owns it */
    public static DLDataType allocate(Arena arena) {
        return new DLDataType(arena.allocate(LAYOUT));
    }

    /**
     * {@return a window on an existing struct; owns nothing}
     *
     * @param segment at least {@code LAYOUT.byteSize()} bytes
     * @throws IllegalArgumentException if the segment is NULL or too small
     */
    public static DLDataType wrap(MemorySegment segment) {
        return new DLDataType(Structs.window(segment, LAYOUT));
    }

    /** {@return the struct's memory} */
    public MemorySegment segment() {
        return segment;
    }

    /** {@return {@code code}, 0 to 255} */
    public int code() {
        return Byte.toUnsignedInt(segment.get(ValueLayout.JAVA_BYTE, 0));
    }

    /** Sets {@code code}. @param v 0 to 255 */
    public void code(int v) {
        segment.set(ValueLayout.JAVA_BYTE, 0, (byte) v);
    }

    /** {@return {@code bits}, 0 to 255} */
    public int bits() {
        return Byte.toUnsignedInt(segment.get(ValueLayout.JAVA_BYTE, 1));
    }

    /** Sets {@code bits}. @param v 0 to 255 */
    public void bits(int v) {
        segment.set(ValueLayout.JAVA_BYTE, 1, (byte) v);
    }

    /** {@return {@code lanes}, 0 to 65535} */
    public int lanes() {
        return Short.toUnsignedInt(segment.get(ValueLayout.JAVA_SHORT, 2));
    }

    /** Sets {@code lanes}. @param v 0 to 65535 */
    public void lanes(int v) {
        segment.set(ValueLayout.JAVA_SHORT, 2, (short) v);
    }
}
