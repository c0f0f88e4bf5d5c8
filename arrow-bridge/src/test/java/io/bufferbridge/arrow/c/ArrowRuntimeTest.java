package io.bufferbridge.arrow.c;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.arrow.c.Data;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.IntVector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Arrow Java 19 itself runs on this JDK with the surefire flags of this module's pom: if this
 * fails, every other Arrow test fails for a reason that has nothing to do with bufferbridge.
 */
class ArrowRuntimeTest {
    private final BufferAllocator allocator = new RootAllocator();

    @AfterEach
    void closeAllocator() {
        allocator.close();
    }

    @Test
    void arrowJavaExportsAndImportsItself() {
        try (IntVector v = new IntVector("x", allocator);
                org.apache.arrow.c.ArrowSchema schema = org.apache.arrow.c.ArrowSchema.allocateNew(allocator);
                org.apache.arrow.c.ArrowArray array = org.apache.arrow.c.ArrowArray.allocateNew(allocator)) {
            v.allocateNew(3);
            v.set(0, 7);
            v.set(1, -1);
            v.set(2, 42);
            v.setValueCount(3);
            Data.exportVector(allocator, v, null, array, schema);
            try (FieldVector back = Data.importVector(allocator, array, schema, null)) {
                assertEquals(42, ((IntVector) back).get(2));
            }
        }
    }
}
