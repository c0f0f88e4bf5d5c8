package io.bufferbridge.arrow.table;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowArrayStream;
import io.bufferbridge.arrow.c.ArrowExportException;
import io.bufferbridge.arrow.c.ArrowImportException;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.Order;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.c.Data;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.junit.jupiter.api.Test;

/**
 * Tables through the C data and stream interfaces: bufferbridge to bufferbridge, and Arrow Java
 * reading what bufferbridge writes. Every test ends with everything released ({@link Leaks}).
 */
class ArrowTablesTest extends TableFixture {

    private BufferView longs(long... values) {
        MemorySegment m = arena.allocate(ValueLayout.JAVA_LONG, Math.max(1, values.length));
        MemorySegment.copy(values, 0, m, ValueLayout.JAVA_LONG, 0, values.length);
        return BufferView.of(m, 0, "q", 8, new long[] {values.length}, new long[] {8}, false);
    }

    private BufferView ints(int... values) {
        MemorySegment m = arena.allocate(ValueLayout.JAVA_INT, Math.max(1, values.length));
        MemorySegment.copy(values, 0, m, ValueLayout.JAVA_INT, 0, values.length);
        return BufferView.of(m, 0, "i", 4, new long[] {values.length}, new long[] {4}, true);
    }

    /** A (rows, 2, 3) float32 tensor column in C order, element (r, i, j) = 100r + 10i + j. */
    private BufferView tensor(int rows) {
        MemorySegment m = arena.allocate(ValueLayout.JAVA_FLOAT, Math.max(1, rows * 6L));
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 3; j++) {
                    m.setAtIndex(ValueLayout.JAVA_FLOAT, r * 6L + i * 3 + j, 100 * r + 10 * i + j);
                }
            }
        }
        return BufferView.of(m, 0, "f", 4, new long[] {rows, 2, 3}, new long[] {24, 12, 4}, false);
    }

    private static BufferView valid(boolean... v) {
        return BufferView.ofArray(v);
    }

    private Table sample() {
        return Table.of(Column.of("a", longs(1, 2, 3, 4)),
                Column.of("b", BufferView.ofArray(new double[] {0.5, 1.5, 2.5, 3.5})),
                Column.of("t", tensor(4)),
                Column.of("n", ints(7, -1, 9, 11), valid(true, false, true, false)));
    }

    @Test
    void batchRoundTripKeepsNamesValuesNullsAndZeroCopy() {
        Table table = sample();
        long aAddress = table.column("a").values().address();
        long tAddress = table.column("t").values().address();
        ArrowSchema s = ArrowSchema.allocate(arena);
        ArrowArray a = ArrowArray.allocate(arena);
        ArrowTables.exportBatch(table, s, a);
        // The export holds views derived from the table's: the table may go first.
        table.close();
        try (Table back = ArrowTables.importBatch(s, a)) {
            assertTrue(s.isReleased() && a.isReleased(), "moved");
            assertEquals(4, back.rowCount());
            assertEquals(List.of("a", "b", "t", "n"), back.names());
            assertArrayEquals(new long[] {1, 2, 3, 4}, back.column("a").values().toLongArray());
            assertEquals(aAddress, back.column("a").values().address(), "native int64 zero-copy");
            assertArrayEquals(new double[] {0.5, 1.5, 2.5, 3.5}, back.column("b").values().toDoubleArray());
            BufferView t = back.column("t").values();
            assertArrayEquals(new long[] {4, 2, 3}, t.shape());
            assertArrayEquals(new long[] {24, 12, 4}, t.strides());
            assertEquals(tAddress, t.address(), "tensor column zero-copy");
            assertEquals(312.0, t.getDouble(3, 1, 2));
            Column n = back.column("n");
            assertTrue(n.isNullable());
            assertArrayEquals(new boolean[] {true, false, true, false}, n.validity().orElseThrow().toBooleanArray());
            // Null slots keep the producer's bytes; the read-only flag travels in the metadata.
            assertArrayEquals(new int[] {7, -1, 9, 11}, n.values().toIntArray());
            assertTrue(n.values().isReadOnly());
            assertFalse(back.column("a").values().isReadOnly());
            assertFalse(back.column("a").isNullable());
        }
    }

    @Test
    void arrowJavaSeesNullableFieldsMetadataAndNulls() {
        try (Table table = sample()) {
            org.apache.arrow.c.ArrowSchema s = org.apache.arrow.c.ArrowSchema.allocateNew(allocator);
            org.apache.arrow.c.ArrowArray a = org.apache.arrow.c.ArrowArray.allocateNew(allocator);
            ArrowTables.exportBatch(table, ArrowSchema.wrap(s.memoryAddress()), ArrowArray.wrap(a.memoryAddress()));
            try (VectorSchemaRoot root = Data.importVectorSchemaRoot(allocator, a, s, null)) {
                assertFalse(root.getSchema().findField("a").isNullable());
                assertTrue(root.getSchema().findField("n").isNullable());
                assertEquals("i", root.getSchema().findField("n").getMetadata().get("bufferbridge.format"));
                assertEquals("true", root.getSchema().findField("n").getMetadata().get("bufferbridge.readonly"));
                assertEquals("4,2,3", root.getSchema().findField("t").getMetadata().get("bufferbridge.shape"));
                assertEquals("arrow.fixed_shape_tensor",
                        root.getSchema().findField("t").getMetadata().get("ARROW:extension:name"));
                IntVector n = (IntVector) root.getVector("n");
                assertEquals(2, n.getNullCount());
                assertTrue(n.isNull(1) && n.isNull(3));
                assertEquals(9, n.get(2));
                assertEquals(3L, ((BigIntVector) root.getVector("a")).get(2));
            }
            s.close();
            a.close();
        }
    }

    @Test
    void fortranTensorColumnIsCopiedIntoCOrder() {
        BufferView f = BufferView.ofArray(new int[] {1, 2, 3, 4, 5, 6}, Order.F, 2, 3);
        try (Table table = Table.of(Column.of("m", f))) {
            ArrowSchema s = ArrowSchema.allocate(arena);
            ArrowArray a = ArrowArray.allocate(arena);
            ArrowTables.exportBatch(table, s, a);
            try (Table back = ArrowTables.importBatch(s, a)) {
                BufferView m = back.column("m").values();
                assertArrayEquals(new long[] {2, 3}, m.shape());
                assertArrayEquals(new long[] {12, 4}, m.strides(), "C order");
                assertArrayEquals(new int[] {1, 3, 5, 2, 4, 6}, m.toIntArray());
            }
        }
    }

    @Test
    void streamOfTablesRoundTrips() {
        List<Table> tables = List.of(
                Table.of(Column.of("a", longs(1, 2)), Column.of("n", ints(5, 6), valid(false, true))),
                Table.of(Column.of("a", longs()), Column.of("n", ints(), valid())),
                Table.of(Column.of("a", longs(3, 4, 5)), Column.of("n", ints(7, 8, 9), valid(true, true, false))));
        ArrowArrayStream stream = ArrowArrayStream.allocate(arena);
        ArrowTables.exportStream(tables, stream);
        tables.forEach(Table::close);
        List<Table> back = ArrowTables.importStream(stream);
        try {
            assertEquals(3, back.size());
            assertEquals(List.of(2L, 0L, 3L), back.stream().map(Table::rowCount).toList());
            assertArrayEquals(new long[] {3, 4, 5}, back.get(2).column("a").values().toLongArray());
            assertArrayEquals(new boolean[] {true, true, false},
                    back.get(2).column("n").validity().orElseThrow().toBooleanArray());
            try (Table all = Table.concat(back)) {
                assertArrayEquals(new long[] {1, 2, 3, 4, 5}, all.column("a").values().toLongArray());
                assertArrayEquals(new int[] {5, 6, 7, 8, 9}, all.column("n").values().toIntArray());
                assertArrayEquals(new boolean[] {false, true, true, true, false},
                        all.column("n").validity().orElseThrow().toBooleanArray());
            }
        } finally {
            back.forEach(Table::close);
        }
    }

    @Test
    void oneTableCutIntoBatchesIsZeroCopySlices() {
        try (Table table = Table.of(Column.of("a", longs(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)), Column.of("t", tensor(10)),
                Column.of("n", ints(0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
                        valid(true, false, true, false, true, false, true, false, true, false)))) {
            ArrowArrayStream stream = ArrowArrayStream.allocate(arena);
            ArrowTables.exportStream(table, 4, stream);
            List<Table> back = ArrowTables.importStream(stream);
            try {
                assertEquals(List.of(4L, 4L, 2L), back.stream().map(Table::rowCount).toList());
                assertEquals(table.column("a").values().address() + 8 * 8, back.get(2).column("a").values().address());
                assertArrayEquals(new long[] {8, 9}, back.get(2).column("a").values().toLongArray());
                assertArrayEquals(new long[] {4, 2, 3}, back.get(1).column("t").values().shape());
                assertEquals(512.0, back.get(1).column("t").values().getDouble(1, 1, 2));
                assertArrayEquals(new boolean[] {true, false}, back.get(2).column("n").validity().orElseThrow()
                        .toBooleanArray());
                try (Table all = Table.concat(back)) {
                    assertTrue(all.column("t").values().contentEquals(table.column("t").values()));
                    assertTrue(all.column("n").validity().orElseThrow()
                            .contentEquals(table.column("n").validity().orElseThrow()));
                }
            } finally {
                back.forEach(Table::close);
            }
        }
    }

    @Test
    void arrowJavaReadsATableStreamWithNulls() throws Exception {
        try (Table table = Table.of(Column.of("a", longs(1, 2, 3)), Column.of("n", ints(4, 5, 6), valid(true, false, true)))) {
            ArrowArrayStream stream = ArrowArrayStream.allocate(arena);
            ArrowTables.exportStream(table, 2, stream);
            List<String> seen = new ArrayList<>();
            try (ArrowReader reader = Data.importArrayStream(allocator,
                    org.apache.arrow.c.ArrowArrayStream.wrap(stream.address()))) {
                while (reader.loadNextBatch()) {
                    VectorSchemaRoot root = reader.getVectorSchemaRoot();
                    seen.add(root.contentToTSVString().strip());
                }
                assertTrue(reader.getVectorSchemaRoot().getSchema().findField("n").isNullable());
            }
            assertEquals(List.of("a\tn\n1\t4\n2\tnull", "a\tn\n3\t6"), seen);
        }
    }

    @Test
    void streamsOfDifferentSchemasAreRefused() {
        try (Table a = Table.of(Column.of("x", longs(1)));
                Table b = Table.of(Column.of("x", ints(1)));
                Table c = Table.of(Column.of("x", longs(1), valid(true)));
                Table d = Table.of(Column.of("y", longs(1)))) {
            ArrowArrayStream stream = ArrowArrayStream.allocate(arena);
            InvalidTableException e = assertThrows(InvalidTableException.class,
                    () -> ArrowTables.exportStream(List.of(a, b), stream));
            assertTrue(e.getMessage().startsWith("stream tables differ in a column's schema: table=1 column='x'"
                    + " found=nullable=false type=i "), e.getMessage());
            e = assertThrows(InvalidTableException.class, () -> ArrowTables.exportStream(List.of(a, c), stream));
            assertTrue(e.getMessage().contains("found=nullable=true type=l"), e.getMessage());
            assertEquals("stream tables differ in columns: table=1 names=[y] expected=[x]",
                    assertThrows(InvalidTableException.class, () -> ArrowTables.exportStream(List.of(a, d), stream))
                            .getMessage());
            assertTrue(stream.isReleased());
            assertEquals(0, a.column("x").values().exports());
        }
    }

    @Test
    void releasedInputsAreRefused() {
        ArrowArrayStream stream = ArrowArrayStream.allocate(arena);
        assertEquals("ArrowArrayStream already released: release=NULL",
                assertThrows(ArrowImportException.class, () -> ArrowTables.importStream(stream)).getMessage());
        ArrowSchema s = ArrowSchema.allocate(arena);
        ArrowArray a = ArrowArray.allocate(arena);
        assertEquals("ArrowSchema already released: path=batch release=NULL",
                assertThrows(ArrowImportException.class, () -> ArrowTables.importBatch(s, a)).getMessage());
    }

    @Test
    void aSingleViewExportIsNoRecordBatch() {
        ArrowSchema s = ArrowSchema.allocate(arena);
        ArrowArray a = ArrowArray.allocate(arena);
        try (BufferView v = longs(1, 2)) {
            io.bufferbridge.arrow.c.ArrowExporter.exportView(v, s, a);
            assertEquals("schema is not a struct (record batch): path=batch format='l'",
                    assertThrows(ArrowImportException.class, () -> ArrowTables.importBatch(s, a)).getMessage());
            assertTrue(s.isReleased() && a.isReleased());
        }
    }

    @Test
    void exportToALiveTargetIsRefusedAndTakesNothing() {
        try (Table t = Table.of(Column.of("a", longs(1)))) {
            ArrowSchema s = ArrowSchema.allocate(arena);
            ArrowArray a = ArrowArray.allocate(arena);
            ArrowTables.exportBatch(t, s, a);
            assertEquals("export target still holds a live struct: schema.released=false array.released=false",
                    assertThrows(ArrowExportException.class, () -> ArrowTables.exportBatch(t, s, a)).getMessage());
            ArrowTables.importBatch(s, a).close();
            assertNotEquals(0, t.column("a").values().address());
        }
    }
}
