package io.bufferbridge.benchmarks;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowDiagnostics;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.arrow.table.ArrowTables;
import io.bufferbridge.arrow.table.Column;
import io.bufferbridge.arrow.table.Table;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.c.Data;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Benchmark 7: a zero-copy export and import of a 10-column table (five int64 and five float64
 * columns, native memory) as one record batch through C structs ({@link ArrowTables#exportBatch}
 * then {@link ArrowTables#importBatch}, then closing the imported table, which runs the export's
 * releases), against Arrow Java's {@code Data.exportVectorSchemaRoot} then
 * {@code Data.importIntoVectorSchemaRoot} of an equal {@link VectorSchemaRoot} (into a root made
 * once; each import releases the batch the previous one loaded).
 *
 * <p>Targets: ours ≤ 1.25× Arrow's time at 1 K rows; ours independent of the row count.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--sun-misc-unsafe-memory-access=allow"})
public class TableExportImportBenchmark {
    private static final int COLUMNS = 10;

    @Param({"1024", "1048576"})
    public int rows;

    private Arena memory;
    private Table table;
    private BufferAllocator allocator;
    private VectorSchemaRoot root;
    private VectorSchemaRoot target;

    @Setup(Level.Trial)
    public void setUp() {
        memory = Arena.ofShared();
        allocator = new RootAllocator();
        List<Column> columns = new ArrayList<>();
        List<FieldVector> vectors = new ArrayList<>();
        for (int c = 0; c < COLUMNS; c++) {
            boolean ints = c % 2 == 0;
            MemorySegment m = memory.allocate(8L * rows, 64);
            FieldVector v;
            if (ints) {
                BigIntVector b = new BigIntVector("c" + c, allocator);
                b.allocateNew(rows);
                for (int i = 0; i < rows; i++) {
                    m.setAtIndex(ValueLayout.JAVA_LONG, i, i + c);
                    b.set(i, i + c);
                }
                v = b;
            } else {
                Float8Vector f = new Float8Vector("c" + c, allocator);
                f.allocateNew(rows);
                for (int i = 0; i < rows; i++) {
                    m.setAtIndex(ValueLayout.JAVA_DOUBLE, i, i * 0.5 + c);
                    f.set(i, i * 0.5 + c);
                }
                v = f;
            }
            v.setValueCount(rows);
            vectors.add(v);
            columns.add(Column.of("c" + c, BufferView.ofSegment(m, ints ? "q" : "d", rows)));
        }
        table = Table.of(columns);
        root = new VectorSchemaRoot(vectors);
        root.setRowCount(rows);
        target = VectorSchemaRoot.create(root.getSchema(), allocator);
        Checks.require(bufferbridge() == table.column(9).values().address(), "bufferbridge round trip is not zero-copy");
        Checks.require(arrowJava() == root.getVector(9).getDataBuffer().memoryAddress(),
                "Arrow Java round trip is not zero-copy");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        // The imported tables' releases take effect with their epochs: run them before counting.
        ForeignMemory.flushReleases();
        target.close();
        root.close();
        allocator.close();
        table.close();
        memory.close();
        Checks.require(ArrowDiagnostics.snapshot().liveExports() == 0 && ArrowDiagnostics.snapshot().liveImports() == 0, "exports or imports leaked");
    }

    /** Ours: new C structs, export the table as a batch, import it back, release. */
    @Benchmark
    public long bufferbridge() {
        try (Arena arena = Arena.ofConfined()) {
            ArrowSchema s = ArrowSchema.allocate(arena);
            ArrowArray a = ArrowArray.allocate(arena);
            ArrowTables.exportBatch(table, s, a);
            try (Table back = ArrowTables.importBatch(s, a)) {
                return back.column(COLUMNS - 1).values().address();
            }
        }
    }

    /** Baseline: Arrow Java's new structs, export of the root and import into a root made once. */
    @Benchmark
    public long arrowJava() {
        try (org.apache.arrow.c.ArrowSchema s = org.apache.arrow.c.ArrowSchema.allocateNew(allocator);
                org.apache.arrow.c.ArrowArray a = org.apache.arrow.c.ArrowArray.allocateNew(allocator)) {
            Data.exportVectorSchemaRoot(allocator, root, null, a, s);
            // The schema is the target's already: released unread, as a consumer of a known schema does.
            s.release();
            Data.importIntoVectorSchemaRoot(allocator, a, target, null);
            return target.getVector(COLUMNS - 1).getDataBuffer().memoryAddress();
        }
    }
}
