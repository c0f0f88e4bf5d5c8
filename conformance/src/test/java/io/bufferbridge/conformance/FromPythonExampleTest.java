package io.bufferbridge.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowExporter;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.view.BufferFlags;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import io.bufferbridge.view.NativeBuffer;
import io.bufferbridge.view.Order;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * README "From Python", run: the Java side is the code between the README markers below, the
 * Python side {@code python/examples/from_java.py}, called in the embedded CPython with the two
 * struct addresses; the README must show both exactly as they are here. Skipped (an assumption)
 * where the cpython path is unavailable (no embedded Python, or the extension is not built).
 */
class FromPythonExampleTest {

    @Test
    void javaExportsAStridedReadOnlyRecordViewAndPythonSeesItExactly() throws IOException {
        CPythonPath path = new CPythonPath(); // finds and imports the built extension
        assumeTrue(path.unavailable() == null, () -> "cpython path unavailable: " + path.unavailable());
        PyArrowPython python = PyArrowPython.instance();
        String example = Files.readString(Path.of("..", "python", "examples", "from_java.py"));
        ExportAccounting before = ExportAccounting.snapshot();
        JsonNode answer;
        // README:begin
        // 3 x 2 big-endian records (as a file format stores them), Fortran order: strides 12, 36.
        NativeBuffer table = NativeBuffer.allocate("T{>i:id:>d:x:}", Order.F, 3, 2);
        try (BufferView v = table.getBuffer(BufferFlags.FULL); BufferView readOnly = v.asReadOnly();
                Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 2; j++) {
                    v.set(List.of(10 * i + j, 10 * i + j + 0.5), i, j);
                }
            }
            ArrowSchema schema = ArrowSchema.allocate(arena);
            ArrowArray array = ArrowArray.allocate(arena);
            ArrowExporter.exportView(readOnly, schema, array); // zero-copy: dense, each record opaque
            // Python runs in this process and gets the two addresses; here through the embedded
            // CPython of the conformance suite (JPype, Jep or GraalPy would do the same).
            answer = python.call("cpython_peer", PyArrowPython.request("example").put("source", example)
                    .put("file", "from_java.py").put("function", "from_java")
                    .put("schema", schema.address()).put("array", array.address()));
        }
        // README:end
        assertEquals("pass", answer.path("status").asText(), answer.toString());
        assertEquals("[[\"T{>i:id:>d:x:}\",12,[3,2],[12,36],true],true,false,[[0,1],[10,11],[20,21]],21.5]",
                answer.path("result").toString());
        ForeignMemory.flushReleases();
        assertEquals(null, before.difference(), "Python released the schema and the array once each");
        table.close();
    }

    @Test
    void readmeShowsTheExampleAsItIs() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        String py = Files.readString(Path.of("..", "python", "examples", "from_java.py"));
        assertTrue(readme.contains(py), "README.md must show python/examples/from_java.py verbatim");
        String self = Files.readString(Path.of("src", "test", "java", "io", "bufferbridge", "conformance",
                "FromPythonExampleTest.java"));
        String java = self.substring(self.indexOf("// README:begin\n") + "// README:begin\n".length(),
                self.indexOf("        // README:end"));
        String dedented = java.lines().map(l -> l.startsWith("        ") ? l.substring(8) : l)
                .reduce("", (a, b) -> a + b + "\n");
        assertTrue(readme.contains(dedented), "README.md must show the Java side of FromPythonExampleTest verbatim:\n"
                + dedented);
    }
}
