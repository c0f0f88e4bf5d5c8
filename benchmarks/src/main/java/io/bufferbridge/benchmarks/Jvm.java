package io.bufferbridge.benchmarks;

import java.util.List;

/** The flags every forked benchmark JVM gets; annotations cannot share an array, so each copies it. */
public final class Jvm {
    private Jvm() {}

    /** FFM downcalls/upcalls (bufferbridge, Arrow's JNI) and Arrow's reads of java.nio internals. */
    public static final List<String> FLAGS = List.of("--enable-native-access=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED");
}
