package io.bufferbridge.view;

/**
 * An object that hands out buffer views of its memory: the JVM's {@code bf_getbuffer} and PEP
 * 688's {@code __buffer__}.
 *
 * <p>Any class can be an exporter. A class that wraps an array, a {@link BufferView}, or another
 * exporter exposes that buffer by delegation, in one method:
 * {@snippet :
 * final class Sequence implements BufferExporter {
 *     private final BufferView bases;
 *     Sequence(byte[] bases) { this.bases = BufferView.ofArray(bases); }
 *     @Override public BufferView getBuffer(int flags) { return bases.getBuffer(flags); }
 * }
 * }
 *
 * <h2>Lifetime</h2>
 * Every view handed out must be released with {@link BufferView#close()}. The exporter keeps its
 * memory valid, and refuses to resize or free it, until the last such view is released.
 */
@FunctionalInterface
public interface BufferExporter {

    /**
     * Hands out a view of this exporter's memory.
     *
     * @param flags what the consumer can handle: a combination of {@link BufferFlags} constants
     * @return a new view, which the caller must release with {@link BufferView#close()}
     * @throws BufferException if the exporter cannot meet the request (see {@link BufferFlags})
     * @throws IllegalStateException if the exporter has been released or closed
     */
    BufferView getBuffer(int flags);
}
