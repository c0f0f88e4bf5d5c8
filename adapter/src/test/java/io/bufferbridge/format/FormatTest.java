package io.bufferbridge.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteOrder;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FormatTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "3              | 0 | repeat count without a format character at 0 in format '3'",
        "y              | 0 | unknown format character 'y' at 0 in format 'y'",
        "T{i:a:         | 0 | unterminated record started at 0 in format 'T{i:a:'",
        "iiT{i:a:       | 2 | unterminated record started at 2 in format 'iiT{i:a:'",
        "9223372036854775808x | 0 | size overflows at 0 in format '9223372036854775808x'",
        "i2305843009213693952i | 1 | size overflows at 1 in format 'i2305843009213693952i'",
        "i}             | 1 | '}' closes no record at 1 in format 'i}'",
        "T{i:a:i:a:}    | 6 | duplicate field name 'a' is not supported at 6 in format 'T{i:a:i:a:}'",
        "&i             | 0 | format character '&' (pointer) is not supported at 0 in format '&i'",
        "T{t:a:}        | 2 | format character 't' (bit field) is not supported at 2 in format 'T{t:a:}'",
        "O              | 0 | format character 'O' (Python object) is not supported at 0 in format 'O'",
        "X{}            | 0 | format character 'X' (function pointer) is not supported at 0 in format 'X{}'",
        "<n             | 1 | format character 'n' needs native mode ('@' or no prefix), found prefix '<' at 1 in format '<n'",
        "3 i            | 1 | whitespace between a repeat count and its format character at 1 in format '3 i'",
        "(2,)i          | 3 | sub-array shape started at 0 expects a decimal dimension, found ')' at 3 in format '(2,)i'",
        "T{i:a          | 3 | unterminated field name started at 3 in format 'T{i:a'",
        "Zq             | 0 | unknown complex code 'Zq' (expected Zf, Zd or native Zg) at 0 in format 'Zq'",
    })
    void errorsNameTheProblemAndPosition(String text, int position, String message) {
        FormatException e = assertThrows(FormatException.class, () -> Format.of(text));
        assertEquals(position, e.position());
        assertEquals(message, e.getMessage());
        assertEquals(text, e.format());
    }

    @Test
    void embeddedNulIsRefused() {
        FormatException e = assertThrows(FormatException.class, () -> Format.of("i\0"));
        assertEquals("embedded NUL character at 1 in format 'i\\x00'", e.getMessage());
    }

    @Test
    void structMeaningForStructStrings() {
        Format ic = Format.of("ic");
        assertEquals(5, ic.itemsize());
        assertEquals(8, ic.paddedItemsize());
        assertTrue(ic.isItemsize(5) && ic.isItemsize(8) && !ic.isItemsize(6));
        assertEquals(List.of("f0", "f1"), ic.fields().stream().map(Field::name).toList());
        assertEquals(List.of(0L, 4L), ic.fields().stream().map(Field::offset).toList());
        assertEquals(8, Format.of("c0l").itemsize());
        assertEquals(4, Format.of("=l").itemsize());
        assertEquals(8, Format.of("i i").itemsize());
        assertEquals(Format.of("ii"), Format.of("i i"));
        assertEquals("ii", Format.of("@i i").canonical());
    }

    @Test
    void numpyCanonicalIsTheTextWithoutLeadingZeros() {
        assertEquals("T{<i:a:d:b:(2,2)f:c:}", Format.of("T{<i:a:d:b:(2,2)f:c:}").canonical());
        assertEquals("T{<i:a0:(2,3)f:b01:}", Format.of("T{<i:a0:(02,003)f:b01:}").canonical());
        assertEquals("3T{0i:x:}", Format.of("003T{00i:x:}").canonical());
        assertEquals("(0,2)i", Format.of("(00,2)i").canonical());
        assertEquals("T{!2h:x:Zd:z:}", Format.of("T{!02h:x:Zd:z:}").canonical());
        // The canonical form is a fixed point and means the same layout.
        Format f = Format.of("T{<i:a0:(02,003)f:b01:}");
        assertEquals(f, Format.of(f.canonical()));
    }

    @Test
    void numpyMeaningForNumpyStrings() {
        Format rec = Format.of("T{i:a:B:b:}");
        assertEquals(5, rec.itemsize());
        assertEquals(8, rec.paddedItemsize());
        assertEquals(4, rec.alignment());
        assertFalse(rec.isStructCompatible());
        Record r = (Record) rec.element();
        assertEquals(new Field("b", true, 4, new Scalar(ScalarKind.UINT8, 1, 1, 1, ByteOrder.LITTLE_ENDIAN)), r.field("b").orElseThrow());

        Format sub = Format.of("T{B:a:(2,3)=h:b:}");
        SubArray b = (SubArray) ((Record) sub.element()).field("b").orElseThrow().element();
        assertEquals(List.of(2L, 3L), b.shape());
        assertEquals(new Scalar(ScalarKind.INT16, 1, 2, 1, ByteOrder.LITTLE_ENDIAN), b.element());
        assertEquals(13, sub.itemsize());

        Format order = Format.of("T{>i:a:h:b:}");
        Scalar h = (Scalar) ((Record) order.element()).field("b").orElseThrow().element();
        assertEquals(ByteOrder.BIG_ENDIAN, h.order(), "an order character stays in force");
        assertEquals(">i2", h.numpyDtype());
    }

    @Test
    void equalityIsByLayoutNotText() {
        assertEquals(Format.of("<i"), Format.of("=i"));
        assertEquals(Format.of(">i"), Format.of("!i"));
        assertNotEquals(Format.of("i"), Format.of("=i"), "native i is aligned, standard i is not");
        assertNotEquals(Format.of("<i"), Format.of(">i"));
        assertEquals(Format.of("<i").hashCode(), Format.of("=i").hashCode());
    }

    /** 100,000 random strings over the grammar's alphabet: each gives a layout or a FormatException. */
    @Test
    void randomStringsGiveALayoutOrTheTypedException() {
        String alphabet = "@=<>!^xcbB?hHiIlLqQnNefdgspPwZT{}():,0123456789 \tOut&X ayz\u00e9\0";
        SplittableRandom random = new SplittableRandom(3118);
        int parsed = 0;
        int refused = 0;
        for (int n = 0; n < 100_000; n++) {
            int length = random.nextInt(0, 24);
            StringBuilder b = new StringBuilder();
            for (int k = 0; k < length; k++) {
                b.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String text = b.toString();
            try {
                Format f = Format.of(text);
                assertTrue(f.itemsize() >= 0 && f.paddedItemsize() >= f.itemsize(), text);
                assertEquals(f, Format.of(f.canonical()), "canonical of " + text);
                parsed++;
            } catch (FormatException e) {
                assertTrue(e.position() >= 0 && e.position() <= text.length(), text);
                refused++;
            } catch (RuntimeException e) {
                fail("format " + text + " threw " + e, e);
            }
        }
        assertEquals(100_000, parsed + refused);
        assertTrue(parsed > 1_000 && refused > 1_000, "parsed=" + parsed + " refused=" + refused);
    }

    @Test
    void lookupsThatFindNothingSaySoWithAnEmptyOptional() {
        assertEquals(java.util.Optional.of(ScalarKind.COMPLEX128), ScalarKind.ofCode("Zd"));
        assertEquals(java.util.Optional.of(ScalarKind.INT32), ScalarKind.ofCode("i"));
        assertEquals(java.util.Optional.empty(), ScalarKind.ofCode("y"));
        assertEquals(java.util.Optional.empty(), ScalarKind.ofCode("ii"));
        Record r = (Record) Format.of("T{i:a:h:b:}").element();
        assertEquals("a", r.field("a").orElseThrow().name());
        assertEquals(true, r.field("a").orElseThrow().named());
        assertEquals(java.util.Optional.empty(), r.field("nope"));
        Record unnamed = (Record) Format.of("ih").element();
        assertEquals(4, unnamed.field("f1").orElseThrow().offset());
        assertEquals(false, unnamed.field("f1").orElseThrow().named());
    }
}
