package io.bufferbridge.arrow.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowExporter;
import io.bufferbridge.arrow.c.ArrowImporter;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The C-heap arena behind exports and imports: zeroed, aligned, freed once, from any thread. */
class MallocArenaTest {
    private long blocksBefore;

    @BeforeEach
    void count() {
        ForeignMemory.flushReleases();
        blocksBefore = MallocArena.openBlocks();
    }

    @AfterEach
    void freed() {
        ForeignMemory.flushReleases();
        assertEquals(blocksBefore, MallocArena.openBlocks(), "every C heap block freed");
    }

    @Test
    void aZeroingAllocationFromAChunkLeftStaleByUnzeroedOnesIsZeroed() {
        // Unzeroed allocations leave their bytes in the chunk the pool hands to the next arena
        // (last in, first out); there an unzeroed allocation may see them, a zeroing one never.
        // Small allocations (at most 1016 bytes each), so that both come from one chunk.
        MemorySegment all = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
        MallocArena dirty = new MallocArena();
        all.asSlice(dirty.allocateAddressUnzeroed(1000, 8), 1000).fill((byte) 0xA5);
        all.asSlice(dirty.allocateAddressUnzeroed(1000, 8), 1000).fill((byte) 0x5A);
        dirty.close();
        try (MallocArena next = new MallocArena()) {
            all.asSlice(next.allocateAddressUnzeroed(100, 8), 100).fill((byte) 0x11);
            MemorySegment zeroed = next.allocate(1000, 1);
            for (long i = 0; i < zeroed.byteSize(); i++) {
                assertEquals(0, zeroed.get(ValueLayout.JAVA_BYTE, i), "byte=" + i);
            }
            MemorySegment past = next.allocate(900, 16);
            for (long i = 0; i < past.byteSize(); i++) {
                assertEquals(0, past.get(ValueLayout.JAVA_BYTE, i), "byte=" + (1100 + i));
            }
        }
    }

    @Test
    void aChunkGivenBackIsZeroedForTheNextArena() {
        // Dirty every byte of several chunks (the pool hands them out last in, first out), close,
        // and the next arenas' chunks, pooled or not, read as zeros.
        for (int round = 0; round < 3; round++) {
            MallocArena[] dirty = new MallocArena[4];
            for (int k = 0; k < dirty.length; k++) {
                dirty[k] = new MallocArena();
                dirty[k].allocate(1000, 8).fill((byte) 0xA5);
                dirty[k].allocate(900, 8).fill((byte) 0x5A);
            }
            for (MallocArena a : dirty) {
                a.close();
            }
            for (int k = 0; k < dirty.length; k++) {
                try (MallocArena clean = new MallocArena()) {
                    MemorySegment m = clean.allocate(1900, 8);
                    for (long i = 0; i < m.byteSize(); i++) {
                        assertEquals(0, m.get(ValueLayout.JAVA_BYTE, i), "round=" + round + " arena=" + k + " byte=" + i);
                    }
                }
            }
        }
    }

    @Test
    void smallAllocationsShareOneZeroedAlignedBlock() {
        try (MallocArena arena = new MallocArena()) {
            long previousEnd = 0;
            for (long alignment : new long[] {1, 2, 4, 8, 16, 32, 64}) {
                MemorySegment s = arena.allocate(24, alignment);
                assertEquals(24, s.byteSize());
                assertEquals(0, s.address() % alignment, "alignment=" + alignment);
                assertTrue(s.address() >= previousEnd, "no overlap with the previous allocation");
                previousEnd = s.address() + 24;
                for (long i = 0; i < 24; i++) {
                    assertEquals(0, s.get(ValueLayout.JAVA_BYTE, i));
                }
                s.fill((byte) 0x5a);
            }
            ForeignMemory.flushReleases();
            assertEquals(blocksBefore + 1, MallocArena.openBlocks(), "seven small requests, one chunk");
        }
    }

    @Test
    void largeAllocationGetsItsOwnBlockAndTheChunkGoesOn() {
        try (MallocArena arena = new MallocArena()) {
            MemorySegment small = arena.allocate(16, 8);
            MemorySegment large = arena.allocate(1 << 20, 4096);
            MemorySegment next = arena.allocate(16, 8);
            assertEquals(0, large.address() % 4096);
            assertEquals(1 << 20, large.byteSize());
            assertEquals(small.address() + 16, next.address(), "the chunk serves the next small request");
            large.set(ValueLayout.JAVA_LONG, (1 << 20) - 8, -1L);
            assertEquals(0, large.get(ValueLayout.JAVA_LONG, 0));
            ForeignMemory.flushReleases();
            assertEquals(blocksBefore + 2, MallocArena.openBlocks());
        }
    }

    @Test
    void chunkOverflowTakesANewChunk() {
        try (MallocArena arena = new MallocArena()) {
            for (int i = 0; i < 5; i++) {
                arena.allocate(1000, 8);
            }
            // 1000-byte requests: two per 2048-byte chunk, so five need three chunks.
            ForeignMemory.flushReleases();
            assertEquals(blocksBefore + 3, MallocArena.openBlocks());
        }
    }

    @Test
    void zeroByteAllocationIsAValidEmptySegment() {
        try (MallocArena arena = new MallocArena()) {
            MemorySegment s = arena.allocate(0, 1);
            assertEquals(0, s.byteSize());
            assertTrue(s.address() != 0);
        }
    }

    @Test
    void badRequestsAreRefusedWithTheirValues() {
        try (MallocArena arena = new MallocArena()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> arena.allocate(8, 3));
            assertEquals("bad allocation request: byteSize=8 byteAlignment=3 expected=byteSize>=0 and a"
                    + " power-of-two alignment<=4096", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> arena.allocate(-1, 8));
            assertEquals("bad allocation request: byteSize=-1 byteAlignment=8 expected=byteSize>=0 and a"
                    + " power-of-two alignment<=4096", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> arena.allocate(8, 8192));
        }
    }

    @Test
    void hugeRequestsFailWithoutOverflowing() {
        try (MallocArena arena = new MallocArena()) {
            arena.allocate(16, 8);
            OutOfMemoryError tooLarge = assertThrows(OutOfMemoryError.class, () -> arena.allocate(Long.MAX_VALUE - 8, 16));
            assertEquals("allocation too large: byteSize=" + (Long.MAX_VALUE - 8) + " byteAlignment=16",
                    tooLarge.getMessage());
            // Past what the C heap can give: calloc says NULL, and nothing is counted.
            OutOfMemoryError refused = assertThrows(OutOfMemoryError.class, () -> arena.allocate(1L << 62, 8));
            assertEquals("calloc returned NULL: size=" + ((1L << 62) + 7), refused.getMessage());
            ForeignMemory.flushReleases();
            assertEquals(blocksBefore + 1, MallocArena.openBlocks(), "only the chunk of the first request");
        }
    }

    @Test
    void pairBlocksComeBackToThePoolAndAreCountedWhileTaken() {
        MemorySegment all = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
        // More than the pool holds, all taken at once (an epoch's imports and more), then all given back.
        long[] taken = new long[1200];
        for (int i = 0; i < taken.length; i++) {
            taken[i] = MallocArena.takePairBlock();
            assertEquals(0, taken[i] & 15, "16-aligned");
            // Each is the caller's alone: all of it may be written.
            all.asSlice(taken[i], MallocArena.PAIR_BYTES).fill((byte) i);
        }
        assertEquals(152, MallocArena.PAIR_BYTES);
        assertEquals(blocksBefore + taken.length, MallocArena.openBlocks(), "every taken block counted");
        java.util.Set<Long> distinct = new java.util.HashSet<>();
        for (int i = 0; i < taken.length; i++) {
            assertTrue(distinct.add(taken[i]), "no block handed out twice");
            assertEquals((byte) i, all.get(ValueLayout.JAVA_BYTE, taken[i] + MallocArena.PAIR_BYTES - 1), "block=" + i);
        }
        for (long p : taken) {
            MallocArena.giveBackPairBlock(p);
        }
        assertEquals(blocksBefore, MallocArena.openBlocks(), "every block given back");
        // The next take reuses the last one given back (the pool is a stack).
        long again = MallocArena.takePairBlock();
        assertEquals(taken[taken.length - 1 - (taken.length - 1088)], again, "reused from the pool");
        MallocArena.giveBackPairBlock(again);
        assertEquals(blocksBefore, MallocArena.openBlocks());
    }

    @Test
    void closeTwiceAndAllocateAfterCloseAreRefused() {
        MallocArena arena = new MallocArena();
        arena.allocate(8, 8);
        arena.close();
        IllegalStateException twice = assertThrows(IllegalStateException.class, arena::close);
        assertEquals("arena already closed: blocks=0", twice.getMessage());
        IllegalStateException after = assertThrows(IllegalStateException.class, () -> arena.allocate(8, 8));
        assertEquals("arena already closed: byteSize=8", after.getMessage());
    }

    @Test
    void closesFromAnotherThread() throws Exception {
        MallocArena arena = new MallocArena();
        arena.allocate(100, 8).fill((byte) 1);
        arena.allocate(10_000, 16).fill((byte) 2);
        CompletableFuture.runAsync(arena::close).get();
        ForeignMemory.flushReleases();
        assertEquals(blocksBefore, MallocArena.openBlocks());
    }

    @Test
    void exportAndImportReturnEveryBlock() {
        long[] values = new long[1024];
        for (int i = 0; i < values.length; i++) {
            values[i] = 3L * i - 7;
        }
        try (Arena data = Arena.ofConfined(); Arena structs = Arena.ofConfined()) {
            MemorySegment memory = data.allocate(8L * values.length, 8);
            MemorySegment.copy(values, 0, memory, ValueLayout.JAVA_LONG, 0, values.length);
            try (BufferView view = BufferView.ofSegment(memory, "q", values.length)) {
                for (int round = 0; round < 100; round++) {
                    ArrowSchema schema = ArrowSchema.allocate(structs);
                    ArrowArray array = ArrowArray.allocate(structs);
                    ArrowExporter.exportView(view, schema, array);
                    ForeignMemory.flushReleases();
                    assertTrue(MallocArena.openBlocks() > blocksBefore, "the export holds its blocks");
                    try (BufferView back = ArrowImporter.importView(schema, array)) {
                        assertEquals(3L * 1023 - 7, back.getLong(1023));
                    }
                }
            }
        }
    }
}
