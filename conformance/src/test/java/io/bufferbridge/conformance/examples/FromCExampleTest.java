package io.bufferbridge.conformance.examples;

import io.bufferbridge.arrow.c.ArrowDiagnostics;
import io.bufferbridge.view.ForeignMemory;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowExporter;
import io.bufferbridge.arrow.c.ArrowImporter;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.arrow.c.ImportedView;
import io.bufferbridge.view.BufferView;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * README "From C", run: the C side is {@code c/examples/from_c.c} (compiled by this module's build
 * into {@code target/examples/libfrom_c.so}), the Java side is the code between the README
 * markers below; the README must show both exactly as they are here.
 */
class FromCExampleTest {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup C = SymbolLookup.libraryLookup(Path.of("target", "examples", "libfrom_c.so"),
            Arena.global());
    private static final MethodHandle SUM_COLUMN = LINKER.downcallHandle(C.findOrThrow("sum_column"),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle EXPORT_MATRIX = LINKER.downcallHandle(C.findOrThrow("export_matrix"),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle FREED = LINKER.downcallHandle(C.findOrThrow("freed_matrices"),
            FunctionDescriptor.of(JAVA_LONG));

    /** Everything exported and imported has been released: the one place such checks live. */
    private static void assertAllReleased(long freedBefore) throws Throwable {
        // The import's release of C's matrix takes effect with its epoch (ForeignMemory).
        ForeignMemory.flushReleases();
        assertEquals(0, ArrowDiagnostics.snapshot().liveExports(), "live exports");
        assertEquals(0, ArrowDiagnostics.snapshot().liveImports(), "live imports");
        assertEquals(freedBefore + 1, (long) FREED.invokeExact(), "C release callbacks");
    }

    @Test
    void javaToCAndBack() throws Throwable {
        long freedBefore = (long) FREED.invokeExact();
        // README:begin
        double[] grid = IntStream.range(0, 24).asDoubleStream().toArray(); // 4 rows of 6
        try (Arena arena = Arena.ofConfined()) {
            // Java -> C: the transposed grid, 6 x 4 with strides 8, 48: zero-copy (native memory), read-only.
            MemorySegment memory = arena.allocateFrom(JAVA_DOUBLE, grid);
            BufferView view = BufferView.ofSegment(memory, "d", 4, 6).asTransposed().asReadOnly();
            ArrowSchema schema = ArrowSchema.allocate(arena);
            ArrowArray array = ArrowArray.allocate(arena);
            ArrowExporter.exportView(view, schema, array);
            MemorySegment sum = arena.allocate(JAVA_DOUBLE);
            MemorySegment facts = arena.allocate(200);
            int rc = (int) SUM_COLUMN.invokeExact(schema.segment(), array.segment(), 2L, sum, facts, 200L);
            assertEquals(0, rc, facts.getString(0));
            assertEquals(12.0 + 13 + 14 + 15 + 16 + 17, sum.get(JAVA_DOUBLE, 0)); // row 2 of the grid
            assertEquals("shape=[6, 4] strides=[8, 48] readonly=1 copied=0", facts.getString(0));
            view.close();

            // C -> Java: a column-major 3 x 4 int32 matrix, zero-copy, read-only.
            ArrowSchema fromC = ArrowSchema.allocate(arena);
            ArrowArray fromCArray = ArrowArray.allocate(arena);
            rc = (int) EXPORT_MATRIX.invokeExact(fromC.segment(), fromCArray.segment(), facts, 200L);
            assertEquals(0, rc, facts.getString(0));
            ImportedView imported = ArrowImporter.importPair(fromC, fromCArray);
            assertFalse(imported.copied());
            try (BufferView m = imported.view()) {
                assertArrayEquals(new long[] {3, 4}, m.shape());
                assertArrayEquals(new long[] {4, 12}, m.strides());
                assertTrue(m.isReadOnly());
                assertArrayEquals(new int[] {0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23}, m.toIntArray());
            } // closing the view releases the array: C frees the matrix
        }
        // README:end
        assertAllReleased(freedBefore);
    }

    @Test
    void readmeShowsTheExampleAsItIs() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        String c = Files.readString(Path.of("..", "c", "examples", "from_c.c"));
        assertTrue(readme.contains(c), "README.md must show c/examples/from_c.c verbatim");
        String self = Files.readString(Path.of("src", "test", "java", "io", "bufferbridge", "conformance", "examples",
                "FromCExampleTest.java"));
        String java = self.substring(self.indexOf("// README:begin\n") + "// README:begin\n".length(),
                self.indexOf("        // README:end"));
        String dedented = java.lines().map(l -> l.startsWith("        ") ? l.substring(8) : l)
                .reduce("", (a, b) -> a + b + "\n");
        assertTrue(readme.contains(dedented), "README.md must show the Java side of FromCExampleTest verbatim:\n" + dedented);
    }
}
