package io.bufferbridge.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.bufferbridge.arrow.c.ArrowDiagnostics;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import io.bufferbridge.view.InvalidViewException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.foreign.Arena;

/**
 * Coverage-guided fuzzing of the corpus loader (one of the fuzz targets .ci/fuzz runs), one line at a time: the raw
 * bytes of a fuzzed line, read as a corpus file would be, give a case or a {@link CorpusProblem},
 * never another exception. A case that describes a valid, small view then goes through the
 * {@code java} round-trip path, which must answer an {@link Outcome} and leave nothing behind.
 */
class CorpusFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void readLine(byte[] line) throws IOException {
        for (int i = 0; i < line.length; i++) {
            if (line[i] == '\n' || line[i] == '\r') {
                line[i] = ' '; // one line: a line break would make it two
            }
        }
        Corpus corpus = Corpus.read("fuzz.jsonl", new ByteArrayInputStream(line));
        int results = corpus.cases().size() + corpus.problems().size();
        assertTrue(results <= 1, "one line gives at most one case or problem");
        for (CorpusProblem p : corpus.problems()) {
            assertEquals(1, p.line());
            assertTrue(p.message() != null && !p.message().isEmpty(), "a problem says what is wrong");
        }
        if (corpus.cases().isEmpty()) {
            return;
        }
        Case c = corpus.cases().get(0);
        long byteLength;
        try (Arena arena = Arena.ofConfined()) {
            BufferView view;
            try {
                view = c.view(arena);
            } catch (InvalidViewException refused) {
                return; // what the runner reports for an invalid case
            }
            byteLength = view.byteLength();
            view.close();
        }
        if (c.reject() || byteLength > 1 << 16) {
            return;
        }
        ForeignMemory.flushReleases();
        int live = ArrowDiagnostics.snapshot().liveImports();
        String precheck = Runner.precheck(c);
        try (JavaPath path = new JavaPath()) {
            Outcome outcome = path.run(c);
            // A case whose own view holds its logical bytes and values must round-trip; one that
            // does not (its bytes were fuzzed) is the runner's failure, reported before any path.
            if (precheck == null) {
                assertEquals(Outcome.pass(), outcome, "a valid case fails the java path: " + c.id());
            }
        }
        ForeignMemory.flushReleases();
        assertEquals(live, ArrowDiagnostics.snapshot().liveImports(), "the java path let go of its import");
    }
}
