package io.bufferbridge.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the format parser (the first fuzz target of the README): any string gives a layout or a
 * {@link FormatException}, and a layout's canonical string parses back to an equal layout.
 *
 * <p>{@code mvn verify} replays the committed inputs in {@code FormatFuzzTestInputs/parse/};
 * {@code .ci/fuzz} fuzzes it ({@code JAZZER_FUZZ=1}).
 */
class FormatFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void parse(FuzzedDataProvider data) {
        String text = data.consumeRemainingAsString();
        Format f;
        try {
            f = Format.of(text);
        } catch (FormatException refused) {
            assertTrue(refused.getMessage() != null && !refused.getMessage().isEmpty(), "refusal has a message");
            return;
        }
        assertTrue(f.itemsize() >= 0, "itemsize >= 0");
        assertTrue(f.paddedItemsize() >= f.itemsize(), "padded itemsize >= itemsize");
        assertTrue(f.alignment() >= 1, "alignment >= 1");
        assertEquals(text, f.text(), "text kept as given");
        String canonical = f.canonical();
        Format again;
        try {
            again = Format.of(canonical);
        } catch (FormatException e) {
            throw new AssertionError("canonical form does not parse: text=" + text + " canonical=" + canonical, e);
        }
        assertEquals(f, again, "canonical parses back to an equal layout: text=" + text + " canonical=" + canonical);
        assertEquals(f.itemsize(), again.itemsize(), "itemsize of canonical: " + canonical);
        assertEquals(f.paddedItemsize(), again.paddedItemsize(), "padded itemsize of canonical: " + canonical);
        assertEquals(canonical, again.canonical(), "canonical is a fixed point: " + text);
    }
}
