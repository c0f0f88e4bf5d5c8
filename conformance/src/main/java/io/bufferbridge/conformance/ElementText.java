package io.bufferbridge.conformance;

import io.bufferbridge.format.Element;
import io.bufferbridge.format.Field;
import io.bufferbridge.format.Record;
import io.bufferbridge.format.Scalar;
import io.bufferbridge.format.SubArray;
import java.nio.ByteOrder;
import java.util.stream.Collectors;

/** Writes one element layout (a record's field, say) back as a self-contained format string. */
final class ElementText {
    private ElementText() {}

    static String of(Element e) {
        return switch (e) {
            case Scalar s -> prefix(s) + (s.kind().isCounted() ? Long.toString(s.count()) : "") + s.kind().code();
            case SubArray a -> "(" + a.shape().stream().map(String::valueOf).collect(Collectors.joining(",")) + ")"
                    + of(a.element());
            case Record r -> {
                StringBuilder b = new StringBuilder("T{");
                for (Field f : r.fields()) {
                    b.append(of(f.element())).append(':').append(f.name()).append(':');
                }
                yield b.append('}').toString();
            }
        };
    }

    /** Native-aligned values need no prefix; standard ones say their order; {@code ^} keeps native sizes unaligned. */
    private static String prefix(Scalar s) {
        boolean nativeSize = s.kind().isCounted() || s.size() == s.kind().nativeSize();
        if (s.alignment() > 1 || s.size() <= 1 && s.alignment() == 1 && s.kind().nativeAlignment() == 1) {
            return "";
        }
        if (nativeSize && s.kind().standardSize() != s.kind().nativeSize()) {
            return "^";
        }
        return s.order() == ByteOrder.BIG_ENDIAN ? ">" : "<";
    }
}
