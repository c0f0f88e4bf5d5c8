package io.bufferbridge.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import io.bufferbridge.view.BufferView;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * One corpus case (docs/contract.md §4): a view as its exporter reported it, the exporter's memory, the
 * expected logical bytes and, optionally, values.
 *
 * @param id unique name
 * @param format the format string, unchanged
 * @param itemsize bytes per element
 * @param shape the dimensions
 * @param strides the strides in bytes
 * @param readOnly the exporter's read-only flag
 * @param memory the exporter's memory span
 * @param offset byte offset of element (0,…,0) in {@code memory}
 * @param logical the view's contents in C order
 * @param values {@code tolist()} of the view, or null
 * @param zeroCopy whether an export must not copy
 * @param reject whether the case is an invalid view that must be refused
 * @param source what produced the case
 * @param origin file and line the case came from, for messages
 */
public record Case(String id, String format, long itemsize, long[] shape, long[] strides, boolean readOnly,
        byte[] memory, long offset, byte[] logical, JsonNode values, boolean zeroCopy, boolean reject, String source,
        String origin) {

    /**
     * Builds the case's view over a native copy of its memory, so that zero-copy exports have an
     * address.
     *
     * @param arena where the memory is allocated; it must outlive the view
     * @return the view
     * @throws io.bufferbridge.view.InvalidViewException if the case describes an invalid view
     */
    public BufferView view(Arena arena) {
        MemorySegment native_ = arena.allocate(Math.max(memory.length, 1), 16).asSlice(0, memory.length);
        native_.copyFrom(MemorySegment.ofArray(memory));
        return BufferView.of(native_, offset, format, itemsize, shape, strides, readOnly);
    }

    @Override
    public String toString() {
        return id + " [format=" + format + " shape=" + Arrays.toString(shape) + " strides=" + Arrays.toString(strides)
                + "]";
    }
}
