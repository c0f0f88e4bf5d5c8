package io.bufferbridge.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * A corpus line may claim {@code zero_copy=true} only where the contract does not copy. The fuzz
 * finding {@code CorpusFuzzTestInputs/readLine/zero-copy-claim-on-reversed-view} (NumPy's
 * {@code [::-1]} of a big-endian int64, with the claim added by the fuzzer) made the java path
 * fail a case whose only fault was the claim.
 */
class ZeroCopyClaimTest {

    /** A case over {@code memory} bytes 0, 1, 2…, whose logical bytes the view itself gives. */
    private static Case line(String format, int itemsize, String shape, String strides, int offset, int memory,
            boolean claim) throws java.io.IOException {
        byte[] mem = new byte[memory];
        for (int i = 0; i < memory; i++) {
            mem[i] = (byte) i;
        }
        String text = "{\"id\":\"t\",\"format\":\"" + format + "\",\"itemsize\":" + itemsize + ",\"shape\":[" + shape
                + "],\"strides\":[" + strides + "],\"readonly\":true,\"memory\":\"" + HexFormat.of().formatHex(mem)
                + "\",\"offset\":" + offset + ",\"logical\":\"\",\"zero_copy\":" + claim + ",\"expect\":\"roundtrip\"}\n";
        Corpus corpus = Corpus.read("t.jsonl", new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
        assertEquals(0, corpus.problems().size(), corpus.problems().toString());
        return corpus.cases().get(0);
    }

    private static String check(Case c) {
        try (var arena = java.lang.foreign.Arena.ofConfined(); var v = c.view(arena)) {
            return ZeroCopyClaim.check(c, v);
        }
    }

    @Test
    void aReversedViewCannotClaimZeroCopy() throws java.io.IOException {
        assertEquals("the case claims zero_copy=true for a layout the contract copies: negative stride strides=[-8]",
                check(line(">q", 8, "5", "-8", 32, 40, true)));
    }

    @Test
    void aViewWithGapsCannotClaimZeroCopy() throws java.io.IOException {
        assertEquals("the case claims zero_copy=true for a layout the contract copies: not dense shape=[3] strides=[16]"
                + " itemsize=8", check(line("q", 8, "3", "16", 0, 48, true)));
    }

    @Test
    void aRecordOfMappedFieldsCannotClaimZeroCopy() throws java.io.IOException {
        assertEquals("the case claims zero_copy=true for a record the contract de-interleaves: format='T{h:a:h:b:}'",
                check(line("T{h:a:h:b:}", 4, "2", "4", 0, 8, true)));
    }

    @Test
    void claimsTheContractHoldsPass() throws java.io.IOException {
        assertNull(check(line("T{h:a:g:b:}", 32, "1", "32", 0, 32, true)), "one opaque field: the record is opaque");
        assertNull(check(line("i", 4, "2,3", "4,8", 0, 24, true)), "dense in another axis order");
        assertNull(check(line(">q", 8, "2", "8", 0, 16, true)), "non-native scalars travel opaque, in place");
        assertNull(check(line("q", 8, "0", "-8", 0, 0, false)), "no claim, nothing to hold");
    }
}
