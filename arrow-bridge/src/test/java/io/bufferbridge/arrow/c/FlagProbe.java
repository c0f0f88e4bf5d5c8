package io.bufferbridge.arrow.c;

import io.bufferbridge.arrow.vector.ArrowVectors;
import io.bufferbridge.view.BufferView;
import java.lang.foreign.Arena;
import org.apache.arrow.memory.RootAllocator;

/**
 * Run by {@link JvmFlagsTest} in a JVM started without bufferbridge's flags: calls the API and
 * prints the refusal's message, alone, on standard output.
 */
public final class FlagProbe {
    private FlagProbe() {
    }

    public static void main(String[] args) {
        try (Arena arena = Arena.ofConfined()) {
            if (args[0].equals("import")) {
                ArrowImporter.importView(ArrowSchema.allocate(arena), ArrowArray.allocate(arena));
            } else {
                try (RootAllocator allocator = new RootAllocator()) {
                    ArrowVectors.toVector(BufferView.ofArray(new int[] {1, 2}), allocator).close();
                }
            }
            System.out.println("no refusal");
        } catch (IllegalStateException e) {
            System.out.println(e.getMessage());
        }
    }
}
