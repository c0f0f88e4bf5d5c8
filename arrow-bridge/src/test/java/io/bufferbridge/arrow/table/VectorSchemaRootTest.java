package io.bufferbridge.arrow.table;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bufferbridge.arrow.vector.ArrowVectors;
import io.bufferbridge.arrow.vector.VectorOfView;
import io.bufferbridge.view.BufferView;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.junit.jupiter.api.Test;

/** Tables to Arrow Java's {@link VectorSchemaRoot} and back, with nulls and field metadata. */
class VectorSchemaRootTest extends TableFixture {

    private BufferView nativeLongs(long... values) {
        MemorySegment m = arena.allocate(ValueLayout.JAVA_LONG, values.length);
        MemorySegment.copy(values, 0, m, ValueLayout.JAVA_LONG, 0, values.length);
        return BufferView.of(m, 0, "q", 8, new long[] {values.length}, new long[] {8}, false);
    }

    @Test
    void tableToRootIsZeroCopyWithNullsAndMetadata() {
        BufferView a = nativeLongs(10, 20, 30);
        long address = a.address();
        Table table = Table.of(Column.of("a", a, BufferView.ofArray(new boolean[] {true, false, true})),
                Column.of("m", BufferView.ofArray(new float[] {1, 2, 3, 4, 5, 6}, io.bufferbridge.view.Order.C, 3, 2)));
        try (VectorSchemaRoot root = ArrowTables.toVectorSchemaRoot(table, allocator)) {
            table.close();
            assertEquals(3, root.getRowCount());
            BigIntVector av = (BigIntVector) root.getVector("a");
            assertEquals(address, av.getDataBuffer().memoryAddress(), "zero-copy");
            assertTrue(av.isNull(1));
            assertEquals(30L, av.get(2));
            assertTrue(root.getSchema().findField("a").isNullable());
            assertFalse(root.getSchema().findField("m").isNullable());
            Map<String, String> md = root.getSchema().findField("m").getMetadata();
            assertEquals("f", md.get("bufferbridge.format"));
            assertEquals("3,2", md.get("bufferbridge.shape"));
            assertEquals("true", md.get("bufferbridge.copied"), "heap memory is copied");
            FixedSizeListVector mv = (FixedSizeListVector) root.getVector("m");
            assertEquals(2, mv.getListSize());
            assertEquals(List.of(5f, 6f), mv.getObject(2));
        }
    }

    @Test
    void rootToTableKeepsNullsAndOutlivesTheRoot() {
        Table table;
        long address;
        try (BigIntVector a = new BigIntVector("a", allocator);
                Float8Vector b = new Float8Vector("b", allocator);
                FixedSizeListVector t = FixedSizeListVector.empty("t", 2, allocator)) {
            a.allocateNew(4);
            b.allocateNew(4);
            for (int i = 0; i < 4; i++) {
                a.set(i, i * 11L);
                b.set(i, i + 0.25);
            }
            a.setNull(2);
            a.setValueCount(4);
            b.setValueCount(4);
            t.addOrGetVector(FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)));
            t.allocateNew();
            Float4Vector items = (Float4Vector) t.getDataVector();
            for (int i = 0; i < 8; i++) {
                items.setSafe(i, i * 0.5f);
            }
            items.setValueCount(8);
            for (int i = 0; i < 4; i++) {
                t.setNotNull(i);
            }
            t.setValueCount(4);
            address = a.getDataBuffer().memoryAddress();
            try (VectorSchemaRoot root = VectorSchemaRoot.of(a, b, t)) {
                root.setRowCount(4);
                table = ArrowTables.fromVectorSchemaRoot(root);
            }
        }
        try (table) {
            assertEquals(List.of("a", "b", "t"), table.names());
            Column a = table.column("a");
            assertEquals(address, a.values().address(), "zero-copy, held after the root closed");
            assertArrayEquals(new boolean[] {true, true, false, true}, a.validity().orElseThrow().toBooleanArray());
            assertEquals(33L, a.values().getLong(3));
            assertArrayEquals(new double[] {0.25, 1.25, 2.25, 3.25}, table.column("b").values().toDoubleArray());
            BufferView tv = table.column("t").values();
            assertArrayEquals(new long[] {4, 2}, tv.shape());
            assertArrayEquals(new float[] {0, 0.5f, 1, 1.5f, 2, 2.5f, 3, 3.5f}, tv.toFloatArray());
        }
    }

    @Test
    void roundTripThroughARootGivesTheSameViewsBack() {
        BufferView v = nativeLongs(1, 2, 3, 4);
        try (Table table = Table.of(Column.of("v", v.asSlice(0, 4, 2), BufferView.ofArray(new boolean[] {false, true})));
                VectorSchemaRoot root = ArrowTables.toVectorSchemaRoot(table, allocator);
                Table back = ArrowTables.fromVectorSchemaRoot(root)) {
            BufferView b = back.column("v").values();
            // Strided, so copied by the export: C strides come back, the format and values exactly.
            assertEquals("q", b.format().text());
            assertArrayEquals(new long[] {8}, b.strides());
            assertArrayEquals(new long[] {1, 3}, b.toLongArray());
            assertArrayEquals(new boolean[] {false, true}, back.column("v").validity().orElseThrow().toBooleanArray());
            v.close();
        }
    }

    @Test
    void nullableToVector() {
        try (BufferView values = BufferView.ofArray(new int[] {4, 5, 6});
                BufferView validity = BufferView.ofArray(new boolean[] {true, false, true});
                VectorOfView vv = ArrowVectors.toVector(values, validity, "x", allocator)) {
            IntVector x = (IntVector) vv.vector();
            assertTrue(x.getField().isNullable());
            assertEquals("x", x.getField().getName());
            assertEquals(1, x.getNullCount());
            assertTrue(x.isNull(1));
            assertEquals(6, x.get(2));
        }
        try (BufferView values = BufferView.ofArray(new int[] {4, 5, 6});
                BufferView wrong = BufferView.ofArray(new boolean[] {true})) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ArrowVectors.toVector(values, wrong, "x", allocator));
            assertEquals("validity is not a 1-D '?' view of the values' rows: format='?' shape=[1] values.shape=[3]"
                    + " expected format='?' shape=[3]", e.getMessage());
        }
    }
}
