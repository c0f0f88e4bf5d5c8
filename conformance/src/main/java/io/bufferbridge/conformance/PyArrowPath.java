package io.bufferbridge.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.view.BufferView;
import java.lang.foreign.Arena;
import java.util.HexFormat;

/**
 * The {@code pyarrow} path: pyarrow, in an embedded CPython sharing this process
 * ({@link PyArrowPython}), imports the case's export ({@code pa.Field._import_from_c},
 * {@code pa.Array._import_from_c}), runs {@code validate(full=True)} and checks it against NumPy's
 * own view of the case (rebuilt with {@code np.ndarray(shape, dtype, buffer, offset, strides)}):
 * the Arrow type of docs/contract.md §2, the {@code bufferbridge.*} field metadata, the values
 * ({@code to_numpy_ndarray()} for tensors, with the case's strides when zero-copy;
 * {@code to_numpy(zero_copy_only=False)} otherwise). pyarrow then exports the field and array
 * again ({@code _export_to_c}) and {@link PeerPath} imports them: the round trip of
 * {@code docs/contract.md} §3, zero-copy by address, every release once, and neither side's memory
 * left behind ({@code pa.total_allocated_bytes()}, the live counts of export and import).
 */
final class PyArrowPath extends PeerPath {
    private final PyArrowPython python = PyArrowPython.instance();
    private long pyBefore;

    @Override
    public String name() {
        return "pyarrow";
    }

    @Override
    public String unavailable() {
        return python == null ? PyArrowPython.unavailable() : null;
    }

    @Override
    Reply exchange(Case c, BufferView view, ArrowSchema schema, ArrowArray array, Arena arena) {
        pyBefore = python.call(PyArrowPython.request("allocated")).path("bytes").asLong();
        ArrowSchema outSchema = ArrowSchema.allocate(arena);
        ArrowArray outArray = ArrowArray.allocate(arena);
        ObjectNode request = PyArrowPython.request("check");
        request.put("schema", schema.address()).put("array", array.address())
                .put("out_schema", outSchema.address()).put("out_array", outArray.address());
        request.set("case", describe(c));
        // pyarrow moves what it imports; PeerPath releases whatever it did not take, once.
        JsonNode answer = python.call(request);
        String status = answer.path("status").asText();
        if (!answer.path("exported").asBoolean()) {
            releaseIfLive(outSchema.segment(), outSchema.isReleased() ? null : outSchema.releaseCallback());
            releaseIfLive(outArray.segment(), outArray.isReleased() ? null : outArray.releaseCallback());
            return new Reply.Checked(switch (status) {
                case "skip" -> Outcome.skip(answer.path("message").asText());
                case "fail" -> Outcome.fail("pyarrow: " + answer.path("message").asText());
                default -> Outcome.fail("pyarrow raised " + answer.path("error").asText() + " "
                        + lastLine(answer.path("traceback").asText()));
            });
        }
        return new Reply.Pair(outSchema, outArray,
                status.equals("pass") ? null : Outcome.skip(answer.path("message").asText()));
    }

    /** pyarrow's own memory is back where it was before the case. */
    @Override
    String leftBehind() {
        long pyAfter = python.call(PyArrowPython.request("allocated")).path("bytes").asLong();
        return pyAfter == pyBefore ? null
                : "pyarrow memory left behind: total_allocated_bytes before=" + pyBefore + " after=" + pyAfter;
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

    private static String lastLine(String traceback) {
        String[] lines = traceback.strip().split("\n");
        return lines.length > 1 ? "at " + lines[lines.length - 2].strip() : "";
    }
}
