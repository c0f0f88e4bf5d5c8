package io.bufferbridge.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.bufferbridge.dlpack.DLManagedTensorVersioned;
import io.bufferbridge.dlpack.DLPack;
import io.bufferbridge.dlpack.DLPackOffer;
import io.bufferbridge.dlpack.ImportedTensor;
import io.bufferbridge.view.BufferFlags;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import io.bufferbridge.view.NativeBuffer;
import io.bufferbridge.view.Order;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The README's "DLPack" example, compiled and run with NumPy in the embedded CPython: the code
 * between the {@code README} markers is the README's snippet, which {@link #theReadmeShowsThisCode}
 * checks word for word.
 */
class DlpackReadmeTest {

    /** The README's {@code python(script)}: runs it in the embedded CPython, answers its {@code out}. */
    private static JsonNode python(String script) {
        JsonNode answer = DlpackPeers.python().call(PyArrowPython.request("dlpack_peer.run").put("script", script));
        assertFalse(answer.has("error"), () -> answer.path("error").asText() + "\n" + answer.path("traceback").asText());
        return answer.path("out");
    }

    @Test
    void aViewToNumPyAndBack() {
        assumeTrue(DlpackPeers.python() != null, () -> "no embedded Python with NumPy: " + DlpackPeers.unavailable());
        ForeignMemory.flushReleases();
        int exports = DLPack.liveExportCount();
        // README:begin dlpack
        try (NativeBuffer buffer = NativeBuffer.allocate("d", Order.C, 2, 3);
                BufferView v = buffer.getBuffer(BufferFlags.FULL); BufferView readOnly = v.asReadOnly()) {
            for (int i = 0; i < 6; i++) {
                v.setDouble(i * 0.5, i / 3, i % 3);
            }
            JsonNode seen;
            try (DLPackOffer offer = DLPackOffer.of(readOnly)) {
                seen = python("""
                        import numpy as np
                        from bufferbridge_dlpack import JavaTensor, take
                        a = np.from_dlpack(JavaTensor(%d, %d))   # zero-copy, read-only
                        out = [a.tolist(), a.flags.writeable, a.ctypes.data, take(a.T * 2)[0]]
                        """.formatted(DLPackOffer.exportFunction().address(), offer.handle()));
            }
            seen.get(0);                            // [[0.0,0.5,1.0],[1.5,2.0,2.5]]
            seen.get(1);                            // false: NumPy honours READ_ONLY
            boolean same = seen.get(2).asLong() == v.address(); // true: the view's own memory
            ImportedTensor doubled = DLPack.importVersioned(DLManagedTensorVersioned.wrap(seen.get(3).asLong()));
            try (BufferView w = doubled.view()) {   // NumPy's array, zero-copy; its deleter runs on close
                w.shape();                          // [3, 2]
                w.toList();                         // [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]
                // README:end dlpack
                assertEquals("[[0.0,0.5,1.0],[1.5,2.0,2.5]]", seen.get(0).toString());
                assertFalse(seen.get(1).asBoolean());
                assertTrue(same);
                assertEquals(List.of(List.of(0.0, 3.0), List.of(1.0, 4.0), List.of(2.0, 5.0)), w.toList());
                assertEquals("d", w.format().text());
            }
        }
        ForeignMemory.flushReleases();
        assertEquals(exports, DLPack.liveExportCount(), "NumPy let the view go");
    }

    @Test
    void theReadmeShowsThisCode() throws IOException {
        String source = Files.readString(Path.of("src/test/java/io/bufferbridge/conformance/DlpackReadmeTest.java"));
        String begin = "// README:begin dlpack\n";
        String snippet = source.substring(source.indexOf(begin) + begin.length(),
                source.indexOf("// README:end dlpack")).stripTrailing();
        String readme = Files.readString(Path.of("../README.md"));
        String dedented = snippet.lines().map(l -> l.length() >= 8 ? l.substring(8) : l.strip())
                .reduce((a, b) -> a + "\n" + b).orElseThrow();
        assertTrue(readme.contains(dedented), "README.md must show the DLPack example as it is here:\n" + dedented);
    }
}
