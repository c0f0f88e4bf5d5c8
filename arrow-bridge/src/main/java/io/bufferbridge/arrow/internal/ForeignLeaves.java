package io.bufferbridge.arrow.internal;

import io.bufferbridge.format.Format;
import io.bufferbridge.internal.view.ViewInternals;
import io.bufferbridge.view.BufferView;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The common foreign pair of docs/contract.md §2 (a C producer's, Arrow Java's, pyarrow's): a 1-D
 * array of a fixed-width primitive, no children, no dictionary, no metadata, read from the moved
 * structs' fields into locals and imported without the record tree ({@link ImportedSchema},
 * {@link ImportedArray}, {@link ImportNode}, the plan).
 *
 * <p>Why: that tree, its budgets and the plan were about a third of a foreign import's time and
 * most of its allocation, for a pair whose view is known from six fields: the format code, length,
 * offset, null count and the two buffer pointers. Our own pairs have such a shortcut
 * ({@link LeafPairs}); this is the foreign one.
 *
 * <h2>Safety</h2>
 * It reads only the moved copies of the structs (our memory, written by the move, read once
 * each here, so a producer writing its own structs meanwhile changes nothing after the move),
 * and the producer memory the full import reads too, no more of it: the format string up to its
 * NUL, the two buffer pointers, and the validity bits of the array's range when the null count
 * is -1 ("not computed"). It accepts a pair only when every check the full import makes holds
 * (listed at {@link #tryImport}), and it then builds the view the full import builds: the same
 * format, itemsize, shape, strides, read-only flag, address and length, through the same
 * {@code ViewInternals.foreignView} with the same epoch and the same release callbacks, the schema
 * released first. Anything else, a refusal included, returns null before anything is changed or
 * released, and the full import reads the structs from scratch and imports or refuses them as it
 * always did, with its own message.
 */
final class ForeignLeaves {
    private static final ViewInternals.Access VIEWS = ViewInternals.get();
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    /**
     * What one fixed-width Arrow leaf imports as: the canonical PEP 3118 format {@link ImportNode}
     * gives it, parsed once; its width, the view's itemsize; the 1-D strides {@code {itemsize}},
     * shared by every view built from it (views never modify their arrays, see {@link
     * ViewInternals.Access#foreignView}).
     */
    static final class Leaf {
        final Format format;
        final long itemsize;
        final long[] strides;
        /** The largest {@code offset + length} whose bytes, times the itemsize, fit in a long. */
        final long maxEnd;

        private Leaf(String canonical, long itemsize) {
            this.format = Format.of(canonical);
            this.itemsize = itemsize;
            this.strides = new long[] {itemsize};
            this.maxEnd = Long.MAX_VALUE / itemsize;
        }
    }

    // The canonical formats and widths of ImportNode.leaf, for a node without an extension.
    private static final Leaf INT8 = new Leaf("b", 1);
    private static final Leaf UINT8 = new Leaf("B", 1);
    private static final Leaf INT16 = new Leaf("h", 2);
    private static final Leaf UINT16 = new Leaf("H", 2);
    private static final Leaf INT32 = new Leaf("i", 4);
    private static final Leaf UINT32 = new Leaf("I", 4);
    private static final Leaf INT64 = new Leaf("q", 8);
    private static final Leaf UINT64 = new Leaf("Q", 8);
    private static final Leaf FLOAT16 = new Leaf("e", 2);
    private static final Leaf FLOAT32 = new Leaf("f", 4);
    private static final Leaf FLOAT64 = new Leaf("d", 8);

    private ForeignLeaves() {
    }

    /**
     * {@return the leaf of the NUL-terminated format string at {@code format}}, or null when it is
     * not one of the fixed-width primitive codes this path takes (the full import reads it then).
     * Reads a byte at a time up to the first NUL and never past it, as {@link Native#readCString}
     * does; at most {@link Native#MAX_STRING} bytes, the limit past which the full import refuses.
     */
    static Leaf leaf(long format) {
        int c0 = ALL.get(ValueLayout.JAVA_BYTE, format);
        if (c0 == 0) {
            return null;
        }
        int c1 = ALL.get(ValueLayout.JAVA_BYTE, format + 1);
        if (c1 == 0) {
            return switch (c0) {
                case 'c' -> INT8;
                case 'C' -> UINT8;
                case 's' -> INT16;
                case 'S' -> UINT16;
                case 'i' -> INT32;
                case 'I' -> UINT32;
                case 'l' -> INT64;
                case 'L' -> UINT64;
                case 'e' -> FLOAT16;
                case 'f' -> FLOAT32;
                case 'g' -> FLOAT64;
                default -> null;
            };
        }
        if (c0 != 't') {
            return null;
        }
        int c2 = ALL.get(ValueLayout.JAVA_BYTE, format + 2);
        if (c2 == 0) {
            return null;
        }
        int c3 = ALL.get(ValueLayout.JAVA_BYTE, format + 3);
        if (c3 == 0) {
            // Dates, times and durations: their storage integer.
            return switch (c1 << 8 | c2) {
                case 'd' << 8 | 'D', 't' << 8 | 's', 't' << 8 | 'm' -> INT32;
                case 'd' << 8 | 'm', 't' << 8 | 'u', 't' << 8 | 'n', 'D' << 8 | 's', 'D' << 8 | 'm', 'D' << 8 | 'u',
                        'D' << 8 | 'n' -> INT64;
                default -> null;
            };
        }
        if (c1 != 's' || "smun".indexOf(c2) < 0 || c3 != ':') {
            return null;
        }
        // A timestamp, "ts<unit>:<timezone>": int64 whatever the zone, if the string ends where
        // the full import's read would find its end.
        for (long i = 4; i < Native.MAX_STRING; i++) {
            if (ALL.get(ValueLayout.JAVA_BYTE, format + i) == 0) {
                return INT64;
            }
        }
        return null;
    }

    /**
     * Imports the moved pair as a 1-D view when it is a fixed-width primitive leaf the full import
     * would import zero-copy, with the same view and releases.
     *
     * <p>The checks, each one the full import makes on such a pair (it refuses, or builds a copy,
     * when one fails; here the pair then goes to it): schema: release, format pointer not NULL and
     * its string one of {@link #leaf}'s codes, no dictionary, metadata NULL (so no extension and no
     * {@code bufferbridge.*} keys), {@code n_children} 0; array: release, no dictionary, {@code
     * n_buffers} 2 with a buffer list, {@code n_children} 0, {@code length} at least 1 (an empty
     * array's view is a copy of its own), {@code offset} at least 0, {@code offset + length} and
     * {@code (offset + length) * itemsize} without overflow, {@code null_count} 0 or -1 (-1 with a
     * validity bitmap: no cleared bit in the array's range), the data buffer not NULL. The name and
     * the flags are not read: a view import uses neither.
     *
     * @param moved the moved structs, both live (their addresses not 0)
     * @return the view, the schema released; or null, with nothing changed, nothing released
     * @throws io.bufferbridge.view.InvalidViewException as {@code ViewInternals.foreignView}, which
     *     the checks above exclude
     */
    static BufferView tryImport(ViewImport.Moved moved) {
        long s = moved.schema;
        long a = moved.array;
        long format = Structs.get(s, Structs.S_FORMAT);
        if (Structs.get(s, Structs.S_RELEASE) == 0 || format == 0 || Structs.get(s, Structs.S_DICTIONARY) != 0
                || Structs.get(s, Structs.S_METADATA) != 0 || Structs.get(s, Structs.S_N_CHILDREN) != 0) {
            return null;
        }
        long buffers = Structs.get(a, Structs.A_BUFFERS);
        long length = Structs.get(a, Structs.A_LENGTH);
        long offset = Structs.get(a, Structs.A_OFFSET);
        long nullCount = Structs.get(a, Structs.A_NULL_COUNT);
        if (Structs.get(a, Structs.A_RELEASE) == 0 || Structs.get(a, Structs.A_DICTIONARY) != 0
                || Structs.get(a, Structs.A_N_BUFFERS) != 2 || buffers == 0 || Structs.get(a, Structs.A_N_CHILDREN) != 0
                || length <= 0 || offset < 0 || (nullCount != 0 && nullCount != -1)) {
            return null;
        }
        // Both non-negative: a sum past Long.MAX_VALUE wraps to a negative.
        long end = offset + length;
        if (end < 0) {
            return null;
        }
        Leaf leaf = leaf(format);
        if (leaf == null || end > leaf.maxEnd) {
            return null;
        }
        long validity = Structs.pointerAt(buffers, 0);
        long data = Structs.pointerAt(buffers, 1);
        if (data == 0 || validity != 0 && nullCount == -1 && Bitmaps.countNulls(validity, offset, end) != 0) {
            return null;
        }
        // Everything needed from the schema has been read, as in the full import.
        moved.releaseSchema();
        long itemsize = leaf.itemsize;
        // The producer's memory, rescoped by the view's epoch: after the release no segment over it can be read.
        MemorySegment memory = MemorySegment.ofAddress(data + offset * itemsize).reinterpret(length * itemsize);
        return VIEWS.foreignView(memory, 0, leaf.format, itemsize, new long[] {length}, leaf.strides, true,
                moved.unreached(), moved);
    }
}
