package io.bufferbridge.arrow.quickstart;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowExporter;
import io.bufferbridge.arrow.c.ArrowImporter;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.arrow.c.ImportedView;
import io.bufferbridge.view.BufferFlags;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.NativeBuffer;
import io.bufferbridge.view.Order;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The README's quick start "a view to C and back", compiled and run: the code between the
 * {@code README} markers is the README's snippet, which {@link #theReadmeShowsThisCode} checks
 * word for word.
 */
class QuickStartTest {

    @Test
    void aViewToCAndBack() {
        // README:begin view-to-c
        NativeBuffer matrix = NativeBuffer.allocate("d", Order.F, 3, 2); // off-heap, Fortran order
        try (BufferView v = matrix.getBuffer(BufferFlags.FULL); BufferView readOnly = v.asReadOnly();
                Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < 3; i++) {
                v.setDouble(10 * i, i, 0);
                v.setDouble(10 * i + 1, i, 1);
            }
            // Two C structs any Arrow C data consumer takes (pyarrow, DuckDB, nanoarrow, …).
            ArrowSchema schema = ArrowSchema.allocate(arena);
            ArrowArray array = ArrowArray.allocate(arena);
            ArrowExporter.exportView(readOnly, schema, array);
            // … hand schema.segment() and array.segment() to C; here we import them back:
            ImportedView back = ArrowImporter.importPair(schema, array);
            try (BufferView w = back.view()) {
                w.format().text();   // "d"
                w.shape();           // [3, 2]
                w.strides();         // [8, 24]: zero-copy, the same memory and layout
                w.isReadOnly();      // true
                back.copied();       // false
                w.getDouble(2, 1);   // 21.0
                // README:end view-to-c
                assertEquals("d", w.format().text());
                assertArrayEquals(new long[] {3, 2}, w.shape());
                assertArrayEquals(new long[] {8, 24}, w.strides());
                assertTrue(w.isReadOnly());
                assertEquals(false, back.copied());
                assertEquals(21.0, w.getDouble(2, 1));
                assertEquals(v.address(), w.address());
            }
        }
        // Frees at once: the close itself runs the import's pending release first.
        matrix.close();
    }

    @Test
    void theReadmeShowsThisCode() throws IOException {
        String source = Files.readString(Path.of("src/test/java/io/bufferbridge/arrow/quickstart/QuickStartTest.java"));
        String begin = "// README:begin view-to-c\n";
        String snippet = source.substring(source.indexOf(begin) + begin.length(),
                source.indexOf("// README:end view-to-c")).stripTrailing();
        String readme = Files.readString(Path.of("../README.md"));
        String dedented = snippet.lines().map(l -> l.length() >= 8 ? l.substring(8) : l.strip())
                .reduce((a, b) -> a + "\n" + b).orElseThrow();
        assertTrue(readme.contains(dedented), "README.md must show the quick start as it is here:\n" + dedented);
    }
}
