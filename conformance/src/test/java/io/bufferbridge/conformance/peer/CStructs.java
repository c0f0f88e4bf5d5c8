package io.bufferbridge.conformance.peer;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A hand-made producer of the Arrow C data interface for the tests: ArrowSchema / ArrowArray
 * structs laid out byte by byte in one confined arena, with release callbacks that are FFM upcalls
 * counting how often each struct (identified by its {@code private_data}) was released.
 */
final class CStructs implements AutoCloseable {

    // struct ArrowSchema
    static final long S_FORMAT = 0, S_NAME = 8, S_METADATA = 16, S_FLAGS = 24, S_N_CHILDREN = 32,
            S_CHILDREN = 40, S_DICTIONARY = 48, S_RELEASE = 56, S_PRIVATE = 64;
    // struct ArrowArray
    static final long A_LENGTH = 0, A_NULL_COUNT = 8, A_OFFSET = 16, A_N_BUFFERS = 24, A_N_CHILDREN = 32,
            A_BUFFERS = 40, A_CHILDREN = 48, A_DICTIONARY = 56, A_RELEASE = 64, A_PRIVATE = 72;

    /** Release calls per struct id (private_data), over every instance. */
    static final Map<Long, Integer> SCHEMA_RELEASES = new ConcurrentHashMap<>();
    static final Map<Long, Integer> ARRAY_RELEASES = new ConcurrentHashMap<>();
    private static final AtomicLong NEXT_ID = new AtomicLong(1);

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle CALL_RELEASE = LINKER.downcallHandle(FunctionDescriptor.ofVoid(ADDRESS));

    final Arena arena = Arena.ofConfined();
    final MemorySegment schemaRelease;
    final MemorySegment arrayRelease;

    CStructs() {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            MethodType type = MethodType.methodType(void.class, MemorySegment.class);
            schemaRelease = LINKER.upcallStub(lookup.findStatic(CStructs.class, "releaseSchema", type),
                    FunctionDescriptor.ofVoid(ADDRESS), arena);
            arrayRelease = LINKER.upcallStub(lookup.findStatic(CStructs.class, "releaseArray", type),
                    FunctionDescriptor.ofVoid(ADDRESS), arena);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    static void resetCounts() {
        SCHEMA_RELEASES.clear();
        ARRAY_RELEASES.clear();
    }

    /** The producer's schema release: children first, then the struct is marked released. */
    static void releaseSchema(MemorySegment p) {
        MemorySegment s = p.reinterpret(NativePeer.instance().schemaSize());
        SCHEMA_RELEASES.merge(s.get(JAVA_LONG, S_PRIVATE), 1, Integer::sum);
        long n = s.get(JAVA_LONG, S_N_CHILDREN);
        MemorySegment children = s.get(ADDRESS, S_CHILDREN).reinterpret(n * 8);
        for (long i = 0; i < n; i++) {
            MemorySegment c = children.getAtIndex(ADDRESS, i).reinterpret(NativePeer.instance().schemaSize());
            if (!c.get(ADDRESS, S_RELEASE).equals(MemorySegment.NULL)) {
                releaseSchema(c);
            }
        }
        s.set(ADDRESS, S_RELEASE, MemorySegment.NULL);
    }

    static void releaseArray(MemorySegment p) {
        MemorySegment a = p.reinterpret(NativePeer.instance().arraySize());
        ARRAY_RELEASES.merge(a.get(JAVA_LONG, A_PRIVATE), 1, Integer::sum);
        long n = a.get(JAVA_LONG, A_N_CHILDREN);
        MemorySegment children = a.get(ADDRESS, A_CHILDREN).reinterpret(n * 8);
        for (long i = 0; i < n; i++) {
            MemorySegment c = children.getAtIndex(ADDRESS, i).reinterpret(NativePeer.instance().arraySize());
            if (!c.get(ADDRESS, A_RELEASE).equals(MemorySegment.NULL)) {
                releaseArray(c);
            }
        }
        a.set(ADDRESS, A_RELEASE, MemorySegment.NULL);
    }

    /** Calls the release callback a struct carries, as a consumer does. */
    static void callRelease(MemorySegment struct, long releaseOffset) {
        MemorySegment fn = struct.get(ADDRESS, releaseOffset);
        try {
            CALL_RELEASE.invokeExact(fn, struct);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static long id(MemorySegment struct, long privateOffset) {
        return struct.get(JAVA_LONG, privateOffset);
    }

    /** A schema; {@code metadata} null for none (iteration order is kept). */
    MemorySegment schema(String format, Map<String, String> metadata, MemorySegment... children) {
        MemorySegment s = arena.allocate(NativePeer.instance().schemaSize(), 8);
        s.set(ADDRESS, S_FORMAT, format == null ? MemorySegment.NULL : arena.allocateFrom(format));
        s.set(ADDRESS, S_NAME, arena.allocateFrom("f"));
        s.set(ADDRESS, S_METADATA, metadata == null ? MemorySegment.NULL : metadata(metadata));
        s.set(JAVA_LONG, S_FLAGS, 2); // ARROW_FLAG_NULLABLE
        s.set(JAVA_LONG, S_N_CHILDREN, children.length);
        s.set(ADDRESS, S_CHILDREN, pointers(children));
        s.set(ADDRESS, S_DICTIONARY, MemorySegment.NULL);
        s.set(ADDRESS, S_RELEASE, schemaRelease);
        s.set(JAVA_LONG, S_PRIVATE, NEXT_ID.getAndIncrement());
        return s;
    }

    /** {@return {@code schema}, its name set to {@code name} (every schema starts as "f")} */
    MemorySegment named(String name, MemorySegment schema) {
        schema.set(ADDRESS, S_NAME, arena.allocateFrom(name));
        return schema;
    }

    /** An array without nulls; a null entry in {@code buffers} is a NULL buffer pointer. */
    MemorySegment array(long length, long offset, MemorySegment[] buffers, MemorySegment... children) {
        MemorySegment a = arena.allocate(NativePeer.instance().arraySize(), 8);
        a.set(JAVA_LONG, A_LENGTH, length);
        a.set(JAVA_LONG, A_NULL_COUNT, 0);
        a.set(JAVA_LONG, A_OFFSET, offset);
        a.set(JAVA_LONG, A_N_BUFFERS, buffers.length);
        a.set(JAVA_LONG, A_N_CHILDREN, children.length);
        a.set(ADDRESS, A_BUFFERS, pointers(buffers));
        a.set(ADDRESS, A_CHILDREN, pointers(children));
        a.set(ADDRESS, A_DICTIONARY, MemorySegment.NULL);
        a.set(ADDRESS, A_RELEASE, arrayRelease);
        a.set(JAVA_LONG, A_PRIVATE, NEXT_ID.getAndIncrement());
        return a;
    }

    /** A primitive or w:N array: buffers {NULL validity, data}. */
    MemorySegment leaf(long length, long offset, MemorySegment data) {
        return array(length, offset, new MemorySegment[] {null, data});
    }

    MemorySegment bytes(byte... b) {
        return arena.allocateFrom(JAVA_BYTE, b);
    }

    /** The metadata blob: int32 n, then (int32 keylen, key, int32 vallen, value) per pair, native order. */
    MemorySegment metadata(Map<String, String> pairs) {
        return bytes(blob(pairs));
    }

    static byte[] blob(Map<String, String> pairs) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        writeInt(out, pairs.size());
        pairs.forEach((k, v) -> {
            byte[] kb = k.getBytes(StandardCharsets.UTF_8);
            byte[] vb = v.getBytes(StandardCharsets.UTF_8);
            writeInt(out, kb.length);
            out.writeBytes(kb);
            writeInt(out, vb.length);
            out.writeBytes(vb);
        });
        return out.toByteArray();
    }

    static void writeInt(java.io.ByteArrayOutputStream out, int v) {
        byte[] b = new byte[4];
        MemorySegment.ofArray(b).set(JAVA_INT_UNALIGNED.withOrder(ByteOrder.nativeOrder()), 0, v);
        out.writeBytes(b);
    }

    private MemorySegment pointers(MemorySegment[] ptrs) {
        if (ptrs.length == 0) {
            return MemorySegment.NULL;
        }
        MemorySegment p = arena.allocate(ADDRESS, ptrs.length);
        for (int i = 0; i < ptrs.length; i++) {
            p.setAtIndex(ADDRESS, i, ptrs[i] == null ? MemorySegment.NULL : ptrs[i]);
        }
        return p;
    }

    @Override
    public void close() {
        arena.close();
    }
}
