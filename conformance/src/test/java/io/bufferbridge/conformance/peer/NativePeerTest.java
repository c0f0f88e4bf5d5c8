package io.bufferbridge.conformance.peer;

import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.URI;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.bufferbridge.conformance.peer.NativePeer.Result;
import io.bufferbridge.conformance.peer.NativePeer.Status;

import static io.bufferbridge.conformance.peer.CStructs.A_BUFFERS;
import static io.bufferbridge.conformance.peer.CStructs.A_CHILDREN;
import static io.bufferbridge.conformance.peer.CStructs.A_NULL_COUNT;
import static io.bufferbridge.conformance.peer.CStructs.A_N_BUFFERS;
import static io.bufferbridge.conformance.peer.CStructs.A_PRIVATE;
import static io.bufferbridge.conformance.peer.CStructs.A_RELEASE;
import static io.bufferbridge.conformance.peer.CStructs.S_CHILDREN;
import static io.bufferbridge.conformance.peer.CStructs.S_FORMAT;
import static io.bufferbridge.conformance.peer.CStructs.S_METADATA;
import static io.bufferbridge.conformance.peer.CStructs.S_N_CHILDREN;
import static io.bufferbridge.conformance.peer.CStructs.S_PRIVATE;
import static io.bufferbridge.conformance.peer.CStructs.S_RELEASE;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NativePeerTest {

    private final NativePeer peer = NativePeer.instance();

    @BeforeEach
    void reset() {
        peer.resetCounts();
        CStructs.resetCounts();
    }

    // ---------------------------------------------------------------------------------- helpers

    static Map<String, String> bb(String format, String shape, String strides) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("bufferbridge.format", format);
        m.put("bufferbridge.shape", shape);
        m.put("bufferbridge.strides", strides);
        m.put("bufferbridge.readonly", "false");
        m.put("bufferbridge.copied", "false");
        return m;
    }

    static byte[] ints(int... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.nativeOrder());
        for (int x : v) {
            b.putInt(x);
        }
        return b.array();
    }

    static byte[] shorts(int... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 2).order(ByteOrder.nativeOrder());
        for (int x : v) {
            b.putShort((short) x);
        }
        return b.array();
    }

    private static void assertResult(Status status, String message, Result r) {
        assertEquals(new Result(status, message), r);
    }

    /** int32 [1..5], 1-D, with metadata. */
    private static MemorySegment[] int32(CStructs c, Map<String, String> meta) {
        return new MemorySegment[] {c.schema("i", meta), c.leaf(5, 0, c.bytes(ints(1, 2, 3, 4, 5)))};
    }

    // ---------------------------------------------------------------------------- valid inputs

    @Test
    void int32OneDimensional() {
        try (CStructs c = new CStructs()) {
            MemorySegment[] p = int32(c, bb("i", "5", "4"));
            assertResult(Status.OK, "ok: 20 logical bytes, format 'i', ndim 1, itemsize 4",
                    peer.check(p[0], p[1], ints(1, 2, 3, 4, 5)));
        }
    }

    @Test
    void itemsizeMetadataIsCheckedAndOtherKeysIgnored() {
        try (CStructs c = new CStructs()) {
            Map<String, String> meta = bb("i", "5", "4");
            meta.put("bufferbridge.itemsize", "4");
            meta.put("bufferbridge.some_future_key", "x");
            MemorySegment[] p = int32(c, meta);
            assertResult(Status.OK, "ok: 20 logical bytes, format 'i', ndim 1, itemsize 4",
                    peer.check(p[0], p[1], ints(1, 2, 3, 4, 5)));
            meta.put("bufferbridge.itemsize", "8");
            MemorySegment[] q = int32(c, meta);
            assertResult(Status.MISMATCH,
                    "bufferbridge.itemsize does not match bufferbridge.format: path=root format='i' itemsize=8 expected=4 or 4",
                    peer.check(q[0], q[1], ints(1, 2, 3, 4, 5)));
        }
    }

    @Test
    void arrayOffsetIsHonoured() {
        try (CStructs c = new CStructs()) {
            MemorySegment s = c.schema("i", bb("i", "4", "4"));
            MemorySegment a = c.leaf(4, 3, c.bytes(ints(10, 11, 12, 13, 14, 15, 16, 17)));
            assertResult(Status.OK, "ok: 16 logical bytes, format 'i', ndim 1, itemsize 4",
                    peer.check(s, a, ints(13, 14, 15, 16)));
        }
    }

    @Test
    void zeroDimensional() {
        try (CStructs c = new CStructs()) {
            MemorySegment s = c.schema("l", bb("q", "", ""));
            MemorySegment a = c.leaf(1, 0, c.bytes(ints(7, 0)));
            assertResult(Status.OK, "ok: 8 logical bytes, format 'q', ndim 0, itemsize 8", peer.check(s, a, ints(7, 0)));
        }
    }

    @Test
    void emptyView() {
        try (CStructs c = new CStructs()) {
            MemorySegment s = c.schema("i", bb("i", "0", "4"));
            MemorySegment a = c.leaf(0, 0, MemorySegment.NULL);
            assertResult(Status.OK, "ok: 0 logical bytes, format 'i', ndim 1, itemsize 4", peer.check(s, a, new byte[0]));
            assertResult(Status.MISMATCH, "logical length differs: expected=4 found=0", peer.check(s, a, new byte[4]));
        }
    }

    /** Logical (2,3) int32 in Fortran order: memory m0..m5 holds element (i,j) at m[i + 2j]. */
    private static MemorySegment[] fortranTensor(CStructs c, boolean withBufferbridgeMetadata) {
        Map<String, String> meta = withBufferbridgeMetadata ? bb("i", "2,3", "4,8") : new LinkedHashMap<>();
        meta.put("ARROW:extension:name", "arrow.fixed_shape_tensor");
        meta.put("ARROW:extension:metadata", "{\"shape\":[3,2],\"permutation\":[1,0]}");
        MemorySegment child = c.schema("i", null);
        MemorySegment s = c.schema("+w:6", meta, child);
        MemorySegment leaf = c.leaf(6, 0, c.bytes(ints(100, 101, 102, 103, 104, 105)));
        MemorySegment a = c.array(1, 0, new MemorySegment[] {null}, leaf);
        return new MemorySegment[] {s, a};
    }

    @Test
    void fixedShapeTensorFortranOrder() {
        try (CStructs c = new CStructs()) {
            MemorySegment[] p = fortranTensor(c, true);
            assertResult(Status.OK, "ok: 24 logical bytes, format 'i', ndim 2, itemsize 4",
                    peer.check(p[0], p[1], ints(100, 102, 104, 101, 103, 105)));
            // C order of the memory is not the logical order: the peer must see the difference.
            assertResult(Status.MISMATCH, "logical bytes differ: byte=4 element=1 expected=0x65 found=0x66",
                    peer.check(p[0], p[1], ints(100, 101, 102, 103, 104, 105)));
        }
    }

    @Test
    void fixedShapeTensorFromForeignProducerUsesPermutation() {
        try (CStructs c = new CStructs()) {
            MemorySegment[] p = fortranTensor(c, false);
            assertResult(Status.OK, "ok: 24 logical bytes, format 'i', ndim 3, itemsize 4",
                    peer.check(p[0], p[1], ints(100, 102, 104, 101, 103, 105)));
        }
    }

    @Test
    void tensorPermutationMustAgreeWithTheMetadata() {
        // bufferbridge.shape says (2,3), the extension's logical shape is (3,2): refused, as Java does.
        try (CStructs c = new CStructs()) {
            Map<String, String> meta = bb("i", "2,3", "4,8");
            meta.put("ARROW:extension:name", "arrow.fixed_shape_tensor");
            meta.put("ARROW:extension:metadata", "{\"shape\":[3,2],\"permutation\":[0,1]}");
            MemorySegment s = c.schema("+w:6", meta, c.schema("i", null));
            MemorySegment a = c.array(1, 0, new MemorySegment[] {null},
                    c.leaf(6, 0, c.bytes(ints(100, 101, 102, 103, 104, 105))));
            assertResult(Status.MISMATCH,
                    "fixed_shape_tensor contradicts bufferbridge.shape: path=root shape=[2, 3] length=1 tensor_logical_shape=[3, 2]",
                    peer.check(s, a, ints(100, 102, 104, 101, 103, 105)));
        }
    }

    @Test
    void zeroStrideExportedWithoutCopyIsCaught() {
        // docs/contract.md §2: zero strides must be copied; metadata alone would rebuild 7,7,7.
        try (CStructs c = new CStructs()) {
            MemorySegment s = c.schema("i", bb("i", "3", "0"));
            MemorySegment a = c.leaf(3, 0, c.bytes(ints(7, 8, 9)));
            assertResult(Status.MISMATCH, "read as Arrow alone (format 'i'): value byte 4 differs: expected=0x07 found=0x08",
                    peer.check(s, a, ints(7, 7, 7)));
        }
    }

    @Test
    void nestedFixedSizeListOffsetsCompose() {
        // "2h" as +w:2 of s; top offset 1 and child offset 1: the first leaf value is 1 × 2 + 1 = 3.
        try (CStructs c = new CStructs()) {
            MemorySegment s = c.schema("+w:2", bb("2h", "3", "4"), c.schema("s", null));
            MemorySegment leaf = c.leaf(8, 1, c.bytes(shorts(100, 101, 102, 103, 104, 105, 106, 107, 108, 109)));
            MemorySegment a = c.array(3, 1, new MemorySegment[] {null}, leaf);
            assertResult(Status.OK, "ok: 12 logical bytes, format '2h', ndim 1, itemsize 4",
                    peer.check(s, a, shorts(103, 104, 105, 106, 107, 108)));
        }
    }

    @Test
    void fixedSizeBinary() {
        try (CStructs c = new CStructs()) {
            MemorySegment s = c.schema("w:3", bb("3s", "3", "3"));
            MemorySegment a = c.leaf(3, 0, c.bytes("abcdefghi".getBytes()));
            assertResult(Status.OK, "ok: 9 logical bytes, format '3s', ndim 1, itemsize 3",
                    peer.check(s, a, "abcdefghi".getBytes()));
        }
    }

    @Test
    void bool8Extension() {
        try (CStructs c = new CStructs()) {
            Map<String, String> meta = bb("?", "3", "1");
            meta.put("ARROW:extension:name", "arrow.bool8");
            meta.put("ARROW:extension:metadata", "");
            MemorySegment s = c.schema("c", meta);
            MemorySegment a = c.leaf(3, 0, c.bytes(new byte[] {1, 0, 1}));
            assertResult(Status.OK, "ok: 3 logical bytes, format '?', ndim 1, itemsize 1",
                    peer.check(s, a, new byte[] {1, 0, 1}));
            MemorySegment wrong = c.schema("i", meta);
            assertResult(Status.MISMATCH,
                    "bufferbridge.format contradicts the Arrow type: path=root format='?' expected=c{arrow.bool8} found=i{arrow.bool8}",
                    peer.check(wrong, a, new byte[] {1, 0, 1}));
        }
    }

    @Test
    void copiedExportIsReadInCOrder() {
        // A (2,2) view with gaps (strides 16,4) exported as a C-order copy: rows of +w:2 tensors.
        try (CStructs c = new CStructs()) {
            Map<String, String> meta = bb("i", "2,2", "16,4");
            meta.put("bufferbridge.copied", "true");
            meta.put("ARROW:extension:name", "arrow.fixed_shape_tensor");
            meta.put("ARROW:extension:metadata", "{\"shape\":[2],\"permutation\":[0]}");
            MemorySegment s = c.schema("+w:2", meta, c.schema("i", null));
            MemorySegment a = c.array(2, 0, new MemorySegment[] {null}, c.leaf(4, 0, c.bytes(ints(1, 2, 3, 4))));
            assertResult(Status.OK, "ok: 16 logical bytes, format 'i', ndim 2, itemsize 4, copied",
                    peer.check(s, a, ints(1, 2, 3, 4)));
        }
    }

    /** Two records {i a; d b} as NumPy lays them out: 4 pad bytes after a, 16 bytes each. */
    private static byte[] records(int a0, double b0, int a1, double b1) {
        ByteBuffer b = ByteBuffer.allocate(32).order(ByteOrder.nativeOrder());
        b.putInt(0, a0).putDouble(8, b0).putInt(16, a1).putDouble(24, b1);
        return b.array();
    }

    private static byte[] doubles(double... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.nativeOrder());
        for (double x : v) {
            b.putDouble(x);
        }
        return b.array();
    }

    @Test
    void structIsRebuiltFromFieldOffsets() {
        try (CStructs c = new CStructs()) {
            Map<String, String> meta = bb("T{i:a:d:b:}", "2", "16");
            meta.put("bufferbridge.copied", "true");
            MemorySegment s = c.schema("+s", meta, c.named("a", c.schema("i", null)), c.named("b", c.schema("g", null)));
            MemorySegment a = c.array(2, 0, new MemorySegment[] {null},
                    c.leaf(2, 0, c.bytes(ints(1, 2))), c.leaf(2, 0, c.bytes(doubles(0.5, 2.0))));
            byte[] want = records(1, 0.5, 2, 2.0);
            assertResult(Status.OK, "ok: 32 logical bytes, format 'T{i:a:d:b:}', ndim 1, itemsize 16, copied",
                    peer.check(s, a, want));
            // padding bytes are not data
            byte[] padded = want.clone();
            padded[5] = 0x55;
            assertEquals(Status.OK, peer.check(s, a, padded).status());
            byte[] wrong = records(1, 0.5, 2, 3.0);
            assertResult(Status.MISMATCH, "logical bytes differ: byte=30 element=1 expected=0x08 found=0x00",
                    peer.check(s, a, wrong));
            // A field shorter than the struct is invalid, and found before any buffer is read.
            MemorySegment shortField = c.array(2, 0, new MemorySegment[] {null},
                    c.leaf(2, 0, c.bytes(ints(1, 2))), c.leaf(1, 0, c.bytes(doubles(0.5))));
            assertResult(Status.MISMATCH,
                    "child too short for its parent's offset and length: path=root.1 length=1 expected>=2 parent.offset=0 "
                            + "parent.length=2",
                    peer.check(s, shortField, want));
            // A struct export always copies: copied=false is a lie the header refuses.
            Map<String, String> lie = bb("T{i:a:d:b:}", "2", "16");
            MemorySegment ls = c.schema("+s", lie, c.schema("i", null), c.schema("g", null));
            assertResult(Status.MISMATCH,
                    "bufferbridge.copied=false contradicts a struct type, which is always a copy: path=root format='T{i:a:d:b:}'",
                    peer.check(ls, a, want));
        }
    }

    @Test
    void structInsideAListIsRebuilt() {
        try (CStructs c = new CStructs()) {
            Map<String, String> meta = bb("(2)T{i:a:}", "1", "8");
            meta.put("bufferbridge.copied", "true");
            MemorySegment s = c.schema("+w:2", meta, c.schema("+s", null, c.schema("i", null)));
            MemorySegment fields = c.array(2, 0, new MemorySegment[] {null}, c.leaf(2, 0, c.bytes(ints(1, 2))));
            MemorySegment a = c.array(1, 0, new MemorySegment[] {null}, fields);
            assertResult(Status.OK, "ok: 8 logical bytes, format '(2)T{i:a:}', ndim 1, itemsize 8, copied",
                    peer.check(s, a, ints(1, 2)));
        }
    }

    @Test
    void structRuleItemsize() {
        // "ic" by struct's rule is 5 bytes (no trailing padding); the metadata says which rule.
        try (CStructs c = new CStructs()) {
            Map<String, String> meta = bb("ic", "2", "5");
            meta.put("bufferbridge.copied", "true");
            meta.put("bufferbridge.itemsize", "5");
            MemorySegment s = c.schema("+s", meta, c.named("", c.schema("i", null)), c.named("", c.schema("w:1", null)));
            MemorySegment a = c.array(2, 0, new MemorySegment[] {null},
                    c.leaf(2, 0, c.bytes(ints(7, 9))), c.leaf(2, 0, c.bytes(new byte[] {'x', 'y'})));
            byte[] want = ByteBuffer.allocate(10).order(ByteOrder.nativeOrder()).putInt(7).put((byte) 'x').putInt(9)
                    .put((byte) 'y').array();
            assertResult(Status.OK, "ok: 10 logical bytes, format 'ic', ndim 1, itemsize 5, copied", peer.check(s, a, want));
        }
    }

    @Test
    void unsupportedFormat() {
        try (CStructs c = new CStructs()) {
            MemorySegment s = c.schema("u", null);
            MemorySegment a = c.array(0, 0, new MemorySegment[] {null, null, null});
            assertResult(Status.UNSUPPORTED, "unsupported Arrow format: path=root format='u'", peer.check(s, a, new byte[0]));
        }
    }

    // ------------------------------------------------------------------------------ mismatches

    @Test
    void mismatchNamesTheByte() {
        try (CStructs c = new CStructs()) {
            MemorySegment[] p = int32(c, bb("i", "5", "4"));
            byte[] expected = ints(1, 2, 3, 4, 5);
            expected[17] = 0x3f;
            assertResult(Status.MISMATCH, "logical bytes differ: byte=17 element=4 expected=0x3f found=0x00",
                    peer.check(p[0], p[1], expected));
            assertResult(Status.MISMATCH, "logical length differs: expected=16 found=20",
                    peer.check(p[0], p[1], ints(1, 2, 3, 4)));
        }
    }

    @Test
    void shapeMustMatchTheArrayLength() {
        try (CStructs c = new CStructs()) {
            MemorySegment[] p = int32(c, bb("i", "3", "4"));
            assertResult(Status.MISMATCH,
                    "bufferbridge.shape contradicts the array length: path=root shape=[3] product=3 arrow_elements=5",
                    peer.check(p[0], p[1], new byte[20]));
        }
    }

    @Test
    void badBooleanMetadata() {
        try (CStructs c = new CStructs()) {
            Map<String, String> meta = bb("i", "5", "4");
            meta.put("bufferbridge.readonly", "yes");
            MemorySegment[] p = int32(c, meta);
            assertResult(Status.MISMATCH,
                    "bufferbridge metadata is not true/false: path=root key=bufferbridge.readonly found='yes'",
                    peer.check(p[0], p[1], ints(1, 2, 3, 4, 5)));
        }
    }

    // --------------------------------------------------------------------------------- hostile

    @Test
    void nullPointers() {
        try (CStructs c = new CStructs()) {
            MemorySegment[] p = int32(c, bb("i", "5", "4"));
            assertResult(Status.MISMATCH, "ArrowSchema is NULL: path=root", peer.check(MemorySegment.NULL, p[1], new byte[0]));
            assertResult(Status.MISMATCH, "ArrowArray is NULL: path=root", peer.check(p[0], MemorySegment.NULL, new byte[0]));
            assertResult(Status.MISMATCH, "ArrowSchema format is NULL: path=root",
                    peer.check(c.schema(null, null), p[1], new byte[0]));
        }
    }

    @Test
    void releasedStructs() {
        try (CStructs c = new CStructs()) {
            MemorySegment[] p = int32(c, bb("i", "5", "4"));
            p[1].set(ADDRESS, A_RELEASE, MemorySegment.NULL);
            assertResult(Status.MISMATCH, "ArrowArray already released: path=root release=NULL",
                    peer.check(p[0], p[1], ints(1, 2, 3, 4, 5)));
            p[0].set(ADDRESS, S_RELEASE, MemorySegment.NULL);
            assertResult(Status.MISMATCH, "ArrowSchema already released: path=root release=NULL",
                    peer.check(p[0], p[1], ints(1, 2, 3, 4, 5)));
        }
    }

    @Test
    void truncatedMetadata() {
        try (CStructs c = new CStructs()) {
            MemorySegment[] p = int32(c, null);
            // One pair whose value claims 1 GiB: the header must not walk past what it can trust.
            byte[] key = "bufferbridge.shape".getBytes();
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            CStructs.writeInt(out, 1);
            CStructs.writeInt(out, key.length);
            out.writeBytes(key);
            CStructs.writeInt(out, 1 << 30);
            out.writeBytes("5".getBytes());
            p[0].set(ADDRESS, S_METADATA, c.bytes(out.toByteArray()));
            assertResult(Status.MISMATCH,
                    "metadata blob truncated or malformed: path=root pair=0 value length=1073741824 expected=0..16777216",
                    peer.check(p[0], p[1], ints(1, 2, 3, 4, 5)));
            byte[] negative = CStructs.blob(Map.of());
            negative[0] = negative[1] = negative[2] = negative[3] = (byte) 0xff; // pair count -1
            p[0].set(ADDRESS, S_METADATA, c.bytes(negative));
            assertResult(Status.MISMATCH, "metadata blob truncated or malformed: path=root pairs=-1 expected=0..65536",
                    peer.check(p[0], p[1], ints(1, 2, 3, 4, 5)));
            // Without bufferbridge.format the pair is a foreign producer's, as the Java importer reads it.
            Map<String, String> half = new LinkedHashMap<>();
            half.put("bufferbridge.shape", "5");
            p[0].set(ADDRESS, S_METADATA, c.metadata(half));
            assertResult(Status.OK, "ok: 20 logical bytes, format 'i', ndim 1, itemsize 4",
                    peer.check(p[0], p[1], ints(1, 2, 3, 4, 5)));
            Map<String, String> noShape = bb("i", "5", "4");
            noShape.remove("bufferbridge.shape");
            p[0].set(ADDRESS, S_METADATA, c.metadata(noShape));
            assertResult(Status.MISMATCH, "bufferbridge metadata incomplete: path=root missing=bufferbridge.shape",
                    peer.check(p[0], p[1], ints(1, 2, 3, 4, 5)));
        }
    }

    @Test
    void negativeLength() {
        try (CStructs c = new CStructs()) {
            MemorySegment s = c.schema("i", bb("i", "5", "4"));
            MemorySegment a = c.leaf(-1, 0, c.bytes(ints(1, 2, 3, 4, 5)));
            assertResult(Status.MISMATCH, "negative length or offset: path=root format='i' length=-1 offset=0",
                    peer.check(s, a, new byte[0]));
            MemorySegment o = c.leaf(5, -2, c.bytes(ints(1, 2, 3, 4, 5)));
            assertResult(Status.MISMATCH, "negative length or offset: path=root format='i' length=5 offset=-2",
                    peer.check(s, o, new byte[0]));
        }
    }

    @Test
    void missingChild() {
        try (CStructs c = new CStructs()) {
            MemorySegment leaf = c.leaf(6, 0, c.bytes(ints(1, 2, 3, 4, 5, 6)));
            MemorySegment a = c.array(3, 0, new MemorySegment[] {null}, leaf);
            MemorySegment noChildren = c.schema("+w:2", bb("2i", "3", "8"));
            assertResult(Status.MISMATCH, "schema n_children does not match the type: path=root format='+w:2' expected=1 found=0",
                    peer.check(noChildren, a, new byte[24]));
            MemorySegment s = c.schema("+w:2", bb("2i", "3", "8"), c.schema("i", null));
            s.get(ADDRESS, S_CHILDREN).reinterpret(8).set(ADDRESS, 0, MemorySegment.NULL);
            assertResult(Status.MISMATCH, "ArrowSchema child is NULL: path=root child=0", peer.check(s, a, new byte[24]));
            MemorySegment s2 = c.schema("+w:2", bb("2i", "3", "8"), c.schema("i", null));
            a.get(ADDRESS, A_CHILDREN).reinterpret(8).set(ADDRESS, 0, MemorySegment.NULL);
            assertResult(Status.MISMATCH, "ArrowArray child is NULL: path=root child=0", peer.check(s2, a, new byte[24]));
            MemorySegment tooShort = c.array(3, 0, new MemorySegment[] {null}, c.leaf(5, 0, c.bytes(new byte[20])));
            assertResult(Status.MISMATCH,
                    "child too short for its parent's offset and length: path=root.0 length=5 expected>=6 parent.offset=0 "
                            + "parent.length=3 list_size=2",
                    peer.check(s2, tooShort, new byte[24]));
        }
    }

    @Test
    void nullDataBuffer() {
        try (CStructs c = new CStructs()) {
            MemorySegment s = c.schema("i", bb("i", "5", "4"));
            MemorySegment a = c.leaf(5, 0, MemorySegment.NULL);
            assertResult(Status.MISMATCH, "data buffer is NULL: path=root format='i' length=5",
                    peer.check(s, a, ints(1, 2, 3, 4, 5)));
        }
    }

    @Test
    void wrongBufferCountAndNulls() {
        try (CStructs c = new CStructs()) {
            MemorySegment[] p = int32(c, bb("i", "5", "4"));
            p[1].set(JAVA_LONG, A_N_BUFFERS, 3);
            assertResult(Status.MISMATCH, "n_buffers does not match the type: path=root format='i' expected=2 found=3",
                    peer.check(p[0], p[1], new byte[0]));
            p[1].set(JAVA_LONG, A_N_BUFFERS, 2);
            p[1].set(JAVA_LONG, A_NULL_COUNT, 1);
            assertResult(Status.MISMATCH, "null_count without a validity bitmap: path=root format='i' null_count=1",
                    peer.check(p[0], p[1], new byte[0]));
            p[1].set(JAVA_LONG, A_NULL_COUNT, 0);
            assertResult(Status.UNSUPPORTED, "unsupported Arrow format: path=root format='q'",
                    peer.check(c.schema("q", null), p[1], new byte[0]));
            assertResult(Status.MISMATCH, "fixed size is not a non-negative integer: path=root format='w:-1' found='-1'",
                    peer.check(c.schema("w:-1", null), p[1], new byte[0]));
        }
    }

    @Test
    void stridesOutsideTheBuffer() {
        try (CStructs c = new CStructs()) {
            MemorySegment[] p = int32(c, bb("i", "5", "8"));
            assertResult(Status.MISMATCH,
                    "element bytes reach outside memory: lowest=0 highest=36 memory=20 offset=0 itemsize=4 shape=[5] strides=[8]",
                    peer.check(p[0], p[1], ints(1, 2, 3, 4, 5)));
            MemorySegment[] q = int32(c, bb("i", "5", "-4"));
            assertResult(Status.MISMATCH,
                    "element bytes reach outside memory: lowest=-16 highest=4 memory=20 offset=0 itemsize=4 shape=[5] strides=[-4]",
                    peer.check(q[0], q[1], ints(1, 2, 3, 4, 5)));
            MemorySegment[] r = int32(c, bb("i", "5", "4611686018427387904"));
            assertResult(Status.MISMATCH,
                    "element offsets overflow a 64-bit integer: offset=0 itemsize=4 shape=[5] strides=[4611686018427387904] memory=20",
                    peer.check(r[0], r[1], ints(1, 2, 3, 4, 5)));
        }
    }

    // ------------------------------------------------------------------ docs/contract.md §3 hostile trees

    @Test
    void dagOfSharedChildrenIsRefusedInTime() {
        // 40 levels, each node's two children the same node: 2^41 nodes as visited.
        try (CStructs c = new CStructs()) {
            MemorySegment s = c.schema("c", null);
            MemorySegment a = c.leaf(2, 0, c.bytes(new byte[] {1, 2}));
            for (int level = 0; level < 40; level++) {
                s = c.schema("+s", null, s, s);
                a = c.array(2, 0, new MemorySegment[] {null}, a, a);
            }
            long start = System.nanoTime();
            Result r = peer.check(s, a, new byte[0]);
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(Status.MISMATCH, r.status());
            assertTrue(r.message().startsWith("schema tree has too many nodes: path=root.0.0."), r.message());
            assertTrue(r.message().endsWith(" nodes>65536 expected<=65536"), r.message());
            assertTrue(millis < 1000, "refused in " + millis + " ms");
        }
    }

    @Test
    void treeAtTheLimitsIsAccepted() {
        try (CStructs c = new CStructs()) {
            // 64 nested structs over a leaf: depth 64 exactly.
            MemorySegment s = c.schema("c", null);
            MemorySegment a = c.leaf(2, 0, c.bytes(new byte[] {7, 8}));
            for (int level = 0; level < 64; level++) {
                s = c.schema("+s", null, s);
                a = c.array(2, 0, new MemorySegment[] {null}, a);
            }
            Result deep = peer.check(s, a, new byte[] {7, 8});
            assertEquals(Status.OK, deep.status(), deep.message());
            assertTrue(deep.message().startsWith("ok: 2 logical bytes, format 'T{T{T{"), deep.message());
            MemorySegment deeper = c.schema("+s", null, s);
            MemorySegment deeperArray = c.array(2, 0, new MemorySegment[] {null}, a);
            assertResult(Status.MISMATCH, "schema nested too deeply: path=root" + ".0".repeat(65) + " depth=65 expected=0..64",
                    peer.check(deeper, deeperArray, new byte[] {7, 8}));

            // A struct of 65,535 one-byte fields: 65,536 nodes exactly; one field more is refused.
            MemorySegment data = c.bytes(new byte[] {42});
            MemorySegment[] fs = new MemorySegment[65536];
            MemorySegment[] fa = new MemorySegment[65536];
            for (int k = 0; k < fs.length; k++) {
                fs[k] = c.named("", c.schema("C", null));
                fa[k] = c.leaf(1, 0, data);
            }
            byte[] want = new byte[65535];
            java.util.Arrays.fill(want, (byte) 42);
            Result wide = peer.check(c.schema("+s", null, java.util.Arrays.copyOf(fs, 65535)),
                    c.array(1, 0, new MemorySegment[] {null}, java.util.Arrays.copyOf(fa, 65535)), want);
            assertEquals(Status.OK, wide.status(), wide.message());
            assertTrue(wide.message().startsWith("ok: 65535 logical bytes"), wide.message());
            assertResult(Status.MISMATCH, "schema tree has too many nodes: path=root.65535 nodes>65536 expected<=65536",
                    peer.check(c.schema("+s", null, fs), c.array(1, 0, new MemorySegment[] {null}, fa), want));
        }
    }

    // -------------------------------------------------------------------------------- re-export

    @Test
    void reexportCallsEachOriginalReleaseOnce() {
        try (CStructs c = new CStructs(); Arena out = Arena.ofConfined()) {
            MemorySegment child = c.schema("s", null);
            MemorySegment s = c.schema("+w:2", bb("2h", "3", "4"), child);
            MemorySegment leafData = c.bytes(shorts(1, 2, 3, 4, 5, 6));
            MemorySegment leaf = c.leaf(6, 0, leafData);
            MemorySegment a = c.array(3, 0, new MemorySegment[] {null}, leaf);
            long schemaId = CStructs.id(s, S_PRIVATE), childId = CStructs.id(child, S_PRIVATE);
            long arrayId = CStructs.id(a, A_PRIVATE), leafId = CStructs.id(leaf, A_PRIVATE);
            MemorySegment format = s.get(ADDRESS, S_FORMAT), buffers = a.get(ADDRESS, A_BUFFERS);

            MemorySegment os = out.allocate(NativePeer.instance().schemaSize(), 8);
            MemorySegment oa = out.allocate(NativePeer.instance().arraySize(), 8);
            peer.reexport(s, a, os, oa);

            // Moved: the producer's structs are released in place, nothing was called yet.
            assertEquals(MemorySegment.NULL, s.get(ADDRESS, S_RELEASE));
            assertEquals(MemorySegment.NULL, a.get(ADDRESS, A_RELEASE));
            ForeignMemory.flushReleases();
            assertEquals(Map.of(), CStructs.SCHEMA_RELEASES);
            assertEquals(Map.of(), CStructs.ARRAY_RELEASES);
            // Shallow: the same format string, buffers and children, the peer's own release.
            assertEquals(format, os.get(ADDRESS, S_FORMAT));
            assertEquals(buffers, oa.get(ADDRESS, A_BUFFERS));
            assertEquals(1L, os.get(JAVA_LONG, S_N_CHILDREN));
            assertNotEquals(c.schemaRelease, os.get(ADDRESS, S_RELEASE));
            assertNotEquals(MemorySegment.NULL, os.get(ADDRESS, S_RELEASE));
            assertResult(Status.OK, "ok: 12 logical bytes, format '2h', ndim 1, itemsize 4",
                    peer.check(os, oa, shorts(1, 2, 3, 4, 5, 6)));

            CStructs.callRelease(os, S_RELEASE);
            assertEquals(MemorySegment.NULL, os.get(ADDRESS, S_RELEASE));
            ForeignMemory.flushReleases();
            assertEquals(Map.of(schemaId, 1, childId, 1), CStructs.SCHEMA_RELEASES);
            assertEquals(1, peer.schemaReleases());
            assertEquals(0, peer.arrayReleases());
            assertEquals(1, peer.originalReleases());

            CStructs.callRelease(oa, A_RELEASE);
            assertEquals(MemorySegment.NULL, oa.get(ADDRESS, A_RELEASE));
            ForeignMemory.flushReleases();
            assertEquals(Map.of(arrayId, 1, leafId, 1), CStructs.ARRAY_RELEASES);
            assertEquals(1, peer.schemaReleases());
            assertEquals(1, peer.arrayReleases());
            assertEquals(2, peer.originalReleases());

            peer.resetCounts();
            ForeignMemory.flushReleases();
            assertEquals(0, peer.schemaReleases());
            assertEquals(0, peer.arrayReleases());
            assertEquals(0, peer.originalReleases());
        }
    }

    @Test
    void reexportManyPairsCountsAgree() {
        try (CStructs c = new CStructs(); Arena out = Arena.ofConfined()) {
            for (int i = 0; i < 10; i++) {
                MemorySegment[] p = int32(c, bb("i", "5", "4"));
                MemorySegment os = out.allocate(NativePeer.instance().schemaSize(), 8);
                MemorySegment oa = out.allocate(NativePeer.instance().arraySize(), 8);
                peer.reexport(p[0], p[1], os, oa);
                CStructs.callRelease(oa, A_RELEASE);
                CStructs.callRelease(os, S_RELEASE);
            }
            ForeignMemory.flushReleases();
            assertEquals(10, peer.schemaReleases());
            assertEquals(10, peer.arrayReleases());
            assertEquals(20, peer.originalReleases());
            assertEquals(10, CStructs.SCHEMA_RELEASES.size());
            assertEquals(10, CStructs.ARRAY_RELEASES.size());
            CStructs.SCHEMA_RELEASES.values().forEach(n -> assertEquals(1, n));
            CStructs.ARRAY_RELEASES.values().forEach(n -> assertEquals(1, n));
        }
    }

    @Test
    void reexportRefusesReleasedOrNullInputsAndMovesNothing() {
        try (CStructs c = new CStructs(); Arena out = Arena.ofConfined()) {
            MemorySegment[] p = int32(c, bb("i", "5", "4"));
            MemorySegment os = out.allocate(NativePeer.instance().schemaSize(), 8);
            MemorySegment oa = out.allocate(NativePeer.instance().arraySize(), 8);
            p[0].set(ADDRESS, S_RELEASE, MemorySegment.NULL);
            NativePeerException e = assertThrows(NativePeerException.class, () -> peer.reexport(p[0], p[1], os, oa));
            ForeignMemory.flushReleases();
            assertEquals("schema is released (release == NULL)", e.getMessage());
            assertEquals(c.arrayRelease, p[1].get(ADDRESS, A_RELEASE));
            e = assertThrows(NativePeerException.class, () -> peer.reexport(p[0], MemorySegment.NULL, os, oa));
            assertEquals("array pointer is NULL", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> peer.reexport(p[0], p[1], os.asSlice(0, 8), oa));
            // The producer still owns the array and releases it itself: exactly once, no peer count.
            CStructs.callRelease(p[1], A_RELEASE);
            ForeignMemory.flushReleases();
            assertEquals(Map.of(CStructs.id(p[1], A_PRIVATE), 1), CStructs.ARRAY_RELEASES);
            assertEquals(0, peer.originalReleases());
            assertEquals(0, peer.schemaReleases() + peer.arrayReleases());
        }
    }

    // ----------------------------------------------------------------------------------- loading

    @Test
    void libraryIsExtractedFromAJar(@TempDir Path dir) throws IOException {
        String name = NativePeer.resourceName();
        URL resource = NativePeer.class.getClassLoader().getResource(name);
        byte[] library;
        try (InputStream in = resource.openStream()) {
            library = in.readAllBytes();
        }
        Path jar = dir.resolve("peer.jar");
        try (JarOutputStream j = new JarOutputStream(Files.newOutputStream(jar))) {
            j.putNextEntry(new JarEntry(name));
            j.write(library);
            j.closeEntry();
        }
        URL inJar = URI.create("jar:" + jar.toUri() + "!/" + name).toURL();
        Path extracted = NativePeer.pathOf(inJar);
        try {
            assertArrayEquals(library, Files.readAllBytes(extracted));
        } finally {
            Files.delete(extracted);
        }
    }
}
