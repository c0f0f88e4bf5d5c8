package io.bufferbridge.arrow.table;

import io.bufferbridge.arrow.internal.ColumnPart;
import io.bufferbridge.view.BufferExporter;
import io.bufferbridge.view.BufferFlags;
import io.bufferbridge.view.BufferView;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * One column of a {@link Table} (docs/contract.md §5): a name, a values view whose {@code shape[0]} is the row
 * count (ndim ≥ 2 is a tensor column whose rows are elements of {@code shape[1:]}), and an optional
 * validity, a 1-D {@code ?} view of the row count, true where the row is valid.
 *
 * <p>A column <em>takes</em> the views it is built from: releasing it (or the table holding it)
 * releases them. Build one from Java arrays through {@link BufferView#ofArray}
 * ({@code Column.of("a", BufferView.ofArray(longs), BufferView.ofArray(valid))}) or from any
 * exporter. The bytes of a null row are whatever the values hold there.
 */
public final class Column implements AutoCloseable {
    private final String name;
    private final BufferView values;
    private final BufferView validity;

    private Column(String name, BufferView values, BufferView validity) {
        this.name = name;
        this.values = values;
        this.validity = validity;
    }

    /**
     * {@return a column of {@code values} with no validity (every row valid, field not nullable)}
     *
     * @param name the column's name, not empty
     * @param values the values, taken by the column
     * @throws InvalidTableException if the name is empty or {@code values} is 0-d; the view is
     *     not taken then
     * @throws IllegalStateException if {@code values} has been released
     */
    public static Column of(String name, BufferView values) {
        return of(name, values, null);
    }

    /**
     * {@return a nullable column}
     *
     * @param name the column's name, not empty
     * @param values the values, taken by the column
     * @param validity a 1-D {@code ?} view of {@code values.shape()[0]} rows, taken by the column;
     *     null for a column without nulls
     * @throws InvalidTableException if the name is empty, {@code values} is 0-d, or the validity
     *     is not a 1-D {@code ?} view of the row count; the views are not taken then
     * @throws IllegalStateException if a view has been released
     */
    public static Column of(String name, BufferView values, BufferView validity) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(values, "values");
        if (!values.isAlive() || validity != null && !validity.isAlive()) {
            throw new IllegalStateException("column built from a released view: column='" + name + "'");
        }
        if (name.isEmpty()) {
            throw new InvalidTableException("column name is empty: column=" + Table.quote(name) + " expected=non-empty");
        }
        long[] shape = values.shape();
        if (shape.length == 0) {
            throw new InvalidTableException("column values are 0-d: column='" + name + "' shape=[] expected=ndim>=1"
                    + " (shape[0] is the row count)");
        }
        if (validity != null) {
            String f = validity.format().text();
            boolean bool = validity.itemsize() == 1 && (f.equals("?") || f.length() == 2 && "@=<>!".indexOf(f.charAt(0)) >= 0
                    && f.charAt(1) == '?');
            if (!bool || validity.ndim() != 1 || validity.shape()[0] != shape[0]) {
                throw new InvalidTableException("validity is not a 1-D '?' view of the row count: column='" + name
                        + "' format='" + f + "' shape=" + Arrays.toString(validity.shape()) + " expected format='?'"
                        + " shape=[" + shape[0] + "]");
            }
        }
        return new Column(name, values, validity);
    }

    /**
     * {@return a column of the exporter's buffer}: asks for a {@link BufferFlags#FULL_RO} view,
     * which the column takes
     *
     * @param name the column's name
     * @param exporter any exporter
     * @throws InvalidTableException as {@link #of(String, BufferView)}; the view is released then
     */
    public static Column of(String name, BufferExporter exporter) {
        Objects.requireNonNull(exporter, "exporter");
        BufferView v = exporter.getBuffer(BufferFlags.FULL_RO);
        try {
            return of(name, v, null);
        } catch (RuntimeException | Error e) {
            v.close();
            throw e;
        }
    }

    /** {@return the column's name} */
    public String name() {
        return name;
    }

    /** {@return the values view; it belongs to the column (do not release it)} */
    public BufferView values() {
        return values;
    }

    /** {@return the validity view, if the column has one; it belongs to the column} */
    public Optional<BufferView> validity() {
        return Optional.ofNullable(validity);
    }

    /** {@return whether the column has a validity (its Arrow field is nullable)} */
    public boolean isNullable() {
        return validity != null;
    }

    /** {@return the row count, {@code values().shape()[0]}} */
    public long rowCount() {
        return values.shape()[0];
    }

    /** {@return whether row {@code row} is valid: true without a validity} @param row a row index */
    public boolean isValid(long row) {
        if (row < 0 || row >= rowCount()) {
            throw new IndexOutOfBoundsException("row out of range: column='" + name + "' row=" + row + " rows="
                    + rowCount());
        }
        return validity == null || (Boolean) validity.get(row);
    }

    /** {@return the number of null rows} */
    public long nullCount() {
        if (validity == null) {
            return 0;
        }
        long n = 0;
        for (byte b : validity.toBytes()) {
            if (b == 0) {
                n++;
            }
        }
        return n;
    }

    /**
     * Releases the values and the validity. Idempotent.
     *
     * @throws io.bufferbridge.view.BufferException if a {@code getBuffer} export of a view is still
     *     alive (exports of a table hold views derived from it instead, and never block this)
     */
    @Override
    public void close() {
        ColumnPart.close(values, validity);
    }

    @Override
    public String toString() {
        return "Column[name=" + name + " format=" + values.format().text() + " shape="
                + Arrays.toString(values.shape()) + " nullable=" + isNullable() + "]";
    }
}
