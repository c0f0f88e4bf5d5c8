package io.bufferbridge.benchmarks;

import io.bufferbridge.view.BufferFlags;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.NativeBuffer;
import io.bufferbridge.view.Order;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.TimeUnit;
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
 * Benchmark 3: materializing a non-dense native view into C order,
 * {@link BufferView#copyTo(MemorySegment, long, Order)} into a preallocated native segment,
 * against two dense copies of the same byte count between two native segments:
 * {@code MemorySegment.copy} ({@code memcpy}) and glibc's own {@code memcpy} through an FFM
 * downcall ({@code glibcMemcpy}), the machine's real ceiling: on this machine
 * {@code MemorySegment.copy} of 64 MiB and more runs at about half of glibc's rate, so ratios
 * against it overstated ours. NumPy's rates on the same layouts come from
 * {@code src/main/python/numpy_materialize.py}, run right after on the same machine.
 *
 * <ul>
 *   <li>{@code transpose}: a 4096×4096 int32 C array, transposed (64 MiB out)</li>
 *   <li>{@code step2}: every other element of 32 M int64 ({@code [::2]}, 16 M elements, 128 MiB out)</li>
 *   <li>{@code permute201}: a (256,256,64) float32 C array permuted (2,0,1) (16 MiB out)</li>
 * </ul>
 * Targets: against the faster of {@code glibcMemcpy} and NumPy's dense copy, ≥ 0.5 of its rate
 * for step2 and permute201, ≥ 0.3 for transpose; and at least the rate of NumPy's {@code copyto}
 * into a preallocated array in all three.
 *
 * <p>This class's fork resolves {@code jdk.incubator.vector}, so the adapter copies with its vector
 * kernels; {@link MaterializeScalarBenchmark} runs the same benchmarks without it (the scalar
 * fallback), so that one JMH run measures both.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--sun-misc-unsafe-memory-access=allow", "--add-modules=jdk.incubator.vector"})
public class MaterializeBenchmark {

    @Param({"transpose", "step2", "permute201"})
    public String layout;

    private NativeBuffer buffer;
    private BufferView base;
    private BufferView derived;
    private Arena arena;
    private MemorySegment dense;
    private MemorySegment target;

    /** {@return whether this fork is meant to have the Vector API} (the scalar subclass says no) */
    protected boolean vectorModule() {
        return true;
    }

    @Setup(Level.Trial)
    public void setUp() {
        Checks.require(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent() == vectorModule(),
                "jdk.incubator.vector resolved: expected " + vectorModule());
        buffer = switch (layout) {
            case "transpose" -> NativeBuffer.allocate("i", 4096, 4096);
            case "step2" -> NativeBuffer.allocate("q", 32L << 20);
            case "permute201" -> NativeBuffer.allocate("f", 256, 256, 64);
            default -> throw new IllegalArgumentException(layout);
        };
        base = buffer.getBuffer(BufferFlags.FULL);
        MemorySegment m = base.memory();
        switch (layout) {
            case "transpose" -> {
                for (long i = 0; i < m.byteSize() / 4; i++) {
                    m.setAtIndex(ValueLayout.JAVA_INT, i, (int) i);
                }
                derived = base.asTransposed();
            }
            case "step2" -> {
                for (long i = 0; i < m.byteSize() / 8; i++) {
                    m.setAtIndex(ValueLayout.JAVA_LONG, i, i);
                }
                derived = base.asSlice(0, 32L << 20, 2);
            }
            default -> {
                for (long i = 0; i < m.byteSize() / 4; i++) {
                    m.setAtIndex(ValueLayout.JAVA_FLOAT, i, i);
                }
                derived = base.asPermuted(2, 0, 1);
            }
        }
        Checks.require(!derived.isCContiguous(), "the layout is dense");
        arena = Arena.ofShared();
        long bytes = derived.byteLength();
        dense = arena.allocate(bytes, 64);
        target = arena.allocate(bytes, 64);
        dense.fill((byte) 1);

        // Check the copy against element reads at a few places (C order).
        derived.copyTo(target, 0, Order.C);
        long[] shape = derived.shape();
        long count = derived.elementCount();
        for (long flat : new long[] {0, 1, count / 3, count / 2 + 7, count - 1}) {
            long[] index = new long[shape.length];
            long rest = flat;
            for (int k = shape.length - 1; k >= 0; k--) {
                index[k] = rest % shape[k];
                rest /= shape[k];
            }
            double want = derived.getDouble(index);
            double got = switch (layout) {
                case "transpose" -> target.getAtIndex(ValueLayout.JAVA_INT, flat);
                case "step2" -> target.getAtIndex(ValueLayout.JAVA_LONG, flat);
                default -> target.getAtIndex(ValueLayout.JAVA_FLOAT, flat);
            };
            Checks.require(want == got, "copyTo wrote a wrong element at " + flat);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
        derived.close();
        base.close();
        buffer.close();
    }

    /** Ours: the view's elements in C order into a preallocated native segment. */
    @Benchmark
    public MemorySegment copyToC() {
        derived.copyTo(target, 0, Order.C);
        return target;
    }

    // Critical: memcpy neither blocks for long nor calls back into Java.
    private static final MethodHandle MEMCPY = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("memcpy").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
            Linker.Option.critical(false));

    /** Baseline: glibc's memcpy of the same byte count, the machine's dense-copy ceiling. */
    @Benchmark
    public MemorySegment glibcMemcpy() throws Throwable {
        MemorySegment r = (MemorySegment) MEMCPY.invokeExact(target, dense, target.byteSize());
        return r;
    }

    /** Baseline: {@code MemorySegment.copy} of the same byte count. */
    @Benchmark
    public MemorySegment memcpy() {
        MemorySegment.copy(dense, 0, target, 0, target.byteSize());
        return target;
    }
}
