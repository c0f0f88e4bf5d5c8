package io.bufferbridge.conformance;

import static java.lang.foreign.ValueLayout.ADDRESS;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowDiagnostics;
import io.bufferbridge.arrow.c.ArrowExporter;
import io.bufferbridge.arrow.c.ArrowImporter;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.arrow.c.ImportedView;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.HexFormat;

/**
 * The {@code pyarrow} path: pyarrow, in an embedded CPython sharing this process
 * ({@link PyArrowPython}), imports the case's export ({@code pa.Field._import_from_c},
 * {@code pa.Array._import_from_c}), runs {@code validate(full=True)} and checks it against NumPy's
 * own view of the case (rebuilt with {@code np.ndarray(shape, dtype, buffer, offset, strides)}):
 * the Arrow type of SPEC §2, the {@code bufferbridge.*} field metadata, the values
 * ({@code to_numpy_ndarray()} for tensors, with the case's strides when zero-copy;
 * {@code to_numpy(zero_copy_only=False)} otherwise). pyarrow then exports the field and array
 * again ({@code _export_to_c}) and Java imports them: the SPEC §3 round trip, zero-copy by address,
 * every release once, and neither side's memory left behind ({@code pa.total_allocated_bytes()},
 * the live counts of export and import).
 */
final class PyArrowPath implements RoundTripPath {
    private static final MethodHandle RELEASE = Linker.nativeLinker().downcallHandle(FunctionDescriptor.ofVoid(ADDRESS));

    private final PyArrowPython python = PyArrowPython.instance();

    @Override
    public String name() {
        return "pyarrow";
    }

    @Override
    public String unavailable() {
        return python == null ? PyArrowPython.unavailable() : null;
    }

    @Override
    public Outcome run(Case c) {
        if (python == null) {
            return Outcome.skip(PyArrowPython.unavailable());
        }
        long pyBefore = python.call(PyArrowPython.request("allocated")).path("bytes").asLong();
        long releasesBefore = ArrowDiagnostics.snapshot().exportReleases();
        long spuriousBefore = ArrowDiagnostics.snapshot().spuriousExportReleases();
        int liveBefore = ArrowDiagnostics.snapshot().liveExports();
        int importsBefore = ArrowDiagnostics.snapshot().liveImports();
        Outcome outcome;
        try (Arena arena = Arena.ofConfined()) {
            BufferView view = c.view(arena);
            try {
                outcome = run(c, view, arena);
            } finally {
                view.close();
                // The case's memory (this arena) goes only after every deferred release of it ran.
                ForeignMemory.flushReleases();
            }
        }
        if (outcome instanceof Outcome.Fail) {
            return outcome;
        }
        long releases = ArrowDiagnostics.snapshot().exportReleases() - releasesBefore;
        if (releases != 2) {
            return Outcome.fail("release callbacks: expected=2 (schema and array) ran=" + releases);
        }
        if (ArrowDiagnostics.snapshot().spuriousExportReleases() != spuriousBefore) {
            return Outcome.fail("a release callback ran on an already released struct");
        }
        if (ArrowDiagnostics.snapshot().liveExports() != liveBefore) {
            return Outcome.fail("export memory left behind: live=" + (ArrowDiagnostics.snapshot().liveExports() - liveBefore));
        }
        if (ArrowDiagnostics.snapshot().liveImports() != importsBefore) {
            return Outcome.fail("imports left live: " + (ArrowDiagnostics.snapshot().liveImports() - importsBefore));
        }
        long pyAfter = python.call(PyArrowPython.request("allocated")).path("bytes").asLong();
        if (pyAfter != pyBefore) {
            return Outcome.fail("pyarrow memory left behind: total_allocated_bytes before=" + pyBefore + " after=" + pyAfter);
        }
        return outcome;
    }

    private Outcome run(Case c, BufferView view, Arena arena) {
        ArrowSchema schema = ArrowSchema.allocate(arena);
        ArrowArray array = ArrowArray.allocate(arena);
        ArrowSchema outSchema = ArrowSchema.allocate(arena);
        ArrowArray outArray = ArrowArray.allocate(arena);
        ArrowExporter.exportView(view, schema, array);
        ObjectNode request = PyArrowPython.request("check");
        request.put("schema", schema.address()).put("array", array.address())
                .put("out_schema", outSchema.address()).put("out_array", outArray.address());
        request.set("case", describe(c));
        JsonNode answer;
        try {
            answer = python.call(request);
        } finally {
            // pyarrow moves what it imports; whatever it did not take is released here, once
            release(schema.segment(), schema.isReleased() ? null : schema.releaseCallback());
            release(array.segment(), array.isReleased() ? null : array.releaseCallback());
        }
        String status = answer.path("status").asText();
        if (!answer.path("exported").asBoolean()) {
            release(outSchema.segment(), outSchema.isReleased() ? null : outSchema.releaseCallback());
            release(outArray.segment(), outArray.isReleased() ? null : outArray.releaseCallback());
            return switch (status) {
                case "skip" -> Outcome.skip(answer.path("message").asText());
                case "fail" -> Outcome.fail("pyarrow: " + answer.path("message").asText());
                default -> Outcome.fail("pyarrow raised " + answer.path("error").asText() + " "
                        + lastLine(answer.path("traceback").asText()));
            };
        }
        ImportedView imported = ArrowImporter.importPair(outSchema, outArray);
        BufferView back = imported.view();
        String difference;
        try {
            difference = CaseChecks.roundTrip(c, back, imported.copied());
            if (difference == null && !imported.copied() && back.elementCount() > 0 && back.address() != view.address()) {
                difference = "zero-copy through pyarrow came back at another address: exported=0x"
                        + Long.toHexString(view.address()) + " imported=0x" + Long.toHexString(back.address());
            }
            if (difference == null) {
                difference = CaseChecks.values(c, back);
            }
        } finally {
            back.close();
        }
        if (difference != null) {
            return Outcome.fail("back from pyarrow: " + difference);
        }
        return status.equals("pass") ? Outcome.pass() : Outcome.skip(answer.path("message").asText());
    }

    static ObjectNode describe(Case c) {
        ObjectNode n = PyArrowPython.request("case");
        n.remove("fn");
        n.put("format", c.format()).put("itemsize", c.itemsize()).put("readonly", c.readOnly()).put("offset", c.offset());
        ArrayNode shape = n.putArray("shape");
        for (long d : c.shape()) {
            shape.add(d);
        }
        ArrayNode strides = n.putArray("strides");
        for (long s : c.strides()) {
            strides.add(s);
        }
        n.put("memory", HexFormat.of().formatHex(c.memory()));
        n.put("logical", HexFormat.of().formatHex(c.logical()));
        return n;
    }

    /** Runs a struct's release callback, if it is still live. */
    static void release(MemorySegment struct, MemorySegment callback) {
        if (callback == null || callback.address() == 0) {
            return;
        }
        try {
            RELEASE.invokeExact(callback, struct);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static String lastLine(String traceback) {
        String[] lines = traceback.strip().split("\n");
        return lines.length > 1 ? "at " + lines[lines.length - 2].strip() : "";
    }
}
