package io.bufferbridge.benchmarks;

import org.openjdk.jmh.annotations.Fork;

/**
 * {@link MaterializeBenchmark} in a fork without {@code jdk.incubator.vector}: the adapter's
 * scalar kernels, the copy every user gets without {@code --add-modules}, with the same dense
 * baselines measured in their own fork.
 */
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--sun-misc-unsafe-memory-access=allow"})
public class MaterializeScalarBenchmark extends MaterializeBenchmark {

    @Override
    protected boolean vectorModule() {
        return false;
    }
}
