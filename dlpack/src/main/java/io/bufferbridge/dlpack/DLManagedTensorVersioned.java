package io.bufferbridge.dlpack;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * A mirror of DLPack 1.x's {@code DLManagedTensorVersioned}, over FFM: a window on 80 bytes of
 * native memory that someone owns. {@code version}, {@code manager_ctx} and {@code deleter} come
 * first and are ABI-stable across major versions, so that a consumer that refuses a major version
 * can still call the deleter.
 *
 * <pre>{@code
 * #define DLPACK_FLAG_BITMASK_READ_ONLY (1UL << 0UL)
 * #define DLPACK_FLAG_BITMASK_IS_COPIED (1UL << 1UL)
 *
 * struct DLManagedTensorVersioned {
 *   DLPackVersion version;
 *   void *manager_ctx;
 *   void (*deleter)(struct DLManagedTensorVersioned *self);
 *   uint64_t flags;
 *   DLTensor dl_tensor;
 * };
 * }</pre>
 *
 * <p>Ownership is in the factory's name: {@link #allocate(Arena)} takes the memory from an arena
 * the caller owns; the {@code wrap} factories own nothing. Neither runs the deleter.
 */
public final class DLManagedTensorVersioned {
    /** The C layout. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            DLPackVersion.LAYOUT.withName("version"),
            ValueLayout.ADDRESS.withName("manager_ctx"),
            ValueLayout.ADDRESS.withName("deleter"),
            ValueLayout.JAVA_LONG.withName("flags"),
            DLTensor.LAYOUT.withName("dl_tensor"))
            .withName("DLManagedTensorVersioned");

    /** {@code DLPACK_FLAG_BITMASK_READ_ONLY}: the consumer must not write the tensor. */
    public static final long FLAG_READ_ONLY = 1L;
    /** {@code DLPACK_FLAG_BITMASK_IS_COPIED}: the data is the producer's copy, not shared memory. */
    public static final long FLAG_IS_COPIED = 1L << 1;

    private static final long VERSION = offset("version");
    private static final long MANAGER_CTX = offset("manager_ctx");
    private static final long DELETER = offset("deleter");
    private static final long FLAGS = offset("flags");
    private static final long DL_TENSOR = offset("dl_tensor");

    private final MemorySegment segment;

    private DLManagedTensorVersioned(MemorySegment segment) {
        this.segment = segment;
    }

    private static long offset(String name) {
        return LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement(name));
    }

    /** {@return a zeroed struct in memory from {@code arena}, which owns it} @param arena owns it */
    public static DLManagedTensorVersioned allocate(Arena arena) {
        return new DLManagedTensorVersioned(arena.allocate(LAYOUT));
    }

    /**
     * {@return a window on an existing struct; owns nothing}
     *
     * @param segment at least {@code LAYOUT.byteSize()} bytes
     * @throws IllegalArgumentException if the segment is NULL or too small
     */
    public static DLManagedTensorVersioned wrap(MemorySegment segment) {
        return new DLManagedTensorVersioned(Structs.window(segment, LAYOUT));
    }

    /**
     * {@return a window on the struct at {@code address} (a capsule's pointer); owns nothing}
     *
     * @param address a non-zero native address
     * @throws IllegalArgumentException if the address is 0
     */
    public static DLManagedTensorVersioned wrap(long address) {
        return new DLManagedTensorVersioned(Structs.at(address, LAYOUT));
    }

    /** {@return the struct's memory} */
    public MemorySegment segment() {
        return segment;
    }

    /** {@return the struct's address} */
    public long address() {
        return segment.address();
    }

    /** {@return a window on {@code version}} */
    public DLPackVersion version() {
        return DLPackVersion.wrap(segment.asSlice(VERSION, DLPackVersion.LAYOUT.byteSize()));
    }

    /** {@return {@code manager_ctx}} */
    public MemorySegment managerCtx() {
        return segment.get(ValueLayout.ADDRESS, MANAGER_CTX);
    }

    /** Sets {@code manager_ctx}. @param v the pointer */
    public void managerCtx(MemorySegment v) {
        segment.set(ValueLayout.ADDRESS, MANAGER_CTX, v);
    }

    /** {@return {@code deleter}, a function pointer; NULL when the producer gave none} */
    public MemorySegment deleter() {
        return segment.get(ValueLayout.ADDRESS, DELETER);
    }

    /** Sets {@code deleter}. @param v a function pointer */
    public void deleter(MemorySegment v) {
        segment.set(ValueLayout.ADDRESS, DELETER, v);
    }

    /** {@return {@code flags}: {@link #FLAG_READ_ONLY}, {@link #FLAG_IS_COPIED}, …} */
    public long flags() {
        return segment.get(ValueLayout.JAVA_LONG, FLAGS);
    }

    /** Sets {@code flags}. @param v the bit mask */
    public void flags(long v) {
        segment.set(ValueLayout.JAVA_LONG, FLAGS, v);
    }

    /** {@return a window on {@code dl_tensor}} */
    public DLTensor tensor() {
        return DLTensor.wrap(segment.asSlice(DL_TENSOR, DLTensor.LAYOUT.byteSize()));
    }
}
