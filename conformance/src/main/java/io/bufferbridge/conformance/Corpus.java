package io.bufferbridge.conformance;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Reads corpus files in the JSON Lines format of docs/contract.md §4. A malformed line becomes a
 * {@link CorpusProblem} naming its file and line, and reading goes on.
 *
 * @param cases the cases read, in file order
 * @param problems the lines that could not be read
 */
public record Corpus(List<Case> cases, List<CorpusProblem> problems) {
    /** The corpus that ships inside the jar, written from CPython and NumPy. */
    public static final String BUILTIN = "/corpus/builtin.jsonl";

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * {@return the built-in corpus}
     *
     * @throws IOException if the resource cannot be read
     */
    public static Corpus builtin() throws IOException {
        try (InputStream in = Corpus.class.getResourceAsStream(BUILTIN)) {
            if (in == null) {
                throw new IOException("built-in corpus " + BUILTIN + " is missing from the jar");
            }
            return read("builtin.jsonl", in);
        }
    }

    /**
     * {@return the cases of a file}
     *
     * @param file a JSON Lines corpus file
     * @throws IOException if the file cannot be read
     */
    public static Corpus read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(file.toString(), in);
        }
    }

    /**
     * {@return the cases of a stream}
     *
     * @param name the name used in problems
     * @param in JSON Lines
     * @throws IOException if the stream cannot be read
     */
    public static Corpus read(String name, InputStream in) throws IOException {
        List<Case> cases = new ArrayList<>();
        List<CorpusProblem> problems = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        long number = 0;
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            number++;
            if (line.isBlank()) {
                continue;
            }
            try {
                Case c = parse(JSON.readTree(line), name + ":" + number);
                if (!ids.add(c.id())) {
                    throw new IllegalArgumentException("duplicate id '" + c.id() + "'");
                }
                cases.add(c);
            } catch (JsonProcessingException e) {
                problems.add(new CorpusProblem(name, number, "not JSON: " + e.getOriginalMessage()));
            } catch (IllegalArgumentException e) {
                problems.add(new CorpusProblem(name, number, e.getMessage()));
            }
        }
        return new Corpus(List.copyOf(cases), List.copyOf(problems));
    }

    /** {@return both corpora's cases and problems, in order} @param other another corpus */
    public Corpus plus(Corpus other) {
        List<Case> c = new ArrayList<>(cases);
        c.addAll(other.cases);
        List<CorpusProblem> p = new ArrayList<>(problems);
        p.addAll(other.problems);
        return new Corpus(List.copyOf(c), List.copyOf(p));
    }

    static Case parse(JsonNode n, String origin) {
        if (!n.isObject()) {
            throw new IllegalArgumentException("a case must be a JSON object, found " + n.getNodeType());
        }
        String expect = text(n, "expect");
        if (!expect.equals("roundtrip") && !expect.equals("reject")) {
            throw new IllegalArgumentException("expect must be 'roundtrip' or 'reject', found '" + expect + "'");
        }
        boolean reject = expect.equals("reject");
        JsonNode values = n.get("values");
        JsonNode zeroCopy = n.get("zero_copy");
        if (zeroCopy != null && !zeroCopy.isBoolean()) {
            throw new IllegalArgumentException("zero_copy must be a boolean, found " + zeroCopy);
        }
        return new Case(text(n, "id"), text(n, "format"), integer(n, "itemsize"), longs(n, "shape"), longs(n, "strides"),
                bool(n, "readonly"), hex(n, "memory"), integer(n, "offset"), reject ? hexOrEmpty(n, "logical") : hex(n, "logical"),
                values == null || values.isNull() ? null : values, zeroCopy != null && zeroCopy.booleanValue(), reject,
                n.has("source") ? n.get("source").asText() : "", origin);
    }

    private static JsonNode field(JsonNode n, String key) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("missing key '" + key + "'");
        }
        return v;
    }

    private static String text(JsonNode n, String key) {
        JsonNode v = field(n, key);
        if (!v.isTextual()) {
            throw new IllegalArgumentException(key + " must be a string, found " + v.getNodeType());
        }
        return v.asText();
    }

    private static long integer(JsonNode n, String key) {
        JsonNode v = field(n, key);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new IllegalArgumentException(key + " must be an integer, found " + v);
        }
        return v.asLong();
    }

    private static boolean bool(JsonNode n, String key) {
        JsonNode v = field(n, key);
        if (!v.isBoolean()) {
            throw new IllegalArgumentException(key + " must be true or false, found " + v);
        }
        return v.booleanValue();
    }

    private static long[] longs(JsonNode n, String key) {
        JsonNode v = field(n, key);
        if (!v.isArray()) {
            throw new IllegalArgumentException(key + " must be an array of integers, found " + v.getNodeType());
        }
        long[] out = new long[v.size()];
        for (int k = 0; k < out.length; k++) {
            JsonNode e = v.get(k);
            if (!e.isIntegralNumber() || !e.canConvertToLong()) {
                throw new IllegalArgumentException(key + "[" + k + "] must be an integer, found " + e);
            }
            out[k] = e.asLong();
        }
        return out;
    }

    private static byte[] hex(JsonNode n, String key) {
        String s = text(n, key);
        try {
            return HexFormat.of().parseHex(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + " must be hex digits, found '" + abbreviate(s) + "': " + e.getMessage());
        }
    }

    private static byte[] hexOrEmpty(JsonNode n, String key) {
        return n.has(key) ? hex(n, key) : new byte[0];
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
