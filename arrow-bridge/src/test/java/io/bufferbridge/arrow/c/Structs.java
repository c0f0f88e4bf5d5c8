package io.bufferbridge.arrow.c;

import io.bufferbridge.format.Element;
import io.bufferbridge.format.Field;
import io.bufferbridge.format.Format;
import io.bufferbridge.format.Record;
import io.bufferbridge.format.Scalar;
import io.bufferbridge.format.ScalarKind;
import io.bufferbridge.format.SubArray;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Test helpers that read exported structs through the public mirrors only. */
final class Structs {
    private Structs() {
    }

    static String string(MemorySegment p) {
        return p.address() == 0 ? null : p.reinterpret(1 << 16).getString(0, StandardCharsets.UTF_8);
    }

    static ArrowSchema child(ArrowSchema s, int i) {
        return ArrowSchema.wrap(s.children().reinterpret(8L * s.nChildren()).getAtIndex(ValueLayout.ADDRESS, i).address());
    }

    static ArrowArray child(ArrowArray a, int i) {
        return ArrowArray.wrap(a.children().reinterpret(8L * a.nChildren()).getAtIndex(ValueLayout.ADDRESS, i).address());
    }

    static long buffer(ArrowArray a, int i) {
        return a.buffers().reinterpret(8L * a.nBuffers()).getAtIndex(ValueLayout.ADDRESS, i).address();
    }

    static Map<String, String> metadata(ArrowSchema s) {
        Map<String, String> out = new LinkedHashMap<>();
        if (s.metadata().address() == 0) {
            return out;
        }
        MemorySegment m = s.metadata().reinterpret(1 << 20);
        int n = m.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
        long at = 4;
        for (int i = 0; i < n; i++) {
            int kl = m.get(ValueLayout.JAVA_INT_UNALIGNED, at);
            String k = new String(m.asSlice(at + 4, kl).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            at += 4 + kl;
            int vl = m.get(ValueLayout.JAVA_INT_UNALIGNED, at);
            String v = new String(m.asSlice(at + 4, vl).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            at += 4 + vl;
            out.put(k, v);
        }
        return out;
    }

    /** {@code format{extension}<children>}: the exported type tree in one string. */
    static String signature(ArrowSchema s) {
        StringBuilder b = new StringBuilder(string(s.format()));
        String ext = metadata(s).get("ARROW:extension:name");
        if (ext != null) {
            b.append('{').append(ext).append('}');
        }
        if (s.nChildren() > 0) {
            b.append('<');
            for (int i = 0; i < s.nChildren(); i++) {
                b.append(i == 0 ? "" : ",").append(signature(child(s, i)));
            }
            b.append('>');
        }
        return b.toString();
    }

    /** {@return which bytes of one item are data (not {@code x} padding or alignment)} */
    static boolean[] dataMask(Format format, long itemsize) {
        boolean[] mask = new boolean[(int) itemsize];
        mark(format.element(), 0, mask);
        return mask;
    }

    private static void mark(Element e, long at, boolean[] mask) {
        switch (e) {
            case Scalar s -> {
                if (s.kind() != ScalarKind.PAD) {
                    for (long i = 0; i < s.size(); i++) {
                        mask[(int) (at + i)] = true;
                    }
                }
            }
            case SubArray sa -> {
                long n = sa.length();
                long size = sa.element().size();
                for (long i = 0; i < n; i++) {
                    mark(sa.element(), at + i * size, mask);
                }
            }
            case Record r -> {
                for (Field f : r.fields()) {
                    mark(f.element(), at + f.offset(), mask);
                }
            }
        }
    }
}
