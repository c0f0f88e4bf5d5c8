package io.bufferbridge.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowImporter;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.arrow.c.ImportedView;
import io.bufferbridge.view.BufferView;
import java.lang.foreign.Arena;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The {@code cpython} path: bufferbridge's own CPython extension ({@code python/}, on
 * {@code bufferbridge.h}) in the embedded interpreter of {@link PyArrowPython}. The case's export
 * becomes a {@code bufferbridge.View} ({@code View.from_addresses}); {@code memoryview(view)} is
 * compared with the case: {@code format}, {@code itemsize}, {@code shape}, {@code strides} (the
 * case's, or C strides for a copy), {@code readonly}, {@code tobytes()} and, where {@code struct}
 * can unpack the format, {@code tolist()} — CPython's memoryview is the oracle the corpus came
 * from. Then {@code bufferbridge.export(memoryview)} goes back to Java, which imports and checks it
 * as the other paths do (zero-copy by address). Every release once: bufferbridge's export
 * counters ({@link ExportAccounting}) and the extension's own (no View or export left live).
 *
 * <p>Where the extension is found: {@code $BUFFERBRIDGE_PYTHON_SITE} when set, else
 * {@code python/target/site-X.Y} (what {@code python/bin/run build} makes, in the {@code compile}
 * phase of the {@code python} module, for the Python {@code BUFFERBRIDGE_PYTHON} names) under the
 * working directory, the jar's directory, or one of their parents. Without it every case is a
 * skip with the reason.
 */
final class CPythonPath implements RoundTripPath {
    private static final String PEER = "cpython_peer";

    private final PyArrowPython python = PyArrowPython.instance();
    private final String unavailable;

    CPythonPath() {
        if (python == null) {
            unavailable = PyArrowPython.unavailable();
            return;
        }
        ObjectNode find = PyArrowPython.request("find");
        ArrayNode roots = find.putArray("roots");
        for (Path root : roots()) {
            roots.add(root.toString());
        }
        JsonNode answer = python.call(PEER, find);
        unavailable = answer.has("found") ? null
                : answer.has("unavailable") ? answer.path("unavailable").asText()
                : "cpython_peer.py did not load: " + answer.path("error").asText();
    }

    /** The working directory, the jar's (or classes') directory, and all their parents. */
    private static Set<Path> roots() {
        Set<Path> roots = new LinkedHashSet<>();
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            roots.add(p);
        }
        try {
            Path code = Path.of(CPythonPath.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path p = code.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
                roots.add(p);
            }
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            // no code source (a custom class loader): the working directory's roots remain
        }
        return roots;
    }

    @Override
    public String name() {
        return "cpython";
    }

    @Override
    public String unavailable() {
        return unavailable;
    }

    @Override
    public Outcome run(Case c) {
        if (unavailable != null) {
            return Outcome.skip(unavailable);
        }
        JsonNode before = python.call(PEER, PyArrowPython.request("counters"));
        Outcome outcome = ExportAccounting.exported(c, (view, schema, array, arena) -> exchange(c, view, schema, array,
                arena));
        // Checked whatever the outcome: a failed case must not leave a View or an export behind either.
        JsonNode after = python.call(PEER, PyArrowPython.request("counters"));
        for (String counter : new String[] {"views_live", "exports_live"}) {
            if (after.path(counter).asLong() != before.path(counter).asLong()) {
                String leak = "bufferbridge extension left something live: " + counter + " before="
                        + before.path(counter).asLong() + " after=" + after.path(counter).asLong();
                return Outcome.fail(outcome instanceof Outcome.Fail f ? f.detail() + "; " + leak : leak);
            }
        }
        return outcome;
    }

    private String exchange(Case c, BufferView view, ArrowSchema schema, ArrowArray array, Arena arena) {
        ArrowSchema outSchema = ArrowSchema.allocate(arena);
        ArrowArray outArray = ArrowArray.allocate(arena);
        ObjectNode request = PyArrowPython.request("check");
        request.put("schema", schema.address()).put("array", array.address())
                .put("out_schema", outSchema.address()).put("out_array", outArray.address());
        ObjectNode described = PyArrowPath.describe(c);
        if (c.values() != null) {
            described.set("values", c.values());
        }
        request.set("case", described);
        StringBuilder mask = new StringBuilder();
        for (boolean data : CaseChecks.dataMask(view.format(), (int) view.itemsize())) {
            mask.append(data ? '1' : '0');
        }
        request.put("mask", mask.toString());
        JsonNode answer;
        try {
            answer = python.call(PEER, request);
        } finally {
            // View.from_addresses moves the pair; one it refused is still ours, released here once
            PyArrowPath.release(schema.segment(), schema.isReleased() ? null : schema.release());
            PyArrowPath.release(array.segment(), array.isReleased() ? null : array.release());
        }
        if (!answer.path("exported").asBoolean()) {
            PyArrowPath.release(outSchema.segment(), outSchema.isReleased() ? null : outSchema.release());
            PyArrowPath.release(outArray.segment(), outArray.isReleased() ? null : outArray.release());
            return "fail".equals(answer.path("status").asText()) ? "cpython: " + answer.path("message").asText()
                    : "cpython raised " + answer.path("error").asText() + " " + lastLine(answer.path("traceback").asText());
        }
        ImportedView imported = ArrowImporter.importPair(outSchema, outArray);
        String difference = CaseChecks.imported(c, view, imported);
        return difference == null ? null : "back from cpython: " + difference;
    }

    private static String lastLine(String traceback) {
        String[] lines = traceback.strip().split("\n");
        return lines.length > 1 ? "at " + lines[lines.length - 2].strip() : "";
    }
}
