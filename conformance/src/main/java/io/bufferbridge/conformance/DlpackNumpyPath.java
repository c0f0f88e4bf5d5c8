package io.bufferbridge.conformance;

import io.bufferbridge.dlpack.DLPackOffer;

/**
 * The {@code dlpack-numpy} path: the case's view offered to NumPy ({@code np.from_dlpack}, which
 * asks for a versioned tensor and honours {@code READ_ONLY}), checked there (dtype, shape, byte
 * strides and address when zero-copy, values, {@code flags.writeable}), handed back by the array's
 * own {@code __dlpack__} and checked in Java (docs/contract.md, "DLPack"). A case whose format has
 * no DLPack dtype passes when it is refused with the contract's message.
 */
final class DlpackNumpyPath implements RoundTripPath {
    @Override
    public String name() {
        return "dlpack-numpy";
    }

    @Override
    public String unavailable() {
        return DlpackPeers.unavailable();
    }

    @Override
    public Outcome run(Case c) {
        return DlpackPeers.roundTrip(c, "numpy", DLPackOffer.Consumer.STANDARD, null);
    }
}
