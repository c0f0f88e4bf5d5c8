package io.bufferbridge.conformance;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * An {@link ArrowReader} of one batch that it does not own: what a user of Arrow Java writes by
 * hand to hand a {@link VectorSchemaRoot} to {@code Data.exportArrayStream} (Arrow Java has no
 * in-memory reader). The stream owns the reader and closes it when released; the batch stays the
 * caller's.
 */
public final class OneBatchReader extends ArrowReader {
    private final VectorSchemaRoot batch;
    private boolean read;

    /**
     * @param allocator the reader's own (it allocates nothing here)
     * @param batch the one batch; not closed by the reader
     */
    public OneBatchReader(BufferAllocator allocator, VectorSchemaRoot batch) {
        super(allocator);
        this.batch = batch;
    }

    @Override
    public boolean loadNextBatch() {
        if (read) {
            return false;
        }
        read = true;
        return true;
    }

    @Override
    public VectorSchemaRoot getVectorSchemaRoot() {
        return batch;
    }

    @Override
    public long bytesRead() {
        return 0;
    }

    @Override
    protected void closeReadSource() {
    }

    @Override
    protected Schema readSchema() {
        return batch.getSchema();
    }
}
