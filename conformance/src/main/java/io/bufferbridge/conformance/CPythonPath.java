package io.bufferbridge.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowSchema;
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
 * as the other paths do (zero-copy by address). {@link PeerPath} does the export, the release
 * accounting and the checks of what comes back; this path adds the extension's own counters (no
 * View or export left live).
 *
 * <p>Where the extension is found: {@code $BUFFERBRIDGE_PYTHON_SITE} when set, else
 * {@code python/target/site-X.Y} (what {@code python/bin/run build} makes, in the {@code compile}
 * phase of the {@code python} module, for the Python {@code BUFFERBRIDGE_PYTHON} names) under the
 * working directory, the jar's directory, or one of their parents. Without it every case is a
 * skip with the reason.
 */
final class CPythonPath extends PeerPath {
    private static final String PEER = "cpython_peer";

    private final PyArrowPython python = PyArrowPython.instance();
    private final String unavailable;
    private JsonNode countersBefore;

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
    Reply exchange(Case c, BufferView view, ArrowSchema schema, ArrowArray array, Arena arena) {
        countersBefore = python.call(PEER, PyArrowPython.request("counters"));
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
        // View.from_addresses moves the pair; one it refused is still live, and PeerPath releases it once.
        JsonNode answer = python.call(PEER, request);
        if (!answer.path("exported").asBoolean()) {
            releaseIfLive(outSchema.segment(), outSchema.isReleased() ? null : outSchema.releaseCallback());
            releaseIfLive(outArray.segment(), outArray.isReleased() ? null : outArray.releaseCallback());
            return new Reply.Checked(Outcome.fail("fail".equals(answer.path("status").asText())
                    ? "cpython: " + answer.path("message").asText()
                    : "cpython raised " + answer.path("error").asText() + " " + lastLine(answer.path("traceback").asText())));
        }
        return new Reply.Pair(outSchema, outArray, null);
    }

    /** The extension holds no View and no export after the case. */
    @Override
    String leftBehind() {
        JsonNode after = python.call(PEER, PyArrowPython.request("counters"));
        for (String counter : new String[] {"views_live", "exports_live"}) {
            if (after.path(counter).asLong() != countersBefore.path(counter).asLong()) {
                return "bufferbridge extension left something live: " + counter + " before="
                        + countersBefore.path(counter).asLong() + " after=" + after.path(counter).asLong();
            }
        }
        return null;
    }

    private static String lastLine(String traceback) {
        String[] lines = traceback.strip().split("\n");
        return lines.length > 1 ? "at " + lines[lines.length - 2].strip() : "";
    }
}
