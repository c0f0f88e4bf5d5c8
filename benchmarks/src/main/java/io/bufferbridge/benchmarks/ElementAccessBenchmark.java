package io.bufferbridge.benchmarks;

import io.bufferbridge.view.BufferFlags;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.NativeBuffer;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float8Vector;
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
 * Benchmark 4: summing 16 M doubles one element at a time through a view's typed accessor
 * ({@link BufferView#getDouble(long...)}), over native memory and over a {@code double[]},
 * against a plain {@code double[]} loop and an Arrow {@link Float8Vector#get(int)} loop (Arrow's
 * default null checking on). All four sum the same values in the same order, so the result is
 * equal and the floating-point dependency chain is the same. Targets: the view ≤ 1.5× the plain
 * loop and no slower than Arrow's.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--sun-misc-unsafe-memory-access=allow"})
public class ElementAccessBenchmark {

    @Param({"16777216"})
    public int elements;

    private double[] plain;
    private NativeBuffer buffer;
    private BufferView nativeView;
    private BufferView heapView;
    private BufferAllocator allocator;
    private Float8Vector vector;

    @Setup(Level.Trial)
    public void setUp() {
        plain = new double[elements];
        buffer = NativeBuffer.allocate("d", elements);
        nativeView = buffer.getBuffer(BufferFlags.FULL_RO);
        allocator = new RootAllocator();
        vector = new Float8Vector("d", allocator);
        vector.allocateNew(elements);
        for (int i = 0; i < elements; i++) {
            double v = (i % 1000) * 0.5;
            plain[i] = v;
            nativeView.memory().setAtIndex(ValueLayout.JAVA_DOUBLE, i, v);
            vector.set(i, v);
        }
        vector.setValueCount(elements);
        heapView = BufferView.ofArray(plain);
        double want = plainArray();
        Checks.require(viewNative() == want && viewHeap() == want && arrowFloat8Vector() == want,
                "the loops disagree");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        vector.close();
        allocator.close();
        heapView.close();
        nativeView.close();
        buffer.close();
    }

    /** Baseline: a plain array loop. */
    @Benchmark
    public double plainArray() {
        double[] a = plain;
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i];
        }
        return s;
    }

    /** Ours: getDouble on a view of native memory. */
    @Benchmark
    public double viewNative() {
        return sum(nativeView);
    }

    /** Ours: getDouble on a view of the double[]. */
    @Benchmark
    public double viewHeap() {
        return sum(heapView);
    }

    // One loop for both views: each benchmark runs in its own fork, so the JIT sees one kind of
    // memory per run and the shared helper costs nothing.
    private static double sum(BufferView v) {
        long n = v.shape()[0];
        double s = 0;
        for (long i = 0; i < n; i++) {
            s += v.getDouble(i);
        }
        return s;
    }

    /** Baseline: Arrow Java's Float8Vector.get. */
    @Benchmark
    public double arrowFloat8Vector() {
        Float8Vector v = vector;
        int n = v.getValueCount();
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += v.get(i);
        }
        return s;
    }
}
