package io.bufferbridge.benchmarks;

import java.util.List;

/** The flags every forked benchmark JVM gets; annotations cannot share an array, so each copies it. */
public final class Jvm {
    private Jvm() {}

    /**
     * FFM downcalls/upcalls (bufferbridge, Arrow's JNI), Arrow's reads of java.nio internals, and
     * quiet about Arrow's use of sun.misc.Unsafe.
     */
    public static final List<String> FLAGS = List.of("--enable-native-access=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow");

    /**
     * {@link #FLAGS} and the incubating Vector API, which the adapter's strided copies use when it
     * is resolved ({@link MaterializeBenchmark}; {@link MaterializeScalarBenchmark} runs without it).
     */
    public static final List<String> VECTOR_FLAGS = List.of("--enable-native-access=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
            "--add-modules=jdk.incubator.vector");
}
