package io.bufferbridge.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code --peer NAME=LIB}: another implementation of the Arrow C data interface checked against
 * the corpus as a path of its own. The peer here is {@code c/examples/echo_peer.c}, built on
 * {@code bufferbridge.h} during the build as a user's would be: it reads each exported pair as a
 * {@code bb_view} and exports that view again.
 */
class ExternalPeerTest {
    private static final Path ECHO = Path.of("target/examples/libecho_peer.so").toAbsolutePath();

    private static List<String> run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        int exit;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            exit = new CommandLine(new Main()).execute(args);
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
        List<String> lines = new java.util.ArrayList<>(out.toString(StandardCharsets.UTF_8).lines().toList());
        lines.add("exit=" + exit);
        lines.addAll(err.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.startsWith("progress:")).toList());
        return lines;
    }

    @Test
    void theBuiltInCorpusPassesThroughAPeerWrittenOnTheHeader() {
        List<String> lines = run("--peer", "echo=" + ECHO, "--path", "echo");
        assertEquals("657 passed, 0 failed, 0 skipped", lines.get(lines.size() - 2), String.join("\n", lines));
        assertEquals("exit=0", lines.get(lines.size() - 1));
        assertTrue(lines.get(0).replaceAll(" +", " ").startsWith("case | echo"), lines.get(0));
    }

    @Test
    void aPeerRunsBesideTheBuiltInPaths() {
        Path corpus = Path.of("src/test/resources/someone-else.jsonl").toAbsolutePath();
        List<String> lines = run("--corpus", corpus.toString(), "--path", "java", "--peer", "echo=" + ECHO,
                "--path", "echo");
        assertEquals("6 passed, 0 failed, 0 skipped", lines.get(lines.size() - 2), String.join("\n", lines));
    }

    @Test
    void aLibraryWithoutThePeerFunctionSkipsEveryCaseWithTheReason() {
        Path corpus = Path.of("src/test/resources/someone-else.jsonl").toAbsolutePath();
        Path notAPeer = Path.of("target/examples/libfrom_c.so").toAbsolutePath();
        List<String> lines = run("--corpus", corpus.toString(), "--peer", "other=" + notAPeer, "--path", "other");
        assertEquals("0 passed, 0 failed, 3 skipped", lines.get(lines.size() - 2), String.join("\n", lines));
        assertEquals(notAPeer + " has no function bb_conformance_peer",
                ExternalPeerPath.open("other", notAPeer).unavailable());
        Path missing = Path.of("target/examples/nosuch.so").toAbsolutePath();
        assertEquals("no such library: " + missing, ExternalPeerPath.open("gone", missing).unavailable());
    }

    @Test
    void aPeerNamedAsABuiltInPathIsRefused() {
        List<String> lines = run("--peer", "java=" + ECHO);
        assertEquals(List.of("exit=2", "error: --peer needs a name of its own, found 'java' (built-in paths: java,"
                + " native, duckdb, pyarrow, cpython, dlpack-numpy, dlpack-torch)"), lines);
    }
}
