package io.bufferbridge.format;

import java.util.Objects;

/**
 * A field of a {@link Record}: a name, a byte offset from the start of the record, and the
 * element stored there.
 *
 * <p>A field that was not named in the format gets NumPy's generated name ({@code f0}, {@code f1},
 * … the first such name not already taken); {@link #named()} tells the two apart.
 *
 * @param name the field name, never null (may be empty, as NumPy allows {@code i::})
 * @param named whether the format named the field itself
 * @param offset byte offset from the start of the record
 * @param element the field's layout
 */
public record Field(String name, boolean named, long offset, Element element) {

    /**
     * Checks the components.
     *
     * @throws NullPointerException if {@code name} or {@code element} is null
     * @throws IllegalArgumentException if {@code offset} is negative
     */
    public Field {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(element, "element");
        if (offset < 0) {
            throw new IllegalArgumentException("negative field offset: name='" + name + "' offset=" + offset);
        }
    }
}
