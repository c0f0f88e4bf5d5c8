package io.bufferbridge.arrow.c;

import io.bufferbridge.view.BufferView;
import java.util.Objects;

/**
 * The result of {@link ArrowImporter#importPair}: the view, and whether it was copied (docs/contract.md §2:
 * "the import reports that it was copied").
 *
 * @param view the imported view; the caller releases it
 * @param copied true when the view's memory is not the original exporter's: the exporter copied
 *     ({@code bufferbridge.copied=true}) or the import did (structs, bit-packed booleans)
 */
public record ImportedView(BufferView view, boolean copied) {

    /** @throws NullPointerException if {@code view} is null */
    public ImportedView {
        Objects.requireNonNull(view, "view");
    }
}
