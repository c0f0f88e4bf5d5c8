package io.bufferbridge.dlpack;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/** What the struct mirrors share: checking and cutting the window a {@code wrap} factory takes. */
final class Structs {
    private Structs() {
    }

    /**
     * @throws IllegalArgumentException if {@code segment} is NULL or smaller than the layout
     */
    static MemorySegment window(MemorySegment segment, MemoryLayout layout) {
        Objects.requireNonNull(segment, "segment");
        if (segment.address() == 0 || segment.byteSize() < layout.byteSize()) {
            throw new IllegalArgumentException("not a " + layout.name().orElseThrow() + ": address=" + segment.address()
                    + " bytes=" + segment.byteSize() + " expected=" + layout.byteSize());
        }
        return segment.asSlice(0, layout.byteSize());
    }

    /**
     * @throws IllegalArgumentException if {@code address} is 0
     */
    static MemorySegment at(long address, MemoryLayout layout) {
        if (address == 0) {
            throw new IllegalArgumentException("not a " + layout.name().orElseThrow() + ": address=0");
        }
        return MemorySegment.ofAddress(address).reinterpret(layout.byteSize());
    }
}
