package io.bufferbridge.format;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A record ({@code T{…}} in NumPy's grammar, or a format of several items such as {@code hd}):
 * fields at byte offsets, in the order written. Pad bytes ({@code x}) are not fields.
 *
 * @param fields the fields, in the order of the format
 * @param size NumPy's itemsize: in native ({@code @}) mode padded up to {@code alignment}
 * @param contentSize {@code struct}'s itemsize: the end of the last item, without trailing padding
 * @param alignment the least common multiple of the alignments of the native-mode items, 1 if none
 */
public record Record(List<Field> fields, long size, long contentSize, long alignment) implements Element {

    /**
     * Checks the components and copies the field list.
     *
     * @throws NullPointerException if {@code fields} is null
     * @throws IllegalArgumentException if a size is negative, {@code contentSize > size}, or
     *     {@code alignment < 1}
     */
    public Record {
        fields = List.copyOf(Objects.requireNonNull(fields, "fields"));
        if (contentSize < 0 || size < contentSize || alignment < 1) {
            throw new IllegalArgumentException(
                    "record size or alignment out of range: size=" + size + " contentSize=" + contentSize
                            + " alignment=" + alignment);
        }
    }

    /**
     * {@return the field named {@code name}, or an empty {@code Optional} if there is none}; a
     * generated name ({@code f0}, …) finds an unnamed field
     *
     * @param name a field name
     */
    public Optional<Field> field(String name) {
        Objects.requireNonNull(name, "name");
        for (Field f : fields) {
            if (f.name().equals(name)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    @Override
    public long valueCount() {
        long n = 0;
        for (Field f : fields) {
            n += f.element().valueCount();
        }
        return n;
    }
}
