package io.bufferbridge.benchmarks;

import io.bufferbridge.format.Format;
import io.bufferbridge.internal.format.FormatParser;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Benchmark 5: parsing {@code T{<i:a:d:b:(2,2)f:c:}}.
 *
 * <p>{@link Format#of} caches by string content (a {@code ConcurrentHashMap}, at most 4096
 * entries, then no more insertions), so a new {@code String} object with the same text is still a
 * hit. The uncached parse is measured two ways:
 * <ul>
 *   <li>{@code parseUncached}: the parser itself, {@code FormatParser.parse} (the non-exported
 *   package is reachable because the benchmarks run on the class path), on the exact text;</li>
 *   <li>{@code ofFreshText}: {@code Format.of} on a text never seen before, the same format with the
 *   last field renamed {@code c<counter>}; this includes building the string, hashing it and the
 *   cache miss; once the cache holds 4096 entries (during warm-up) nothing more is inserted.</li>
 * </ul>
 * {@code ofCached} is {@code Format.of} on the same text every time. Targets: uncached ≥ 2 M/s,
 * cached ≥ 50 M/s.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--sun-misc-unsafe-memory-access=allow"})
public class FormatParseBenchmark {

    static final String TEXT = "T{<i:a:d:b:(2,2)f:c:}";

    private String text;
    private long counter;

    @Setup(Level.Trial)
    public void setUp() {
        // A field so the JIT cannot fold the cached lookup to a constant.
        text = new String(TEXT.toCharArray());
        Format f = Format.of(text);
        Checks.require(f.isRecord() && f.fields().size() == 3 && f.itemsize() == 28,
                "unexpected layout: " + f.fields() + " itemsize=" + f.itemsize());
    }

    @Benchmark
    public Object parseUncached() {
        return FormatParser.parse(text);
    }

    @Benchmark
    public Format ofFreshText() {
        return Format.of("T{<i:a:d:b:(2,2)f:c" + (counter++) + ":}");
    }

    @Benchmark
    public Format ofCached() {
        return Format.of(text);
    }
}
