package io.bufferbridge.conformance;

import io.bufferbridge.arrow.c.ArrowImporter;
import io.bufferbridge.arrow.c.ImportedView;
import io.bufferbridge.arrow.table.DuckDbTables;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.arrow.c.ArrowArray;
import org.apache.arrow.c.ArrowArrayStream;
import org.apache.arrow.c.ArrowSchema;
import org.apache.arrow.c.Data;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBResultSet;

/**
 * The {@code duckdb} path: the case's view is exported through the C data interface, read by
 * Arrow Java, handed to an embedded DuckDB as an {@code ArrowArrayStream}, selected back with
 * {@code SELECT * FROM t}, exported by DuckDB as Arrow and imported by bufferbridge as a foreign
 * producer's data. DuckDB drops field metadata and extension types, so what is compared is what
 * survives: the canonical format of the Arrow type sent and the values, element by element.
 *
 * <p>An element that travels as one fixed-size binary ({@code c}, {@code Ns}, {@code arrow.opaque}
 * of a 0-D or 1-D view) comes back as a variable-length BLOB, which has no PEP 3118 format and
 * which bufferbridge's importer refuses: for it, each BLOB is compared with the element's bytes.
 * A tensor whose permutation is not the identity comes back without it, as its storage: the
 * elements in memory order, compared as such.
 */
final class DuckDbPath extends PeerPath {
    private final BufferAllocator root = new RootAllocator();
    private final Connection connection;
    private final String unavailable;
    private int tables;

    private DuckDbPath(Connection connection, String unavailable) {
        this.connection = connection;
        this.unavailable = unavailable;
    }

    static DuckDbPath open() {
        try {
            return new DuckDbPath(DriverManager.getConnection("jdbc:duckdb:"), null);
        } catch (SQLException | RuntimeException | UnsatisfiedLinkError e) {
            return new DuckDbPath(null, "DuckDB could not start: " + e);
        }
    }

    @Override
    public String name() {
        return "duckdb";
    }

    @Override
    public String unavailable() {
        return unavailable;
    }

    @Override
    Reply exchange(Case c, BufferView view, io.bufferbridge.arrow.c.ArrowSchema schema,
            io.bufferbridge.arrow.c.ArrowArray array, Arena arena) {
        try (BufferAllocator allocator = root.newChildAllocator(c.id(), 0, Long.MAX_VALUE)) {
            try {
                return new Reply.Checked(run(c, view, schema, array, allocator));
            } finally {
                // DuckDB's result was imported: its release waits for an epoch, and the
                // allocator must not close before it ran.
                ForeignMemory.flushReleases();
            }
        } catch (IllegalStateException e) {
            return new Reply.Checked(Outcome.fail("Arrow memory left behind: " + e.getMessage()));
        }
    }

    private Outcome run(Case c, BufferView view, io.bufferbridge.arrow.c.ArrowSchema exportedSchema,
            io.bufferbridge.arrow.c.ArrowArray exportedArray, BufferAllocator allocator) {
        Field sent;
        // Arrow Java reads the export in place and moves it (PeerPath releases it if it did not).
        FieldVector vector = Data.importVector(allocator, ArrowArray.wrap(exportedArray.address()),
                ArrowSchema.wrap(exportedSchema.address()), null);
        sent = vector.getField();
        boolean blobs = storage(sent.getType()) instanceof ArrowType.FixedSizeBinary;
        String why = blobs ? null : unsupported(sent);
        boolean permuted = c.shape().length >= 2 && !identityPermutation(sent);
        if (why != null) {
            vector.close();
            return Outcome.skip(why);
        }
        String table = "t" + (tables++);
        List<BufferView> back = new ArrayList<>();
        List<byte[]> blobValues = new ArrayList<>();
        Field returned;
        try (VectorSchemaRoot batch = new VectorSchemaRoot(List.of(vector));
                ArrowArrayStream stream = ArrowArrayStream.allocateNew(allocator)) {
            Data.exportArrayStream(allocator, new OneBatchReader(allocator, batch), stream);
            ((DuckDBConnection) connection).registerArrowStream(table, stream);
            try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("SELECT * FROM " + table);
                    // Batches capped in bytes, not rows: DuckDB's Arrow appender reserves rows × array
                    // size elements up front, so 2^20 rows of a 65,536-element ARRAY ask for 512 GiB.
                    ArrowReader reader = (ArrowReader) ((DuckDBResultSet) rs).arrowExportStream(allocator,
                            DuckDbTables.rowsPerBatch(rs.getMetaData(), DuckDbTables.DEFAULT_BATCH_BYTES))) {
                returned = reader.getVectorSchemaRoot().getSchema().getFields().get(0);
                while (reader.loadNextBatch()) {
                    FieldVector column = reader.getVectorSchemaRoot().getVector(0);
                    if (blobs) {
                        for (int k = 0; k < column.getValueCount(); k++) {
                            blobValues.add(column.getObject(k) instanceof byte[] b ? b : null);
                        }
                        continue;
                    }
                    try (ArrowSchema s = ArrowSchema.allocateNew(allocator); ArrowArray a = ArrowArray.allocateNew(allocator)) {
                        Data.exportVector(allocator, column, null, a, s);
                        ImportedView imported = ArrowImporter.importPair(io.bufferbridge.arrow.c.ArrowSchema.wrap(s.memoryAddress()),
                                io.bufferbridge.arrow.c.ArrowArray.wrap(a.memoryAddress()));
                        back.add(imported.view());
                    }
                }
            }
            dropView(table);
            if (blobs) {
                return compareBlobs(view, returned, blobValues);
            }
            if (!permuted) {
                return compare(view, sent, returned, back);
            }
            // DuckDB drops arrow.fixed_shape_tensor, permutation included, and returns its storage:
            // the elements in memory order, which is what is compared.
            try (BufferView stored = view.asPermuted(memoryOrder(view))) {
                return compare(stored, sent, returned, back);
            }
        } catch (SQLException | IOException | RuntimeException e) {
            return Outcome.fail("DuckDB round trip failed: " + e.getMessage());
        } finally {
            back.forEach(BufferView::close);
        }
    }

    private void dropView(String table) {
        try (Statement st = connection.createStatement()) {
            st.execute("DROP VIEW IF EXISTS " + table);
        } catch (SQLException ignored) {
            // registered streams are not catalog views in every DuckDB release
        }
    }

    /** Each BLOB DuckDB returned against the bytes of the element it stands for, in C order. */
    static Outcome compareBlobs(BufferView sent, Field returned, List<byte[]> found) {
        ArrowType type = returned.getType();
        if (!(type instanceof ArrowType.Binary || type instanceof ArrowType.LargeBinary
                || type instanceof ArrowType.BinaryView)) {
            return Outcome.fail("fixed-size binary came back as neither fixed-size nor variable binary: found=" + type);
        }
        long count = sent.elementCount();
        int itemsize = Math.toIntExact(sent.itemsize());
        if (found.size() != count) {
            return Outcome.fail("BLOB count differs: expected=" + count + " found=" + found.size());
        }
        byte[] logical = sent.toBytes();
        for (int k = 0; k < found.size(); k++) {
            byte[] want = Arrays.copyOfRange(logical, k * itemsize, (k + 1) * itemsize);
            if (!Arrays.equals(want, found.get(k))) {
                return Outcome.fail("BLOB differs: element=" + k + " expected=" + HexFormat.of().formatHex(want)
                        + " found=" + (found.get(k) == null ? "NULL" : HexFormat.of().formatHex(found.get(k))));
            }
        }
        return Outcome.pass();
    }

    private static ArrowType storage(ArrowType type) {
        return type instanceof ArrowType.ExtensionType ext ? ext.storageType() : type;
    }

    private static Outcome compare(BufferView sent, Field sentField, Field returned, List<BufferView> back) {
        String expected = Canonical.of(sentField);
        String canonical = back.isEmpty() ? Canonical.of(returned) : back.get(0).format().text();
        if (!canonical.equals(expected)) {
            return Outcome.fail("canonical format differs: expected='" + expected + "' found='" + canonical + "'");
        }
        List<Object> want = new ArrayList<>();
        Values.flatten(sent.toList(), want);
        List<Object> found = new ArrayList<>();
        for (BufferView v : back) {
            Values.flatten(v.toList(), found);
        }
        String d = Values.sameValues(want, found);
        return d == null ? Outcome.pass() : Outcome.fail(d);
    }

    /** Why DuckDB cannot carry a field (or one of its children), or null. */
    private static String unsupported(Field field) {
        ArrowType type = storage(field.getType());
        if (type instanceof ArrowType.FloatingPoint f && f.getPrecision() == FloatingPointPrecision.HALF) {
            return "DuckDB rejects float16";
        }
        if (type instanceof ArrowType.FixedSizeBinary) {
            return "DuckDB returns fixed-size binary inside a nested type as variable-length BLOB, which has no"
                    + " PEP 3118 format";
        }
        for (Field child : field.getChildren()) {
            String why = unsupported(child);
            if (why != null) {
                return why;
            }
        }
        return null;
    }

    /** {@return the axes of a dense view from the largest stride to the smallest (stable)} */
    static int[] memoryOrder(BufferView view) {
        long[] strides = view.strides();
        return IntStream.range(0, strides.length).boxed()
                .sorted((a, b) -> Long.compare(strides[b], strides[a]))
                .mapToInt(Integer::intValue).toArray();
    }

    private static boolean identityPermutation(Field field) {
        String json = field.getMetadata().get("ARROW:extension:metadata");
        if (json == null) {
            return true;
        }
        int at = json.indexOf("\"permutation\"");
        if (at < 0) {
            return true;
        }
        String list = json.substring(json.indexOf('[', at) + 1, json.indexOf(']', at));
        String[] parts = list.split(",");
        for (int k = 0; k < parts.length; k++) {
            if (!parts[k].isBlank() && Integer.parseInt(parts[k].trim()) != k) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        try {
            if (connection != null) {
                connection.close();
            }
        } catch (SQLException ignored) {
            // closing an in-memory database cannot lose data
        }
        root.close();
    }
}
