package io.bufferbridge.arrow.c;

import io.bufferbridge.view.BufferView;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A producer whose release takes its memory away: every data buffer lives in pages of its own
 * from {@code mmap}, and the release callback makes them {@code PROT_NONE}, so any read of
 * released memory is a SIGSEGV that kills the test JVM (and fails the build) instead of reading
 * stale bytes. The pages are unmapped only by {@link #close()}, after every view is gone, so no
 * later mapping can reuse the addresses and hide a read. For tests of the lifetime guarantee.
 *
 * <p>Two kinds of producer: a C-style pair written field by field ({@link #exportInt64},
 * {@link #exportStruct}), released through an upcall, and a bufferbridge view of such pages whose
 * release protects them ({@link #view}), for our own exporters (streams, Arrow Java vectors).
 */
public final class UnmappingProducer implements AutoCloseable {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle MMAP = LINKER.downcallHandle(LINKER.defaultLookup().find("mmap").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle MPROTECT = LINKER.downcallHandle(
            LINKER.defaultLookup().find("mprotect").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle MUNMAP = LINKER.downcallHandle(LINKER.defaultLookup().find("munmap").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final long PAGE = 4096;
    private static final int PROT_NONE = 0;
    private static final int PROT_READ_WRITE = 3;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x22;

    private static final MemorySegment SCHEMA_RELEASE = stub("releaseSchema");
    private static final MemorySegment ARRAY_RELEASE = stub("releaseArray");
    private static final MemorySegment CHILD_RELEASE = stub("releaseChild");
    private static final AtomicLong NEXT_ID = new AtomicLong(1);
    private static final Map<Long, UnmappingProducer> PRODUCERS = new ConcurrentHashMap<>();
    private static final Map<Long, long[]> PAGES_OF_ARRAY = new ConcurrentHashMap<>();

    private final long id = NEXT_ID.getAndIncrement();
    private final Arena structs = Arena.ofShared();
    private final List<long[]> maps = new ArrayList<>();
    private final AtomicInteger releases = new AtomicInteger();
    private final AtomicInteger schemaReleases = new AtomicInteger();

    public UnmappingProducer() {
        PRODUCERS.put(id, this);
    }

    /** {@return array releases (and {@link #view} releases) run so far} */
    public int releases() {
        return releases.get();
    }

    /** {@return schema releases run so far} */
    public int schemaReleases() {
        return schemaReleases.get();
    }

    /** {@return {@code bytes} of fresh read-write pages} */
    public synchronized MemorySegment pages(long bytes) {
        long length = Math.max(PAGE, (bytes + PAGE - 1) / PAGE * PAGE);
        try {
            MemorySegment base = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, length, PROT_READ_WRITE,
                    MAP_PRIVATE_ANONYMOUS, -1, 0L);
            if (base.address() == -1L) {
                throw new AssertionError("mmap failed: bytes=" + bytes);
            }
            maps.add(new long[] {base.address(), length});
            return MemorySegment.ofAddress(base.address()).reinterpret(bytes);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Makes the pages of {@code [address, address + bytes)} unreadable. */
    static void protect(long address, long bytes) {
        long length = Math.max(PAGE, (bytes + PAGE - 1) / PAGE * PAGE);
        try {
            int rc = (int) MPROTECT.invokeExact(MemorySegment.ofAddress(address), length, PROT_NONE);
            if (rc != 0) {
                throw new AssertionError("mprotect failed: address=" + address);
            }
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** {@return a writable C-order view of fresh pages holding {@code values}; its release protects them} */
    public BufferView view(long... values) {
        MemorySegment m = pages(8L * values.length);
        MemorySegment.copy(values, 0, m, ValueLayout.JAVA_LONG, 0, values.length);
        return BufferView.of(m, 0, "q", 8, new long[] {values.length}, new long[] {8}, false, () -> {
            protect(m.address(), m.byteSize());
            releases.incrementAndGet();
        });
    }

    /** Writes a foreign int64 array of {@code values} (format {@code l}, no metadata) into the structs. */
    public void exportInt64(ArrowSchema schema, ArrowArray array, long... values) {
        MemorySegment data = pages(8L * values.length);
        MemorySegment.copy(values, 0, data, ValueLayout.JAVA_LONG, 0, values.length);
        root(schema, "l");
        fill(array, values.length, new MemorySegment[] {MemorySegment.NULL, data});
        rootArray(array, data);
    }

    /**
     * Writes a foreign struct array of two int64 fields {@code a} and {@code b} (an import copies
     * it, interleaving the fields) into the structs.
     */
    public void exportStruct(ArrowSchema schema, ArrowArray array, long[] a, long[] b) {
        MemorySegment data = pages(16L * a.length);
        MemorySegment.copy(a, 0, data, ValueLayout.JAVA_LONG, 0, a.length);
        MemorySegment.copy(b, 0, data, ValueLayout.JAVA_LONG, 8L * a.length, b.length);
        ArrowSchema fa = child("l", "a");
        ArrowSchema fb = child("l", "b");
        root(schema, "+s", fa, fb);
        ArrowArray ca = ArrowArray.allocate(structs);
        fill(ca, a.length, new MemorySegment[] {MemorySegment.NULL, data});
        ca.releaseCallback(CHILD_RELEASE);
        ArrowArray cb = ArrowArray.allocate(structs);
        fill(cb, b.length, new MemorySegment[] {MemorySegment.NULL, data.asSlice(8L * a.length)});
        cb.releaseCallback(CHILD_RELEASE);
        fill(array, a.length, new MemorySegment[] {MemorySegment.NULL}, ca, cb);
        rootArray(array, data);
    }

    private ArrowSchema child(String format, String name) {
        ArrowSchema s = ArrowSchema.allocate(structs);
        s.format(structs.allocateFrom(format, StandardCharsets.UTF_8));
        s.name(structs.allocateFrom(name, StandardCharsets.UTF_8));
        s.metadata(MemorySegment.NULL);
        s.flags(0);
        s.nChildren(0);
        s.children(MemorySegment.NULL);
        s.dictionary(MemorySegment.NULL);
        s.releaseCallback(CHILD_RELEASE);
        return s;
    }

    private void root(ArrowSchema s, String format, ArrowSchema... children) {
        s.format(structs.allocateFrom(format, StandardCharsets.UTF_8));
        s.name(structs.allocateFrom("v", StandardCharsets.UTF_8));
        s.metadata(MemorySegment.NULL);
        s.flags(0);
        s.nChildren(children.length);
        MemorySegment c = children.length == 0 ? MemorySegment.NULL
                : structs.allocate(ValueLayout.ADDRESS, children.length);
        for (int i = 0; i < children.length; i++) {
            c.setAtIndex(ValueLayout.ADDRESS, i, children[i].segment());
        }
        s.children(c);
        s.dictionary(MemorySegment.NULL);
        s.privateData(MemorySegment.ofAddress(id));
        s.releaseCallback(SCHEMA_RELEASE);
    }

    private void fill(ArrowArray a, long length, MemorySegment[] buffers, ArrowArray... children) {
        a.length(length);
        a.nullCount(0);
        a.offset(0);
        a.nBuffers(buffers.length);
        MemorySegment b = structs.allocate(ValueLayout.ADDRESS, buffers.length);
        for (int i = 0; i < buffers.length; i++) {
            b.setAtIndex(ValueLayout.ADDRESS, i, buffers[i]);
        }
        a.buffers(b);
        a.nChildren(children.length);
        MemorySegment c = children.length == 0 ? MemorySegment.NULL
                : structs.allocate(ValueLayout.ADDRESS, children.length);
        for (int i = 0; i < children.length; i++) {
            c.setAtIndex(ValueLayout.ADDRESS, i, children[i].segment());
        }
        a.children(c);
        a.dictionary(MemorySegment.NULL);
    }

    private void rootArray(ArrowArray a, MemorySegment data) {
        long key = NEXT_ID.getAndIncrement();
        PAGES_OF_ARRAY.put(key, new long[] {id, data.address(), data.byteSize()});
        a.privateData(MemorySegment.ofAddress(key));
        a.releaseCallback(ARRAY_RELEASE);
    }

    static void releaseSchema(MemorySegment s) {
        ArrowSchema schema = ArrowSchema.wrap(s.address());
        UnmappingProducer p = PRODUCERS.get(schema.privateData().address());
        if (p != null) {
            p.schemaReleases.incrementAndGet();
        }
        schema.releaseCallback(MemorySegment.NULL);
    }

    static void releaseArray(MemorySegment a) {
        ArrowArray array = ArrowArray.wrap(a.address());
        long[] pages = PAGES_OF_ARRAY.remove(array.privateData().address());
        if (pages != null) {
            protect(pages[1], pages[2]);
            PRODUCERS.get(pages[0]).releases.incrementAndGet();
        }
        array.releaseCallback(MemorySegment.NULL);
    }

    static void releaseChild(MemorySegment s) {
    }

    private static MemorySegment stub(String name) {
        try {
            return LINKER.upcallStub(MethodHandles.lookup().findStatic(UnmappingProducer.class, name,
                    MethodType.methodType(void.class, MemorySegment.class)),
                    FunctionDescriptor.ofVoid(ValueLayout.ADDRESS), Arena.global());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** Unmaps every page; only once no view of them can be alive. */
    @Override
    public synchronized void close() {
        PRODUCERS.remove(id);
        for (long[] m : maps) {
            try {
                int rc = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(m[0]), m[1]);
                if (rc != 0) {
                    throw new AssertionError("munmap failed: address=" + m[0]);
                }
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        }
        maps.clear();
        structs.close();
    }
}
