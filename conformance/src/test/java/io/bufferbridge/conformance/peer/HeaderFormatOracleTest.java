package io.bufferbridge.conformance.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bufferbridge.format.Element;
import io.bufferbridge.format.Field;
import io.bufferbridge.format.Format;
import io.bufferbridge.format.FormatException;
import io.bufferbridge.format.Scalar;
import io.bufferbridge.format.SubArray;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * bufferbridge.h's PEP 3118 layout reader against the Java grammar ({@link Format}): every format
 * of the committed oracle data ({@code adapter/src/test/resources/oracle/formats.jsonl}, what
 * CPython's struct and NumPy answered), and a few more, must get the same answer from both: the
 * error position of a refused string, or both itemsizes, the alignment, struct compatibility and
 * the whole element tree (codes, counts, sizes, alignments, byte orders, sub-array shapes, field
 * names, offsets and elements).
 */
class HeaderFormatOracleTest {
    private static final Path ORACLE = Path.of("..", "adapter", "src", "test", "resources", "oracle", "formats.jsonl");
    private final NativePeer peer = NativePeer.instance();

    /** The Java side of {@code bbpeer_format_signature}. */
    static String signature(String text) {
        Format f;
        try {
            f = Format.of(text);
        } catch (FormatException e) {
            return "error " + e.position();
        }
        return f.itemsize() + " " + f.paddedItemsize() + " " + f.alignment() + " " + (f.isStructCompatible() ? "S" : "N")
                + " " + element(f.element());
    }

    private static String element(Element e) {
        if (e instanceof Scalar s) {
            return s.kind().code() + "#" + s.count() + "/" + s.size() + "@" + s.alignment()
                    + (s.order() == ByteOrder.BIG_ENDIAN ? ">" : "<");
        }
        if (e instanceof SubArray a) {
            StringBuilder b = new StringBuilder("(");
            for (int i = 0; i < a.shape().size(); i++) {
                b.append(i == 0 ? "" : ",").append(a.shape().get(i));
            }
            return b.append(')').append(a.size()).append(element(a.element())).toString();
        }
        io.bufferbridge.format.Record r = (io.bufferbridge.format.Record) e;
        StringBuilder b = new StringBuilder("{" + r.size() + "/" + r.contentSize() + "@" + r.alignment() + ":");
        for (int i = 0; i < r.fields().size(); i++) {
            Field f = r.fields().get(i);
            b.append(i == 0 ? "" : ",").append(f.named() ? "" : "~").append(f.name()).append('+').append(f.offset())
                    .append('=').append(element(f.element()));
        }
        return b.append('}').toString();
    }

    private static List<String> oracleFormats() throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<String> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(ORACLE)) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                JsonNode row = json.readTree(line);
                out.add(row.get("format").asText());
            }
        }
        return out;
    }

    private List<String> disagreements(List<String> formats) {
        List<String> out = new ArrayList<>();
        for (String f : formats) {
            // Positions: Java counts UTF-16 units, the header bytes; the same for ASCII, which all are.
            assertTrue(f.chars().allMatch(c -> c < 0x80), "non-ASCII format " + f);
            String java = signature(f);
            String c = peer.formatSignature(f);
            if (!java.equals(c)) {
                out.add("'" + f + "': java=" + java + " c=" + c);
            }
        }
        return out;
    }

    @Test
    void everyOracleFormatGetsTheJavaAnswer() throws IOException {
        List<String> formats = oracleFormats();
        assertEquals(1954, formats.size());
        long refused = formats.stream().filter(f -> signature(f).startsWith("error")).count();
        assertTrue(refused > 300 && refused < formats.size() - 300, "refused " + refused);
        assertEquals(List.of(), disagreements(formats));
    }

    @Test
    void namesAndNestingBeyondTheOracle() {
        StringBuilder many = new StringBuilder("T{");
        for (int k = 0; k < 40; k++) {
            many.append(k % 3 == 0 ? "i" : "d").append(k % 2 == 0 ? ":f" + (k + 1) + ":" : "");
        }
        many.append('}');
        List<String> formats = List.of(many.toString(), "T{i:f1:i:f1:}", "T{i::i}", "T{i:f0:ii}", "(2,3)T{h:a:(2)Zd:b:}",
                "^T{b:a:q:b:}", "<T{i}>T{i}", "T{T{T{b}}}x", "=lLqQ", "@nNP", "xxxi", "2x:pad:i", "((2)i", "i:a", "T{}", "T{}2i",
                "(0)i", "(1,0)T{}", "Zg", "<Zg", "3w", "i\u0000", " i", "i ", "\t3 s");
        assertEquals(List.of(), disagreements(formats));
        assertEquals("16 16 8 N {16/16@8:~f0+0=i#1/4@4<,b+8=q#1/8@8<}", peer.formatSignature("T{iq:b:}"));
    }
}
