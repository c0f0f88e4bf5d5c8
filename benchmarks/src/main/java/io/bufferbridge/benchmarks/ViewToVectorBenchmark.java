package io.bufferbridge.benchmarks;

import io.bufferbridge.arrow.vector.ArrowVectors;
import io.bufferbridge.arrow.vector.VectorOfView;
import io.bufferbridge.view.BufferFlags;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.NativeBuffer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
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
 * Benchmark 2: a native int64 view of 64 M elements to an Arrow Java vector. {@code wrap} is
 * {@link ArrowVectors#toVector(BufferView, BufferAllocator)} (our C export, then Arrow Java's
 * {@code Data.importVector}, which wraps the foreign memory), closing the vector; {@code copy}
 * is the baseline: a new {@link BigIntVector} ({@code allocateNew}, which zeroes), the view's
 * bytes copied into its data buffer with {@code MemorySegment.copy}, every validity bit set,
 * closed. Target: wrap ≥ 100× faster than copy.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--sun-misc-unsafe-memory-access=allow"})
public class ViewToVectorBenchmark {

    @Param({"67108864"})
    public int elements;

    private NativeBuffer buffer;
    private BufferView view;
    private MemorySegment source;
    private BufferAllocator allocator;

    @Setup(Level.Trial)
    public void setUp() {
        buffer = NativeBuffer.allocate("q", elements);
        view = buffer.getBuffer(BufferFlags.FULL);
        source = view.asSegment();
        for (long i = 0; i < elements; i++) {
            source.setAtIndex(ValueLayout.JAVA_LONG, i, i * 3);
        }
        allocator = new RootAllocator();
        try (VectorOfView v = ArrowVectors.toVector(view, allocator)) {
            BigIntVector b = (BigIntVector) v.vector();
            Checks.require(!v.copied() && b.getDataBuffer().memoryAddress() == view.address()
                    && b.getValueCount() == elements && b.get(elements - 1) == (elements - 1) * 3L,
                    "toVector did not wrap the view's memory");
        }
        try (BigIntVector b = copy()) {
            Checks.require(b.getValueCount() == elements && b.get(elements - 1) == (elements - 1) * 3L
                    && b.getNullCount() == 0, "the copy baseline is wrong");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        allocator.close();
        view.close();
        buffer.close();
    }

    /** Ours: zero-copy wrap through the C data interface. */
    @Benchmark
    public long wrap() {
        try (VectorOfView v = ArrowVectors.toVector(view, allocator)) {
            return v.vector().getValueCount();
        }
    }

    /** Baseline: a new vector and one bulk copy. */
    @Benchmark
    public long copyIntoNewVector() {
        try (BigIntVector v = copy()) {
            return v.getValueCount();
        }
    }

    private BigIntVector copy() {
        BigIntVector v = new BigIntVector("", allocator);
        v.allocateNew(elements);
        long bytes = (long) elements * Long.BYTES;
        MemorySegment data = MemorySegment.ofAddress(v.getDataBuffer().memoryAddress()).reinterpret(bytes);
        MemorySegment.copy(source, 0, data, 0, bytes);
        MemorySegment validity = MemorySegment.ofAddress(v.getValidityBuffer().memoryAddress())
                .reinterpret((elements + 7) / 8);
        validity.fill((byte) -1);
        v.setValueCount(elements);
        return v;
    }
}
