package io.bufferbridge.arrow.internal;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowSchema;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * Raw field access to {@code struct ArrowSchema} and {@code struct ArrowArray} (their C
 * definitions are quoted in {@link ArrowSchema} and {@link ArrowArray}) by address, through one
 * segment over all of memory.
 *
 * <p>Why: the public mirrors return a {@link MemorySegment} from every pointer accessor, and each
 * wrap, slice and {@code reinterpret} is one more; on a small export + import they were a quarter
 * of the allocation, and each access through a sliced segment paid a scope check. Here a field is
 * a {@code long} read or written at {@code address + offset} of a global segment, which allocates
 * nothing. The same trust as the mirrors' {@link ArrowSchema#wrap(long)}: the caller vouches that
 * the address is a live struct (ours, a moved copy, or a producer's pointer read from one). A
 * struct the API's caller handed in is accessed through its own segment instead (the
 * {@code MemorySegment} overloads), so its arena's liveness and thread checks still apply, or by
 * address once {@link #confinedAddress} has shown that nothing can free it during the call.
 * Pointer fields are 8-aligned (the C layout), so a misaligned struct is refused by the access as
 * it was by the mirrors.
 */
final class Structs {
    /** All of memory, global scope: reads and writes by address with no object per access. */
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG;

    // struct ArrowSchema
    static final long S_FORMAT = offset(ArrowSchema.LAYOUT, "format");
    static final long S_NAME = offset(ArrowSchema.LAYOUT, "name");
    static final long S_METADATA = offset(ArrowSchema.LAYOUT, "metadata");
    static final long S_FLAGS = offset(ArrowSchema.LAYOUT, "flags");
    static final long S_N_CHILDREN = offset(ArrowSchema.LAYOUT, "n_children");
    static final long S_CHILDREN = offset(ArrowSchema.LAYOUT, "children");
    static final long S_DICTIONARY = offset(ArrowSchema.LAYOUT, "dictionary");
    static final long S_RELEASE = offset(ArrowSchema.LAYOUT, "release");
    static final long S_PRIVATE_DATA = offset(ArrowSchema.LAYOUT, "private_data");

    // struct ArrowArray
    static final long A_LENGTH = offset(ArrowArray.LAYOUT, "length");
    static final long A_NULL_COUNT = offset(ArrowArray.LAYOUT, "null_count");
    static final long A_OFFSET = offset(ArrowArray.LAYOUT, "offset");
    static final long A_N_BUFFERS = offset(ArrowArray.LAYOUT, "n_buffers");
    static final long A_N_CHILDREN = offset(ArrowArray.LAYOUT, "n_children");
    static final long A_BUFFERS = offset(ArrowArray.LAYOUT, "buffers");
    static final long A_CHILDREN = offset(ArrowArray.LAYOUT, "children");
    static final long A_DICTIONARY = offset(ArrowArray.LAYOUT, "dictionary");
    static final long A_RELEASE = offset(ArrowArray.LAYOUT, "release");
    static final long A_PRIVATE_DATA = offset(ArrowArray.LAYOUT, "private_data");

    static final long SCHEMA_BYTES = ArrowSchema.LAYOUT.byteSize();
    static final long ARRAY_BYTES = ArrowArray.LAYOUT.byteSize();

    static {
        if (ValueLayout.ADDRESS.byteSize() != 8) {
            throw new ExceptionInInitializerError("Structs needs 64-bit pointers: address.bytes="
                    + ValueLayout.ADDRESS.byteSize());
        }
    }

    private Structs() {
    }

    /** {@return the 64-bit field (an integer or a pointer's address) at {@code struct + offset}} */
    static long get(long struct, long offset) {
        return ALL.get(WORD, struct + offset);
    }

    /** Writes the 64-bit field at {@code struct + offset}. */
    static void set(long struct, long offset, long value) {
        ALL.set(WORD, struct + offset, value);
    }

    /** {@return element {@code i} of the pointer array at {@code pointers}} */
    static long pointerAt(long pointers, long i) {
        return ALL.get(WORD, pointers + 8 * i);
    }

    /** Writes element {@code i} of the pointer array at {@code pointers}. */
    static void setPointerAt(long pointers, long i, long value) {
        ALL.set(WORD, pointers + 8 * i, value);
    }

    /**
     * {@return the 64-bit field at {@code offset} of a struct the caller gave us}: through its own
     * segment, so a struct whose arena is closed is refused as by the mirrors
     */
    static long get(MemorySegment struct, long offset) {
        return struct.get(WORD, offset);
    }

    /** Writes the 64-bit field at {@code offset} of a struct the caller gave us, through its segment. */
    static void set(MemorySegment struct, long offset, long value) {
        struct.set(WORD, offset, value);
    }

    /** Copies the first {@code bytes} of a caller's struct to {@code to} (a struct move). */
    static void copy(MemorySegment from, long to, long bytes) {
        MemorySegment.copy(from, 0, ALL, to, bytes);
    }

    /** A thread that never runs: a segment it cannot access is confined to some thread. */
    private static final Thread NOBODY = new Thread(() -> { }, "bufferbridge-no-owner");

    /**
     * {@return the address of a struct the caller gave us, when its fields may be accessed by
     * address for the rest of this call}, or 0 when they must go through its segment.
     *
     * <p>Why it is safe: the segment is confined to this thread (a confined arena's segment is
     * accessible by one thread only, so not by {@code NOBODY}), it is alive and this thread's (the
     * one checked access here refuses it otherwise, as the mirrors' setters would), and it has
     * room for {@code bytes}. A confined arena can be closed only by its owner, this thread, which
     * is inside this call: so the memory stays valid until the call returns. A shared arena's
     * segment (another thread may close it at any moment) gets 0, as does an automatic one's.
     *
     * @throws IllegalStateException if the struct's arena is closed or another thread's, as an
     *     access through its segment would
     */
    static long confinedAddress(MemorySegment struct, long bytes) {
        long unused = struct.get(WORD, 0);
        return struct.byteSize() >= bytes && !struct.isReadOnly() && !struct.isAccessibleBy(NOBODY)
                ? struct.address() : 0;
    }

    /** Writes a field of a caller's struct: by address when {@code raw} ({@link #confinedAddress}) is not 0. */
    static void set(MemorySegment struct, long raw, long offset, long value) {
        if (raw != 0) {
            set(raw, offset, value);
        } else {
            set(struct, offset, value);
        }
    }

    /** Reads a field of a caller's struct: by address when {@code raw} ({@link #confinedAddress}) is not 0. */
    static long get(MemorySegment struct, long raw, long offset) {
        return raw != 0 ? get(raw, offset) : get(struct, offset);
    }

    private static long offset(StructLayout layout, String field) {
        return layout.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }
}
