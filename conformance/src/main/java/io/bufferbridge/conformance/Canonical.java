package io.bufferbridge.conformance;

import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;

/**
 * The PEP 3118 format docs/contract.md §2 gives a foreign Arrow type once extension types and metadata are
 * gone (what a peer such as DuckDB keeps): the storage type's canonical format, fixed-size list
 * sizes becoming dimensions rather than part of the format.
 */
final class Canonical {
    private Canonical() {}

    static String of(Field field) {
        return of(field, true);
    }

    /** At the top, fixed-size lists are dimensions; inside a record they are sub-arrays. */
    private static String of(Field field, boolean top) {
        ArrowType type = field.getType();
        // Arrow Java keeps an extension it has no class for as its storage type, with the name
        // left in the field metadata; a peer that knows the extension still sees it.
        String extension = field.getMetadata().get("ARROW:extension:name");
        if (type instanceof ArrowType.ExtensionType ext) {
            extension = ext.extensionName();
            type = ext.storageType();
        }
        if ("arrow.bool8".equals(extension)) {
            return "?";
        }
        return switch (type) {
            case ArrowType.Int i -> switch (i.getBitWidth()) {
                case 8 -> i.getIsSigned() ? "b" : "B";
                case 16 -> i.getIsSigned() ? "h" : "H";
                case 32 -> i.getIsSigned() ? "i" : "I";
                default -> i.getIsSigned() ? "q" : "Q";
            };
            case ArrowType.FloatingPoint f -> switch (f.getPrecision()) {
                case HALF -> "e";
                case SINGLE -> "f";
                case DOUBLE -> "d";
            };
            case ArrowType.Bool b -> "?";
            case ArrowType.FixedSizeBinary b -> b.getByteWidth() + "s";
            case ArrowType.FixedSizeList l -> {
                if (top) {
                    yield of(field.getChildren().get(0), true);
                }
                StringBuilder dims = new StringBuilder().append(l.getListSize());
                Field leaf = field.getChildren().get(0);
                while (leaf.getType() instanceof ArrowType.FixedSizeList inner) {
                    dims.append(',').append(inner.getListSize());
                    leaf = leaf.getChildren().get(0);
                }
                yield "(" + dims + ")" + of(leaf, false);
            }
            case ArrowType.Struct s -> {
                StringBuilder b = new StringBuilder("T{");
                for (Field child : field.getChildren()) {
                    b.append(of(child, false)).append(':').append(child.getName()).append(':');
                }
                yield b.append('}').toString();
            }
            default -> type.toString();
        };
    }
}
