package io.bufferbridge.dlpack;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * A mirror of DLPack's legacy {@code DLManagedTensor} (what a consumer that asks for no version
 * gets), over FFM: a window on 64 bytes of native memory that someone owns. It has no flags: no
 * read-only flag and no copied flag (docs/contract.md, "DLPack", says what bufferbridge does about
 * that).
 *
 * <pre>{@code
 * typedef struct DLManagedTensor {
 *   DLTensor dl_tensor;
 *   void * manager_ctx;
 *   void (*deleter)(struct DLManagedTensor * self);
 * } DLManagedTensor;
 * }</pre>
 *
 * <p>Ownership is in the factory's name: {@link #allocate(Arena)} takes the memory from an arena
 * the caller owns; the {@code wrap} factories own nothing. Neither runs the deleter.
 */
public final class DLManagedTensor {
    /** The C layout. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            DLTensor.LAYOUT.withName("dl_tensor"),
            ValueLayout.ADDRESS.withName("manager_ctx"),
            ValueLayout.ADDRESS.withName("deleter"))
            .withName("DLManagedTensor");

    private static final long DL_TENSOR = LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("dl_tensor"));
    private static final long MANAGER_CTX = LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("manager_ctx"));
    private static final long DELETER = LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("deleter"));

    private final MemorySegment segment;

    private DLManagedTensor(MemorySegment segment) {
        this.segment = segment;
    }

    /** {@return a zeroed struct in memory from {@code arena}, which owns it} @param arena owns it */
    public static DLManagedTensor allocate(Arena arena) {
        return new DLManagedTensor(arena.allocate(LAYOUT));
    }

    /**
     * {@return a window on an existing struct; owns nothing}
     *
     * @param segment at least {@code LAYOUT.byteSize()} bytes
     * @throws IllegalArgumentException if the segment is NULL or too small
     */
    public static DLManagedTensor wrap(MemorySegment segment) {
        return new DLManagedTensor(Structs.window(segment, LAYOUT));
    }

    /**
     * {@return a window on the struct at {@code address} (a capsule's pointer); owns nothing}
     *
     * @param address a non-zero native address
     * @throws IllegalArgumentException if the address is 0
     */
    public static DLManagedTensor wrap(long address) {
        return new DLManagedTensor(Structs.at(address, LAYOUT));
    }

    /** {@return the struct's memory} */
    public MemorySegment segment() {
        return segment;
    }

    /** {@return the struct's address} */
    public long address() {
        return segment.address();
    }

    /** {@return a window on {@code dl_tensor}} */
    public DLTensor tensor() {
        return DLTensor.wrap(segment.asSlice(DL_TENSOR, DLTensor.LAYOUT.byteSize()));
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
}
