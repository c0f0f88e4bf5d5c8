package io.bufferbridge.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads the committed oracle data (JSON Lines written from CPython and NumPy) for the replay tests. */
public final class Oracle {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Oracle() {}

    /**
     * {@return every row of a JSON Lines resource, blank lines skipped}
     *
     * @param resource an absolute resource name such as {@code /oracle/formats.jsonl}
     * @throws IllegalStateException if the resource is missing
     * @throws UncheckedIOException if it cannot be read or a line is not JSON
     */
    public static List<JsonNode> rows(String resource) {
        List<JsonNode> rows = new ArrayList<>();
        try (InputStream in = Oracle.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the test resources");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (!line.isBlank()) {
                    rows.add(JSON.readTree(line));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(resource, e);
        }
        return rows;
    }

    /** {@return a string as a JSON literal, for readable test names} @param text any string */
    public static String quoted(String text) {
        return JSON.valueToTree(text).toString();
    }
}
