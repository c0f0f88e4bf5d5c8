package io.bufferbridge.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code src/main/python/pyarrow_roundtrip.py}, pyarrow's side of target 1 in RESULTS.md: its
 * {@code --quick} mode runs every case (each checked zero-copy by the script before it is timed)
 * and writes the JSON RESULTS.md is computed from. This asserts the JSON's structure, never its
 * speed. Needs a python with NumPy and pyarrow ({@code BUFFERBRIDGE_PYTHON}, else
 * {@code python3}, as the conformance peer finds it); skipped, saying so, without one.
 */
class PyarrowRoundTripScriptTest {

    private static final String SCRIPT = "src/main/python/pyarrow_roundtrip.py";

    /** Prints the JSON's shape: one line per key path, with the value's type or exact value. */
    private static final String SHAPE = String.join("\n",
            "import json, sys",
            "d = json.load(open(sys.argv[1]))",
            "print('keys', sorted(d))",
            "print('structs', d['structs'], 'repeat', d['repeat'], 'number', d['number'], 'unit', d['unit'])",
            "for n, row in d['sizes'].items():",
            "    for case, t in row.items():",
            "        ok = isinstance(t['best'], float) and 0 < t['best'] <= t['median']",
            "        print(n, case, sorted(t), 'positive, best <= median' if ok else 'BAD %r' % t)");

    @TempDir
    Path dir;

    private static String python() {
        String exe = System.getenv("BUFFERBRIDGE_PYTHON");
        return exe == null || exe.isEmpty() ? "python3" : exe;
    }

    private static List<String> run(String... command) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, python() + " cannot be started: " + e.getMessage());
            throw e;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", command) + " did not finish in 120 s");
        assertEquals(0, p.exitValue(), String.join(" ", command) + " failed:\n" + out);
        return out.lines().toList();
    }

    private List<String> quickRun(String structs) throws Exception {
        List<String> probe = run(python(), "-c", "import importlib.util as u; print(all(u.find_spec(m) for m in ('numpy', 'pyarrow')))");
        assumeTrue(probe.equals(List.of("True")), python() + " lacks numpy or pyarrow: " + probe);
        Path json = dir.resolve(structs + ".json");
        List<String> printed = run(python(), SCRIPT, "--quick", "--structs", structs, "--json", json.toString());
        assertEquals(12, printed.size(), "one line per size and case:\n" + String.join("\n", printed));
        return run(python(), "-c", SHAPE, json.toString());
    }

    private static List<String> expected(String structs) {
        List<String> lines = new ArrayList<>();
        lines.add("keys ['number', 'numpy', 'pyarrow', 'python', 'repeat', 'sizes', 'structs', 'unit']");
        lines.add("structs " + structs + " repeat 3 number 10 unit seconds per round trip");
        for (String n : List.of("1024", "1048576", "67108864")) {
            for (String c : List.of("bare_fresh", "bare_reused", "field_fresh", "field_reused")) {
                lines.add(n + " " + c + " ['best', 'median'] positive, best <= median");
            }
        }
        return lines;
    }

    @Test
    void quickModeWritesEveryCaseWithCtypesStructs() throws Exception {
        assertEquals(expected("ctypes"), quickRun("ctypes"));
    }

    @Test
    void quickModeWritesEveryCaseWithPyarrowCffiStructs() throws Exception {
        List<String> probe = run(python(), "-c", "import importlib.util as u; print(bool(u.find_spec('cffi')))");
        assumeTrue(probe.equals(List.of("True")), python() + " has no cffi (pyarrow.cffi needs it): " + probe);
        assertEquals(expected("pyarrow.cffi"), quickRun("cffi"));
    }
}
