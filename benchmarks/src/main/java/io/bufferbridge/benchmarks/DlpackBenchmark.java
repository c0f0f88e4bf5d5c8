package io.bufferbridge.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import io.bufferbridge.conformance.DlpackPeers;
import io.bufferbridge.conformance.PyArrowPython;
import io.bufferbridge.dlpack.DLManagedTensorVersioned;
import io.bufferbridge.dlpack.DLPack;
import io.bufferbridge.dlpack.DLPackOffer;
import io.bufferbridge.view.BufferFlags;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import io.bufferbridge.view.NativeBuffer;
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
 * Benchmark 10: a Java view to NumPy and back through DLPack, against NumPy's own DLPack round
 * trip in the same embedded interpreter ({@link PyArrowPython}, through {@link DlpackPeers}).
 *
 * <p>{@code javaRoundTrip}: one call into Python runs {@code np.from_dlpack} on the Java view
 * (a {@link DLPackOffer} exporting a versioned tensor, zero-copy) and takes the array's own
 * {@code __dlpack__} capsule over; Java imports it ({@link DLPack#importVersioned}) and closes the
 * view, which hands the tensor back to NumPy's deleter and, through it, ours.
 * {@code numpyRoundTrip}: one call runs {@code np.from_dlpack(np.from_dlpack(a))} on a NumPy array
 * of the same size. {@code callOnly}: the call alone (JSON request and answer, the GIL), which both
 * pay; RESULTS.md gives the ratio with and without it. float32, 1 K and 64 M elements: both sides
 * are zero-copy, so the ratio should be flat with size.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--sun-misc-unsafe-memory-access=allow"})
public class DlpackBenchmark {

    @Param({"1024", "67108864"})
    public int elements;

    private PyArrowPython python;
    private NativeBuffer buffer;
    private BufferView view;
    private DLPackOffer offer;

    @Setup(Level.Trial)
    public void setUp() {
        python = DlpackPeers.python();
        if (python == null) {
            throw new IllegalStateException("the DLPack benchmark needs the embedded Python with NumPy: "
                    + DlpackPeers.unavailable());
        }
        buffer = NativeBuffer.allocate("f", elements);
        view = buffer.getBuffer(BufferFlags.FULL);
        for (long i = 0; i < elements; i++) {
            view.setDouble(i, i);
        }
        offer = DLPackOffer.of(view);
        Checks.require(python.call(PyArrowPython.request("dlpack_peer.bench_setup").put("n", elements)
                .put("function", DLPackOffer.exportFunction().address()).put("handle", offer.handle()))
                .path("status").asText().equals("pass"), "bench_setup failed");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        python.call(PyArrowPython.request("dlpack_peer.bench_teardown"));
        offer.close();
        view.close();
        ForeignMemory.flushReleases();
        Checks.require(DLPack.liveExportCount() == 0 && DLPack.liveImportCount() == 0,
                "tensors left live: exports=" + DLPack.liveExportCount() + " imports=" + DLPack.liveImportCount());
        buffer.close();
    }

    @Benchmark
    public long javaRoundTrip() {
        JsonNode answer = python.call(PyArrowPython.request("dlpack_peer.bench_java"));
        try (BufferView back = DLPack.importVersioned(DLManagedTensorVersioned.wrap(answer.path("address").asLong())).view()) {
            return back.address();
        }
    }

    @Benchmark
    public long numpyRoundTrip() {
        return python.call(PyArrowPython.request("dlpack_peer.bench_numpy")).path("size").asLong();
    }

    @Benchmark
    public long callOnly() {
        return python.call(PyArrowPython.request("dlpack_peer.bench_call")).path("size").asLong();
    }
}
