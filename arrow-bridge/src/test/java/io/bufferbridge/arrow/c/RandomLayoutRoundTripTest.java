package io.bufferbridge.arrow.c;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Round trips of many layouts made by slicing and permuting C-ordered memory (seeded, so a
 * failure reproduces): the bytes always survive, a C- or F-contiguous view is always zero-copy,
 * and a zero-copy import has the source's strides and address.
 */
class RandomLayoutRoundTripTest {
    private static final String[] FORMATS = {"b", "h", "i", "d", "Zf", "3s", "2h", "?", ">i"};

    @Test
    void slicedAndPermutedLayouts() {
        Random random = new Random(20261125);
        ForeignMemory.flushReleases();
        long releases = ArrowDiagnostics.snapshot().exportReleases();
        int live = ArrowDiagnostics.snapshot().liveExports();
        int imports = ArrowDiagnostics.snapshot().liveImports();
        int zeroCopies = 0;
        int copies = 0;
        try (Arena arena = Arena.ofShared()) {
            for (int round = 0; round < 400; round++) {
                String format = FORMATS[random.nextInt(FORMATS.length)];
                long itemsize = io.bufferbridge.format.Format.of(format).itemsize();
                int ndim = random.nextInt(4);
                long[] shape = new long[ndim];
                for (int i = 0; i < ndim; i++) {
                    shape[i] = random.nextInt(5);
                }
                long count = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
                MemorySegment memory = arena.allocate(Math.max(1, count * itemsize), 16);
                for (long k = 0; k < count * itemsize; k++) {
                    memory.set(ValueLayout.JAVA_BYTE, k, (byte) (format.equals("?") ? k & 1 : random.nextInt()));
                }
                long[] strides = new long[ndim];
                long s = itemsize;
                for (int i = ndim - 1; i >= 0; i--) {
                    strides[i] = s;
                    s *= shape[i];
                }
                BufferView root = BufferView.of(memory.asSlice(0, count * itemsize), 0, format, itemsize, shape,
                        strides, random.nextBoolean());
                BufferView view = root;
                if (ndim > 0 && random.nextBoolean()) {
                    int axis = random.nextInt(ndim);
                    long step = random.nextBoolean() ? 1 : (random.nextBoolean() ? 2 : -1);
                    view = view.asSlice(axis, random.nextInt(2), Long.MAX_VALUE, step);
                }
                if (ndim > 1 && random.nextBoolean()) {
                    int[] axes = new int[ndim];
                    for (int i = 0; i < ndim; i++) {
                        axes[i] = i;
                    }
                    for (int i = ndim - 1; i > 0; i--) {
                        int j = random.nextInt(i + 1);
                        int t = axes[i];
                        axes[i] = axes[j];
                        axes[j] = t;
                    }
                    view = view.asPermuted(axes);
                }
                String where = "round=" + round + " format=" + format + " shape=" + Arrays.toString(view.shape())
                        + " strides=" + Arrays.toString(view.strides());
                ImportedView back;
                try (Arena structs = Arena.ofConfined()) {
                    ArrowSchema schema = ArrowSchema.allocate(structs);
                    ArrowArray array = ArrowArray.allocate(structs);
                    ArrowExporter.exportView(view, schema, array);
                    back = ArrowImporter.importPair(schema, array);
                }
                BufferView b = back.view();
                assertEquals(view.format().text(), b.format().text(), where);
                assertArrayEquals(view.shape(), b.shape(), where);
                assertEquals(view.isReadOnly(), b.isReadOnly(), where);
                assertArrayEquals(view.toBytes(), b.toBytes(), where);
                if (view.elementCount() > 0 && (view.isCContiguous() || view.isFContiguous())) {
                    assertFalse(back.copied(), "contiguous is zero-copy: " + where);
                }
                if (!back.copied()) {
                    zeroCopies++;
                    assertArrayEquals(view.strides(), b.strides(), where);
                    assertEquals(view.address(), b.address(), where);
                } else {
                    copies++;
                }
                b.close();
                if (view != root) {
                    view.close();
                }
                root.close();
            }
        }
        ForeignMemory.flushReleases();
        assertEquals(800, ArrowDiagnostics.snapshot().exportReleases() - releases, "two releases per round");
        assertEquals(live, ArrowDiagnostics.snapshot().liveExports());
        assertEquals(imports, ArrowDiagnostics.snapshot().liveImports());
        assertEquals(400, zeroCopies + copies);
        // The seed exercises both paths.
        assertFalse(zeroCopies < 100 || copies < 50, "zeroCopies=" + zeroCopies + " copies=" + copies);
    }
}
