package io.bufferbridge.arrow.internal;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowArrayStream;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.view.BufferFlags;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.Order;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A sequence of views exported as an {@code ArrowArrayStream}: a chunked column, one record batch
 * (a {@code +s} struct array with one child) per view. The callbacks are FFM upcalls; the stream's
 * state is registered under the id stored in {@code private_data}.
 *
 * <p>Every chunk must have the same format, itemsize, ndim and {@code shape[1:]}, so that every
 * batch has the stream's type. A chunk of ndim ≥ 2 that is not C-contiguous is copied into C order
 * first (its tensor permutation would otherwise differ from the schema's). The schema's column
 * carries the Arrow type and extension metadata but no {@code bufferbridge.*} keys: those describe
 * one view (its shape, strides, whether it was copied), and a stream column has many.
 */
public final class StreamExport {
    static final int EINVAL = 22;
    static final int EIO = 5;

    private static final FunctionDescriptor GET = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
            ValueLayout.ADDRESS);
    private static final FunctionDescriptor LAST_ERROR = FunctionDescriptor.of(ValueLayout.ADDRESS,
            ValueLayout.ADDRESS);

    private static final Map<Long, State> LIVE = new ConcurrentHashMap<>();
    private static final AtomicLong NEXT_ID = new AtomicLong(1);
    private static final AtomicLong RELEASES = new AtomicLong();
    private static final AtomicLong SPURIOUS = new AtomicLong();

    static final MemorySegment GET_SCHEMA = upcall("getSchema", GET,
            MethodType.methodType(int.class, MemorySegment.class, MemorySegment.class));
    static final MemorySegment GET_NEXT = upcall("getNext", GET,
            MethodType.methodType(int.class, MemorySegment.class, MemorySegment.class));
    static final MemorySegment GET_LAST_ERROR = upcall("getLastError", LAST_ERROR,
            MethodType.methodType(MemorySegment.class, MemorySegment.class));
    static final MemorySegment RELEASE = upcall("release", Native.RELEASE,
            MethodType.methodType(void.class, MemorySegment.class));

    private StreamExport() {
    }

    /** One stream: the chunks not yet handed out, the column's type, the last error. */
    private static final class State {
        final String column;
        final List<BufferView> chunks;
        final ImportedSchema column0;
        final Arena errors = Arena.ofShared();
        int next;
        MemorySegment lastError = MemorySegment.NULL;

        State(String column, List<BufferView> chunks, ImportedSchema column0) {
            this.column = column;
            this.chunks = chunks;
            this.column0 = column0;
        }
    }

    /** {@return streams exported and not released yet} */
    public static int liveStreams() {
        return LIVE.size();
    }

    /** {@return stream release callbacks run} */
    public static long releases() {
        return RELEASES.get();
    }

    /** {@return release callbacks run on a stream that was not live (a consumer's bug); should stay 0} */
    public static long spuriousReleases() {
        return SPURIOUS.get();
    }

    /**
     * Exports {@code views} as a stream into {@code out}. Each view is held (a {@code getBuffer}
     * view of it) from now until its batch is released, or the stream is released unread.
     *
     * @throws IllegalArgumentException if {@code out} is live, there is no view, or the views differ
     *     in format, itemsize, ndim or {@code shape[1:]}
     * @throws IllegalStateException if a view has been released
     */
    public static void export(List<BufferView> views, String column, ArrowArrayStream out) {
        JvmFlags.requireNativeAccess();
        if (!out.isReleased()) {
            throw new IllegalArgumentException("export target still holds a live stream: released=false");
        }
        if (views.isEmpty()) {
            throw new IllegalArgumentException("a stream needs at least one view to take its type from: views=0");
        }
        BufferView first = views.get(0);
        long[] firstShape = first.shape();
        for (int i = 1; i < views.size(); i++) {
            BufferView v = views.get(i);
            long[] shape = v.shape();
            boolean same = v.format().text().equals(first.format().text()) && v.itemsize() == first.itemsize()
                    && shape.length == firstShape.length && (shape.length == 0 || Arrays.equals(
                            Arrays.copyOfRange(shape, 1, shape.length),
                            Arrays.copyOfRange(firstShape, 1, firstShape.length)));
            if (!same) {
                throw new IllegalArgumentException("stream chunks differ: chunk=" + i + " format='" + v.format().text()
                        + "' itemsize=" + v.itemsize() + " shape=" + Arrays.toString(shape) + " expected format='"
                        + first.format().text() + "' itemsize=" + first.itemsize() + " shape=[*"
                        + (firstShape.length > 1 ? ", " + Arrays.toString(Arrays.copyOfRange(firstShape, 1,
                                firstShape.length)).substring(1) : "]"));
            }
        }
        ImportedSchema type = columnType(first);
        List<BufferView> held = new ArrayList<>();
        try {
            for (BufferView v : views) {
                held.add(v.getBuffer(BufferFlags.FULL_RO));
            }
        } catch (RuntimeException | Error e) {
            held.forEach(BufferView::close);
            throw e;
        }
        long id = NEXT_ID.getAndIncrement();
        LIVE.put(id, new State(column, held, type));
        out.getSchema(GET_SCHEMA);
        out.getNext(GET_NEXT);
        out.getLastError(GET_LAST_ERROR);
        out.privateData(MemorySegment.ofAddress(id));
        out.release(RELEASE);
    }

    /** The Arrow type of a chunk, read back from a throwaway export of it. */
    private static ImportedSchema columnType(BufferView view) {
        try (Arena arena = Arena.ofConfined()) {
            ArrowSchema s = ArrowSchema.allocate(arena);
            ArrowArray a = ArrowArray.allocate(arena);
            BufferView normal = normalized(view);
            try {
                ViewExport.export(normal, s, a);
            } finally {
                if (normal != view) {
                    normal.close();
                }
            }
            try {
                return ImportedSchema.read(s, "root", 0);
            } finally {
                Native.callRelease(s.release(), s.segment());
                Native.callRelease(a.release(), a.segment());
            }
        }
    }

    /** {@return the view itself, or for ndim ≥ 2 and not C-contiguous a C-order copy on the heap} */
    private static BufferView normalized(BufferView view) {
        if (view.ndim() < 2 || view.isCContiguous()) {
            return view;
        }
        byte[] bytes = view.toBytes(Order.C);
        long[] shape = view.shape();
        return BufferView.of(MemorySegment.ofArray(bytes), 0, view.format().text(), view.itemsize(), shape,
                Layouts.cStrides(view.itemsize(), shape), true);
    }

    private static State state(MemorySegment stream) {
        ArrowArrayStream s = ArrowArrayStream.wrap(stream.reinterpret(ArrowArrayStream.LAYOUT.byteSize()));
        return LIVE.get(s.privateData().address());
    }

    private static void fail(State st, String message) {
        synchronized (st) {
            st.lastError = Native.cString(st.errors, message);
        }
    }

    static int getSchema(MemorySegment stream, MemorySegment out) {
        State st = null;
        try {
            st = state(stream);
            if (st == null) {
                return EINVAL;
            }
            ArrowSchema schema = ArrowSchema.wrap(out.reinterpret(ArrowSchema.LAYOUT.byteSize()));
            Arena arena = new MallocArena();
            try {
                TypeNode column = TypeNode.of(st.column0).named(st.column);
                TypeNode root = new TypeNode("+s", "", Map.of(), List.of(column));
                long id = ExportReleases.nextId();
                ViewExport.writeSchema(root, schema, arena, id, true);
                ExportReleases.register(id, arena, null, ViewExport.countStructs(root));
            } catch (RuntimeException | Error e) {
                schema.release(MemorySegment.NULL);
                arena.close();
                throw e;
            }
            return 0;
        } catch (Throwable t) {
            if (st != null) {
                fail(st, "get_schema failed: " + t);
            }
            return EIO;
        }
    }

    static int getNext(MemorySegment stream, MemorySegment out) {
        State st = null;
        try {
            st = state(stream);
            if (st == null) {
                return EINVAL;
            }
            ArrowArray array = ArrowArray.wrap(out.reinterpret(ArrowArray.LAYOUT.byteSize()));
            BufferView chunk;
            synchronized (st) {
                if (st.next == st.chunks.size()) {
                    // End of stream: a released array.
                    array.release(MemorySegment.NULL);
                    return 0;
                }
                chunk = st.chunks.get(st.next);
                st.chunks.set(st.next, null);
                st.next++;
            }
            Arena arena = new MallocArena();
            ArrowArray child = null;
            try (Arena scratch = Arena.ofConfined()) {
                BufferView normal = normalized(chunk);
                child = ArrowArray.allocate(arena);
                ArrowSchema childSchema = ArrowSchema.allocate(scratch);
                // The batch owns the chunk's hold from here: released with the batch (or at once
                // after a copy).
                ViewExport.exportAdopting(normal, childSchema, child);
                if (normal != chunk) {
                    chunk.close();
                }
                chunk = null;
                Native.callRelease(childSchema.release(), childSchema.segment());
                MemorySegment buffers = arena.allocate(ValueLayout.ADDRESS, 1);
                MemorySegment children = arena.allocate(ValueLayout.ADDRESS, 1);
                children.setAtIndex(ValueLayout.ADDRESS, 0, child.segment());
                long id = ExportReleases.nextId();
                array.length(child.length());
                array.nullCount(0);
                array.offset(0);
                array.nBuffers(1);
                array.nChildren(1);
                array.buffers(buffers);
                array.children(children);
                array.dictionary(MemorySegment.NULL);
                array.privateData(MemorySegment.ofAddress(id));
                ExportReleases.register(id, arena, null, 1);
                array.release(ExportReleases.ARRAY_ROOT);
            } catch (RuntimeException | Error e) {
                array.release(MemorySegment.NULL);
                if (child != null && !child.isReleased()) {
                    Native.callRelease(child.release(), child.segment());
                }
                arena.close();
                if (chunk != null) {
                    chunk.close();
                }
                throw e;
            }
            return 0;
        } catch (Throwable t) {
            if (st != null) {
                fail(st, "get_next failed: " + t);
            }
            return EIO;
        }
    }

    static MemorySegment getLastError(MemorySegment stream) {
        try {
            State st = state(stream);
            if (st == null) {
                return MemorySegment.NULL;
            }
            synchronized (st) {
                return st.lastError;
            }
        } catch (Throwable t) {
            return MemorySegment.NULL;
        }
    }

    static void release(MemorySegment pointer) {
        try {
            ArrowArrayStream s = ArrowArrayStream.wrap(pointer.reinterpret(ArrowArrayStream.LAYOUT.byteSize()));
            State st = s.isReleased() ? null : LIVE.remove(s.privateData().address());
            if (st == null) {
                SPURIOUS.incrementAndGet();
                return;
            }
            RELEASES.incrementAndGet();
            s.release(MemorySegment.NULL);
            synchronized (st) {
                for (BufferView v : st.chunks) {
                    if (v != null) {
                        v.close();
                    }
                }
                st.errors.close();
            }
        } catch (Throwable t) {
            t.printStackTrace();
        }
    }

    /** The column's type as a TypeNode, with the per-view {@code bufferbridge.*} keys left out. */

    private static MemorySegment upcall(String name, FunctionDescriptor descriptor, MethodType type) {
        try {
            var target = MethodHandles.lookup().findStatic(StreamExport.class, name, type);
            return Linker.nativeLinker().upcallStub(target, descriptor, Arena.global());
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
