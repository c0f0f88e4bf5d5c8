package io.bufferbridge.arrow.internal;

import io.bufferbridge.format.Element;
import io.bufferbridge.format.Field;
import io.bufferbridge.format.Record;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongUnaryOperator;

/**
 * The array side of an export: for each {@link TypeNode}, its length, buffers and children.
 *
 * @param length elements
 * @param buffers buffer pointers; the validity bitmap is always NULL (no nulls)
 * @param children child arrays
 */
record ExportData(long length, List<MemorySegment> buffers, List<ExportData> children) {

    /** {@return how many array structs the tree needs} */
    int structs() {
        int n = 1;
        for (ExportData c : children) {
            n += c.structs();
        }
        return n;
    }

    /**
     * Lays out the values of {@code count} elements for a type tree. Element {@code k} starts at
     * {@code pos(k)} in {@code src}. A leaf whose values are contiguous points into {@code src}
     * (no copy); a leaf whose values are interleaved with others (a record field) is gathered into
     * a new buffer from {@code arena}.
     *
     * @param t the element's Arrow type, as {@link ElementMapping} made it
     * @param e the element's layout; only records and sub-arrays are looked at
     * @param contiguous whether {@code pos(k) == pos(0) + k * size} for the element's size
     */
    static ExportData gather(TypeNode t, Element e, MemorySegment src, LongUnaryOperator pos, long count,
            boolean contiguous, Arena arena) {
        if (t.format().equals("+s")) {
            Record r = (Record) e;
            List<ExportData> children = new ArrayList<>();
            for (int i = 0; i < r.fields().size(); i++) {
                Field f = r.fields().get(i);
                long at = f.offset();
                children.add(gather(t.children().get(i), f.element(), src, k -> pos.applyAsLong(k) + at, count, false,
                        arena));
            }
            return new ExportData(count, List.of(MemorySegment.NULL), children);
        }
        if (t.format().startsWith("+w:")) {
            long n = Long.parseLong(t.format().substring(3));
            ListItem item = ListItem.of(e);
            long innerSize = item.size();
            Element inner = item.element();
            ExportData child = gather(t.children().get(0), inner, src,
                    k -> pos.applyAsLong(k / n) + (k % n) * innerSize, Math.multiplyExact(count, n), contiguous, arena);
            return new ExportData(count, List.of(MemorySegment.NULL), List.of(child));
        }
        long width = leafWidth(t.format());
        long bytes = Math.multiplyExact(count, width);
        MemorySegment data;
        if (contiguous) {
            data = count == 0 ? src.asSlice(0, 0) : src.asSlice(pos.applyAsLong(0), bytes);
        } else {
            data = arena.allocate(Math.max(1, bytes), 8).asSlice(0, bytes);
            for (long k = 0; k < count; k++) {
                MemorySegment.copy(src, pos.applyAsLong(k), data, k * width, width);
            }
        }
        return new ExportData(count, List.of(MemorySegment.NULL, data), List.of());
    }

    /** {@return bytes per value of a fixed-width leaf format} */
    static long leafWidth(String format) {
        return switch (format) {
            case "c", "C" -> 1;
            case "s", "S", "e" -> 2;
            case "i", "I", "f" -> 4;
            case "l", "L", "g" -> 8;
            default -> {
                if (format.startsWith("w:")) {
                    yield Long.parseLong(format.substring(2));
                }
                throw new IllegalStateException("not a fixed-width leaf: " + format);
            }
        };
    }
}
