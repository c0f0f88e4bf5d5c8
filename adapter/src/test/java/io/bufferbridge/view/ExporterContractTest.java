package io.bufferbridge.view;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One contract, run against every kind of exporter: Java arrays, NIO buffers, segments, the
 * bytearray-like and arena-backed exporters, a delegating wrapper, a view of a view, and
 * non-contiguous derived views.
 */
class ExporterContractTest {
    static final int[] FLAGS = {
        BufferFlags.SIMPLE, BufferFlags.WRITABLE, BufferFlags.FORMAT, BufferFlags.ND, BufferFlags.STRIDES,
        BufferFlags.C_CONTIGUOUS, BufferFlags.F_CONTIGUOUS, BufferFlags.ANY_CONTIGUOUS, BufferFlags.INDIRECT,
        BufferFlags.CONTIG, BufferFlags.CONTIG_RO, BufferFlags.STRIDED, BufferFlags.STRIDED_RO, BufferFlags.RECORDS,
        BufferFlags.RECORDS_RO, BufferFlags.FULL, BufferFlags.FULL_RO,
    };

    /** An exporter under test, how to count its live exports, and what it must export. */
    record Kind(String name, BufferExporter exporter, IntSupplier liveExports, String format, long[] shape,
            boolean readOnly, boolean c, boolean f, byte[] logical, Runnable cleanup) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final List<Runnable> CLEANUPS = new ArrayList<>();

    /** Closes what the kinds of the last test allocated; a leaked export makes this throw. */
    @AfterEach
    void cleanUp() {
        List<Runnable> pending = new ArrayList<>(CLEANUPS);
        CLEANUPS.clear();
        pending.forEach(Runnable::run);
    }

    static Stream<Arguments> kinds() {
        List<Supplier<Kind>> kinds = List.of(
                () -> root("byte[]", BufferView.ofArray(new byte[] {1, -2, 3}), "b", false, true, true, bytes(1, -2, 3)),
                () -> root("short[]", BufferView.ofArray(new short[] {1, -2}), "h", false, true, true,
                        le(2, 1, -2)),
                () -> root("char[]", BufferView.ofArray(new char[] {'a', 'é'}), "H", false, true, true,
                        le(2, 'a', 'é')),
                () -> root("int[] C 2x3", BufferView.ofArray(new int[] {0, 1, 2, 3, 4, 5}, Order.C, 2, 3), "i", false,
                        true, false, le(4, 0, 1, 2, 3, 4, 5)),
                () -> root("int[] F 2x3", BufferView.ofArray(new int[] {0, 1, 2, 3, 4, 5}, Order.F, 2, 3), "i", false,
                        false, true, le(4, 0, 2, 4, 1, 3, 5)),
                () -> root("long[]", BufferView.ofArray(new long[] {7, -8}), "q", false, true, true, le(8, 7, -8)),
                () -> root("float[]", BufferView.ofArray(new float[] {1.5f}), "f", false, true, true,
                        le(4, Float.floatToIntBits(1.5f))),
                () -> root("double[]", BufferView.ofArray(new double[] {2.25}), "d", false, true, true,
                        le(8, Double.doubleToLongBits(2.25))),
                () -> root("boolean[] (copied)", BufferView.ofArray(new boolean[] {true, false}), "?", false, true, true,
                        bytes(1, 0)),
                () -> root("heap ByteBuffer", BufferView.ofBuffer(ByteBuffer.wrap(new byte[] {9, 8, 7, 6}).position(1)),
                        "B", false, true, true, bytes(8, 7, 6)),
                () -> root("read-only direct big-endian IntBuffer",
                        BufferView.ofBuffer(ByteBuffer.allocateDirect(8).order(ByteOrder.BIG_ENDIAN).putInt(0, 5)
                                .putInt(4, -1).asReadOnlyBuffer().asIntBuffer()),
                        ">i", true, true, true, bytes(0, 0, 0, 5, -1, -1, -1, -1)),
                () -> root("native segment 2x2 'd'", segmentView(), "d", false, true, false,
                        le(8, Double.doubleToLongBits(1), Double.doubleToLongBits(2), Double.doubleToLongBits(3),
                                Double.doubleToLongBits(4))),
                () -> root("stepped slice of int[]", BufferView.ofArray(new int[] {0, 1, 2, 3, 4}).asSlice(0, 5, 2), "i",
                        false, false, false, le(4, 0, 2, 4)),
                () -> root("transposed int[] 2x3 (F)",
                        BufferView.ofArray(new int[] {0, 1, 2, 3, 4, 5}, Order.C, 2, 3).asTransposed(), "i", false, false,
                        true, le(4, 0, 3, 1, 4, 2, 5)),
                () -> root("read-only view of double[]", BufferView.ofArray(new double[] {-0.0}).asReadOnly(), "d", true,
                        true, true, le(8, Double.doubleToLongBits(-0.0))),
                ExporterContractTest::growable,
                ExporterContractTest::nativeBuffer,
                ExporterContractTest::wrapper,
                ExporterContractTest::viewOfView);
        return kinds.stream().map(s -> Arguments.of(s.get()));
    }

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int k = 0; k < values.length; k++) {
            out[k] = (byte) values[k];
        }
        return out;
    }

    /** Little-endian bytes of {@code values}, each {@code width} bytes. */
    private static byte[] le(int width, long... values) {
        ByteBuffer b = ByteBuffer.allocate(width * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            switch (width) {
                case 2 -> b.putShort((short) v);
                case 4 -> b.putInt((int) v);
                default -> b.putLong(v);
            }
        }
        return b.array();
    }

    private static Kind root(String name, BufferView view, String format, boolean readOnly, boolean c, boolean f,
            byte[] logical) {
        CLEANUPS.add(view::close);
        return new Kind(name, view, view::exports, format, view.shape(), readOnly, c, f, logical, view::close);
    }

    private static BufferView segmentView() {
        Arena arena = Arena.ofConfined();
        MemorySegment m = arena.allocate(32, 8);
        for (int k = 0; k < 4; k++) {
            m.setAtIndex(ValueLayout.JAVA_DOUBLE, k, k + 1);
        }
        BufferView v = BufferView.ofSegment(m, "d", 2, 2);
        CLEANUPS.add(arena::close);
        return v;
    }

    private static Kind growable() {
        GrowableBuffer g = GrowableBuffer.copyOf(new byte[] {4, 5, 6});
        return new Kind("GrowableBuffer", g, g::exports, "B", new long[] {3}, false, true, true, bytes(4, 5, 6), () -> {});
    }

    private static Kind nativeBuffer() {
        NativeBuffer n = NativeBuffer.allocate("h", Order.F, 2, 2);
        try (BufferView v = n.getBuffer(BufferFlags.FULL)) {
            v.setLong(1, 0, 0);
            v.setLong(2, 1, 0);
            v.setLong(3, 0, 1);
            v.setLong(4, 1, 1);
        }
        CLEANUPS.add(n::close);
        return new Kind("NativeBuffer F 2x2", n, n::exports, "h", new long[] {2, 2}, false, false, true,
                le(2, 1, 3, 2, 4), n::close);
    }

    private static Kind wrapper() {
        Sequence s = new Sequence(new byte[] {'A', 'C', 'G', 'T'});
        return new Kind("delegating wrapper (Sequence of byte[])", s, s::exports, "b", new long[] {4}, false, true, true,
                bytes('A', 'C', 'G', 'T'), () -> {});
    }

    private static Kind viewOfView() {
        BufferView root = BufferView.ofArray(new short[] {10, 20, 30, 40, 50, 60}, Order.C, 3, 2);
        BufferView middle = root.getBuffer(BufferFlags.FULL_RO).asSlice(0, 3, 2);
        CLEANUPS.add(() -> {
            middle.close();
        });
        return new Kind("view of a view (slice of an export)", middle, middle::exports, "h", new long[] {2, 2}, false,
                false, false, le(2, 10, 20, 50, 60), () -> {});
    }

    private static boolean expectGranted(Kind k, int flag) {
        if (BufferFlags.isWritable(flag) && k.readOnly()) {
            return false;
        }
        if ((flag & BufferFlags.C_CONTIGUOUS) == BufferFlags.C_CONTIGUOUS && !k.c()) {
            return false;
        }
        if ((flag & BufferFlags.F_CONTIGUOUS) == BufferFlags.F_CONTIGUOUS && !k.f()) {
            return false;
        }
        if ((flag & BufferFlags.ANY_CONTIGUOUS) == BufferFlags.ANY_CONTIGUOUS && !(k.c() || k.f())) {
            return false;
        }
        if ((flag & BufferFlags.STRIDES) != BufferFlags.STRIDES && !k.c()) {
            return false;
        }
        return !((flag & BufferFlags.ND) != BufferFlags.ND && (flag & BufferFlags.FORMAT) != 0);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void everyFlagIsGrantedOrRefusedAsCPythonWould(Kind k) {
        for (int flag : FLAGS) {
            int before = k.liveExports().getAsInt();
            if (expectGranted(k, flag)) {
                try (BufferView v = k.exporter().getBuffer(flag)) {
                    assertEquals(before + 1, k.liveExports().getAsInt(), BufferFlags.name(flag));
                    assertEquals(k.format(), v.format().text(), BufferFlags.name(flag));
                    assertArrayEquals(k.shape(), v.shape(), BufferFlags.name(flag));
                    assertEquals(k.readOnly(), v.isReadOnly());
                    assertEquals(k.c(), v.isCContiguous());
                    assertEquals(k.f(), v.isFContiguous());
                    assertEquals(flag, v.flags());
                    assertArrayEquals(k.logical(), v.toBytes(), BufferFlags.name(flag));
                }
            } else {
                BufferException e = assertThrows(BufferException.class, () -> k.exporter().getBuffer(flag),
                        BufferFlags.name(flag));
                assertTrue(e.getMessage().contains("request=" + BufferFlags.name(flag)), e.getMessage());
            }
            assertEquals(before, k.liveExports().getAsInt(), "exports after " + BufferFlags.name(flag));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void releaseIsIdempotentAndUseAfterReleaseThrows(Kind k) {
        BufferView v = k.exporter().getBuffer(BufferFlags.FULL_RO);
        v.close();
        v.close();
        assertFalse(v.isAlive());
        assertEquals(0, k.liveExports().getAsInt());
        assertThrows(IllegalStateException.class, v::shape);
        assertThrows(IllegalStateException.class, v::toBytes);
        assertThrows(IllegalStateException.class, v::toList);
        assertThrows(IllegalStateException.class, () -> v.asSlice(0, 1, 1));
        assertThrows(IllegalStateException.class, () -> v.getBuffer(BufferFlags.SIMPLE));
        assertTrue(v.toString().contains("released"), v.toString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void aViewWithLiveExportsRefusesRelease(Kind k) {
        BufferView outer = k.exporter().getBuffer(BufferFlags.FULL_RO);
        BufferView inner = outer.getBuffer(BufferFlags.FULL_RO);
        BufferException e = assertThrows(BufferException.class, outer::close);
        assertEquals("view has exported buffers: release them first: exports=1", e.getMessage());
        assertTrue(outer.isAlive());
        inner.close();
        outer.close();
        assertEquals(0, k.liveExports().getAsInt());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void derivedViewsOutliveTheViewTheyCameFrom(Kind k) {
        BufferView v = k.exporter().getBuffer(BufferFlags.FULL_RO);
        BufferView reversed = v.asSlice(0, Long.MAX_VALUE, Long.MIN_VALUE, -1);
        BufferView readOnly = v.asReadOnly();
        v.close();
        assertEquals(1, k.liveExports().getAsInt(), "derived views keep the export alive");
        assertArrayEquals(k.logical(), readOnly.toBytes());
        assertTrue(readOnly.isReadOnly());
        assertEquals(k.shape()[0], reversed.shape()[0]);
        readOnly.close();
        assertEquals(1, k.liveExports().getAsInt());
        reversed.close();
        assertEquals(0, k.liveExports().getAsInt());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void writesThroughOneExportAreSeenByAnother(Kind k) {
        if (k.readOnly()) {
            try (BufferView v = k.exporter().getBuffer(BufferFlags.FULL_RO)) {
                long[] first = new long[v.ndim()];
                assertThrows(BufferException.class, () -> v.set(v.get(first), first));
            }
            return;
        }
        try (BufferView a = k.exporter().getBuffer(BufferFlags.FULL); BufferView b = k.exporter().getBuffer(BufferFlags.FULL_RO)) {
            long[] last = new long[a.ndim()];
            for (int d = 0; d < last.length; d++) {
                last[d] = -1;
            }
            Object original = a.get(last);
            Object replacement = switch (a.format().text()) {
                case "f" -> (Object) (double) 99f;
                case "d" -> 99.0;
                case "?" -> !(Boolean) original;
                default -> 99L;
            };
            a.set(replacement, last);
            assertEquals(replacement, b.get(last));
            a.set(original, last);
            assertArrayEquals(k.logical(), b.toBytes());
        }
    }
}
