/**
 * Buffer views to and from DLPack 1.1: the struct mirrors ({@link io.bufferbridge.dlpack.DLTensor},
 * {@link io.bufferbridge.dlpack.DLManagedTensorVersioned}, …), export and import
 * ({@link io.bufferbridge.dlpack.DLPack}) and views offered to Python's {@code __dlpack__}
 * ({@link io.bufferbridge.dlpack.DLPackOffer}). The contract is docs/contract.md ("DLPack").
 */
package io.bufferbridge.dlpack;
