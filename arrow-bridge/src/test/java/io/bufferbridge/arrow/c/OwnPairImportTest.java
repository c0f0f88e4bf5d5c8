package io.bufferbridge.arrow.c;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * bufferbridge's import of its own 1-D export, which is built from the export's record when the
 * structs are exactly as written: the result is the full import's, and a pair that is not as
 * written (a foreign {@code private_data} beside our release pointer, a buffer pointer, length,
 * format or metadata changed after the export, the same pair imported twice) is imported or
 * refused exactly as the full import reads it, every release callback run once.
 */
class OwnPairImportTest {
    private static final long S_FORMAT = offset(ArrowSchema.LAYOUT, "format");
    private static final long S_METADATA = offset(ArrowSchema.LAYOUT, "metadata");
    private static final long S_PRIVATE = offset(ArrowSchema.LAYOUT, "private_data");
    private static final long A_LENGTH = offset(ArrowArray.LAYOUT, "length");
    private static final long A_BUFFERS = offset(ArrowArray.LAYOUT, "buffers");
    private static final long A_PRIVATE = offset(ArrowArray.LAYOUT, "private_data");

    private Arena arena;
    private long releasesBefore;
    private long spuriousBefore;
    private int exportsBefore;
    private int importsBefore;

    @BeforeEach
    void open() {
        ForeignMemory.flushReleases();
        arena = Arena.ofShared();
        ArrowDiagnostics d = ArrowDiagnostics.snapshot();
        releasesBefore = d.exportReleases();
        spuriousBefore = d.spuriousExportReleases();
        exportsBefore = d.liveExports();
        importsBefore = d.liveImports();
    }

    @AfterEach
    void close() {
        ForeignMemory.flushReleases();
        ArrowDiagnostics d = ArrowDiagnostics.snapshot();
        assertEquals(exportsBefore, d.liveExports(), "every exported tree freed");
        assertEquals(importsBefore, d.liveImports(), "every import freed");
        arena.close();
    }

    private static long offset(java.lang.foreign.StructLayout layout, String field) {
        return layout.byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement(field));
    }

    /** Four int64 values 10, 11, 12, 13 in native memory. */
    private BufferView source(boolean readOnly) {
        MemorySegment m = arena.allocate(32, 8);
        for (int i = 0; i < 4; i++) {
            m.setAtIndex(ValueLayout.JAVA_LONG, i, 10 + i);
        }
        return BufferView.of(m, 0, "q", 8, new long[] {4}, new long[] {8}, readOnly);
    }

    private long releases() {
        return ArrowDiagnostics.snapshot().exportReleases() - releasesBefore;
    }

    private long spurious() {
        return ArrowDiagnostics.snapshot().spuriousExportReleases() - spuriousBefore;
    }

    @Test
    void ownExportComesBackAsTheExportedViewEachReleaseOnce() {
        for (boolean readOnly : new boolean[] {false, true}) {
            long before = releases();
            try (BufferView v = source(readOnly); Arena structs = Arena.ofConfined()) {
                Exported e = export(v, structs);
                ArrowSchema s = e.schema();
                ArrowArray a = e.array();
                ImportedView pair = ArrowImporter.importPair(s, a);
                assertTrue(s.isReleased(), "schema moved");
                assertTrue(a.isReleased(), "array moved");
                assertEquals(before + 1, releases(), "the schema is released at the import");
                try (BufferView w = pair.view()) {
                    assertFalse(pair.copied());
                    assertEquals(v.address(), w.address());
                    assertEquals("q", w.format().text());
                    assertEquals(8, w.itemsize());
                    assertArrayEquals(new long[] {4}, w.shape());
                    assertArrayEquals(new long[] {8}, w.strides());
                    assertEquals(readOnly, w.isReadOnly());
                    assertArrayEquals(new long[] {10, 11, 12, 13}, w.toLongArray());
                }
                ForeignMemory.flushReleases();
                assertEquals(before + 2, releases(), "both roots released once");
            }
        }
        assertEquals(0, spurious());
    }

    @Test
    void structsInASharedArenaGoThroughTheirSegments() {
        try (BufferView v = source(false); Arena structs = Arena.ofShared()) {
            Exported pair = export(v, structs);
            ArrowSchema s = pair.schema();
            ArrowArray a = pair.array();
            try (BufferView w = ArrowImporter.importView(s, a)) {
                assertEquals(v.address(), w.address());
                assertArrayEquals(new long[] {10, 11, 12, 13}, w.toLongArray());
            }
        }
        ForeignMemory.flushReleases();
        assertEquals(2, releases());
        assertEquals(0, spurious());
    }

    @Test
    void ourReleasePointerWithAForeignPrivateDataIsImportedAsTheFullImportReadsIt() {
        try (BufferView v = source(false); Arena structs = Arena.ofConfined()) {
            Exported pair = export(v, structs);
            ArrowSchema s = pair.schema();
            ArrowArray a = pair.array();
            // A producer copies our structs and puts ids of its own beside our release pointers.
            Exported forged = copy(pair, structs);
            ArrowSchema fs = forged.schema();
            ArrowArray fa = forged.array();
            fs.segment().set(ValueLayout.JAVA_LONG, S_PRIVATE, 0x7000_0000_0000_0001L);
            fa.segment().set(ValueLayout.JAVA_LONG, A_PRIVATE, 0x7000_0000_0000_0003L);
            try (BufferView w = ArrowImporter.importView(fs, fa)) {
                // The full import: the memory the structs describe, and the schema's release run
                // at once on an id no export has: spurious.
                assertEquals(v.address(), w.address());
                assertArrayEquals(new long[] {10, 11, 12, 13}, w.toLongArray());
                assertEquals(1, spurious(), "the forged schema's release");
            }
            ForeignMemory.flushReleases();
            assertEquals(2, spurious(), "the forged array's release too");
            assertEquals(0, releases(), "the real export untouched");
            RoundTripTest.callRelease(s.releaseCallback(), s.segment());
            RoundTripTest.callRelease(a.releaseCallback(), a.segment());
            assertEquals(2, releases(), "the real export released once, by its owner");
        }
    }

    @Test
    void aLengthChangedAfterTheExportIsRefusedAsTheFullImportRefusesIt() {
        try (BufferView v = source(false); Arena structs = Arena.ofConfined()) {
            Exported pair = export(v, structs);
            ArrowSchema s = pair.schema();
            ArrowArray a = pair.array();
            a.segment().set(ValueLayout.JAVA_LONG, A_LENGTH, 2);
            ArrowImportException e = assertThrows(ArrowImportException.class, () -> ArrowImporter.importView(s, a));
            assertEquals("bufferbridge.shape contradicts the array length: path=root shape=[4] product=4"
                    + " arrow_elements=2", e.getMessage());
            assertTrue(s.isReleased() && a.isReleased());
            ForeignMemory.flushReleases();
            assertEquals(2, releases(), "both released once by the refusal");
        }
        assertEquals(0, spurious());
    }

    @Test
    void metadataChangedAfterTheExportIsReadAsWritten() {
        try (BufferView v = source(false); Arena structs = Arena.ofConfined()) {
            Exported pair = export(v, structs);
            ArrowSchema s = pair.schema();
            ArrowArray a = pair.array();
            // The blob's shape "4" becomes "2": the full import checks it against the length.
            MemorySegment blob = MemorySegment.ofAddress(s.segment().get(ValueLayout.JAVA_LONG, S_METADATA))
                    .reinterpret(4096);
            long at = indexOf(blob, "bufferbridge.shape") + "bufferbridge.shape".length();
            assertEquals(1, blob.get(ValueLayout.JAVA_INT_UNALIGNED, at), "the shape's value is one digit");
            assertEquals('4', blob.get(ValueLayout.JAVA_BYTE, at + 4));
            blob.set(ValueLayout.JAVA_BYTE, at + 4, (byte) '2');
            ArrowImportException e = assertThrows(ArrowImportException.class, () -> ArrowImporter.importView(s, a));
            assertEquals("bufferbridge.shape contradicts the array length: path=root shape=[2] product=2"
                    + " arrow_elements=4", e.getMessage());
            assertTrue(s.isReleased() && a.isReleased());
            ForeignMemory.flushReleases();
            assertEquals(2, releases());
        }
        assertEquals(0, spurious());
    }

    @Test
    void aFormatChangedAfterTheExportIsRefusedAsTheFullImportRefusesIt() {
        try (BufferView v = source(false); Arena structs = Arena.ofConfined()) {
            Exported pair = export(v, structs);
            ArrowSchema s = pair.schema();
            ArrowArray a = pair.array();
            // Another Arrow type (uint64) than bufferbridge.format's int64.
            s.segment().set(ValueLayout.JAVA_LONG, S_FORMAT,
                    arena.allocateFrom("L", StandardCharsets.UTF_8).address());
            ArrowImportException e = assertThrows(ArrowImportException.class, () -> ArrowImporter.importView(s, a));
            assertEquals("bufferbridge.format contradicts the Arrow type: path=root format='q' expected=l found=L",
                    e.getMessage());
            ForeignMemory.flushReleases();
            assertEquals(2, releases());
        }
        assertEquals(0, spurious());
    }

    @Test
    void aBufferPointerChangedAfterTheExportIsReadAsWritten() {
        MemorySegment other = arena.allocate(32, 8);
        for (int i = 0; i < 4; i++) {
            other.setAtIndex(ValueLayout.JAVA_LONG, i, 20 + i);
        }
        try (BufferView v = source(false); Arena structs = Arena.ofConfined()) {
            Exported pair = export(v, structs);
            ArrowSchema s = pair.schema();
            ArrowArray a = pair.array();
            // The export's own buffer list (C heap anyone may write) now points elsewhere.
            MemorySegment buffers = MemorySegment.ofAddress(a.segment().get(ValueLayout.JAVA_LONG, A_BUFFERS))
                    .reinterpret(16);
            buffers.set(ValueLayout.JAVA_LONG, 8, other.address());
            try (BufferView w = ArrowImporter.importView(s, a)) {
                assertEquals(other.address(), w.address(), "the full import reads the pointer as it is");
                assertArrayEquals(new long[] {20, 21, 22, 23}, w.toLongArray());
            }
            ForeignMemory.flushReleases();
            assertEquals(2, releases());
        }
        assertEquals(0, spurious());
    }

    @Test
    void aPairCopiedAndImportedTwiceIsTakenFromTheRecordOnceAndItsCopyReleasesAreSpurious() {
        try (BufferView v = source(false); Arena structs = Arena.ofConfined()) {
            Exported pair = export(v, structs);
            ArrowSchema s = pair.schema();
            ArrowArray a = pair.array();
            Exported copied = copy(pair, structs);
            ArrowSchema cs = copied.schema();
            ArrowArray ca = copied.array();
            try (BufferView first = ArrowImporter.importView(s, a)) {
                assertEquals(1, releases());
                // The copy goes to the full import: it reads the same structs, and its releases,
                // of a pair already imported, do nothing.
                try (BufferView second = ArrowImporter.importView(cs, ca)) {
                    assertEquals(v.address(), second.address());
                    assertEquals(1, spurious(), "the copy's schema release");
                }
                ForeignMemory.flushReleases();
                assertEquals(2, spurious(), "the copy's array release");
                assertArrayEquals(new long[] {10, 11, 12, 13}, first.toLongArray(), "the first import still reads");
                assertEquals(1, releases());
            }
            ForeignMemory.flushReleases();
            assertEquals(2, releases(), "the export's two roots released once each");
        }
    }

    private record Exported(ArrowSchema schema, ArrowArray array) {
    }

    /** {@return new structs in {@code structs} holding an export of {@code v}} */
    private static Exported export(BufferView v, Arena structs) {
        Exported e = new Exported(ArrowSchema.allocate(structs), ArrowArray.allocate(structs));
        ArrowExporter.exportView(v, e.schema(), e.array());
        return e;
    }

    /** {@return new structs with the bytes of {@code e}'s}: what a producer copying our structs makes */
    private static Exported copy(Exported e, Arena structs) {
        Exported c = new Exported(ArrowSchema.allocate(structs), ArrowArray.allocate(structs));
        MemorySegment.copy(e.schema().segment(), 0, c.schema().segment(), 0, ArrowSchema.LAYOUT.byteSize());
        MemorySegment.copy(e.array().segment(), 0, c.array().segment(), 0, ArrowArray.LAYOUT.byteSize());
        return c;
    }

    private static long indexOf(MemorySegment blob, String key) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        outer:
        for (long i = 0; i < blob.byteSize() - k.length; i++) {
            for (int j = 0; j < k.length; j++) {
                if (blob.get(ValueLayout.JAVA_BYTE, i + j) != k[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("key not in the blob: " + key);
    }
}
