package io.bufferbridge.arrow.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowDiagnostics;
import io.bufferbridge.arrow.c.ArrowImporter;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.arrow.c.ImportedView;
import io.bufferbridge.view.BufferException;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.apache.arrow.c.Data;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DurationVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float2Vector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.TimeMicroVector;
import org.apache.arrow.vector.TimeStampNanoTZVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.UInt1Vector;
import org.apache.arrow.vector.UInt2Vector;
import org.apache.arrow.vector.UInt4Vector;
import org.apache.arrow.vector.UInt8Vector;
import org.apache.arrow.vector.types.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ForeignLeaves}, differentially: for foreign 1-D primitive leaf pairs of every format it
 * takes, offsets, lengths from 1 to 100,000, null counts 0 and -1, with and without a validity
 * bitmap, any flags and names, its view is the full import's ({@link ViewImport#importViewFully}) field by
 * field, and its lifetime too (the schema released at import, the array once after the view's
 * epoch, each exactly once); for the pairs it does not take, it changes nothing and the public
 * import still equals the full one. Arrow Java's exports of its fixed-width vectors take it, and
 * the Arrow allocator ends at zero.
 */
class ForeignLeavesTest {
    private static final AtomicInteger SCHEMA_RELEASES = new AtomicInteger();
    private static final AtomicInteger ARRAY_RELEASES = new AtomicInteger();
    private static final MemorySegment SCHEMA_RELEASE = Native.upcall(ForeignLeavesTest.class, "releaseSchema");
    private static final MemorySegment ARRAY_RELEASE = Native.upcall(ForeignLeavesTest.class, "releaseArray");

    /** Every Arrow format the shortcut takes, its canonical PEP 3118 format and width. */
    private static final String[][] FORMATS = {{"c", "b", "1"}, {"C", "B", "1"}, {"s", "h", "2"}, {"S", "H", "2"},
        {"i", "i", "4"}, {"I", "I", "4"}, {"l", "q", "8"}, {"L", "Q", "8"}, {"e", "e", "2"}, {"f", "f", "4"},
        {"g", "d", "8"}, {"tdD", "i", "4"}, {"tts", "i", "4"}, {"ttm", "i", "4"}, {"tdm", "q", "8"},
        {"ttu", "q", "8"}, {"ttn", "q", "8"}, {"tDs", "q", "8"}, {"tDm", "q", "8"}, {"tDu", "q", "8"},
        {"tDn", "q", "8"}, {"tss:", "q", "8"}, {"tsm:UTC", "q", "8"}, {"tsu:America/New_York", "q", "8"},
        {"tsn:+01:00", "q", "8"}};

    private Arena arena;
    private int importsBefore;

    static void releaseSchema(MemorySegment s) {
        SCHEMA_RELEASES.incrementAndGet();
        ArrowSchema.wrap(s.address()).releaseCallback(MemorySegment.NULL);
    }

    static void releaseArray(MemorySegment a) {
        ARRAY_RELEASES.incrementAndGet();
        ArrowArray.wrap(a.address()).releaseCallback(MemorySegment.NULL);
    }

    @BeforeEach
    void open() {
        ForeignMemory.flushReleases();
        importsBefore = ArrowDiagnostics.snapshot().liveImports();
        arena = Arena.ofShared();
        SCHEMA_RELEASES.set(0);
        ARRAY_RELEASES.set(0);
    }

    @AfterEach
    void close() {
        ForeignMemory.flushReleases();
        assertEquals(importsBefore, ArrowDiagnostics.snapshot().liveImports(), "every import freed");
        arena.close();
    }

    /** A C producer's leaf pair: its fields, written into new structs by {@link #write}. */
    private record Pair(String format, long name, long metadata, long flags, long length, long offset, long nullCount,
            long validity, long data, long children) {
        ArrowSchema schema(Arena arena, MemorySegment formatString) {
            ArrowSchema s = ArrowSchema.allocate(arena);
            s.format(formatString);
            s.name(MemorySegment.ofAddress(name));
            s.metadata(MemorySegment.ofAddress(metadata));
            s.flags(flags);
            s.releaseCallback(SCHEMA_RELEASE);
            return s;
        }

        ArrowArray array(Arena arena) {
            ArrowArray a = ArrowArray.allocate(arena);
            a.length(length);
            a.offset(offset);
            a.nullCount(nullCount);
            a.nBuffers(2);
            MemorySegment b = arena.allocate(ValueLayout.ADDRESS, 2);
            b.setAtIndex(ValueLayout.ADDRESS, 0, MemorySegment.ofAddress(validity));
            b.setAtIndex(ValueLayout.ADDRESS, 1, MemorySegment.ofAddress(data));
            a.buffers(b);
            a.children(MemorySegment.ofAddress(children));
            a.releaseCallback(ARRAY_RELEASE);
            return a;
        }
    }

    private MemorySegment cString(String s) {
        return arena.allocateFrom(s, StandardCharsets.UTF_8);
    }

    /** {@code bytes} of data, a pattern that differs from byte to byte. */
    private MemorySegment data(long bytes) {
        MemorySegment d = arena.allocate(Math.max(1, bytes), 16);
        for (long i = 0; i < bytes; i++) {
            d.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 31 + 7));
        }
        return d;
    }

    /** Every field of {@code fast} as {@code full}'s; both alive. */
    private static void assertSameView(BufferView full, BufferView fast, String what) {
        assertEquals(full.format(), fast.format(), what);
        assertEquals(full.format().text(), fast.format().text(), what);
        assertEquals(full.itemsize(), fast.itemsize(), what);
        assertEquals(full.ndim(), fast.ndim(), what);
        assertArrayEquals(full.shape(), fast.shape(), what);
        assertArrayEquals(full.strides(), fast.strides(), what);
        assertEquals(full.offset(), fast.offset(), what);
        assertEquals(full.isReadOnly(), fast.isReadOnly(), what);
        assertEquals(full.flags(), fast.flags(), what);
        assertEquals(full.isNative(), fast.isNative(), what);
        assertEquals(full.address(), fast.address(), what);
        assertEquals(full.memory().address(), fast.memory().address(), what);
        assertEquals(full.memory().byteSize(), fast.memory().byteSize(), what);
        assertEquals(full.memory().isReadOnly(), fast.memory().isReadOnly(), what);
        assertEquals(full.memory().isNative(), fast.memory().isNative(), what);
        assertEquals(full.elementCount(), fast.elementCount(), what);
        assertEquals(full.byteLength(), fast.byteLength(), what);
        assertEquals(full.isCContiguous(), fast.isCContiguous(), what);
        assertEquals(full.isFContiguous(), fast.isFContiguous(), what);
        assertEquals(full.exports(), fast.exports(), what);
        assertEquals(full.toString(), fast.toString(), what);
        assertEquals(full, fast, what);
        assertEquals(full.hashCode(), fast.hashCode(), what);
    }

    /**
     * Imports {@code p} twice, in new structs each time: fully, and through the shortcut called
     * directly (it must take the pair); compares the views, then their lifetimes.
     */
    private void assertTaken(Pair p, IntFunction<MemorySegment> format) {
        String what = p.toString();
        ArrowSchema fs = p.schema(arena, format.apply(0));
        ArrowArray fa = p.array(arena);
        ImportedView full = ViewImport.importViewFully(fs, fa);
        assertFalse(full.copied(), what);
        assertEquals(1, SCHEMA_RELEASES.get(), "the full import released the schema: " + what);
        ArrowSchema ls = p.schema(arena, format.apply(1));
        ArrowArray la = p.array(arena);
        ViewImport.Moved moved = new ViewImport.Moved(ls, la);
        assertTrue(ls.isReleased() && la.isReleased(), "moved: " + what);
        BufferView fast = ForeignLeaves.tryImport(moved);
        assertNotNull(fast, "the shortcut takes " + what);
        assertEquals(2, SCHEMA_RELEASES.get(), "the shortcut released the schema: " + what);
        assertEquals(0, ARRAY_RELEASES.get(), what);
        assertSameView(full.view(), fast, what);
        // The public import takes the same path: the same view again.
        ArrowSchema ps = p.schema(arena, format.apply(2));
        ArrowArray pa = p.array(arena);
        ImportedView viaApi = ArrowImporter.importPair(ps, pa);
        assertFalse(viaApi.copied(), what);
        assertSameView(full.view(), viaApi.view(), what);
        // Lifetimes: the array's release once each, after the views are gone and the epoch closed.
        MemorySegment fullMemory = full.view().memory();
        MemorySegment fastMemory = fast.memory();
        full.view().close();
        fast.close();
        viaApi.view().close();
        assertThrows(IllegalStateException.class, fast::toBytes, what);
        ForeignMemory.flushReleases();
        assertEquals(3, SCHEMA_RELEASES.get(), what);
        assertEquals(3, ARRAY_RELEASES.get(), "each array released once: " + what);
        assertThrows(IllegalStateException.class, () -> fullMemory.get(ValueLayout.JAVA_BYTE, 0), what);
        assertThrows(IllegalStateException.class, () -> fastMemory.get(ValueLayout.JAVA_BYTE, 0), what);
        fast.close();
        ForeignMemory.flushReleases();
        assertEquals(3, ARRAY_RELEASES.get(), "a second close releases nothing: " + what);
        SCHEMA_RELEASES.set(0);
        ARRAY_RELEASES.set(0);
    }

    @Test
    void everyFormatLengthOffsetNullCountAndValidity() {
        long[] lengths = {1, 2, 3, 7, 8, 9, 64, 1000, 100_000};
        long[] offsets = {0, 1, 3, 8, 1001};
        long[] nullCounts = {0, -1};
        long[] flagValues = {0, ArrowSchema.FLAG_NULLABLE, -1, 1};
        int cases = 0;
        for (String[] f : FORMATS) {
            long width = Long.parseLong(f[2]);
            for (long length : lengths) {
                for (long offset : offsets) {
                    long end = offset + length;
                    long data = data(end * width).address();
                    MemorySegment bits = arena.allocate((end + 7) / 8);
                    bits.fill((byte) -1);
                    for (long nullCount : nullCounts) {
                        for (int v = 0; v < 2; v++) {
                            long flags = flagValues[cases % flagValues.length];
                            long name = cases % 3 == 0 ? 0 : cString("column" + cases).address();
                            // n_children is 0: the full import never reads the children pointer then.
                            long children = cases % 5 == 0 ? arena.allocate(8).address() : 0;
                            Pair p = new Pair(f[0], name, 0, flags, length, offset, nullCount,
                                    v == 0 ? 0 : bits.address(), data, children);
                            assertTaken(p, i -> cString(f[0]));
                            cases++;
                        }
                    }
                }
            }
        }
        assertEquals(FORMATS.length * lengths.length * offsets.length * 4, cases);
    }

    @Test
    void theViewsHoldTheProducersValues() {
        MemorySegment d = arena.allocate(ValueLayout.JAVA_LONG, 6);
        for (int i = 0; i < 6; i++) {
            d.setAtIndex(ValueLayout.JAVA_LONG, i, 100 + i);
        }
        Pair p = new Pair("l", 0, 0, 2, 4, 2, 0, 0, d.address(), 0);
        ViewImport.Moved moved = new ViewImport.Moved(p.schema(arena, cString("l")), p.array(arena));
        try (BufferView v = ForeignLeaves.tryImport(moved)) {
            assertArrayEquals(new long[] {102, 103, 104, 105}, v.toLongArray());
            assertEquals(d.address() + 16, v.address());
            assertTrue(v.isReadOnly());
            assertThrows(BufferException.class, () -> v.setLong(1, 0), "read-only");
        }
    }

    @Test
    void aTimestampWhoseNulIsTheLastByteTheImportReads() {
        // The full import reads a C string of at most 2^20 bytes before its NUL, so this one is
        // the longest it accepts; one byte more is refused (ImportRefusalTest).
        MemorySegment f = arena.allocate(Native.MAX_STRING);
        f.fill((byte) 'x');
        f.setString(0, "tsu:");
        f.set(ValueLayout.JAVA_BYTE, 4, (byte) 'x');
        f.set(ValueLayout.JAVA_BYTE, Native.MAX_STRING - 1, (byte) 0);
        assertSame(ForeignLeaves.leaf(f.address()), ForeignLeaves.leaf(cString("tsu:").address()));
        long data = data(80).address();
        assertTaken(new Pair("tsu:x...", 0, 0, 2, 10, 0, 0, 0, data, 0), i -> f);
    }

    /** {@code p} is not the shortcut's: it changes nothing, and the public import is the full one. */
    private void assertDeclined(Pair p, IntFunction<MemorySegment> format, IntFunction<MemorySegment> metadata) {
        String what = p.toString();
        Pair withMetadata = new Pair(p.format(), p.name(), metadata.apply(0).address(), p.flags(), p.length(),
                p.offset(), p.nullCount(), p.validity(), p.data(), p.children());
        ArrowSchema ls = withMetadata.schema(arena, format.apply(0));
        ArrowArray la = withMetadata.array(arena);
        ViewImport.Moved moved = new ViewImport.Moved(ls, la);
        long schema = moved.schema;
        long array = moved.array;
        assertNull(ForeignLeaves.tryImport(moved), "declined: " + what);
        assertEquals(schema, moved.schema, what);
        assertEquals(array, moved.array, what);
        assertEquals(0, SCHEMA_RELEASES.get(), "nothing released: " + what);
        assertEquals(0, ARRAY_RELEASES.get(), "nothing released: " + what);
        moved.releaseAll();
        assertEquals(1, SCHEMA_RELEASES.get(), what);
        assertEquals(1, ARRAY_RELEASES.get(), what);

        Pair q = withMetadata;
        ImportedView full = ViewImport.importViewFully(q.schema(arena, format.apply(1)), q.array(arena));
        Pair r = new Pair(p.format(), p.name(), metadata.apply(1).address(), p.flags(), p.length(), p.offset(),
                p.nullCount(), p.validity(), p.data(), p.children());
        ImportedView viaApi = ArrowImporter.importPair(r.schema(arena, format.apply(2)), r.array(arena));
        assertEquals(full.copied(), viaApi.copied(), what);
        BufferView a = full.view();
        BufferView b = viaApi.view();
        assertEquals(a.format(), b.format(), what);
        assertEquals(a.itemsize(), b.itemsize(), what);
        assertArrayEquals(a.shape(), b.shape(), what);
        assertArrayEquals(a.strides(), b.strides(), what);
        assertEquals(a.isReadOnly(), b.isReadOnly(), what);
        assertEquals(a, b, what);
        if (!full.copied() && a.byteLength() > 0) {
            assertEquals(a.address(), b.address(), what);
        }
        a.close();
        b.close();
        ForeignMemory.flushReleases();
        assertEquals(3, SCHEMA_RELEASES.get(), what);
        assertEquals(3, ARRAY_RELEASES.get(), what);
        SCHEMA_RELEASES.set(0);
        ARRAY_RELEASES.set(0);
    }

    /** The C data interface's metadata encoding of {@code kv} (keys and values alternating). */
    private MemorySegment blob(String... kv) {
        List<byte[]> parts = new ArrayList<>();
        int size = 4;
        for (String s : kv) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            parts.add(b);
            size += 4 + b.length;
        }
        MemorySegment m = arena.allocate(size, 4);
        ValueLayout.OfInt n = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
        m.set(n, 0, kv.length / 2);
        long at = 4;
        for (byte[] b : parts) {
            m.set(n, at, b.length);
            MemorySegment.copy(b, 0, m, ValueLayout.JAVA_BYTE, at + 4, b.length);
            at += 4 + b.length;
        }
        return m;
    }

    @Test
    void pairsItDoesNotTakeGoToTheFullImport() {
        long data = data(64).address();
        IntFunction<MemorySegment> none = i -> MemorySegment.NULL;
        // Empty: the full import's view is a copy of its own.
        assertDeclined(new Pair("l", 0, 0, 2, 0, 0, 0, 0, data, 0), i -> cString("l"), none);
        assertDeclined(new Pair("l", 0, 0, 2, 0, 3, 0, 0, 0, 0), i -> cString("l"), none);
        // Metadata, even without pairs; an extension; our own keys.
        assertDeclined(new Pair("l", 0, 0, 2, 4, 0, 0, 0, data, 0), i -> cString("l"), i -> blob());
        assertDeclined(new Pair("c", 0, 0, 2, 4, 0, 0, 0, data, 0), i -> cString("c"),
                i -> blob("ARROW:extension:name", "arrow.bool8", "ARROW:extension:metadata", ""));
        assertDeclined(new Pair("i", 0, 0, 2, 4, 0, 0, 0, data, 0), i -> cString("i"),
                i -> blob("bufferbridge.format", "i", "bufferbridge.shape", "4", "bufferbridge.strides", "4",
                        "bufferbridge.readonly", "true", "bufferbridge.copied", "false"));
        assertDeclined(new Pair("l", 0, 0, 2, 4, 0, 0, 0, data, 0), i -> cString("l"), i -> blob("k", "v"));
        // Other fixed-width types, bit-packed booleans.
        for (String f : new String[] {"w:4", "w:1", "d:10,2", "d:40,2,256", "b"}) {
            assertDeclined(new Pair(f, 0, 0, 2, 2, 0, 0, 0, data, 0), i -> cString(f), none);
        }
    }

    /** Arrow Java's vectors: n values, the first of each set from {@code i}. */
    @Test
    void arrowJavasFixedWidthVectorsTakeItAndTheAllocatorEndsAtZero() {
        try (BufferAllocator allocator = new RootAllocator()) {
            List<FieldVector> vectors = new ArrayList<>();
            int n = 1000;
            TinyIntVector tiny = new TinyIntVector("b", allocator);
            UInt1Vector u1 = new UInt1Vector("B", allocator);
            SmallIntVector small = new SmallIntVector("h", allocator);
            UInt2Vector u2 = new UInt2Vector("H", allocator);
            IntVector ints = new IntVector("i", allocator);
            UInt4Vector u4 = new UInt4Vector("I", allocator);
            BigIntVector bigs = new BigIntVector("q", allocator);
            UInt8Vector u8 = new UInt8Vector("Q", allocator);
            Float2Vector halves = new Float2Vector("e", allocator);
            Float4Vector floats = new Float4Vector("f", allocator);
            Float8Vector doubles = new Float8Vector("d", allocator);
            DateDayVector days = new DateDayVector("tdD", allocator);
            TimeMicroVector micros = new TimeMicroVector("ttu", allocator);
            DurationVector durations = new DurationVector(org.apache.arrow.vector.types.pojo.Field.nullable("tDn",
                    new org.apache.arrow.vector.types.pojo.ArrowType.Duration(TimeUnit.NANOSECOND)), allocator);
            TimeStampNanoTZVector stamps = new TimeStampNanoTZVector("tsn", allocator, "UTC");
            for (int i = 0; i < n; i++) {
                tiny.setSafe(i, (byte) i);
                u1.setSafe(i, i & 0xff);
                small.setSafe(i, (short) i);
                u2.setSafe(i, (char) i);
                ints.setSafe(i, i);
                u4.setSafe(i, i);
                bigs.setSafe(i, i * 3L);
                u8.setSafe(i, i * 5L);
                halves.setSafe(i, (short) i);
                floats.setSafe(i, i / 2f);
                doubles.setSafe(i, i / 4d);
                days.setSafe(i, i);
                micros.setSafe(i, i * 7L);
                durations.setSafe(i, i * 11L);
                stamps.setSafe(i, i * 13L);
            }
            vectors.addAll(List.of(tiny, u1, small, u2, ints, u4, bigs, u8, halves, floats, doubles, days, micros,
                    durations, stamps));
            String[] expected = {"b", "B", "h", "H", "i", "I", "q", "Q", "e", "f", "d", "i", "q", "q", "q"};
            for (int k = 0; k < vectors.size(); k++) {
                FieldVector v = vectors.get(k);
                v.setValueCount(n);
                BufferView full = importArrowJava(allocator, v, true);
                BufferView fast = importArrowJava(allocator, v, false);
                String what = v.getField().toString();
                assertEquals(expected[k], fast.format().text(), what);
                assertEquals(v.getDataBuffer().memoryAddress(), fast.address(), what);
                assertSameView(full, fast, what);
                full.close();
                fast.close();
            }
            ForeignMemory.flushReleases();
            for (FieldVector v : vectors) {
                v.close();
            }
            assertEquals(0, allocator.getAllocatedMemory(), "Arrow's allocator at zero");
        }
    }

    /** Arrow Java's export of {@code v}, imported fully or through the shortcut (which must take it). */
    private static BufferView importArrowJava(BufferAllocator allocator, FieldVector v, boolean fully) {
        try (org.apache.arrow.c.ArrowSchema s = org.apache.arrow.c.ArrowSchema.allocateNew(allocator);
                org.apache.arrow.c.ArrowArray a = org.apache.arrow.c.ArrowArray.allocateNew(allocator)) {
            Data.exportVector(allocator, v, null, a, s);
            ArrowSchema schema = ArrowSchema.wrap(s.memoryAddress());
            ArrowArray array = ArrowArray.wrap(a.memoryAddress());
            if (fully) {
                return ViewImport.importViewFully(schema, array).view();
            }
            BufferView view = ForeignLeaves.tryImport(new ViewImport.Moved(schema, array));
            assertNotNull(view, "the shortcut takes Arrow Java's " + v.getField());
            return view;
        }
    }
}
