package io.bufferbridge.benchmarks;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowDiagnostics;
import io.bufferbridge.arrow.c.ArrowExporter;
import io.bufferbridge.arrow.c.ArrowImporter;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.view.BufferFlags;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import io.bufferbridge.view.NativeBuffer;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.c.Data;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
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
 * Benchmark 1: a zero-copy export and import of a native 1-D int64 view through C structs
 * ({@link ArrowExporter#exportView} then {@link ArrowImporter#importView}, then closing the
 * imported view, which runs the export's release), against Arrow Java's own
 * {@code Data.exportVector} then {@code Data.importVector} of an equal {@link BigIntVector}, then
 * closing the imported vector. Each side allocates its pair of structs per operation the way its
 * API does it ({@code Arena.ofConfined()} for ours, {@code ArrowSchema/ArrowArray.allocateNew} for
 * Arrow Java, whose {@code importVector} closes them); {@code bufferbridgeReusedStructs} shows
 * ours with one struct pair reused (an import moves the structs, leaving them released and
 * reusable). Both sides' data stays where it is.
 *
 * <p>{@code foreignImport} is the case the safe lifetime must serve: Arrow Java exports, ours
 * imports and releases. {@code structsOnly} (the harness of {@code bufferbridge} alone) and
 * {@code arrowJavaExportOnly} (Arrow Java's export and release, no import) are the floors the two
 * are measured against.
 *
 * <p>Targets: bufferbridge ≤ 1.25× Arrow's time at every size; the 64 M time ≤ 2× the 1 K time;
 * {@code gc.alloc.rate.norm} independent of size ({@code -prof gc}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--sun-misc-unsafe-memory-access=allow"})
public class ExportImportBenchmark {

    @Param({"1024", "1048576", "67108864"})
    public int elements;

    private NativeBuffer buffer;
    private BufferView view;
    private Arena structs;
    private ArrowSchema schema;
    private ArrowArray array;

    private BufferAllocator allocator;
    private BigIntVector vector;

    /** The C-like producer of {@link #foreignCProducer}: its structs, C strings and buffer list. */
    private Arena producerArena;
    private long producerSchema;
    private long producerArray;
    private long producerFormat;
    private long producerBuffers;
    private long producerImports;
    private static final AtomicLong PRODUCER_RELEASES = new AtomicLong();
    private static final long SCHEMA_RELEASE;
    private static final long ARRAY_RELEASE;

    static {
        try {
            FunctionDescriptor release = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS);
            MethodType type = MethodType.methodType(void.class, MemorySegment.class);
            SCHEMA_RELEASE = Linker.nativeLinker().upcallStub(MethodHandles.lookup()
                    .findStatic(ExportImportBenchmark.class, "releaseSchema", type), release, Arena.global()).address();
            ARRAY_RELEASE = Linker.nativeLinker().upcallStub(MethodHandles.lookup()
                    .findStatic(ExportImportBenchmark.class, "releaseArray", type), release, Arena.global()).address();
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    // The producer's releases, as a C producer's with nothing to free: mark the struct released.
    private static void releaseSchema(MemorySegment schema) {
        schema.reinterpret(ArrowSchema.LAYOUT.byteSize()).set(ValueLayout.JAVA_LONG, 56, 0L);
        PRODUCER_RELEASES.incrementAndGet();
    }

    private static void releaseArray(MemorySegment array) {
        array.reinterpret(ArrowArray.LAYOUT.byteSize()).set(ValueLayout.JAVA_LONG, 64, 0L);
        PRODUCER_RELEASES.incrementAndGet();
    }

    @Setup(Level.Trial)
    public void setUp() {
        buffer = NativeBuffer.allocate("q", elements);
        view = buffer.getBuffer(BufferFlags.FULL);
        for (long i = 0; i < elements; i++) {
            view.memory().setAtIndex(ValueLayout.JAVA_LONG, i, i);
        }
        structs = Arena.ofConfined();
        schema = ArrowSchema.allocate(structs);
        array = ArrowArray.allocate(structs);

        allocator = new RootAllocator();
        vector = new BigIntVector("v", allocator);
        vector.allocateNew(elements);
        for (int i = 0; i < elements; i++) {
            vector.set(i, i);
        }
        vector.setValueCount(elements);

        producerArena = Arena.ofShared();
        producerSchema = producerArena.allocate(ArrowSchema.LAYOUT).address();
        producerArray = producerArena.allocate(ArrowArray.LAYOUT).address();
        producerFormat = producerArena.allocateFrom("l").address();
        MemorySegment buffers = producerArena.allocate(ValueLayout.JAVA_LONG, 2);
        buffers.setAtIndex(ValueLayout.JAVA_LONG, 1, view.address());
        producerBuffers = buffers.address();
        producerImports = 0;
        PRODUCER_RELEASES.set(0);

        // Both round trips must be zero-copy, or this measures something else.
        Checks.require(bufferbridge() == view.address() && bufferbridgeReusedStructs() == view.address(),
                "bufferbridge round trip is not zero-copy");
        Checks.require(arrowJava() == vector.getDataBuffer().memoryAddress(), "Arrow Java round trip is not zero-copy");
        Checks.require(foreignImport() == vector.getDataBuffer().memoryAddress(), "foreign import is not zero-copy");
        Checks.require(foreignCProducer() == view.address(), "import of the C-like producer's pair is not zero-copy");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        // Imports of Arrow Java's exports hold the vector's buffers until their epoch closes.
        ForeignMemory.flushReleases();
        Checks.require(PRODUCER_RELEASES.get() == 2 * producerImports, "the C-like producer's releases: expected="
                + 2 * producerImports + " found=" + PRODUCER_RELEASES.get());
        producerArena.close();
        vector.close();
        allocator.close();
        structs.close();
        view.close();
        buffer.close();
        Checks.require(ArrowDiagnostics.snapshot().liveExports() == 0 && ArrowDiagnostics.snapshot().liveImports() == 0, "exports or imports leaked");
    }

    /** Ours: new C structs, export the view into them, import them back, release. */
    @Benchmark
    public long bufferbridge() {
        try (Arena arena = Arena.ofConfined()) {
            ArrowSchema s = ArrowSchema.allocate(arena);
            ArrowArray a = ArrowArray.allocate(arena);
            ArrowExporter.exportView(view, s, a);
            try (BufferView back = ArrowImporter.importView(s, a)) {
                return back.address();
            }
        }
    }

    /** Ours, with one pair of structs reused across operations. */
    @Benchmark
    public long bufferbridgeReusedStructs() {
        ArrowExporter.exportView(view, schema, array);
        try (BufferView back = ArrowImporter.importView(schema, array)) {
            return back.address();
        }
    }

    /**
     * Ours importing a foreign export: Arrow Java's {@code Data.exportVector} of the vector, then
     * {@link ArrowImporter#importView} and release, with the safe lifetime (the producer's release
     * runs after the import's epoch closes, the handshake shared by the epoch's imports).
     */
    @Benchmark
    public long foreignImport() {
        org.apache.arrow.c.ArrowSchema s = org.apache.arrow.c.ArrowSchema.allocateNew(allocator);
        org.apache.arrow.c.ArrowArray a = org.apache.arrow.c.ArrowArray.allocateNew(allocator);
        try {
            Data.exportVector(allocator, vector, null, a, s);
            try (BufferView back = ArrowImporter.importView(ArrowSchema.wrap(s.memoryAddress()),
                    ArrowArray.wrap(a.memoryAddress()))) {
                return back.address();
            }
        } finally {
            // The import moved both structs out: these only free the struct memory.
            s.close();
            a.close();
        }
    }

    /**
     * Our share of a foreign import: the pair a C producer would write (int64, nullable, no
     * metadata, no validity buffer, the view's memory as data; its struct memory reused, since the
     * import moves the structs out), then {@link ArrowImporter#importView} and release, the full
     * import of a foreign pair with the safe lifetime. Every release callback is counted: the
     * trial's tear-down checks each ran exactly once.
     */
    @Benchmark
    public long foreignCProducer() {
        MemorySegment s = MemorySegment.ofAddress(producerSchema).reinterpret(ArrowSchema.LAYOUT.byteSize());
        s.set(ValueLayout.JAVA_LONG, 0, producerFormat); // format
        s.set(ValueLayout.JAVA_LONG, 8, 0L); // name
        s.set(ValueLayout.JAVA_LONG, 16, 0L); // metadata
        s.set(ValueLayout.JAVA_LONG, 24, ArrowSchema.FLAG_NULLABLE);
        s.set(ValueLayout.JAVA_LONG, 32, 0L); // n_children
        s.set(ValueLayout.JAVA_LONG, 40, 0L); // children
        s.set(ValueLayout.JAVA_LONG, 48, 0L); // dictionary
        s.set(ValueLayout.JAVA_LONG, 56, SCHEMA_RELEASE);
        s.set(ValueLayout.JAVA_LONG, 64, 0L); // private_data
        MemorySegment a = MemorySegment.ofAddress(producerArray).reinterpret(ArrowArray.LAYOUT.byteSize());
        a.set(ValueLayout.JAVA_LONG, 0, elements); // length
        a.set(ValueLayout.JAVA_LONG, 8, 0L); // null_count
        a.set(ValueLayout.JAVA_LONG, 16, 0L); // offset
        a.set(ValueLayout.JAVA_LONG, 24, 2L); // n_buffers
        a.set(ValueLayout.JAVA_LONG, 32, 0L); // n_children
        a.set(ValueLayout.JAVA_LONG, 40, producerBuffers);
        a.set(ValueLayout.JAVA_LONG, 48, 0L); // children
        a.set(ValueLayout.JAVA_LONG, 56, 0L); // dictionary
        a.set(ValueLayout.JAVA_LONG, 64, ARRAY_RELEASE);
        a.set(ValueLayout.JAVA_LONG, 72, 0L); // private_data
        producerImports++;
        try (BufferView back = ArrowImporter.importView(ArrowSchema.wrap(producerSchema),
                ArrowArray.wrap(producerArray))) {
            return back.address();
        }
    }

    /**
     * Floor of {@link #bufferbridge}: only its harness, a confined arena with the two structs
     * allocated in it, then closed; no export, no import.
     */
    @Benchmark
    public long structsOnly() {
        try (Arena arena = Arena.ofConfined()) {
            ArrowSchema s = ArrowSchema.allocate(arena);
            ArrowArray a = ArrowArray.allocate(arena);
            return s.address() ^ a.address();
        }
    }

    /**
     * Floor of {@link #foreignImport}: Arrow Java's new structs and {@code Data.exportVector}, then
     * the export's own release callbacks (no import), then the structs freed.
     */
    @Benchmark
    public long arrowJavaExportOnly() {
        org.apache.arrow.c.ArrowSchema s = org.apache.arrow.c.ArrowSchema.allocateNew(allocator);
        org.apache.arrow.c.ArrowArray a = org.apache.arrow.c.ArrowArray.allocateNew(allocator);
        try {
            Data.exportVector(allocator, vector, null, a, s);
            return a.memoryAddress();
        } finally {
            s.release();
            a.release();
            s.close();
            a.close();
        }
    }

    /** Baseline: Arrow Java's new structs, export and import of an equal BigIntVector, release. */
    @Benchmark
    public long arrowJava() {
        org.apache.arrow.c.ArrowSchema s = org.apache.arrow.c.ArrowSchema.allocateNew(allocator);
        org.apache.arrow.c.ArrowArray a = org.apache.arrow.c.ArrowArray.allocateNew(allocator);
        Data.exportVector(allocator, vector, null, a, s);
        // importVector moves the structs and closes both wrappers.
        try (FieldVector back = Data.importVector(allocator, a, s, null)) {
            return back.getDataBuffer().memoryAddress();
        }
    }
}
