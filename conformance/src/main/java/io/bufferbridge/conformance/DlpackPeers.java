package io.bufferbridge.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bufferbridge.dlpack.DLManagedTensor;
import io.bufferbridge.dlpack.DLManagedTensorVersioned;
import io.bufferbridge.dlpack.DLPack;
import io.bufferbridge.dlpack.DLPackOffer;
import io.bufferbridge.dlpack.ImportedTensor;
import io.bufferbridge.format.Element;
import io.bufferbridge.format.Format;
import io.bufferbridge.format.Scalar;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The DLPack peers' shared side in Java: NumPy and PyTorch in the embedded CPython
 * ({@link PyArrowPython}), reached through {@code dlpack_peer.py} and the bufferbridge DLPack module
 * ({@code python/src/bufferbridge/dlpack.py}), both shipped in this jar under {@code python/} and
 * loaded once. The round trip of one case (docs/contract.md, "DLPack"): the case's view is offered
 * ({@link DLPackOffer}), the consumer's own {@code from_dlpack} takes it and is checked in Python,
 * its own {@code __dlpack__} hands it back, and Java checks the import; every export's deleter
 * must have run exactly once and no import may be left live.
 */
public final class DlpackPeers {
    private static boolean loaded;
    private static String unavailable;
    private static JsonNode versions;

    private DlpackPeers() {}

    /** {@return the interpreter with both modules loaded, or null (then {@link #unavailable()} says why)} */
    public static synchronized PyArrowPython python() {
        PyArrowPython py = PyArrowPython.instance();
        if (py == null) {
            unavailable = "the embedded Python is unavailable: " + PyArrowPython.unavailable();
            return null;
        }
        if (!loaded) {
            loaded = true;
            for (String[] module : new String[][] {{"bufferbridge_dlpack", "dlpack.py"}, {"dlpack_peer", "dlpack_peer.py"}}) {
                JsonNode answer = py.call(PyArrowPython.request("load").put("name", module[0])
                        .put("source", resource(module[1])));
                if (!"pass".equals(answer.path("status").asText())) {
                    unavailable = module[1] + " did not load in the embedded Python: " + answer.path("error").asText();
                    break;
                }
            }
            if (unavailable == null) {
                versions = py.call(PyArrowPython.request("dlpack_peer.available"));
            }
        }
        return unavailable == null ? py : null;
    }

    /** {@return why the peers cannot run, or null} */
    public static synchronized String unavailable() {
        python();
        return unavailable;
    }

    /** {@return the installed version of {@code module} (numpy, torch, jax) in the embedded Python, or null} */
    static synchronized String version(String module) {
        if (python() == null || versions.path(module).isNull()) {
            return null;
        }
        return versions.path(module).asText();
    }

    private static String resource(String name) {
        try (InputStream in = DlpackPeers.class.getResourceAsStream("/python/" + name)) {
            if (in == null) {
                throw new IllegalStateException("python/" + name + " is not on the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@return the refusal docs/contract.md gives a view whose format has no DLPack dtype} */
    static String noDtype(String format) {
        return "format has no DLPack dtype: format='" + format
                + "' expected=a native-order b B h H i I l L q Q n N P e f d Zf Zd or ?";
    }

    /**
     * Runs one case through {@code consumer} ({@code numpy} or {@code torch}) and back.
     *
     * @param offeredTo the offer's consumer rule
     * @param refusal besides {@link #noDtype}, the start of a refusal that passes for this case, or null
     */
    static Outcome roundTrip(Case c, String consumer, DLPackOffer.Consumer offeredTo, String refusal) {
        PyArrowPython py = python();
        if (py == null) {
            return Outcome.skip(unavailable);
        }
        ForeignMemory.flushReleases();
        int exportsBefore = DLPack.liveExportCount();
        int importsBefore = DLPack.liveImportCount();
        long deletersBefore = DLPack.deleterCount();
        long spuriousBefore = DLPack.spuriousDeleterCount();
        String difference;
        int exports;
        try (Arena arena = Arena.ofConfined()) {
            BufferView view = c.view(arena);
            try {
                DLPackOffer offer = DLPackOffer.of(view, offeredTo);
                JsonNode answer;
                try {
                    ObjectNode request = PyArrowPython.request("dlpack_peer.check").put("consumer", consumer)
                            .put("function", DLPackOffer.exportFunction().address()).put("handle", offer.handle())
                            .put("address", view.address());
                    request.set("case", PyArrowPath.describe(c));
                    answer = py.call(request);
                } finally {
                    offer.close();
                }
                exports = offer.exportCount();
                difference = check(c, view, answer, offer, refusal);
            } finally {
                view.close();
                // The case's memory (this arena) goes only after every deferred release of it ran.
                ForeignMemory.flushReleases();
            }
        } catch (Skipped s) {
            return Outcome.skip(s.getMessage());
        }
        if (difference == null) {
            difference = accounting(exportsBefore, importsBefore, deletersBefore + exports, spuriousBefore);
        }
        return difference == null ? Outcome.pass() : Outcome.fail(difference);
    }

    /** {@return null when every export's deleter ran once and nothing is left live, else what differs} */
    static String accounting(int exportsBefore, int importsBefore, long deleters, long spuriousBefore) {
        ForeignMemory.flushReleases();
        if (DLPack.spuriousDeleterCount() != spuriousBefore) {
            return "a deleter ran on a tensor that was not live (twice?)";
        }
        if (DLPack.deleterCount() != deleters) {
            return "deleters of exported tensors, running total: expected=" + deleters + " found="
                    + DLPack.deleterCount();
        }
        if (DLPack.liveExportCount() != exportsBefore) {
            return "exported tensors left live: " + (DLPack.liveExportCount() - exportsBefore);
        }
        if (DLPack.liveImportCount() != importsBefore) {
            return "imported tensors left live: " + (DLPack.liveImportCount() - importsBefore);
        }
        return null;
    }

    /** A skip the peer answered. */
    private static final class Skipped extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Skipped(String message) {
            super(message, null, false, false);
        }
    }

    private static String check(Case c, BufferView view, JsonNode answer, DLPackOffer offer, String refusal) {
        String status = answer.path("status").asText();
        switch (status) {
            case "refused" -> {
                String message = answer.path("message").asText();
                if (offer.exportCount() != 0) {
                    return "refused, yet a tensor was exported: exports=" + offer.exportCount() + " message=" + message;
                }
                if (message.equals(noDtype(c.format())) || refusal != null && message.startsWith(refusal)) {
                    return null;
                }
                return "refused: " + message;
            }
            case "pass" -> {
                return back(c, view, answer, offer);
            }
            case "skip" -> throw new Skipped(answer.path("message").asText());
            case "fail" -> {
                return "in Python: " + answer.path("message").asText();
            }
            default -> {
                String tb = answer.path("traceback").asText().strip();
                return "Python raised " + answer.path("error").asText() + " " + tb.substring(Math.max(0, tb.lastIndexOf('\n', tb.length() - 1) - 200));
            }
        }
    }

    private static String back(Case c, BufferView view, JsonNode answer, DLPackOffer offer) {
        boolean copied = answer.path("copied").asBoolean();
        if (offer.exportCount() != 1 || offer.copyCount() != (copied ? 1 : 0)) {
            return "the offer's exports differ from what Python saw: exports=" + offer.exportCount() + " copies="
                    + offer.copyCount() + " copied=" + copied;
        }
        long address = answer.path("address").asLong();
        ImportedTensor imported = answer.path("versioned").asBoolean()
                ? DLPack.importVersioned(DLManagedTensorVersioned.wrap(address))
                : DLPack.importLegacy(DLManagedTensor.wrap(address));
        try (BufferView back = imported.view()) {
            String d = sameView(c, back, copied);
            if (d == null && !copied && back.elementCount() > 0 && back.address() != view.address()) {
                d = "zero-copy came back at another address: exported=0x" + Long.toHexString(view.address())
                        + " imported=0x" + Long.toHexString(back.address());
            }
            return d != null ? d : CaseChecks.values(c, back);
        }
    }

    /**
     * The round trip of docs/contract.md ("DLPack"): the element as DLPack names it (the import's
     * format is the canonical one of its dtype: {@code l} comes back {@code q}), itemsize, shape,
     * read-only flag, the case's strides when zero-copy, else C strides, and the logical bytes.
     */
    static String sameView(Case c, BufferView back, boolean copied) {
        if (!sameElement(Format.of(c.format()).element(), back.format().element())) {
            return "element differs: expected='" + c.format() + "' found='" + back.format().text() + "'";
        }
        if (back.itemsize() != c.itemsize() || !Arrays.equals(back.shape(), c.shape())) {
            return "itemsize or shape differs: expected=" + c.itemsize() + " " + Arrays.toString(c.shape()) + " found="
                    + back.itemsize() + " " + Arrays.toString(back.shape());
        }
        if (back.isReadOnly() != c.readOnly()) {
            return "readonly differs: expected=" + c.readOnly() + " found=" + back.isReadOnly();
        }
        if (back.elementCount() > 0) {
            long[] want = copied ? CaseChecks.cStrides(c.itemsize(), c.shape()) : c.strides();
            if (!Arrays.equals(back.strides(), want)) {
                return "strides differ: expected=" + Arrays.toString(want) + " found=" + Arrays.toString(back.strides())
                        + " copied=" + copied;
            }
        }
        return CaseChecks.logical(c, back);
    }

    private static boolean sameElement(Element a, Element b) {
        return a instanceof Scalar x && b instanceof Scalar y && x.size() == y.size()
                && x.kind().numpyKind() == y.kind().numpyKind();
    }
}
