package io.bufferbridge.arrow.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The id table of live exports agrees with a {@link HashMap} through growth and deletions. */
class HalfTableTest {

    @Test
    void agreesWithAHashMap() {
        ExportReleases.HalfTable table = new ExportReleases.HalfTable();
        Map<Long, ExportReleases.Half> reference = new HashMap<>();
        SplittableRandom random = new SplittableRandom(19);
        long next = 1;
        for (int step = 0; step < 200_000; step++) {
            if (reference.isEmpty() || random.nextInt(3) != 0) {
                // Sequential ids, as nextId gives them, with gaps (ids of failed exports).
                next += 1 + random.nextInt(3);
                ExportReleases.Half half = new ExportReleases.Half(null, null, 1);
                table.put(next, half);
                reference.put(next, half);
            } else {
                long id = 1 + random.nextLong(next);
                ExportReleases.Half expected = reference.remove(id);
                assertSame(expected, table.get(id), "id=" + id);
                table.remove(id);
                assertNull(table.get(id));
            }
            assertEquals(reference.size(), table.size());
        }
        for (Map.Entry<Long, ExportReleases.Half> e : reference.entrySet()) {
            assertSame(e.getValue(), table.get(e.getKey()));
        }
        assertNull(table.get(0));
    }
}
