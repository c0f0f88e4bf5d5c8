package io.bufferbridge.arrow.c;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Coverage-guided fuzzing of the C data importer (one of the fuzz targets .ci/fuzz runs): fuzzed {@code ArrowSchema} /
 * {@code ArrowArray} trees built in native memory.
 *
 * <p>The C data interface carries no buffer sizes, so every buffer is a real allocation exactly as
 * large as its struct's declared length and offset need (rounded up to 8 bytes), placed right
 * before a {@code PROT_NONE} guard page: a read past it faults instead of passing silently.
 * Everything else is fuzzed: format strings, {@code n_buffers}, children and their counts, flags,
 * null counts, validity bitmaps, metadata bytes, and {@code bufferbridge.*} shapes and strides that
 * may claim more than the declared length. The import gives a view whose elements all lie inside
 * the buffers given, or {@link ArrowImportException}; either way each root release callback runs
 * exactly once (after the view is closed, for a zero-copy view), no child release is called by the
 * consumer, and the live-import count returns to where it was.
 */
class ImportFuzzTest {
    private static final AtomicInteger SCHEMA_RELEASES = new AtomicInteger();
    private static final AtomicInteger ARRAY_RELEASES = new AtomicInteger();
    private static final AtomicInteger CHILD_RELEASES = new AtomicInteger();
    private static final MemorySegment SCHEMA_ROOT = stub("releaseSchemaRoot");
    private static final MemorySegment ARRAY_ROOT = stub("releaseArrayRoot");
    private static final MemorySegment CHILD = stub("releaseChild");

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle MMAP = LINKER.downcallHandle(LINKER.defaultLookup().find("mmap").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle MPROTECT = LINKER.downcallHandle(LINKER.defaultLookup().find("mprotect").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle MUNMAP = LINKER.downcallHandle(LINKER.defaultLookup().find("munmap").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final long PAGE = 4096;
    /** Largest buffer the harness allocates; a struct that needs more gets this and a length it lies about. */
    private static final long MAX_BUFFER = 1 << 16;

    private static final String[] FORMATS = {"c", "C", "s", "S", "i", "I", "l", "L", "e", "f", "g", "b", "n",
        "w:1", "w:3", "w:16", "w:0", "tdD", "tdm", "tts", "ttn", "tsu:UTC", "tDs", "d:10,2", "d:40,2,256",
        "d:5,1,32", "+w:0", "+w:1", "+w:3", "+s", "+l", "z", "u", "tiM", "w:", "w:-1", "+w:", "+w:99999999999"};
    private static final String[] PEP_FORMATS = {"i", "b", "B", "?", "h", "<i", ">i", "q", "d", "Zf", "Zd", "3s",
        "2i", "(2,3)h", "T{i:a:B:b:}", "hd", "g", "p", "c", "e", "x", "T{(2)d:m:?:f:}", "ii", "(2)Zd"};

    static void releaseSchemaRoot(MemorySegment s) {
        SCHEMA_RELEASES.incrementAndGet();
        ArrowSchema.wrap(s.address()).releaseCallback(MemorySegment.NULL);
    }

    static void releaseArrayRoot(MemorySegment a) {
        ARRAY_RELEASES.incrementAndGet();
        ArrowArray.wrap(a.address()).releaseCallback(MemorySegment.NULL);
    }

    static void releaseChild(MemorySegment s) {
        CHILD_RELEASES.incrementAndGet();
    }

    private static MemorySegment stub(String name) {
        try {
            return Linker.nativeLinker().upcallStub(
                    MethodHandles.lookup().findStatic(ImportFuzzTest.class, name,
                            MethodType.methodType(void.class, MemorySegment.class)),
                    FunctionDescriptor.ofVoid(ValueLayout.ADDRESS), Arena.global());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** Native memory for one fuzz input: structs in an arena, buffers before guard pages. */
    private static final class Producer implements AutoCloseable {
        final Arena arena = Arena.ofConfined();
        final List<long[]> maps = new ArrayList<>();
        /** [address, size] of every data-carrying allocation. */
        final List<long[]> buffers = new ArrayList<>();
        long totalBytes;

        MemorySegment guarded(long size) {
            long rounded = (size + 7) & ~7L;
            long length = ((rounded + PAGE - 1) / PAGE + 1) * PAGE;
            try {
                MemorySegment base = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, length, 3, 0x22, -1, 0L);
                if (base.address() == -1L) {
                    throw new AssertionError("mmap failed");
                }
                maps.add(new long[] {base.address(), length});
                int rc = (int) MPROTECT.invokeExact(MemorySegment.ofAddress(base.address() + length - PAGE), PAGE, 0);
                if (rc != 0) {
                    throw new AssertionError("mprotect failed");
                }
                long start = base.address() + length - PAGE - rounded;
                buffers.add(new long[] {start, rounded});
                totalBytes += rounded;
                return MemorySegment.ofAddress(start).reinterpret(rounded);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        }

        MemorySegment cString(String s) {
            return s == null ? MemorySegment.NULL : arena.allocateFrom(s, StandardCharsets.UTF_8);
        }

        @Override
        public void close() {
            for (long[] m : maps) {
                try {
                    int rc = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(m[0]), m[1]);
                    assertEquals(0, rc, "munmap");
                } catch (Throwable t) {
                    throw new AssertionError(t);
                }
            }
            arena.close();
        }
    }

    /** Bytes per element of one node's data buffer, or -1 when the format has none the harness knows. */
    private static long width(String f) {
        switch (f) {
            case "c", "C":
                return 1;
            case "s", "S", "e":
                return 2;
            case "i", "I", "f", "tdD", "tts", "ttm":
                return 4;
            case "l", "L", "g", "tdm", "ttu", "ttn", "tDs", "tDm", "tDu", "tDn":
                return 8;
            default:
                break;
        }
        if (f.startsWith("ts")) {
            return 8;
        }
        if (f.startsWith("d:")) {
            return f.endsWith(",256") ? 32 : 16;
        }
        if (f.startsWith("w:")) {
            try {
                return Long.parseLong(f.substring(2));
            } catch (NumberFormatException e) {
                return 1;
            }
        }
        return -1;
    }

    private static long listSize(String f) {
        try {
            return Long.parseLong(f.substring(3));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    private static int int32(FuzzedDataProvider d, int max) {
        return d.consumeInt(0, 15) == 0 ? d.consumeInt() : d.consumeInt(0, max);
    }

    /** One metadata blob: well-formed in structure (a consumer cannot check lengths), fuzzed in content. */
    private static MemorySegment metadata(FuzzedDataProvider d, Producer p, String format) {
        int kind = d.consumeInt(0, 5);
        List<String[]> kv = new ArrayList<>();
        switch (kind) {
            case 0 -> {
                return MemorySegment.NULL;
            }
            case 1 -> {
                kv.add(new String[] {"bufferbridge.format", d.consumeBoolean() ? d.pickValue(PEP_FORMATS) : d.consumeString(12)});
                kv.add(new String[] {"bufferbridge.shape", longs(d)});
                kv.add(new String[] {"bufferbridge.strides", longs(d)});
                kv.add(new String[] {"bufferbridge.readonly", d.pickValue(new String[] {"true", "false", "", "yes"})});
                kv.add(new String[] {"bufferbridge.copied", d.pickValue(new String[] {"true", "false", "", "1"})});
                while (kv.size() > 0 && d.consumeInt(0, 9) == 0) {
                    kv.remove(d.consumeInt(0, kv.size() - 1));
                }
            }
            case 2 -> {
                kv.add(new String[] {"ARROW:extension:name", d.pickValue(new String[] {"arrow.bool8", "arrow.opaque",
                    "arrow.fixed_shape_tensor", "arrow.json", d.consumeString(10)})});
                kv.add(new String[] {"ARROW:extension:metadata", d.consumeBoolean() ? tensorJson(d)
                        : d.consumeBoolean() ? "{\"type_name\": \"" + d.pickValue(PEP_FORMATS) + "\", \"vendor_name\": \"PEP 3118\"}"
                        : d.consumeString(40)});
            }
            default -> {
                int n = d.consumeInt(0, 3);
                for (int i = 0; i < n; i++) {
                    kv.add(new String[] {d.consumeString(16), d.consumeString(24)});
                }
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean lie = d.consumeInt(0, 15) == 0;
        writeInt(out, lie ? -d.consumeInt(1, 5) : kv.size());
        for (String[] e : kv) {
            byte[] k = e[0].getBytes(StandardCharsets.UTF_8);
            byte[] v = e[1].getBytes(StandardCharsets.UTF_8);
            if (d.consumeInt(0, 31) == 0) {
                v = d.consumeBytes(8); // not UTF-8, maybe
            }
            writeInt(out, d.consumeInt(0, 31) == 0 ? -1 : k.length);
            out.writeBytes(k);
            writeInt(out, v.length);
            out.writeBytes(v);
        }
        byte[] b = out.toByteArray();
        MemorySegment m = p.guarded(b.length);
        MemorySegment.copy(b, 0, m, ValueLayout.JAVA_BYTE, 0, b.length);
        return m;
    }

    private static String tensorJson(FuzzedDataProvider d) {
        StringBuilder b = new StringBuilder("{\"shape\": [").append(longs(d)).append(']');
        if (d.consumeBoolean()) {
            b.append(", \"permutation\": [").append(longs(d)).append(']');
        }
        if (d.consumeBoolean()) {
            b.append(", \"dim_names\": [\"a\"]");
        }
        return b.append('}').toString();
    }

    private static String longs(FuzzedDataProvider d) {
        int n = d.consumeInt(0, 4);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ",").append(d.consumeBoolean() ? d.consumeLong(-2, 16) : d.consumeLong());
        }
        if (d.consumeInt(0, 15) == 0) {
            b.append(d.consumeString(4));
        }
        return b.toString();
    }

    private static void writeInt(ByteArrayOutputStream out, int v) {
        byte[] b = new byte[4];
        MemorySegment.ofArray(b).set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.nativeOrder()), 0, v);
        out.writeBytes(b);
    }

    /** Builds a schema and an array for one type node; {@code minLength} is what a parent needs. */
    private static MemorySegment[] node(FuzzedDataProvider d, Producer p, int depth, long minLength) {
        String format = d.consumeInt(0, 7) == 0 ? d.consumeString(10) : d.pickValue(FORMATS);
        if (format.indexOf('\0') >= 0) {
            format = format.substring(0, format.indexOf('\0')); // what a C reader sees
        }
        if (depth >= 3 && format.startsWith("+")) {
            format = "i";
        }
        ArrowSchema s = ArrowSchema.allocate(p.arena);
        ArrowArray a = ArrowArray.allocate(p.arena);
        s.format(d.consumeInt(0, 63) == 0 ? MemorySegment.NULL : p.cString(format));
        s.name(d.consumeBoolean() ? MemorySegment.NULL : p.cString(d.consumeString(6)));
        s.metadata(metadata(d, p, format));
        s.flags(d.consumeInt(0, 3) == 0 ? d.consumeLong() : ArrowSchema.FLAG_NULLABLE);
        s.releaseCallback(CHILD);
        a.releaseCallback(CHILD);

        long length;
        long offset;
        int lk = d.consumeInt(0, 9);
        if (lk == 0) {
            length = d.consumeLong();
            offset = d.consumeLong();
        } else {
            long slack = d.consumeLong(-2, 8);
            length = Math.max(0, minLength) + (lk == 1 ? slack : Math.max(0, slack));
            offset = d.consumeInt(0, 3) == 0 ? d.consumeLong(-2, 9) : 0;
        }
        if (lk == 0 && length >= 0 && offset >= 0) {
            // A claim the harness cannot back with a real allocation is not a test of the importer
            // (no consumer can check a length the C data interface gives no size for), unless it
            // overflows 64-bit byte arithmetic, which the importer must refuse.
            long w0 = format.startsWith("+w:") ? listSize(format) : Math.max(1, width(format));
            BigInteger extent = BigInteger.valueOf(offset).add(BigInteger.valueOf(length)).multiply(BigInteger.valueOf(w0));
            if (extent.bitLength() <= 63 && extent.compareTo(BigInteger.valueOf(MAX_BUFFER)) > 0) {
                length = d.consumeLong(0, 16);
                offset = 0;
            }
        }
        a.length(length);
        a.offset(offset);
        // elements the struct itself claims: offset + length, when that is a sane non-negative number
        long claimed = length >= 0 && offset >= 0 && length <= MAX_BUFFER && offset <= MAX_BUFFER ? offset + length : -1;
        a.nullCount(d.consumeInt(0, 5) == 0 ? d.consumeLong(-3, 3) : 0);

        // buffers: validity first, then the format's data buffer
        long w = width(format);
        boolean isBool = format.equals("b");
        int expected = format.startsWith("+") ? 1 : 2;
        int nBuffers = d.consumeInt(0, 9) == 0 ? d.consumeInt(0, 4) : expected;
        MemorySegment bufs = nBuffers == 0 ? (d.consumeBoolean() ? MemorySegment.NULL : p.arena.allocate(8))
                : p.arena.allocate(ValueLayout.ADDRESS, nBuffers);
        for (int i = 0; i < nBuffers; i++) {
            MemorySegment b = MemorySegment.NULL;
            long bits = claimed < 0 ? 64 : claimed;
            if (i == 0) {
                // A validity bitmap is offered only when the harness can back every bit the struct
                // claims: the C data interface carries no sizes, so no importer can detect a bitmap
                // shorter than offset + length, and reading one is the harness's fault, not a finding.
                if (claimed >= 0 && d.consumeInt(0, 3) == 0) {
                    b = p.guarded((bits + 7) / 8);
                    b.fill(d.consumeBoolean() ? (byte) -1 : d.consumeByte());
                }
            } else if (d.consumeInt(0, 31) != 0) {
                long bytes;
                if (isBool) {
                    bytes = (bits + 7) / 8;
                } else if (w >= 0) {
                    BigInteger need = BigInteger.valueOf(bits).multiply(BigInteger.valueOf(w));
                    bytes = need.compareTo(BigInteger.valueOf(MAX_BUFFER)) > 0 ? 64 : need.longValueExact();
                } else {
                    bytes = d.consumeInt(0, 64);
                }
                b = p.guarded(bytes);
                for (long k = 0; k < Math.min(b.byteSize(), 64); k++) {
                    b.set(ValueLayout.JAVA_BYTE, k, d.consumeByte());
                }
            }
            bufs.setAtIndex(ValueLayout.ADDRESS, i, b);
        }
        a.nBuffers(nBuffers);
        a.buffers(bufs);

        // children
        int expectedChildren = format.startsWith("+w:") ? 1 : format.equals("+s") ? d.consumeInt(0, 3) : 0;
        int sChildren = d.consumeInt(0, 15) == 0 ? d.consumeInt(0, 3) : expectedChildren;
        int aChildren = d.consumeInt(0, 15) == 0 ? d.consumeInt(0, 3) : sChildren;
        long childNeed = claimed < 0 ? 4 : format.startsWith("+w:")
                ? BigInteger.valueOf(claimed).multiply(BigInteger.valueOf(listSize(format))).min(BigInteger.valueOf(MAX_BUFFER)).longValue()
                : claimed;
        int most = Math.max(sChildren, aChildren);
        MemorySegment sc = sChildren == 0 ? MemorySegment.NULL : p.arena.allocate(ValueLayout.ADDRESS, sChildren);
        MemorySegment ac = aChildren == 0 ? MemorySegment.NULL : p.arena.allocate(ValueLayout.ADDRESS, aChildren);
        for (int i = 0; i < most; i++) {
            MemorySegment[] child = node(d, p, depth + 1, childNeed);
            if (i < sChildren) {
                sc.setAtIndex(ValueLayout.ADDRESS, i, d.consumeInt(0, 63) == 0 ? MemorySegment.NULL : child[0]);
            }
            if (i < aChildren) {
                ac.setAtIndex(ValueLayout.ADDRESS, i, d.consumeInt(0, 63) == 0 ? MemorySegment.NULL : child[1]);
            }
        }
        // a count larger than the pointer array would be a producer lie no consumer can detect;
        // counts are fuzzed through sChildren/aChildren (both allocated), plus a negative one
        s.nChildren(d.consumeInt(0, 63) == 0 ? -1 : sChildren);
        s.children(sc);
        a.nChildren(aChildren);
        a.children(ac);
        if (d.consumeInt(0, 31) == 0) {
            ArrowSchema dict = ArrowSchema.allocate(p.arena);
            dict.format(p.cString("i"));
            dict.releaseCallback(CHILD);
            s.dictionary(dict.segment());
        }
        if (d.consumeInt(0, 31) == 0) {
            a.dictionary(ArrowArray.allocate(p.arena).segment());
        }
        return new MemorySegment[] {s.segment(), a.segment()};
    }

    @FuzzTest(maxDuration = "30s")
    void importPair(FuzzedDataProvider data) {
        SCHEMA_RELEASES.set(0);
        ARRAY_RELEASES.set(0);
        CHILD_RELEASES.set(0);
        ForeignMemory.flushReleases();
        int liveBefore = ArrowDiagnostics.snapshot().liveImports();
        try (Producer p = new Producer()) {
            MemorySegment[] root = node(data, p, 0, data.consumeLong(0, 16));
            ArrowSchema s = ArrowSchema.wrap(root[0]);
            ArrowArray a = ArrowArray.wrap(root[1]);
            s.releaseCallback(SCHEMA_ROOT);
            a.releaseCallback(ARRAY_ROOT);
            if (data.consumeInt(0, 63) == 0) {
                s.releaseCallback(MemorySegment.NULL); // already released by its producer
            }
            boolean schemaLive = !s.isReleased();
            String described = describe(s, a);
            ImportedView imported;
            try {
                imported = ArrowImporter.importPair(s, a);
            } catch (ArrowImportException refused) {
                assertTrue(refused.getMessage() != null && !refused.getMessage().isEmpty(), "refusal has a message");
                ForeignMemory.flushReleases();
                assertTrue(s.isReleased() && a.isReleased(), "refused structs are released");
                assertEquals(schemaLive ? 1 : 0, SCHEMA_RELEASES.get(), "schema release runs once");
                assertEquals(1, ARRAY_RELEASES.get(), "array release runs once: " + refused.getMessage());
                assertEquals(0, CHILD_RELEASES.get(), "the consumer never releases a child");
                assertEquals(liveBefore, ArrowDiagnostics.snapshot().liveImports(), "a refused import holds nothing");
                return;
            }
            ForeignMemory.flushReleases();
            assertTrue(schemaLive, "imported a released schema");
            assertTrue(s.isReleased() && a.isReleased(), "imported structs are moved");
            assertEquals(1, SCHEMA_RELEASES.get(), "schema released once, at import");
            BufferView v = imported.view();
            long bytes = v.byteLength();
            // the view cannot carry more data than the producer gave it (bit-packed booleans expand 8x)
            assertTrue(bytes <= 8 * p.totalBytes + 8 * 64 || v.elementCount() == 0
                    || allStridesZero(v), "view larger than the producer's buffers: " + v + " bytes=" + bytes
                    + " given=" + p.totalBytes + " input: " + described);
            if (!imported.copied() && v.isNative() && v.memory().byteSize() > 0) {
                long lo = v.memory().address();
                long hi = lo + v.memory().byteSize();
                boolean inside = false;
                for (long[] b : p.buffers) {
                    inside |= lo >= b[0] && hi <= b[0] + b[1];
                }
                assertTrue(inside, "zero-copy view memory outside every producer buffer: " + v + " memory=0x" + Long.toHexString(lo)
                        + "+" + (hi - lo) + " buffers=" + p.buffers.stream().map(b -> "0x" + Long.toHexString(b[0]) + "+" + b[1]).toList()
                        + " input: " + described);
            }
            if (bytes <= 1 << 20) {
                byte[] out = v.toBytes();
                assertEquals(bytes, out.length);
                if (lists(v.shape()) <= 4096) {
                    v.toList();
                }
            }
            v.close();
            v.close();
            assertThrows(IllegalStateException.class, v::toBytes, "use after release");
            ForeignMemory.flushReleases();
            assertEquals(1, ARRAY_RELEASES.get(), "array released once, after the view");
            assertEquals(0, CHILD_RELEASES.get(), "the consumer never releases a child");
            assertEquals(liveBefore, ArrowDiagnostics.snapshot().liveImports(), "the import let go");
        }
    }

    /** The root pair in a line, for finding reports. */
    private static String describe(ArrowSchema s, ArrowArray a) {
        try {
            return "format=" + Structs.string(s.format()) + " metadata=" + Structs.metadata(s) + " n_children="
                    + s.nChildren() + " length=" + a.length() + " offset=" + a.offset() + " null_count=" + a.nullCount()
                    + " n_buffers=" + a.nBuffers() + " array.n_children=" + a.nChildren();
        } catch (RuntimeException e) {
            return "(" + e + ")";
        }
    }

    /**
     * {@return how many values and lists {@code toList} builds}: a [2**40, 0] view (an Arrow
     * {@code +w:0} of length 2**40) has no elements but 2**40 empty lists, as in Python
     */
    private static long lists(long[] shape) {
        BigInteger total = BigInteger.ONE;
        BigInteger prefix = BigInteger.ONE;
        for (long d : shape) {
            prefix = prefix.multiply(BigInteger.valueOf(d));
            total = total.add(prefix);
        }
        return total.min(BigInteger.valueOf(Long.MAX_VALUE)).longValueExact();
    }

    private static boolean allStridesZero(BufferView v) {
        for (long st : v.strides()) {
            if (st != 0) {
                return false;
            }
        }
        return v.ndim() > 0;
    }
}
