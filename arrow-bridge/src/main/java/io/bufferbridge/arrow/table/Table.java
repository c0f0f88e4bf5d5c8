package io.bufferbridge.arrow.table;

import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.Order;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An ordered list of named {@link Column}s of one row count (docs/contract.md §5): what a record batch holds.
 * Immutable; the table takes its columns, and {@link #close()} releases them.
 *
 * {@snippet :
 * try (Table t = Table.of(
 *         Column.of("id", BufferView.ofArray(new long[] {1, 2, 3})),
 *         Column.of("score", BufferView.ofArray(new double[] {0.5, 0, 2.5}),
 *                 BufferView.ofArray(new boolean[] {true, false, true})))) {
 *     t.rowCount();                 // 3
 *     t.column("score").nullCount(); // 1
 * }
 * }
 */
public final class Table implements AutoCloseable {
    private final List<Column> columns;
    private final long rows;
    private final Map<String, Integer> index = new HashMap<>();

    private Table(List<Column> columns, long rows) {
        this.columns = columns;
        this.rows = rows;
        for (int i = 0; i < columns.size(); i++) {
            index.put(columns.get(i).name(), i);
        }
    }

    /**
     * {@return a table of these columns, in order}
     *
     * @throws InvalidTableException if two columns share a name or differ in row count; the columns
     *     are not taken then
     */
    public static Table of(Column... columns) {
        return of(List.of(columns));
    }

    /**
     * {@return a table of these columns, in order}; no columns make a table of 0 rows
     *
     * @throws InvalidTableException if two columns share a name or differ in row count; the columns
     *     are not taken then
     */
    public static Table of(List<Column> columns) {
        List<Column> list = List.copyOf(columns);
        return ofRows(list.isEmpty() ? 0 : list.get(0).rowCount(), list);
    }

    /** A table whose row count is given, for a batch of no columns. */
    static Table ofRows(long rows, List<Column> columns) {
        List<Column> list = List.copyOf(columns);
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            Column c = list.get(i);
            Integer before = seen.putIfAbsent(c.name(), i);
            if (before != null) {
                throw new InvalidTableException("duplicate column name: name='" + c.name() + "' columns=" + before
                        + "," + i + " names=" + names(list));
            }
            if (c.rowCount() != rows) {
                throw new InvalidTableException("columns differ in row count: column='" + c.name() + "' rows="
                        + c.rowCount() + " expected=" + rows + " (column '" + list.get(0).name() + "')");
            }
        }
        return new Table(list, rows);
    }

    private static List<String> names(List<Column> columns) {
        return columns.stream().map(Column::name).toList();
    }

    static String quote(String s) {
        return s == null ? "null" : "'" + s + "'";
    }

    /** {@return the columns, in order} */
    public List<Column> columns() {
        return columns;
    }

    /** {@return the column names, in order} */
    public List<String> names() {
        return names(columns);
    }

    /** {@return column {@code i}} @param i the index @throws IndexOutOfBoundsException if there is none */
    public Column column(int i) {
        return columns.get(i);
    }

    /**
     * {@return the column named {@code name}}
     *
     * @param name the name
     * @throws IllegalArgumentException if there is no such column
     */
    public Column column(String name) {
        Integer i = index.get(name);
        if (i == null) {
            throw new IllegalArgumentException("no such column: name=" + quote(name) + " names=" + names());
        }
        return columns.get(i);
    }

    /** {@return the row count} */
    public long rowCount() {
        return rows;
    }

    /**
     * Releases every column. Idempotent.
     *
     * @throws io.bufferbridge.view.BufferException if a {@code getBuffer} export of a column's view
     *     is still alive; the other columns are released all the same
     */
    @Override
    public void close() {
        RuntimeException first = null;
        for (Column c : columns) {
            try {
                c.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /**
     * {@return one table of every row of {@code tables}, in order}: a copy, each column in C order in
     * new native memory (read-only when the first table's column is), nullable when any table's
     * column is (rows of a table without a validity are valid). The tables are not released.
     *
     * @param tables at least one, of one schema: the same names in the same order, and per column
     *     the same format, itemsize and {@code shape[1:]}
     * @throws InvalidTableException if {@code tables} is empty or the schemas differ (the message
     *     names the table and the column)
     */
    public static Table concat(List<Table> tables) {
        Objects.requireNonNull(tables, "tables");
        if (tables.isEmpty()) {
            throw new InvalidTableException("nothing to concatenate: tables=0 expected>=1");
        }
        Table first = tables.get(0);
        long total = 0;
        for (int t = 0; t < tables.size(); t++) {
            Table other = tables.get(t);
            if (!other.names().equals(first.names())) {
                throw new InvalidTableException("tables differ in columns: table=" + t + " names=" + other.names()
                        + " expected=" + first.names());
            }
            for (int i = 0; i < first.columns.size(); i++) {
                BufferView a = first.columns.get(i).values();
                BufferView b = other.columns.get(i).values();
                long[] sa = a.shape();
                long[] sb = b.shape();
                if (!a.format().text().equals(b.format().text()) || a.itemsize() != b.itemsize()
                        || !Arrays.equals(Arrays.copyOfRange(sa, 1, sa.length), Arrays.copyOfRange(sb, 1, sb.length))) {
                    throw new InvalidTableException("tables differ in a column's type: table=" + t + " column='"
                            + first.columns.get(i).name() + "' format='" + b.format().text() + "' itemsize="
                            + b.itemsize() + " shape=" + Arrays.toString(sb) + " expected format='" + a.format().text()
                            + "' itemsize=" + a.itemsize() + " shape=[*" + tail(sa) + "]");
                }
            }
            total = Math.addExact(total, other.rows);
        }
        List<Column> out = new ArrayList<>();
        try {
            for (int i = 0; i < first.columns.size(); i++) {
                out.add(concatColumn(tables, i, total));
            }
        } catch (RuntimeException | Error e) {
            out.forEach(Column::close);
            throw e;
        }
        return ofRows(total, out);
    }

    private static String tail(long[] shape) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i < shape.length; i++) {
            b.append(", ").append(shape[i]);
        }
        return b.toString();
    }

    private static Column concatColumn(List<Table> tables, int i, long total) {
        Column c0 = tables.get(0).columns.get(i);
        BufferView v0 = c0.values();
        long itemsize = v0.itemsize();
        long[] shape = v0.shape();
        shape[0] = total;
        long rowBytes = itemsize;
        for (int d = 1; d < shape.length; d++) {
            rowBytes = Math.multiplyExact(rowBytes, shape[d]);
        }
        long bytes = Math.multiplyExact(rowBytes, total);
        boolean nullable = tables.stream().anyMatch(t -> t.columns.get(i).isNullable());
        BufferView values = copy(bytes, v0.format().text(), itemsize, shape, v0.isReadOnly(), (dst, at) -> {
            for (Table t : tables) {
                BufferView v = t.columns.get(i).values();
                v.copyTo(dst, at[0], Order.C);
                at[0] += v.byteLength();
            }
        });
        BufferView validity = null;
        try {
            if (nullable) {
                validity = copy(total, "?", 1, new long[] {total}, c0.values().isReadOnly(), (dst, at) -> {
                    for (Table t : tables) {
                        Column c = t.columns.get(i);
                        if (c.isNullable()) {
                            c.validity().orElseThrow().copyTo(dst, at[0], Order.C);
                        } else {
                            dst.asSlice(at[0], t.rows).fill((byte) 1);
                        }
                        at[0] += t.rows;
                    }
                });
            }
            return Column.of(c0.name(), values, validity);
        } catch (RuntimeException | Error e) {
            values.close();
            if (validity != null) {
                validity.close();
            }
            throw e;
        }
    }

    private interface Filler {
        void fill(MemorySegment dst, long[] at);
    }

    private static BufferView copy(long bytes, String format, long itemsize, long[] shape, boolean readOnly,
            Filler filler) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment dst = arena.allocate(Math.max(1, bytes), 16).asSlice(0, bytes);
            filler.fill(dst, new long[] {0});
            long[] strides = new long[shape.length];
            long s = itemsize;
            for (int d = shape.length - 1; d >= 0; d--) {
                strides[d] = s;
                s *= Math.max(1, shape[d]);
            }
            return BufferView.of(dst, 0, format, itemsize, shape, strides, readOnly, arena::close);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    @Override
    public String toString() {
        return "Table[rows=" + rows + " columns=" + columns + "]";
    }
}
