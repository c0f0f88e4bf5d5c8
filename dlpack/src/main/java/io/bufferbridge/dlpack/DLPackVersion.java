package io.bufferbridge.dlpack;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * A mirror of DLPack's {@code DLPackVersion}, over FFM: a window on 8 bytes of native memory that
 * someone owns. A consumer compares {@code major} with 1 before it reads anything else of a
 * {@link DLManagedTensorVersioned} but its deleter.
 *
 * <pre>{@code
 * typedef struct {
 *   uint32_t major;
 *   uint32_t minor;
 * } DLPackVersion;
 * }</pre>
 */
public final class DLPackVersion {
    /** The C layout. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("major"),
            ValueLayout.JAVA_INT.withName("minor"))
            .withName("DLPackVersion");

    /** {@code DLPACK_MAJOR_VERSION} of the dlpack.h this module mirrors. */
    public static final int MAJOR = 1;
    /** {@code DLPACK_MINOR_VERSION} of the dlpack.h this module mirrors. */
    public static final int MINOR = 1;

    private final MemorySegment segment;

    private DLPackVersion(MemorySegment segment) {
        this.segment = segment;
    }

    /** {@return a zeroed struct in memory from {@code arena}, which owns it} @param arena owns it */
    public static DLPackVersion allocate(Arena arena) {
        return new DLPackVersion(arena.allocate(LAYOUT));
    }

    /**
     * {@return a window on an existing struct; owns nothing}
     *
     * @param segment at least {@code LAYOUT.byteSize()} bytes
     * @throws IllegalArgumentException if the segment is NULL or too small
     */
    public static DLPackVersion wrap(MemorySegment segment) {
        return new DLPackVersion(Structs.window(segment, LAYOUT));
    }

    /** {@return the struct's memory} */
    public MemorySegment segment() {
        return segment;
    }

    /** {@return {@code major}, unsigned in C, as read} */
    public int major() {
        return segment.get(ValueLayout.JAVA_INT, 0);
    }

    /** Sets {@code major}. @param v the value */
    public void major(int v) {
        segment.set(ValueLayout.JAVA_INT, 0, v);
    }

    /** {@return {@code minor}} */
    public int minor() {
        return segment.get(ValueLayout.JAVA_INT, 4);
    }

    /** Sets {@code minor}. @param v the value */
    public void minor(int v) {
        segment.set(ValueLayout.JAVA_INT, 4, v);
    }
}
