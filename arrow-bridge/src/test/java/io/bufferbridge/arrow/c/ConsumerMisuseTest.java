package io.bufferbridge.arrow.c;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A C consumer that misuses the protocol on our exports (docs/contract.md, "Misuse by a C
 * consumer"): what is ignored, what is refused, and that nothing is freed twice or leaked.
 */
class ConsumerMisuseTest {
    private Arena arena;
    private Arena structs;
    private int liveBefore;
    private long releasesBefore;
    private long spuriousBefore;
    private final AtomicInteger memoryReleases = new AtomicInteger();

    @BeforeEach
    void open() {
        ForeignMemory.flushReleases();
        arena = Arena.ofShared();
        structs = Arena.ofConfined();
        liveBefore = ArrowDiagnostics.snapshot().liveExports();
        releasesBefore = ArrowDiagnostics.snapshot().exportReleases();
        spuriousBefore = ArrowDiagnostics.snapshot().spuriousExportReleases();
    }

    @AfterEach
    void close() {
        ForeignMemory.flushReleases();
        assertEquals(liveBefore, ArrowDiagnostics.snapshot().liveExports(), "every exported tree freed");
        structs.close();
        arena.close();
    }

    /** A zero-copy 2-element view of pairs ({@code 2i}): an array with one child, whose memory we count. */
    private BufferView pairs() {
        MemorySegment m = arena.allocate(16, 8);
        MemorySegment.copy(new int[] {1, 2, 3, 4}, 0, m, ValueLayout.JAVA_INT, 0, 4);
        return BufferView.of(m, 0, "2i", 8, new long[] {2}, new long[] {8}, true, memoryReleases::incrementAndGet);
    }

    @Test
    void releasingTwiceThroughASavedCallbackIsIgnored() {
        BufferView view = pairs();
        ArrowSchema schema = ArrowSchema.allocate(structs);
        ArrowArray array = ArrowArray.allocate(structs);
        ArrowExporter.exportView(view, schema, array);
        view.close();
        MemorySegment schemaRelease = schema.releaseCallback();
        MemorySegment arrayRelease = array.releaseCallback();
        RoundTripTest.callRelease(schemaRelease, schema.segment());
        RoundTripTest.callRelease(arrayRelease, array.segment());
        assertEquals(2, ArrowDiagnostics.snapshot().exportReleases() - releasesBefore);
        assertEquals(1, memoryReleases.get(), "the memory let go once");
        // The struct now says released (release is NULL); calling the old callback again is a bug
        // that is counted and changes nothing.
        RoundTripTest.callRelease(schemaRelease, schema.segment());
        RoundTripTest.callRelease(arrayRelease, array.segment());
        assertEquals(2, ArrowDiagnostics.snapshot().exportReleases() - releasesBefore, "no second release");
        assertEquals(2, ArrowDiagnostics.snapshot().spuriousExportReleases() - spuriousBefore, "both counted as misuse");
        assertEquals(1, memoryReleases.get());
    }

    @Test
    void releasingAChildInPlaceThenTheRootFreesEverythingOnce() {
        BufferView view = pairs();
        ArrowSchema schema = ArrowSchema.allocate(structs);
        ArrowArray array = ArrowArray.allocate(structs);
        ArrowExporter.exportView(view, schema, array);
        view.close();
        ArrowArray child = Structs.child(array, 0);
        // Not moved out, just released where it is: the parent's release then skips it.
        RoundTripTest.callRelease(child.releaseCallback(), child.segment());
        assertTrue(child.isReleased());
        assertEquals(0, memoryReleases.get(), "the root still holds the memory");
        RoundTripTest.callRelease(array.releaseCallback(), array.segment());
        RoundTripTest.callRelease(schema.releaseCallback(), schema.segment());
        assertEquals(1, memoryReleases.get());
        assertEquals(0, ArrowDiagnostics.snapshot().spuriousExportReleases() - spuriousBefore, "allowed, not misuse");
    }

    @Test
    void usingAReleasedPairIsRefused() {
        BufferView view = pairs();
        ArrowSchema schema = ArrowSchema.allocate(structs);
        ArrowArray array = ArrowArray.allocate(structs);
        ArrowExporter.exportView(view, schema, array);
        try (BufferView back = ArrowImporter.importView(schema, array)) {
            assertEquals(java.util.List.of(java.util.List.of(1L, 2L), java.util.List.of(3L, 4L)), back.toList());
        }
        // The import moved both structs: they say released, and importing them again is refused.
        ArrowImportException e = assertThrows(ArrowImportException.class, () -> ArrowImporter.importView(schema, array));
        assertEquals("ArrowSchema already released: path=root release=NULL", e.getMessage());
        view.close();
        ForeignMemory.flushReleases();
        assertEquals(1, memoryReleases.get());
    }

    @Test
    void exportingIntoALiveStructIsRefusedAndLeavesItAlone() {
        BufferView view = pairs();
        ArrowSchema schema = ArrowSchema.allocate(structs);
        ArrowArray array = ArrowArray.allocate(structs);
        ArrowExporter.exportView(view, schema, array);
        MemorySegment liveFormat = schema.format();
        ArrowExportException e = assertThrows(ArrowExportException.class,
                () -> ArrowExporter.exportView(view, schema, array));
        assertEquals("export target still holds a live struct: schema.released=false array.released=false",
                e.getMessage());
        assertEquals(liveFormat, schema.format(), "the live export is untouched");
        RoundTripTest.callRelease(array.releaseCallback(), array.segment());
        RoundTripTest.callRelease(schema.releaseCallback(), schema.segment());
        view.close();
        assertEquals(1, memoryReleases.get());
    }
}
