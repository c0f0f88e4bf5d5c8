package io.bufferbridge.arrow.table;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.Order;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.util.ByteArrayReadableSeekableByteChannel;
import org.junit.jupiter.api.Test;

/** Tables through Arrow IPC streams and files written and read by Arrow Java's own writers and readers. */
class ArrowIpcTest extends TableFixture {

    private static List<Table> tables() {
        return List.of(
                Table.of(Column.of("id", BufferView.ofArray(new long[] {1, 2, 3})),
                        Column.of("m", BufferView.ofArray(new short[] {1, 2, 3, 4, 5, 6}, Order.F, 3, 2).asReadOnly()),
                        Column.of("n", BufferView.ofArray(new float[] {0.5f, 1.5f, 2.5f}),
                                BufferView.ofArray(new boolean[] {true, false, true}))),
                Table.of(Column.of("id", BufferView.ofArray(new long[] {4})),
                        Column.of("m", BufferView.ofArray(new short[] {7, 8}, Order.C, 1, 2).asReadOnly()),
                        Column.of("n", BufferView.ofArray(new float[] {3.5f}), BufferView.ofArray(new boolean[] {false}))));
    }

    private static void assertBack(List<Table> back) {
        assertEquals(2, back.size());
        Table a = back.get(0);
        assertEquals(List.of("id", "m", "n"), a.names());
        assertArrayEquals(new long[] {1, 2, 3}, a.column("id").values().toLongArray());
        BufferView m = a.column("m").values();
        assertEquals("h", m.format().text());
        assertArrayEquals(new long[] {3, 2}, m.shape());
        assertArrayEquals(new long[] {4, 2}, m.strides(), "written in C order");
        assertTrue(m.isReadOnly(), "the read-only flag travels in the metadata");
        assertArrayEquals(new short[] {1, 4, 2, 5, 3, 6}, m.toShortArray());
        assertArrayEquals(new boolean[] {true, false, true}, a.column("n").validity().orElseThrow().toBooleanArray());
        Table b = back.get(1);
        assertArrayEquals(new long[] {1, 2}, b.column("m").values().shape());
        assertArrayEquals(new short[] {7, 8}, b.column("m").values().toShortArray());
        assertArrayEquals(new boolean[] {false}, b.column("n").validity().orElseThrow().toBooleanArray());
        assertEquals(3.5f, (float) b.column("n").values().getDouble(0));
    }

    @Test
    void streamRoundTrip() throws IOException {
        roundTrip(false);
    }

    @Test
    void fileRoundTrip() throws IOException {
        roundTrip(true);
    }

    private void roundTrip(boolean file) throws IOException {
        List<Table> tables = tables();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        if (file) {
            ArrowIpc.writeFile(tables, Channels.newChannel(bytes));
        } else {
            ArrowIpc.writeStream(tables, Channels.newChannel(bytes));
        }
        tables.forEach(Table::close);
        byte[] written = bytes.toByteArray();
        List<Table> back;
        if (file) {
            assertEquals("ARROW1", new String(written, 0, 6, java.nio.charset.StandardCharsets.US_ASCII));
            back = ArrowIpc.readFile(new ByteArrayReadableSeekableByteChannel(written), allocator);
        } else {
            back = ArrowIpc.readStream(Channels.newChannel(new ByteArrayInputStream(written)), allocator);
        }
        try {
            assertBack(back);
        } finally {
            back.forEach(Table::close);
        }
    }

    @Test
    void theSchemaCarriesTheFieldMetadataForAnyReader() throws IOException {
        List<Table> tables = tables();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ArrowIpc.writeStream(tables, Channels.newChannel(bytes));
        tables.forEach(Table::close);
        try (ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(bytes.toByteArray()), allocator)) {
            Field m = reader.getVectorSchemaRoot().getSchema().findField("m");
            Map<String, String> md = m.getMetadata();
            assertEquals("h", md.get("bufferbridge.format"));
            assertEquals("2", md.get("bufferbridge.itemsize"));
            assertEquals("true", md.get("bufferbridge.readonly"));
            assertEquals("arrow.fixed_shape_tensor", md.get("ARROW:extension:name"));
            assertEquals("{\"shape\":[2],\"permutation\":[0]}", md.get("ARROW:extension:metadata"));
            assertTrue(reader.getVectorSchemaRoot().getSchema().findField("n").isNullable());
        }
    }
}
