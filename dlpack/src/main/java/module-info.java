/**
 * bufferbridge dlpack: buffer views to and from DLPack 1.1 managed tensors, the structs NumPy,
 * PyTorch, JAX and CuPy exchange strided tensors with. {@code io.bufferbridge.dlpack} holds the
 * struct mirrors and the export, import and Python-offer entry points; the implementation lives in
 * a non-exported package. What they promise is written out in {@code docs/contract.md}
 * ("DLPack") in the repository.
 */
module io.bufferbridge.dlpack {
    requires transitive io.bufferbridge.adapter;

    exports io.bufferbridge.dlpack;
}
