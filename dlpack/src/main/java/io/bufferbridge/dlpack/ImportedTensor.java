package io.bufferbridge.dlpack;

import io.bufferbridge.view.BufferView;

/**
 * A managed tensor read as a view: the view over the producer's memory (never a copy) and what
 * the producer said about it.
 *
 * @param view the view; closing it (and every view derived from it) runs the producer's deleter,
 *     once, after the lifetime guarantee of docs/contract.md ("Lifetime") holds
 * @param copied whether the producer flagged its data {@code IS_COPIED} (always false for a
 *     legacy tensor, which has no flags)
 * @param versioned whether it was a {@link DLManagedTensorVersioned} rather than a legacy
 *     {@link DLManagedTensor}
 */
public record ImportedTensor(BufferView view, boolean copied, boolean versioned) {
}
