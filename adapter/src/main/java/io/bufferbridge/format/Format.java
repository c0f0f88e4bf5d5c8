package io.bufferbridge.format;

import io.bufferbridge.internal.format.FormatParser;
import io.bufferbridge.internal.format.ParsedFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A parsed PEP 3118 format string: the layout of one item of a buffer.
 *
 * <p>The grammar is the union of CPython's {@code struct} grammar and NumPy's PEP 3118 extensions.
 * A string that {@code struct} accepts has {@code struct}'s meaning ({@code "ic"} is an int and a
 * char at offsets 0 and 4); a string only NumPy accepts (records {@code T{…}}, field names
 * {@code :name:}, sub-arrays {@code (2,3)}, order characters after the first position,
 * {@code Zf Zd Zg g w ^}) has NumPy's meaning. NumPy's leniency is not copied: an unterminated
 * {@code T{}, a stray {@code }} and whitespace inside NumPy syntax are errors. Native ({@code @})
 * sizes and alignment are those of LP64 Linux on x86-64 and aarch64.
 *
 * <h2>Two itemsize rules</h2>
 * {@link #itemsize()} is {@code struct.calcsize}: alignment is inserted before an item, never after
 * the last one ({@code "ic"} is 5). {@link #paddedItemsize()} is NumPy's: a natively aligned format
 * is padded up to its alignment ({@code "ic"} and {@code "T{i:a:B:b:}"} are 8). Exporters use both,
 * so a view accepts either ({@link #isItemsize(long)}).
 *
 * <h2>Invariants</h2>
 * A {@code Format} is immutable. {@link #text()} is the string exactly as given; {@link
 * #canonical()} is a normalized string that parses back to an equal {@code Format}. Equality
 * compares the layout (element tree, both itemsizes, alignment), not the text: {@code "ii"},
 * {@code "i i"} and {@code "@ii"} are equal.
 */
public final class Format {
    private static final int CACHE_LIMIT = 4096;
    private static final Map<String, Format> CACHE = new ConcurrentHashMap<>();
    /**
     * Set once the cache has reached its limit, which it never leaves (nothing is removed): a miss
     * then reads this flag instead of {@code ConcurrentHashMap.size()}, which sums the map's
     * counter cells.
     */
    private static volatile boolean cacheFull;

    private final String text;
    private final ParsedFormat parsed;

    private Format(String text, ParsedFormat parsed) {
        this.text = text;
        this.parsed = parsed;
    }

    /**
     * Parses a format string.
     *
     * @param text a PEP 3118 or {@code struct} format string
     * @return the layout it describes
     * @throws NullPointerException if {@code text} is null
     * @throws FormatException if the string is not a valid format; the message names the problem
     *     and its position
     */
    public static Format of(String text) {
        Objects.requireNonNull(text, "text");
        Format cached = CACHE.get(text);
        if (cached != null) {
            return cached;
        }
        Format parsed = new Format(text, FormatParser.parse(text));
        if (!cacheFull) {
            if (CACHE.size() < CACHE_LIMIT) {
                CACHE.putIfAbsent(text, parsed);
            } else {
                cacheFull = true;
            }
        }
        return parsed;
    }

    /** {@return the format string exactly as given} */
    public String text() {
        return text;
    }

    /** {@return a normalized format string that parses back to an equal layout} */
    public String canonical() {
        return parsed.canonical();
    }

    /** {@return the layout of one item: a scalar, a sub-array or a record} */
    public Element element() {
        return parsed.element();
    }

    /** {@return {@code struct.calcsize} of the format: no trailing padding at the outermost level} */
    public long itemsize() {
        return parsed.itemsize();
    }

    /** {@return NumPy's itemsize: a natively aligned format padded up to its alignment} */
    public long paddedItemsize() {
        return parsed.paddedItemsize();
    }

    /**
     * {@return whether {@code n} is a valid itemsize for this format under either rule}
     *
     * @param n an itemsize an exporter reported
     */
    public boolean isItemsize(long n) {
        return n == parsed.itemsize() || n == parsed.paddedItemsize();
    }

    /** {@return the common alignment of the natively aligned items, 1 if there are none} */
    public long alignment() {
        return parsed.alignment();
    }

    /** {@return whether CPython's {@code struct} module accepts this string} */
    public boolean isStructCompatible() {
        return parsed.structCompatible();
    }

    /** {@return whether the item is a record of fields (a {@code T{…}} or several items)} */
    public boolean isRecord() {
        return parsed.element() instanceof Record;
    }

    /** {@return the fields of a record format, or an empty list for a scalar or sub-array} */
    public List<Field> fields() {
        return parsed.element() instanceof Record r ? r.fields() : List.of();
    }

    /**
     * {@return the order prefix at position 0 ({@code @ = < > ! ^}), or {@code '@'} when the
     * string has none}
     */
    public char byteOrderPrefix() {
        return !text.isEmpty() && "@=<>!^".indexOf(text.charAt(0)) >= 0 ? text.charAt(0) : '@';
    }

    /**
     * Compares layouts: two formats are equal when their element trees, both itemsizes and their
     * alignment are equal, however they are written.
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof Format f
                && parsed.element().equals(f.parsed.element())
                && parsed.itemsize() == f.parsed.itemsize()
                && parsed.paddedItemsize() == f.parsed.paddedItemsize()
                && parsed.alignment() == f.parsed.alignment();
    }

    @Override
    public int hashCode() {
        return Objects.hash(parsed.element(), parsed.itemsize(), parsed.paddedItemsize(), parsed.alignment());
    }

    /** {@return the format string exactly as given} */
    @Override
    public String toString() {
        return text;
    }
}
