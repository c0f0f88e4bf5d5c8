package io.bufferbridge.arrow.table;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.Order;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Building tables: what is accepted, what is refused and how, and {@link Table#concat}. */
class TableTest {

    @Test
    void namesRowsAndValidity() {
        try (Table t = Table.of(Column.of("id", BufferView.ofArray(new long[] {1, 2, 3})),
                Column.of("score", BufferView.ofArray(new double[] {0.5, 0, 2.5}),
                        BufferView.ofArray(new boolean[] {true, false, true})))) {
            assertEquals(3, t.rowCount());
            assertEquals(List.of("id", "score"), t.names());
            assertEquals(1, t.column("score").nullCount());
            assertFalse(t.column("score").isValid(1));
            assertTrue(t.column("id").isValid(1));
            assertFalse(t.column("id").isNullable());
            assertEquals("no such column: name='x' names=[id, score]",
                    assertThrows(IllegalArgumentException.class, () -> t.column("x")).getMessage());
        }
    }

    @Test
    void closingTheTableReleasesItsViews() {
        BufferView v = BufferView.ofArray(new int[] {1, 2});
        BufferView valid = BufferView.ofArray(new boolean[] {true, true});
        Table t = Table.of(Column.of("a", v, valid));
        t.close();
        assertFalse(v.isAlive());
        assertFalse(valid.isAlive());
        t.close();
    }

    @Test
    void differentRowCountsAreRefused() {
        BufferView a = BufferView.ofArray(new long[] {1, 2, 3});
        BufferView b = BufferView.ofArray(new long[] {1, 2});
        Column ca = Column.of("a", a);
        Column cb = Column.of("b", b);
        InvalidTableException e = assertThrows(InvalidTableException.class, () -> Table.of(ca, cb));
        assertEquals("columns differ in row count: column='b' rows=2 expected=3 (column 'a')", e.getMessage());
        assertTrue(a.isAlive() && b.isAlive(), "not taken");
        ca.close();
        cb.close();
    }

    @Test
    void duplicateAndEmptyNamesAreRefused() {
        Column a = Column.of("a", BufferView.ofArray(new long[] {1}));
        Column a2 = Column.of("a", BufferView.ofArray(new long[] {2}));
        assertEquals("duplicate column name: name='a' columns=0,1 names=[a, a]",
                assertThrows(InvalidTableException.class, () -> Table.of(a, a2)).getMessage());
        BufferView v = BufferView.ofArray(new long[] {1});
        assertEquals("column name is empty: column='' expected=non-empty",
                assertThrows(InvalidTableException.class, () -> Column.of("", v)).getMessage());
        a.close();
        a2.close();
        v.close();
    }

    @Test
    void validityOfTheWrongLengthOrFormatIsRefused() {
        BufferView v = BufferView.ofArray(new long[] {1, 2, 3});
        BufferView shortValidity = BufferView.ofArray(new boolean[] {true, false});
        assertEquals("validity is not a 1-D '?' view of the row count: column='a' format='?' shape=[2]"
                + " expected format='?' shape=[3]",
                assertThrows(InvalidTableException.class, () -> Column.of("a", v, shortValidity)).getMessage());
        BufferView bytes = BufferView.ofArray(new byte[] {1, 0, 1});
        assertEquals("validity is not a 1-D '?' view of the row count: column='a' format='b' shape=[3]"
                + " expected format='?' shape=[3]",
                assertThrows(InvalidTableException.class, () -> Column.of("a", v, bytes)).getMessage());
        BufferView scalar = BufferView.ofArray(new long[] {7}).asIndex(0, 0);
        assertEquals("column values are 0-d: column='s' shape=[] expected=ndim>=1 (shape[0] is the row count)",
                assertThrows(InvalidTableException.class, () -> Column.of("s", scalar)).getMessage());
        assertTrue(v.isAlive() && shortValidity.isAlive() && bytes.isAlive(), "not taken");
    }

    @Test
    void concatCopiesRowsInOrderWithValidity() {
        try (Table a = Table.of(Column.of("x", BufferView.ofArray(new int[] {1, 2, 3, 4}, Order.F, 2, 2)),
                Column.of("n", BufferView.ofArray(new long[] {10, 20}), BufferView.ofArray(new boolean[] {false, true})));
                Table b = Table.of(Column.of("x", BufferView.ofArray(new int[] {5, 6}, Order.C, 1, 2)),
                        Column.of("n", BufferView.ofArray(new long[] {30})));
                Table c = Table.concat(List.of(a, b))) {
            assertEquals(3, c.rowCount());
            assertArrayEquals(new long[] {3, 2}, c.column("x").values().shape());
            // F order [[1,3],[2,4]] then [[5,6]], in C order.
            assertArrayEquals(new int[] {1, 3, 2, 4, 5, 6}, c.column("x").values().toIntArray());
            assertArrayEquals(new long[] {10, 20, 30}, c.column("n").values().toLongArray());
            assertArrayEquals(new boolean[] {false, true, true}, c.column("n").validity().orElseThrow().toBooleanArray());
            assertFalse(c.column("x").isNullable());
        }
    }

    @Test
    void concatOfDifferentSchemasIsRefused() {
        try (Table a = Table.of(Column.of("x", BufferView.ofArray(new int[] {1})));
                Table b = Table.of(Column.of("x", BufferView.ofArray(new long[] {1})));
                Table c = Table.of(Column.of("y", BufferView.ofArray(new int[] {1})))) {
            assertEquals("tables differ in a column's type: table=1 column='x' format='q' itemsize=8 shape=[1]"
                    + " expected format='i' itemsize=4 shape=[*]",
                    assertThrows(InvalidTableException.class, () -> Table.concat(List.of(a, b))).getMessage());
            assertEquals("tables differ in columns: table=1 names=[y] expected=[x]",
                    assertThrows(InvalidTableException.class, () -> Table.concat(List.of(a, c))).getMessage());
        }
    }
}
