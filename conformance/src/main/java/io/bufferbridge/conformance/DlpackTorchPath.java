package io.bufferbridge.conformance;

import io.bufferbridge.dlpack.DLPackOffer;

/**
 * The {@code dlpack-torch} path: the case's view offered to PyTorch ({@code torch.from_dlpack})
 * as {@link DLPackOffer.Consumer#TORCH}: a read-only case passes when it is refused with that
 * rule's message (torch ignores {@code READ_ONLY} and would make the memory writable), a case with
 * a negative stride goes as a flagged copy (torch aborts the process on one). Otherwise as
 * {@link DlpackNumpyPath}: checked in Python (dtype, shape, strides × itemsize and address when
 * zero-copy, values), handed back by the tensor's own {@code __dlpack__}, checked in Java. Skips,
 * with the reason, where torch is not installed in the embedded Python.
 */
final class DlpackTorchPath implements RoundTripPath {
    @Override
    public String name() {
        return "dlpack-torch";
    }

    @Override
    public String unavailable() {
        String why = DlpackPeers.unavailable();
        if (why == null && DlpackPeers.version("torch") == null) {
            why = "torch does not import in the embedded Python (BUFFERBRIDGE_PYTHON); install it with: "
                    + "python3 -m pip install torch";
        }
        return why;
    }

    @Override
    public Outcome run(Case c) {
        String why = unavailable();
        if (why != null) {
            return Outcome.skip(why);
        }
        return DlpackPeers.roundTrip(c, "torch", DLPackOffer.Consumer.TORCH, "a read-only view is not shared with PyTorch");
    }
}
