package io.bufferbridge.arrow.internal;

/** Arrow Java's own C structs ({@code org.apache.arrow.c}) as bufferbridge's exports fill them. */
public final class ArrowJavaStructs {
    private ArrowJavaStructs() {
    }

    /**
     * Releases what an import that failed left live: Arrow Java's importers move the structs only
     * once they accept them, so a refusal leaves our export in them.
     */
    public static void releaseLive(org.apache.arrow.c.ArrowSchema schema, org.apache.arrow.c.ArrowArray array) {
        if (!io.bufferbridge.arrow.c.ArrowSchema.wrap(schema.memoryAddress()).isReleased()) {
            schema.release();
        }
        if (!io.bufferbridge.arrow.c.ArrowArray.wrap(array.memoryAddress()).isReleased()) {
            array.release();
        }
    }
}
