package io.bufferbridge.benchmarks;

import io.bufferbridge.format.Format;
import java.util.concurrent.ConcurrentHashMap;
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
 * Benchmark 5: parsing {@code T{<i:a:d:b:(2,2)f:c:}}, through the public entry point only,
 * {@link Format#of}.
 *
 * <p>{@code Format.of} caches by string content (a {@code ConcurrentHashMap}, at most 4096
 * entries, then no more insertions), so a new {@code String} object with the same text is still a
 * hit. The uncached parse is measured two ways:
 * <ul>
 *   <li>{@code parseUncached}: {@code Format.of} on one of 65,536 texts built in set-up (the same
 *   format with the last field renamed {@code c<n>}), with the cache already filled to its limit by
 *   other texts, so every call is a miss that parses and inserts nothing; set-up checks that two
 *   calls with one text give two instances. It includes the miss (the text's hash, cached in the
 *   {@code String} after the first pass, and one map lookup);</li>
 *   <li>{@code ofFreshText}: {@code Format.of} on a text built by the call, the same renaming with
 *   a counter; this adds building the string and hashing it.</li>
 * </ul>
 * {@code ofCached} is {@code Format.of} on the same text every time. Targets: uncached ≥ 2 M/s,
 * cached ≥ 100 M/s.
 *
 * <p>{@code missAndScanCeiling} is the floor of {@code parseUncached} that no parser can go under:
 * the same texts, a miss in a {@code ConcurrentHashMap} of as many entries as the full cache, and
 * one pass reading every character (the parse has to read each at least once), nothing parsed or
 * allocated. With 65,536 texts cycled the strings are not in the caches, so this is mostly the
 * memory traffic of touching a text.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--sun-misc-unsafe-memory-access=allow"})
public class FormatParseBenchmark {

    static final String TEXT = "T{<i:a:d:b:(2,2)f:c:}";
    private static final int TEXTS = 1 << 16;

    private String text;
    private String[] fresh;
    private int next;
    private long counter;
    private final ConcurrentHashMap<String, Object> missMap = new ConcurrentHashMap<>();

    @Setup(Level.Trial)
    public void setUp() {
        // A field so the JIT cannot fold the cached lookup to a constant.
        text = new String(TEXT.toCharArray());
        Format f = Format.of(text);
        Checks.require(f.isRecord() && f.fields().size() == 3 && f.itemsize() == 28,
                "unexpected layout: " + f.fields() + " itemsize=" + f.itemsize());
        // Fill the cache to its limit with texts the benchmark never asks for.
        for (int i = 0; i < 5000; i++) {
            Format.of("T{<i:a:d:b:(2,2)f:fill" + i + ":}");
        }
        for (int i = 0; i < 4096; i++) {
            missMap.put("T{<i:a:d:b:(2,2)f:fill" + i + ":}", text);
        }
        fresh = new String[TEXTS];
        for (int i = 0; i < TEXTS; i++) {
            fresh[i] = "T{<i:a:d:b:(2,2)f:c" + i + ":}";
        }
        Checks.require(Format.of(fresh[0]) != Format.of(fresh[0]), "parseUncached's texts are cached");
        Checks.require(Format.of(fresh[TEXTS - 1]).fields().get(2).name().equals("c" + (TEXTS - 1)),
                "unexpected last field of " + fresh[TEXTS - 1]);
    }

    @Benchmark
    public Format parseUncached() {
        return Format.of(fresh[next++ & (TEXTS - 1)]);
    }

    @Benchmark
    public int missAndScanCeiling() {
        String t = fresh[next++ & (TEXTS - 1)];
        if (missMap.get(t) != null) {
            throw new IllegalStateException("a miss text is in the map: " + t);
        }
        int sum = 0;
        for (int k = 0; k < t.length(); k++) {
            sum += t.charAt(k);
        }
        return sum;
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
