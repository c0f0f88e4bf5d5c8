package io.bufferbridge.view;

/**
 * The README's wrapper example: a class that HOLDS an array (it extends nothing) and is an
 * exporter by delegation, as PEP 688 lets a Python class wrap a NumPy array.
 */
final class Sequence implements BufferExporter {
    private final BufferView bases;

    Sequence(byte[] bases) {
        this.bases = BufferView.ofArray(bases);
    }

    @Override
    public BufferView getBuffer(int flags) {
        return bases.getBuffer(flags);
    }

    int exports() {
        return bases.exports();
    }
}
