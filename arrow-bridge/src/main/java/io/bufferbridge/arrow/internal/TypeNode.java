package io.bufferbridge.arrow.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * An Arrow type as the exporter writes it into an {@code ArrowSchema} tree: format string, field
 * name, metadata (extension keys included) and children.
 *
 * @param format the C data interface format string
 * @param name the field name
 * @param metadata key/value metadata in order
 * @param children child types
 * @param nullable the {@code ARROW_FLAG_NULLABLE} flag: set for a table column with a validity (docs/contract.md §5)
 */
public record TypeNode(String format, String name, Map<String, String> metadata, List<TypeNode> children,
        boolean nullable) {

    public TypeNode {
        // Most nodes have no metadata: no map copied for them; nor for the map of another node
        // (named, withNullable), which is already an immutable copy.
        metadata = metadata.isEmpty() ? Map.of() : metadata instanceof Frozen ? metadata : new Frozen(metadata);
        children = List.copyOf(children);
    }

    /** An immutable copy of a metadata map, in its order. */
    private static final class Frozen extends java.util.AbstractMap<String, String> {
        private final Map<String, String> map;

        Frozen(Map<String, String> from) {
            map = Collections.unmodifiableMap(new LinkedHashMap<>(from));
        }

        @Override
        public java.util.Set<Map.Entry<String, String>> entrySet() {
            return map.entrySet();
        }

        @Override
        public String get(Object key) {
            return map.get(key);
        }

        @Override
        public boolean containsKey(Object key) {
            return map.containsKey(key);
        }
    }

    /** A node that is not nullable: every node of a single view's export. */
    public TypeNode(String format, String name, Map<String, String> metadata, List<TypeNode> children) {
        this(format, name, metadata, children, false);
    }

    static TypeNode leaf(String format) {
        return new TypeNode(format, "", Map.of(), List.of());
    }

    static TypeNode extension(String format, String extension, String extensionMetadata, List<TypeNode> children) {
        Map<String, String> md = new LinkedHashMap<>();
        md.put(Extensions.NAME_KEY, extension);
        md.put(Extensions.METADATA_KEY, extensionMetadata);
        return new TypeNode(format, "", md, children);
    }

    TypeNode named(String newName) {
        return new TypeNode(format, newName, metadata, children, nullable);
    }

    TypeNode withNullable(boolean value) {
        return new TypeNode(format, name, metadata, children, value);
    }

    TypeNode withMetadata(Map<String, String> more) {
        Map<String, String> md = new LinkedHashMap<>(metadata);
        md.putAll(more);
        return new TypeNode(format, name, md, children, nullable);
    }

    /**
     * {@return the type tree of an imported schema, without the {@code bufferbridge.*} metadata that
     * describes one view}
     *
     * @param s an imported schema
     */
    static TypeNode of(ImportedSchema s) {
        Map<String, String> md = new LinkedHashMap<>();
        s.metadata().forEach((k, v) -> {
            if (!k.startsWith("bufferbridge.")) {
                md.put(k, v);
            }
        });
        List<TypeNode> children = new ArrayList<>();
        for (ImportedSchema c : s.children()) {
            children.add(of(c));
        }
        return new TypeNode(s.format(), s.name() == null ? "" : s.name(), md, children, s.isNullable());
    }

    /** {@return the extension name, or null} */
    String extensionName() {
        return metadata.get(Extensions.NAME_KEY);
    }

    /**
     * {@return the type's shape as a string, names and non-extension metadata left out}: two
     * trees describe the same layout when their signatures are equal
     */
    String signature() {
        return signature(format, extensionName(), children, TypeNode::signature);
    }

    /** {@return the signature of a node of any tree, given how to sign its children} */
    static <T> String signature(String format, String extension, List<T> children, Function<T, String> childSignature) {
        if (children.isEmpty() && (extension == null || extension.equals(Extensions.FIXED_SHAPE_TENSOR))) {
            return format;
        }
        StringBuilder b = new StringBuilder(format);
        if (extension != null && !extension.equals(Extensions.FIXED_SHAPE_TENSOR)) {
            b.append('{').append(extension).append('}');
        }
        if (!children.isEmpty()) {
            b.append('<');
            for (int i = 0; i < children.size(); i++) {
                b.append(i == 0 ? "" : ",").append(childSignature.apply(children.get(i)));
            }
            b.append('>');
        }
        return b.toString();
    }

    boolean containsStruct() {
        if (format.equals("+s")) {
            return true;
        }
        for (TypeNode c : children) {
            if (c.containsStruct()) {
                return true;
            }
        }
        return false;
    }
}
