package io.bufferbridge.arrow.table;

/**
 * Thrown when columns cannot form a table (docs/contract.md §5): an empty or duplicate name, a 0-d values
 * view, row counts that differ, a validity that is not a 1-D {@code ?} view of the row count, or
 * tables of different schemas where one schema is needed. The message names the column and gives
 * what was expected and what was found.
 */
public final class InvalidTableException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** @param message the problem, with {@code key=value} facts */
    public InvalidTableException(String message) {
        super(message);
    }
}
