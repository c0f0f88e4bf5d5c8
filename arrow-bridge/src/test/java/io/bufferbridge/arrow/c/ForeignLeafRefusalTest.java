package io.bufferbridge.arrow.c;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bufferbridge.view.ForeignMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The foreign 1-D leaf pair (format {@code l}, nullable, no metadata, length 4 at offset 1, no
 * validity) with one field corrupted at a time, overflowing values included: each is refused with
 * exactly the message the importer gave before the leaf shortcut existed (captured from main at
 * {@code afecc52} by this test's cases), and every release callback runs exactly once.
 */
class ForeignLeafRefusalTest {
    private TestProducer p;
    private int importsBefore;

    @BeforeEach
    void open() {
        ForeignMemory.flushReleases();
        importsBefore = ArrowDiagnostics.snapshot().liveImports();
        p = new TestProducer();
    }

    @AfterEach
    void close() {
        ForeignMemory.flushReleases();
        assertEquals(importsBefore, ArrowDiagnostics.snapshot().liveImports(), "every import freed");
        p.close();
    }

    /** One corruption of the base pair and the refusal it gets. */
    record Case(String name, BiConsumer<TestProducer, ArrowSchema[]> schema, BiConsumer<TestProducer, ArrowArray[]> array,
            String message, int schemaReleases, int arrayReleases) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final BiConsumer<TestProducer, ArrowSchema[]> SAME_SCHEMA = (p, s) -> { };
    private static final BiConsumer<TestProducer, ArrowArray[]> SAME_ARRAY = (p, a) -> { };

    private static Case schemaCase(String name, BiConsumer<TestProducer, ArrowSchema[]> change, String message) {
        return new Case(name, change, SAME_ARRAY, message, 1, 1);
    }

    private static Case arrayCase(String name, BiConsumer<TestProducer, ArrowArray[]> change, String message) {
        return new Case(name, SAME_SCHEMA, change, message, 1, 1);
    }

    private static Case format(String format, String message) {
        return schemaCase("format " + format, (p, s) -> s[0].format(p.cString(format)), message);
    }

    /** The base array with {@code length} and {@code offset}. */
    private static Case extent(String name, String format, long length, long offset, String message) {
        return new Case(name, (p, s) -> s[0].format(p.cString(format)), (p, a) -> {
            a[0].length(length);
            a[0].offset(offset);
        }, message, 1, 1);
    }

    private static MemorySegment buffers(TestProducer p, MemorySegment... b) {
        MemorySegment list = p.arena.allocate(ValueLayout.ADDRESS, Math.max(1, b.length));
        for (int i = 0; i < b.length; i++) {
            list.setAtIndex(ValueLayout.ADDRESS, i, b[i]);
        }
        return list;
    }

    /** Bytes of all-set validity bits, but for bit {@code cleared} (none when negative). */
    private static MemorySegment bitmap(TestProducer p, int cleared) {
        MemorySegment m = p.arena.allocate(8);
        m.fill((byte) -1);
        if (cleared >= 0) {
            m.set(ValueLayout.JAVA_BYTE, cleared / 8, (byte) ~(1 << (cleared % 8)));
        }
        return m;
    }

    static Stream<Case> cases() {
        List<Case> c = new ArrayList<>();
        c.add(new Case("schema released", (p, s) -> s[0].releaseCallback(MemorySegment.NULL), SAME_ARRAY,
                "ArrowSchema already released: path=root release=NULL", 0, 1));
        c.add(new Case("array released", SAME_SCHEMA, (p, a) -> a[0].releaseCallback(MemorySegment.NULL),
                "ArrowArray already released: path=root release=NULL", 1, 0));
        c.add(schemaCase("format NULL", (p, s) -> s[0].format(MemorySegment.NULL), "ArrowSchema format is NULL: path=root"));
        c.add(format("", "unsupported Arrow format: path=root format=''"));
        for (String f : new String[] {"ll", "l ", "x", "q", "t", "td", "tdd", "tdDs", "tt", "ttx", "tD", "tDx", "ts",
            "tsu", "tsx:", "tsu-UTC", "tss", "c\u00e9"}) {
            c.add(format(f, "unsupported Arrow format: path=root format='" + f + "'"));
        }
        c.add(schemaCase("format not NUL-terminated", (p, s) -> {
            // 'l' then 2^20 more non-NUL bytes: past the importer's limit for a C string.
            MemorySegment m = p.arena.allocate((1 << 20) + 2);
            m.fill((byte) 'l');
            s[0].format(m);
        }, "ArrowSchema format is not NUL-terminated: path=root limit=1048576"));
        c.add(schemaCase("timestamp not NUL-terminated", (p, s) -> {
            MemorySegment m = p.arena.allocate((1 << 20) + 1);
            m.fill((byte) 'x');
            m.setString(0, "tsu:");
            m.set(ValueLayout.JAVA_BYTE, 4, (byte) 'x');
            m.set(ValueLayout.JAVA_BYTE, 1 << 20, (byte) 0);
            s[0].format(m);
        }, "ArrowSchema format is not NUL-terminated: path=root limit=1048576"));
        c.add(schemaCase("schema dictionary", (p, s) -> s[0].dictionary(p.schema("i").segment()),
                "dictionary-encoded arrays are not supported: path=root format='l'"));
        c.add(schemaCase("schema n_children 1, children NULL", (p, s) -> s[0].nChildren(1),
                "ArrowSchema children is NULL: path=root n_children=1"));
        c.add(schemaCase("schema n_children -1", (p, s) -> s[0].nChildren(-1),
                "ArrowSchema n_children out of range: path=root n_children=-1 expected=0..65536"));
        c.add(schemaCase("schema n_children MIN", (p, s) -> s[0].nChildren(Long.MIN_VALUE),
                "ArrowSchema n_children out of range: path=root n_children=-9223372036854775808 expected=0..65536"));
        c.add(schemaCase("schema with a child", (p, s) -> {
            s[0].nChildren(1);
            s[0].children(buffers(p, p.schema("l").segment()));
        }, "schema n_children does not match the type: path=root format='l' expected=0 found=1"));
        c.add(schemaCase("metadata pairs -1", (p, s) -> s[0].metadata(p.ints(-1)),
                "metadata blob truncated or malformed: path=root pairs=-1 expected=0..65536"));
        c.add(schemaCase("metadata, bufferbridge shape contradicts length",
                (p, s) -> s[0].metadata(p.blob(Map.of("bufferbridge.format", "q", "bufferbridge.shape", "5",
                        "bufferbridge.strides", "8", "bufferbridge.readonly", "true", "bufferbridge.copied", "false"))),
                "bufferbridge.shape contradicts the array length: path=root shape=[5] product=5 arrow_elements=4"));
        c.add(arrayCase("array dictionary", (p, a) -> a[0].dictionary(p.array(1, 0, new MemorySegment[0]).segment()),
                "dictionary-encoded arrays are not supported: path=root"));
        c.add(arrayCase("n_buffers 1", (p, a) -> a[0].nBuffers(1),
                "n_buffers does not match the type: path=root format='l' expected=2 found=1"));
        c.add(arrayCase("n_buffers 0", (p, a) -> a[0].nBuffers(0),
                "n_buffers does not match the type: path=root format='l' expected=2 found=0"));
        c.add(arrayCase("n_buffers 3", (p, a) -> {
            a[0].nBuffers(3);
            a[0].buffers(buffers(p, MemorySegment.NULL, data(p), MemorySegment.NULL));
        }, "n_buffers does not match the type: path=root format='l' expected=2 found=3"));
        c.add(arrayCase("n_buffers -1", (p, a) -> a[0].nBuffers(-1),
                "ArrowArray n_buffers out of range: path=root n_buffers=-1 expected=0..64"));
        c.add(arrayCase("n_buffers 65", (p, a) -> a[0].nBuffers(65),
                "ArrowArray n_buffers out of range: path=root n_buffers=65 expected=0..64"));
        c.add(arrayCase("n_buffers MAX", (p, a) -> a[0].nBuffers(Long.MAX_VALUE),
                "ArrowArray n_buffers out of range: path=root n_buffers=9223372036854775807 expected=0..64"));
        c.add(arrayCase("buffers NULL", (p, a) -> a[0].buffers(MemorySegment.NULL),
                "ArrowArray buffers is NULL: path=root n_buffers=2"));
        c.add(arrayCase("array n_children 1, children NULL", (p, a) -> a[0].nChildren(1),
                "ArrowArray children is NULL: path=root n_children=1"));
        c.add(arrayCase("array n_children -1", (p, a) -> a[0].nChildren(-1),
                "ArrowArray n_children out of range: path=root n_children=-1 expected=0..65536"));
        c.add(arrayCase("array with a child", (p, a) -> {
            a[0].nChildren(1);
            a[0].children(buffers(p, p.array(5, 0, new MemorySegment[] {MemorySegment.NULL, data(p)}).segment()));
        }, "array n_children does not match the schema: path=root format='l' expected=0 found=1"));
        c.add(extent("length -1", "l", -1, 1, "negative length or offset: path=root format='l' length=-1 offset=1"));
        c.add(extent("length MIN", "l", Long.MIN_VALUE, 1,
                "negative length or offset: path=root format='l' length=-9223372036854775808 offset=1"));
        c.add(extent("offset -1", "l", 4, -1, "negative length or offset: path=root format='l' length=4 offset=-1"));
        c.add(extent("offset + length overflows", "l", 4, Long.MAX_VALUE,
                "offset + length overflows: path=root format='l' a=9223372036854775807 b=4"));
        c.add(extent("length + offset overflows", "c", Long.MAX_VALUE, 1,
                "offset + length overflows: path=root format='c' a=1 b=9223372036854775807"));
        c.add(extent("int64 bytes overflow", "l", Long.MAX_VALUE / 8, 1,
                "size overflows: path=root format='l' a=1152921504606846976 b=8"));
        c.add(extent("int16 bytes overflow", "s", Long.MAX_VALUE / 2, 1,
                "size overflows: path=root format='s' a=4611686018427387904 b=2"));
        c.add(extent("float32 bytes overflow", "f", Long.MAX_VALUE / 4 + 1, 0,
                "size overflows: path=root format='f' a=2305843009213693952 b=4"));
        c.add(extent("time64 bytes overflow", "ttn", Long.MAX_VALUE / 8 + 1, 0,
                "size overflows: path=root format='ttn' a=1152921504606846976 b=8"));
        c.add(extent("timestamp bytes overflow", "tsn:Europe/Paris", Long.MAX_VALUE / 8 + 1, 0,
                "size overflows: path=root format='tsn:Europe/Paris' a=1152921504606846976 b=8"));
        c.add(arrayCase("null_count -2", (p, a) -> a[0].nullCount(-2),
                "null_count out of range: path=root format='l' null_count=-2 expected>=-1"));
        c.add(arrayCase("null_count MIN", (p, a) -> a[0].nullCount(Long.MIN_VALUE),
                "null_count out of range: path=root format='l' null_count=-9223372036854775808 expected>=-1"));
        c.add(arrayCase("null_count 1 without validity", (p, a) -> a[0].nullCount(1),
                "null_count without a validity bitmap: path=root format='l' null_count=1"));
        c.add(arrayCase("null_count MAX without validity", (p, a) -> a[0].nullCount(Long.MAX_VALUE),
                "null_count without a validity bitmap: path=root format='l' null_count=9223372036854775807"));
        c.add(arrayCase("null_count 1 with validity", (p, a) -> {
            a[0].nullCount(1);
            a[0].buffers(buffers(p, bitmap(p, 2), data(p)));
        }, "nulls cannot be represented in a buffer view: path=root format='l' null_count=1"));
        c.add(arrayCase("null_count -1, a null in range", (p, a) -> {
            a[0].nullCount(-1);
            a[0].buffers(buffers(p, bitmap(p, 4), data(p)));
        }, "nulls cannot be represented in a buffer view: path=root format='l' null_count=-1 nulls=1"));
        c.add(arrayCase("null_count -1, the first element null", (p, a) -> {
            a[0].nullCount(-1);
            a[0].buffers(buffers(p, bitmap(p, 1), data(p)));
        }, "nulls cannot be represented in a buffer view: path=root format='l' null_count=-1 nulls=1"));
        c.add(arrayCase("data NULL", (p, a) -> a[0].buffers(buffers(p, MemorySegment.NULL, MemorySegment.NULL)),
                "data buffer is NULL: path=root format='l' length=4"));
        c.add(arrayCase("data NULL with validity", (p, a) -> a[0].buffers(buffers(p, bitmap(p, -1), MemorySegment.NULL)),
                "data buffer is NULL: path=root format='l' length=4"));
        return c.stream();
    }

    /** Five int64 values: the base array's offset 1 and length 4. */
    private static MemorySegment data(TestProducer p) {
        MemorySegment d = p.arena.allocate(ValueLayout.JAVA_LONG, 5);
        for (int i = 0; i < 5; i++) {
            d.setAtIndex(ValueLayout.JAVA_LONG, i, 10 + i);
        }
        return d;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refusedAsBefore(Case c) {
        ArrowSchema s = p.root(p.schema("l"));
        s.flags(ArrowSchema.FLAG_NULLABLE);
        ArrowArray a = p.root(p.array(4, 1, new MemorySegment[] {MemorySegment.NULL, data(p)}));
        c.schema().accept(p, new ArrowSchema[] {s});
        c.array().accept(p, new ArrowArray[] {a});
        ArrowImportException e = assertThrows(ArrowImportException.class, () -> ArrowImporter.importView(s, a));
        assertEquals(c.message(), e.getMessage());
        ForeignMemory.flushReleases();
        assertEquals(c.schemaReleases(), TestProducer.SCHEMA_RELEASES.get(), "schema release callback runs");
        assertEquals(c.arrayReleases(), TestProducer.ARRAY_RELEASES.get(), "array release callback runs");
        assertTrue(s.isReleased() && a.isReleased(), "both structs released");
    }
}
