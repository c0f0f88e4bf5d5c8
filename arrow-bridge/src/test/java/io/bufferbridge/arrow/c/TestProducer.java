package io.bufferbridge.arrow.c;

import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A hand-built C producer for tests: writes ArrowSchema/ArrowArray structs with FFM, broken in
 * whatever way a test asks, and counts the root release callbacks the consumer runs.
 */
final class TestProducer implements AutoCloseable {
    static final AtomicInteger SCHEMA_RELEASES = new AtomicInteger();
    static final AtomicInteger ARRAY_RELEASES = new AtomicInteger();

    private static final MemorySegment SCHEMA_ROOT = stub("releaseSchemaRoot");
    private static final MemorySegment ARRAY_ROOT = stub("releaseArrayRoot");
    private static final MemorySegment CHILD = stub("releaseChild");

    final Arena arena = Arena.ofShared();

    TestProducer() {
        // A release an earlier test left waiting for its epoch must not count as this one's.
        ForeignMemory.flushReleases();
        SCHEMA_RELEASES.set(0);
        ARRAY_RELEASES.set(0);
    }

    static void releaseSchemaRoot(MemorySegment s) {
        SCHEMA_RELEASES.incrementAndGet();
        ArrowSchema.wrap(s.address()).releaseCallback(MemorySegment.NULL);
    }

    static void releaseArrayRoot(MemorySegment a) {
        ARRAY_RELEASES.incrementAndGet();
        ArrowArray.wrap(a.address()).releaseCallback(MemorySegment.NULL);
    }

    /**
     * A child's release: the importer never calls it (the parent's release owns the children), and
     * the producer's arena frees everything, so it only has to be non-NULL.
     */
    static void releaseChild(MemorySegment s) {
    }

    private static MemorySegment stub(String name) {
        try {
            return Linker.nativeLinker().upcallStub(
                    MethodHandles.lookup().findStatic(TestProducer.class, name,
                            MethodType.methodType(void.class, MemorySegment.class)),
                    FunctionDescriptor.ofVoid(ValueLayout.ADDRESS), Arena.global());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    MemorySegment cString(String s) {
        return s == null ? MemorySegment.NULL : arena.allocateFrom(s, StandardCharsets.UTF_8);
    }

    /** The C data interface metadata encoding, written by hand. */
    MemorySegment blob(Map<String, String> md) {
        if (md.isEmpty()) {
            return MemorySegment.NULL;
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        writeInt(out, md.size());
        for (Map.Entry<String, String> e : md.entrySet()) {
            byte[] k = e.getKey().getBytes(StandardCharsets.UTF_8);
            byte[] v = e.getValue().getBytes(StandardCharsets.UTF_8);
            writeInt(out, k.length);
            out.writeBytes(k);
            writeInt(out, v.length);
            out.writeBytes(v);
        }
        return bytes(out.toByteArray());
    }

    MemorySegment bytes(byte[] b) {
        MemorySegment m = arena.allocate(Math.max(1, b.length), 16);
        MemorySegment.copy(b, 0, m, ValueLayout.JAVA_BYTE, 0, b.length);
        return m;
    }

    MemorySegment ints(int... values) {
        MemorySegment m = arena.allocate(ValueLayout.JAVA_INT, Math.max(1, values.length));
        MemorySegment.copy(values, 0, m, ValueLayout.JAVA_INT, 0, values.length);
        return m;
    }

    private static void writeInt(java.io.ByteArrayOutputStream out, int v) {
        byte[] b = new byte[4];
        MemorySegment.ofArray(b).set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.nativeOrder()), 0, v);
        out.writeBytes(b);
    }

    /** A child schema (release is a no-op stub, not counted). */
    ArrowSchema schema(String format, MemorySegment metadata, ArrowSchema... children) {
        ArrowSchema s = ArrowSchema.allocate(arena);
        s.format(cString(format));
        s.name(cString(""));
        s.metadata(metadata);
        s.flags(0);
        s.nChildren(children.length);
        MemorySegment c = children.length == 0 ? MemorySegment.NULL : arena.allocate(ValueLayout.ADDRESS, children.length);
        for (int i = 0; i < children.length; i++) {
            c.setAtIndex(ValueLayout.ADDRESS, i, children[i].segment());
        }
        s.children(c);
        s.releaseCallback(CHILD);
        return s;
    }

    ArrowSchema schema(String format, Map<String, String> metadata, ArrowSchema... children) {
        return schema(format, blob(metadata), children);
    }

    ArrowSchema schema(String format, ArrowSchema... children) {
        return schema(format, MemorySegment.NULL, children);
    }

    /** A child array (release is a no-op stub, not counted). */
    ArrowArray array(long length, long offset, MemorySegment[] buffers, ArrowArray... children) {
        ArrowArray a = ArrowArray.allocate(arena);
        a.length(length);
        a.nullCount(0);
        a.offset(offset);
        a.nBuffers(buffers.length);
        MemorySegment b = buffers.length == 0 ? MemorySegment.NULL : arena.allocate(ValueLayout.ADDRESS, buffers.length);
        for (int i = 0; i < buffers.length; i++) {
            b.setAtIndex(ValueLayout.ADDRESS, i, buffers[i]);
        }
        a.buffers(b);
        a.nChildren(children.length);
        MemorySegment c = children.length == 0 ? MemorySegment.NULL : arena.allocate(ValueLayout.ADDRESS, children.length);
        for (int i = 0; i < children.length; i++) {
            c.setAtIndex(ValueLayout.ADDRESS, i, children[i].segment());
        }
        a.children(c);
        a.releaseCallback(CHILD);
        return a;
    }

    /** Makes {@code s} a root: its release is counted. */
    ArrowSchema root(ArrowSchema s) {
        s.releaseCallback(SCHEMA_ROOT);
        return s;
    }

    ArrowArray root(ArrowArray a) {
        a.releaseCallback(ARRAY_ROOT);
        return a;
    }

    /** Frees the producer's memory, once every release waiting for an epoch has run. */
    @Override
    public void close() {
        ForeignMemory.flushReleases();
        arena.close();
    }
}
