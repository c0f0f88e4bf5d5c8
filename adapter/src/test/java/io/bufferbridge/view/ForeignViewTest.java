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
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link ForeignMemory#view}: what stays readable, what refuses, and when the release runs. */
class ForeignViewTest {
    private Arena arena;
    private MemorySegment raw;
    private final AtomicInteger released = new AtomicInteger();

    @BeforeEach
    void open() {
        arena = Arena.ofShared();
        raw = arena.allocate(32, 8);
        for (int i = 0; i < 4; i++) {
            raw.setAtIndex(ValueLayout.JAVA_LONG, i, 10 + i);
        }
    }

    @AfterEach
    void close() {
        ForeignMemory.flushReleases();
        arena.close();
    }

    private BufferView foreign() {
        return ForeignMemory.view(raw, 0, "q", 8, new long[] {4}, new long[] {8}, false, released::incrementAndGet);
    }

    @Test
    void everythingObtainedFromTheViewRefusesOnceTheReleaseTookEffect() {
        BufferView v = foreign();
        MemorySegment kept = v.memory();
        ByteBuffer buffer = v.asByteBuffer().order(ByteOrder.nativeOrder());
        BufferView rebuilt = BufferView.ofSegment(kept, "q", 4);
        assertEquals(11, kept.getAtIndex(ValueLayout.JAVA_LONG, 1));
        assertEquals(12, buffer.getLong(16));
        assertEquals(List.of(10L, 11L, 12L, 13L), rebuilt.toList());
        v.close();
        ForeignMemory.flushReleases();
        assertEquals(1, released.get());
        assertThrows(IllegalStateException.class, () -> kept.getAtIndex(ValueLayout.JAVA_LONG, 1));
        assertThrows(IllegalStateException.class, () -> buffer.getLong(16));
        assertThrows(IllegalStateException.class, rebuilt::toList);
        IllegalStateException e = assertThrows(IllegalStateException.class, v::toList);
        assertEquals("operation on a released view: format='q' shape=[4]", e.getMessage());
        // The producer's memory itself was never touched after the release: it is still ours.
        assertEquals(11, raw.getAtIndex(ValueLayout.JAVA_LONG, 1));
    }

    @Test
    void aDerivedViewKeepsTheMemoryAfterTheRootIsReleased() {
        BufferView v = foreign();
        BufferView tail = v.asSlice(2, 4, 1);
        MemorySegment kept = tail.memory();
        v.close();
        ForeignMemory.flushReleases();
        assertEquals(0, released.get(), "the slice still reads the memory");
        assertEquals(List.of(12L, 13L), tail.toList());
        tail.close();
        ForeignMemory.flushReleases();
        assertEquals(1, released.get());
        assertThrows(IllegalStateException.class, () -> kept.getAtIndex(ValueLayout.JAVA_LONG, 2));
    }

    @Test
    void aHoldKeepsTheMemoryWithoutKeepingTheView() {
        BufferView v = foreign();
        MemoryHold hold = v.hold();
        MemorySegment kept = v.memory();
        v.close();
        ForeignMemory.flushReleases();
        assertFalse(v.isAlive(), "a hold does not stop the release of the view");
        assertThrows(IllegalStateException.class, () -> kept.getAtIndex(ValueLayout.JAVA_LONG, 0),
                "a hold is not a reader: the segments refuse");
        assertEquals(0, released.get(), "but the memory is not given back");
        assertTrue(hold.isHeld());
        hold.close();
        assertEquals(1, released.get());
        hold.close();
        assertFalse(hold.isHeld());
        assertEquals(1, released.get(), "a hold lets go once");
    }

    @Test
    void aHoldOnAReleasedViewIsRefused() {
        BufferView v = foreign();
        v.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, v::hold);
        assertEquals("operation on a released view: format='q' shape=[4]", e.getMessage());
        ForeignMemory.flushReleases();
        assertEquals(1, released.get());
    }

    @Test
    void aRefusedForeignViewRunsNoRelease() {
        InvalidViewException e = assertThrows(InvalidViewException.class, () -> ForeignMemory.view(raw, 0, "q", 8,
                new long[] {5}, new long[] {8}, true, released::incrementAndGet));
        assertEquals("element bytes reach outside memory: lowest=0 highest=40 memory=32 offset=0 itemsize=8"
                + " shape=[5] strides=[8]", e.getMessage());
        ForeignMemory.flushReleases();
        assertEquals(0, released.get(), "the caller still owns the memory");
    }

    @Test
    void writesGoToTheForeignMemory() {
        try (BufferView v = foreign()) {
            v.setLong(-1, 3);
            assertEquals(-1, raw.getAtIndex(ValueLayout.JAVA_LONG, 3));
            assertArrayEquals(new long[] {10, 11, 12, -1}, v.toLongArray());
        }
    }

    @Test
    void aViewWithLiveExportsIsRefusedOnlyWhileTheyLive() {
        BufferView v = foreign();
        BufferView export = v.getBuffer(BufferFlags.FULL_RO);
        BufferException e = assertThrows(BufferException.class, v::close);
        assertEquals("view has exported buffers: release them first: exports=1", e.getMessage());
        export.close();
        v.close();
        ForeignMemory.flushReleases();
        assertEquals(1, released.get());
    }
}
