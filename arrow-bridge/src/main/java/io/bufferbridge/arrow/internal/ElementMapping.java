package io.bufferbridge.arrow.internal;

import io.bufferbridge.format.Element;
import io.bufferbridge.format.Field;
import io.bufferbridge.format.Format;
import io.bufferbridge.format.Record;
import io.bufferbridge.format.Scalar;
import io.bufferbridge.format.ScalarKind;
import io.bufferbridge.format.SubArray;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * docs/contract.md §2, PEP 3118 to Arrow: the Arrow type of one element of a format.
 *
 * <p>The fallback is all or nothing: when any part of the element has no Arrow type (a {@code p},
 * {@code g}, {@code w} or named {@code x} code, or a multi-byte value in non-native byte order),
 * the whole element becomes {@code w:itemsize} with {@code arrow.opaque}, so the bytes travel
 * unchanged and the consumer is never shown a half-decoded record.
 */
public final class ElementMapping {
    /**
     * The mapping of a format text, built once (the type tree is immutable): building it was a
     * tenth of a small export's allocation. Keyed by text, whose hash a {@code String} keeps; at
     * most {@code CACHE_LIMIT} entries, as {@code Format.of}'s own cache, then no more insertions.
     * {@code OPAQUE} marks a format without an Arrow type, whose opaque node depends on the itemsize.
     */
    private static final Map<String, TypeNode> CACHE = new ConcurrentHashMap<>();
    private static final int CACHE_LIMIT = 4096;
    private static final TypeNode OPAQUE = TypeNode.leaf("w:0");

    private ElementMapping() {
    }

    /**
     * {@return the Arrow type of one element}
     *
     * @param format the parsed format
     * @param itemsize the view's itemsize (the opaque width)
     */
    public static TypeNode map(Format format, long itemsize) {
        TypeNode t = CACHE.get(format.text());
        if (t == null) {
            t = mapOrNull(format.element());
            if (CACHE.size() < CACHE_LIMIT) {
                CACHE.putIfAbsent(format.text(), t == null ? OPAQUE : t);
            }
        } else if (t == OPAQUE) {
            t = null;
        }
        if (t == null) {
            return TypeNode.extension("w:" + itemsize, Extensions.OPAQUE, Extensions.opaqueJson(format.text()),
                    List.of());
        }
        return t;
    }

    private static TypeNode mapOrNull(Element e) {
        return switch (e) {
            case Scalar s -> scalar(s);
            case SubArray sa -> {
                TypeNode t = mapOrNull(sa.element());
                if (t == null) {
                    yield null;
                }
                List<Long> dims = sa.shape();
                for (int i = dims.size() - 1; i >= 0; i--) {
                    t = new TypeNode("+w:" + dims.get(i), "", Map.of(), List.of(t.named("item")));
                }
                yield t;
            }
            case Record r -> {
                List<TypeNode> children = new ArrayList<>();
                for (Field f : r.fields()) {
                    TypeNode t = mapOrNull(f.element());
                    if (t == null) {
                        yield null;
                    }
                    children.add(t.named(f.name()));
                }
                yield new TypeNode("+s", "", Map.of(), children);
            }
        };
    }

    private static TypeNode scalar(Scalar s) {
        if (s.size() > 1 && s.order() != ByteOrder.nativeOrder() && s.kind() != ScalarKind.BYTES
                && s.kind() != ScalarKind.CHAR) {
            return null;
        }
        return switch (s.kind()) {
            case CHAR -> TypeNode.leaf("w:1");
            case BYTES -> TypeNode.leaf("w:" + s.count());
            case BOOL -> TypeNode.extension("c", Extensions.BOOL8, "", List.of());
            case INT8, UINT8, INT16, UINT16, INT32, UINT32, LONG, ULONG, INT64, UINT64, SSIZE, SIZE, POINTER ->
                    TypeNode.leaf(integer(s.size(), s.kind().isUnsigned() || s.kind() == ScalarKind.POINTER));
            case FLOAT16 -> TypeNode.leaf("e");
            case FLOAT32 -> TypeNode.leaf("f");
            case FLOAT64 -> TypeNode.leaf("g");
            case COMPLEX64 -> new TypeNode("+w:2", "", Map.of(), List.of(TypeNode.leaf("f").named("item")));
            case COMPLEX128 -> new TypeNode("+w:2", "", Map.of(), List.of(TypeNode.leaf("g").named("item")));
            case PAD, PASCAL, UCS4, LONG_DOUBLE, COMPLEX_LONG_DOUBLE -> null;
        };
    }

    private static String integer(long size, boolean unsigned) {
        String code = switch ((int) size) {
            case 1 -> "c";
            case 2 -> "s";
            case 4 -> "i";
            case 8 -> "l";
            default -> throw new IllegalStateException("integer of size " + size);
        };
        return unsigned ? code.toUpperCase(Locale.ROOT) : code;
    }
}
