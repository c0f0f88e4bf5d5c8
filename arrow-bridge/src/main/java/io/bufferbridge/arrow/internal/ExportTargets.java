package io.bufferbridge.arrow.internal;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowArrayStream;
import io.bufferbridge.arrow.c.ArrowExportException;
import io.bufferbridge.arrow.c.ArrowSchema;

/** The one check every export makes first: its target holds nothing live that it would overwrite. */
public final class ExportTargets {
    private ExportTargets() {
    }

    /**
     * Checks that {@code schema} (may be null: a column written without a schema) and
     * {@code array} are released.
     *
     * @throws ArrowExportException if either is live
     */
    public static void requireReleased(ArrowSchema schema, ArrowArray array) {
        // Through the structs' segments, as 64-bit integers: no segment object for the pointer.
        boolean schemaReleased = schema == null || Structs.get(schema.segment(), Structs.S_RELEASE) == 0;
        boolean arrayReleased = array == null || Structs.get(array.segment(), Structs.A_RELEASE) == 0;
        if (!schemaReleased || !arrayReleased) {
            throw new ArrowExportException("export target still holds a live struct: schema.released="
                    + schemaReleased + " array.released=" + arrayReleased);
        }
    }

    /**
     * Checks that {@code stream} is released.
     *
     * @throws ArrowExportException if it is live
     */
    public static void requireReleased(ArrowArrayStream stream) {
        if (!stream.isReleased()) {
            throw new ArrowExportException("export target still holds a live stream: released=false");
        }
    }
}
