package io.bufferbridge.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bufferbridge.dlpack.DLManagedTensor;
import io.bufferbridge.dlpack.DLManagedTensorVersioned;
import io.bufferbridge.dlpack.DLPack;
import io.bufferbridge.dlpack.DLPackOffer;
import io.bufferbridge.dlpack.ImportedTensor;
import io.bufferbridge.view.BufferException;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import io.bufferbridge.view.NativeBuffer;
import io.bufferbridge.view.Order;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * DLPack with NumPy and PyTorch in the embedded CPython ({@link DlpackPeers}): the
 * {@code dlpack-numpy} and {@code dlpack-torch} paths on the built-in corpus, every dtype of
 * docs/contract.md ("DLPack") produced by NumPy and torch and imported by Java, read-only both
 * ways, and JAX where it is installed. Skipped (an assumption) where the embedded Python or the
 * peer is missing; {@code .ci/run} installs them, so CI runs them.
 */
class DlpackPeerTest {
    private static PyArrowPython python;

    @BeforeAll
    static void python() {
        python = DlpackPeers.python();
        assumeTrue(python != null, () -> "DLPack peers unavailable: " + DlpackPeers.unavailable());
    }

    private static Results runCorpus(RoundTripPath path) throws IOException {
        try (path) {
            return Runner.run(Corpus.builtin(), List.of(path), null);
        }
    }

    private static void assertNoFailures(Results results, String name, long minPasses) {
        List<String> failed = results.rows().stream().filter(r -> r.outcomes().get(name) instanceof Outcome.Fail)
                .map(r -> r.c().id() + ": " + r.outcomes().get(name).detail()).toList();
        assertEquals(List.of(), failed);
        long passed = results.rows().stream().filter(r -> r.outcomes().get(name) instanceof Outcome.Pass).count();
        long skipped = results.rows().stream().filter(r -> r.outcomes().get(name) instanceof Outcome.Skip).count();
        assertEquals(0, skipped, "a path skips only where its peer is missing");
        assertTrue(passed >= minPasses, "passed=" + passed);
    }

    @Test
    void theDlpackNumpyPathRunsTheBuiltInCorpusWithoutFailures() throws IOException {
        assertNoFailures(runCorpus(new DlpackNumpyPath()), "dlpack-numpy", 600);
    }

    @Test
    void theDlpackTorchPathRunsTheBuiltInCorpusWithoutFailures() throws IOException {
        assumeTrue(DlpackPeers.version("torch") != null, "torch is not installed in the embedded Python");
        assertNoFailures(runCorpus(new DlpackTorchPath()), "dlpack-torch", 600);
    }

    @TestFactory
    Stream<DynamicTest> everyDtypeNumpyAndTorchProduceImportsIntoJava() {
        List<String> names = new ArrayList<>();
        python.call(PyArrowPython.request("dlpack_peer.dtypes")).path("names").forEach(n -> names.add(n.asText()));
        assertEquals(14, names.size());
        List<DynamicTest> tests = new ArrayList<>();
        for (String consumer : List.of("numpy", "torch")) {
            for (String name : names) {
                for (String layout : List.of("dense", "strided", "scalar", "empty")) {
                    tests.add(DynamicTest.dynamicTest(consumer + " " + name + " " + layout,
                            () -> importProduced(consumer, name, layout, false)));
                }
            }
        }
        return tests.stream();
    }

    private static void importProduced(String consumer, String dtype, String layout, boolean readOnly) {
        assumeTrue(!consumer.equals("torch") || DlpackPeers.version("torch") != null, "torch is not installed");
        ForeignMemory.flushReleases();
        int imports = DLPack.liveImportCount();
        ObjectNode request = PyArrowPython.request("dlpack_peer.produce").put("consumer", consumer).put("dtype", dtype)
                .put("layout", layout).put("readonly", readOnly);
        JsonNode answer = python.call(request);
        assertEquals("pass", answer.path("status").asText(), answer::toString);
        long address = answer.path("address").asLong();
        ImportedTensor imported = answer.path("versioned").asBoolean()
                ? DLPack.importVersioned(DLManagedTensorVersioned.wrap(address))
                : DLPack.importLegacy(DLManagedTensor.wrap(address));
        assertTrue(imported.versioned(), consumer + " answers max_version=(1, 1) with a versioned tensor");
        assertFalse(imported.copied());
        try (BufferView v = imported.view()) {
            assertEquals(answer.path("format").asText(), v.format().text());
            assertArrayEquals(longs(answer.path("shape")), v.shape());
            if (v.elementCount() > 0) {
                assertArrayEquals(longs(answer.path("strides")), v.strides());
                assertEquals(answer.path("data").asLong(), v.address(), "zero-copy");
            }
            assertEquals(readOnly, v.isReadOnly());
            assertEquals(answer.path("logical").asText(), HexFormat.of().formatHex(v.toBytes()));
        }
        ForeignMemory.flushReleases();
        assertEquals(imports, DLPack.liveImportCount(), "the producer's deleter ran");
    }

    @Test
    void aReadOnlyNumPyArrayImportsReadOnly() {
        importProduced("numpy", "float64", "strided", true);
        importProduced("numpy", "int16", "dense", true);
    }

    @Test
    void aReadOnlyViewReachesNumPyUnwritableAndTorchOnlyAsACopy() {
        try (NativeBuffer buffer = NativeBuffer.allocate("d", Order.C, 3)) {
            try (BufferView w = buffer.getBuffer(io.bufferbridge.view.BufferFlags.FULL); BufferView v = w.asReadOnly()) {
                for (int i = 0; i < 3; i++) {
                    w.setDouble(i + 0.5, i);
                }
                String script = String.join("\n",
                        "import numpy as np, bufferbridge_dlpack as bbdl",
                        "t = bbdl.JavaTensor(%d, %d)",
                        "a = np.from_dlpack(t)",
                        "out = [bool(a.flags.writeable), a.tolist()]",
                        "try:",
                        "    bbdl.JavaTensor(%d, %d).__dlpack__()",
                        "    out.append('legacy shared')",
                        "except BufferError as e:",
                        "    out.append(str(e))");
                try (DLPackOffer offer = DLPackOffer.of(v)) {
                    JsonNode out = run(script.formatted(fn(), offer.handle(), fn(), offer.handle()));
                    assertFalse(out.get(0).asBoolean(), "NumPy honours READ_ONLY");
                    assertEquals("[0.5,1.5,2.5]", out.get(1).toString());
                    assertEquals("a read-only view cannot be shared as a legacy DLManagedTensor, which has no read-only "
                            + "flag: readonly=true max_version=None expected=max_version>=(1,0) or copy=True",
                            out.get(2).asText());
                }
                assumeTrue(DlpackPeers.version("torch") != null, "torch is not installed");
                String torch = String.join("\n",
                        "import bufferbridge_dlpack as bbdl, dlpack_peer",
                        "torch = dlpack_peer._torch()",
                        "out = []",
                        "try:",
                        "    torch.from_dlpack(bbdl.JavaTensor(%d, %d))",
                        "    out.append('shared')",
                        "except BufferError as e:",
                        "    out.append(str(e))",
                        "c = torch.from_dlpack(bbdl.JavaTensor(%d, %d), copy=True)",
                        "c[0] = 99.0",
                        "out.append(c.tolist())");
                try (DLPackOffer offer = DLPackOffer.of(v, DLPackOffer.Consumer.TORCH)) {
                    JsonNode out = run(torch.formatted(fn(), offer.handle(), fn(), offer.handle()));
                    assertEquals("a read-only view is not shared with PyTorch, which ignores DLPACK_FLAG_BITMASK_READ_ONLY "
                            + "and would write it: readonly=true consumer=TORCH copy=None expected=copy=True (a private "
                            + "copy) or a writable view", out.get(0).asText());
                    assertEquals("[99.0,1.5,2.5]", out.get(1).toString());
                    assertEquals(1, offer.copyCount());
                }
                assertEquals(0.5, v.getDouble(0), "the copy torch wrote is its own");
                assertThrows(v);
            }
            ForeignMemory.flushReleases();
        }
    }

    private static void assertThrows(BufferView readOnly) {
        org.junit.jupiter.api.Assertions.assertThrows(BufferException.class, () -> readOnly.setDouble(1, 0));
    }

    @Test
    void anUnconsumedCapsuleDeletesItsTensorAndTheArrayApiArgumentsAreChecked() {
        try (NativeBuffer buffer = NativeBuffer.allocate("d", Order.C, 4)) {
            try (BufferView v = buffer.getBuffer(io.bufferbridge.view.BufferFlags.FULL);
                    BufferView field = BufferView.of(v.memory(), 0, "f", 4, new long[] {2}, new long[] {6}, false)) {
                // Earlier tests' arrays that only the collector frees would delete their tensors here.
                run("import gc\ngc.collect()\nout = None");
                ForeignMemory.flushReleases();
                long deleters = DLPack.deleterCount();
                // No collection below: a capsule nobody holds goes at once, by its reference count.
                String script = String.join("\n",
                        "import bufferbridge_dlpack as bbdl",
                        "t = bbdl.JavaTensor(%d, %d)",
                        "out = [repr(t.__dlpack__(max_version=(1, 1))).split('\"')[1], repr(t.__dlpack__()).split('\"')[1]]",
                        "out.append(t.__dlpack_device__())",
                        "for kwargs in ({'stream': 1}, {'dl_device': (2, 0)}, {'copy': False, 'max_version': (1, 1)}):",
                        "    try:",
                        "        bbdl.JavaTensor(%d, %d).__dlpack__(**kwargs)",
                        "        out.append('exported')",
                        "    except BufferError as e:",
                        "        out.append(str(e))");
                try (DLPackOffer offer = DLPackOffer.of(v); DLPackOffer fieldOffer = DLPackOffer.of(field)) {
                    JsonNode out = run(script.formatted(fn(), offer.handle(), fn(), fieldOffer.handle()));
                    assertEquals("dltensor_versioned", out.get(0).asText());
                    assertEquals("dltensor", out.get(1).asText());
                    // Only the capsules' destructor could delete these two: nobody consumed them.
                    assertEquals(2, DLPack.deleterCount() - deleters);
                    assertEquals(0, DLPack.liveExportCount(), "both unconsumed capsules deleted their tensor");
                    assertEquals("[1,0]", out.get(2).toString());
                    assertEquals("a Java view is host memory: stream=1 expected=None", out.get(3).asText());
                    assertEquals("a Java view is host memory: dl_device=(2, 0) expected=(1, 0) (kDLCPU)", out.get(4).asText());
                    assertEquals("a zero-copy export is impossible: copy=False reason='a byte stride is not a multiple of the "
                            + "itemsize' strides=[6] itemsize=4", out.get(5).asText());
                    assertEquals(2, offer.exportCount());
                    assertEquals(0, fieldOffer.exportCount());
                }
            }
            ForeignMemory.flushReleases();
            assertEquals(0, DLPack.liveExportCount());
        }
    }

    @Test
    void jaxTakesAWritableViewAsALegacyTensor() {
        assumeTrue(DlpackPeers.version("jax") != null, "jax is not installed in the embedded Python");
        try (NativeBuffer buffer = NativeBuffer.allocate("f", Order.C, 2, 3); BufferView v = buffer.getBuffer(
                io.bufferbridge.view.BufferFlags.FULL)) {
            for (int i = 0; i < 6; i++) {
                v.setDouble(i * 1.25, i / 3, i % 3);
            }
            String script = String.join("\n",
                    "import numpy as np, bufferbridge_dlpack as bbdl, dlpack_peer",
                    "r = dlpack_peer.Recorder(bbdl.JavaTensor(%d, %d))",
                    "a = dlpack_peer._import('jax.dlpack').from_dlpack(r)",
                    "out = [np.asarray(a).tolist(), str(a.dtype), r.asked, r.versioned]",
                    "del a");
            try (DLPackOffer offer = DLPackOffer.of(v)) {
                JsonNode out = run(script.formatted(fn(), offer.handle()));
                assertEquals("[[0.0,1.25,2.5],[3.75,5.0,6.25]]", out.get(0).toString());
                assertEquals("float32", out.get(1).asText());
                System.err.println("DlpackPeerTest jax asked " + out.get(2) + " versioned=" + out.get(3));
                assertEquals(1, offer.exportCount());
            }
        }
        ForeignMemory.flushReleases();
    }

    private static long fn() {
        return DLPackOffer.exportFunction().address();
    }

    /** Runs {@code script} in the embedded Python; it leaves its answer in {@code out}. */
    private static JsonNode run(String script) {
        JsonNode answer = python.call(PyArrowPython.request("dlpack_peer.run").put("script", script));
        assertFalse(answer.has("error"), () -> answer.path("error").asText() + "\n" + answer.path("traceback").asText());
        return answer.path("out");
    }

    private static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int k = 0; k < out.length; k++) {
            out[k] = array.get(k).asLong();
        }
        return out;
    }
}
