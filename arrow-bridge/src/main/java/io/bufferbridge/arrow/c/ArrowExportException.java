package io.bufferbridge.arrow.c;

/**
 * Thrown when an export to the Arrow C data interface is refused before anything is written: the
 * target struct or stream is still live (its {@code release} is not NULL: exporting into it would
 * leak what it holds), or the views cannot form what was asked (a column or stream chunk of a 0-d
 * view, stream chunks of different types, a stream of no views). The target is left untouched and
 * the views are not released.
 *
 * <p>The message names what was refused with the facts as {@code key=value} pairs, for example
 * {@code "export target still holds a live struct: schema.released=true array.released=false"}.
 * It is an {@link IllegalArgumentException}: the refusal is about the arguments.
 */
public final class ArrowExportException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** @param message what was refused, what was expected and what was found */
    public ArrowExportException(String message) {
        super(message);
    }
}
