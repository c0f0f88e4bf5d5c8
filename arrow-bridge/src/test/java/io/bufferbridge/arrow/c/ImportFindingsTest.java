package io.bufferbridge.arrow.c;

import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Findings of {@link ImportFuzzTest}, written out as plain tests (the fuzz inputs that found them
 * are replayed too, from {@code ImportFuzzTestInputs/}).
 */
class ImportFindingsTest {
    private TestProducer p;

    @BeforeEach
    void open() {
        p = new TestProducer();
    }

    @AfterEach
    void close() {
        p.close();
    }

    /**
     * null_count -1 ("not computed") with a validity bitmap made the importer count the bitmap's
     * bits over offset + length before checking that the data extent fits 64 bits: with
     * length 2**61 of 8-byte values it walked 2**58 bytes past a 1-byte bitmap (SIGSEGV). The
     * extent is now checked first and the bitmap is read last.
     */
    @Test
    void notComputedNullCountWithAnOverflowingLengthIsRefusedBeforeTheBitmapIsRead() {
        MemorySegment bitmap = p.bytes(new byte[] {(byte) 0xff});
        MemorySegment data = p.bytes(new byte[8]);
        ArrowArray a = p.root(p.array(1L << 61, 0, new MemorySegment[] {bitmap, data}));
        a.nullCount(-1);
        ArrowSchema s = p.root(p.schema("l"));
        ArrowImportException e = assertThrows(ArrowImportException.class, () -> ArrowImporter.importView(s, a));
        assertTrue(e.getMessage().startsWith("size overflows: path=root format='l'"), e.getMessage());
        ForeignMemory.flushReleases();
        assertEquals(1, TestProducer.SCHEMA_RELEASES.get());
        assertEquals(1, TestProducer.ARRAY_RELEASES.get());
    }

    /** The same for a fixed-size list whose child is too short: refused before the parent's bitmap is read. */
    @Test
    void notComputedNullCountOnAListWithAShortChildIsRefusedBeforeTheBitmapIsRead() {
        MemorySegment bitmap = p.bytes(new byte[] {(byte) 0xff});
        ArrowArray child = p.array(2, 0, new MemorySegment[] {MemorySegment.NULL, p.ints(1, 2)});
        ArrowArray a = p.root(p.array(1L << 40, 0, new MemorySegment[] {bitmap}, child));
        a.nullCount(-1);
        ArrowSchema s = p.root(p.schema("+w:2", p.schema("i")));
        ArrowImportException e = assertThrows(ArrowImportException.class, () -> ArrowImporter.importView(s, a));
        assertTrue(e.getMessage().startsWith("child too short for its parent's offset and length: path=root.0 length=2"),
                e.getMessage());
        ForeignMemory.flushReleases();
        assertEquals(1, TestProducer.ARRAY_RELEASES.get());
    }

    /** A bitmap that is read still counts its nulls: one cleared bit in range is refused. */
    @Test
    void notComputedNullCountStillFindsNulls() {
        MemorySegment bitmap = p.bytes(new byte[] {(byte) 0b1111_1011});
        ArrowArray a = p.root(p.array(3, 0, new MemorySegment[] {bitmap, p.ints(1, 2, 3)}));
        a.nullCount(-1);
        ArrowSchema s = p.root(p.schema("i"));
        ArrowImportException e = assertThrows(ArrowImportException.class, () -> ArrowImporter.importView(s, a));
        assertEquals("nulls cannot be represented in a buffer view: path=root format='i' null_count=-1 nulls=1",
                e.getMessage());
    }
}
