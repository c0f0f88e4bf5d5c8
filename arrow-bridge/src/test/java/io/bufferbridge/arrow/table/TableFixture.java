package io.bufferbridge.arrow.table;

import java.lang.foreign.Arena;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What every table test starts with (an arena for native memory, an Arrow allocator) and ends
 * with: {@link Leaks#assertAllReleased} against the counts taken at the start.
 */
abstract class TableFixture {
    Arena arena;
    BufferAllocator allocator;
    private Leaks leaks;

    @BeforeEach
    final void openFixture() {
        arena = Arena.ofShared();
        allocator = new RootAllocator();
        leaks = new Leaks();
    }

    @AfterEach
    final void closeFixture() {
        leaks.assertAllReleased(allocator);
        allocator.close();
        arena.close();
    }
}
