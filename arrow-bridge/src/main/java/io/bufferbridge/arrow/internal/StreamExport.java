package io.bufferbridge.arrow.internal;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowArrayStream;
import io.bufferbridge.arrow.c.ArrowExportException;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.view.BufferFlags;
import io.bufferbridge.view.BufferView;
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
import java.util.function.Supplier;

/**
 * Record batches exported as an {@code ArrowArrayStream} (docs/contract.md §5): a chunked column (one batch of
 * one column per view) or a table's batches. The callbacks are FFM upcalls; the stream's state is
 * registered under the id stored in {@code private_data}.
 *
 * <p>Every batch has the stream's type: a tensor column of ndim ≥ 2 that is not C-contiguous is
 * copied into C order when its batch is taken (its tensor permutation would otherwise differ from
 * the schema's). A chunked column's schema carries the Arrow type and extension metadata but no
 * {@code bufferbridge.*} keys (those describe one view, and the column has many); a table's
 * schema carries its first batch's, and an importer takes the row count from each batch.
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

    /**
     * What a stream hands out: its schema, and its batches, each a list of columns and a row count.
     * The stream owns every view in it.
     *
     * @param schema the {@code +s} type every batch has
     * @param batches the columns of each batch
     * @param rows each batch's row count
     */
    public record Batches(TypeNode schema, List<List<ColumnPart>> batches, long[] rows) {
    }

    /** One stream: the batches not yet handed out, the schema, the last error. */
    private static final class State {
        final TypeNode schema;
        final List<List<ColumnPart>> batches;
        final long[] rows;
        final Rearm rearm;
        final Arena errors = Arena.ofShared();
        int next;
        MemorySegment lastError = MemorySegment.NULL;

        State(Batches b, Rearm rearm) {
            this.schema = b.schema();
            this.batches = new ArrayList<>(b.batches());
            this.rows = b.rows();
            this.rearm = rearm;
        }
    }

    /**
     * A stream that is written again each time a consumer moves it out of the struct it keeps, so
     * that DuckDB (whose registered stream factory moves that struct out on every scan and leaves
     * it released) can scan it any number of times. Each arming is a fresh stream over fresh views
     * from {@code source}.
     *
     * <p>The struct the consumer keeps ("home") is the first one that calls {@code get_schema} on
     * the first arming: the target itself if the consumer reads it in place, or the consumer's own
     * copy if it moved the target on registration (DuckDB's JDBC driver 2.x does, and asks for the
     * schema to bind its view before any scan). Home is written only while it is released and
     * before {@link #close()}, which the consumer must call while home is still its memory.
     */
    public static final class Rearm implements AutoCloseable {
        private final Supplier<Batches> source;
        private final ArrowArrayStream target;
        private long firstId;
        private ArrowArrayStream home;
        private boolean closed;

        private Rearm(ArrowArrayStream target, Supplier<Batches> source) {
            this.target = target;
            this.source = source;
        }

        /** A callback of one of this rearm's streams ran on the struct at {@code stream}. */
        synchronized void seen(MemorySegment stream, long id, boolean getSchema) {
            if (closed) {
                return;
            }
            if (home == null && getSchema && id == firstId) {
                home = stream.address() == target.address() ? target
                        : ArrowArrayStream.wrap(stream.reinterpret(ArrowArrayStream.LAYOUT.byteSize()));
            }
            if (home != null && home.isReleased()) {
                arm(home, source.get(), this);
            }
        }

        /**
         * Stops re-arming and releases the armed streams (home's and the target's); streams a
         * consumer has moved out stay its own until it releases them.
         */
        @Override
        public void close() {
            close(true);
        }

        /**
         * Stops re-arming and releases the armed target; home's stream too when {@code homeAlive}
         * (false when the consumer may have freed its struct, as a closed DuckDB connection has:
         * what home's stream holds is then released only if the consumer releases it).
         */
        public synchronized void close(boolean homeAlive) {
            if (closed) {
                return;
            }
            closed = true;
            boolean withHome = homeAlive && home != null && home != target;
            for (ArrowArrayStream s : withHome ? List.of(home, target) : List.of(target)) {
                if (!s.isReleased() && s.releaseCallback().address() == RELEASE.address()) {
                    release(s.segment());
                }
            }
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
     * Exports {@code views} as a stream of one column into {@code out}. Each view is held (a
     * {@code getBuffer} view of it) from now until its batch is released, or the stream is
     * released unread. The schema's column carries no {@code bufferbridge.*} keys.
     *
     * @throws ArrowExportException if {@code out} is live, there is no view, a view is 0-d, or
     *     the views differ in format, itemsize, ndim or {@code shape[1:]}
     * @throws IllegalStateException if a view has been released
     */
    public static void export(List<BufferView> views, String column, ArrowArrayStream out) {
        JvmFlags.requireNativeAccess();
        ExportTargets.requireReleased(out);
        if (views.isEmpty()) {
            throw new ArrowExportException("a stream needs at least one view to take its type from: views=0");
        }
        BufferView first = views.get(0);
        long[] firstShape = first.shape();
        for (int i = 0; i < views.size(); i++) {
            BufferView v = views.get(i);
            long[] shape = v.shape();
            if (shape.length == 0) {
                throw new ArrowExportException("a stream chunk needs ndim>=1 (shape[0] is its length): chunk="
                        + i + " shape=[]");
            }
            boolean same = v.format().text().equals(first.format().text()) && v.itemsize() == first.itemsize()
                    && shape.length == firstShape.length && Arrays.equals(
                            Arrays.copyOfRange(shape, 1, shape.length),
                            Arrays.copyOfRange(firstShape, 1, firstShape.length));
            if (!same) {
                throw new ArrowExportException("stream chunks differ: chunk=" + i + " format='" + v.format().text()
                        + "' itemsize=" + v.itemsize() + " shape=" + Arrays.toString(shape) + " expected format='"
                        + first.format().text() + "' itemsize=" + first.itemsize() + " shape=[*"
                        + (firstShape.length > 1 ? ", " + Arrays.toString(Arrays.copyOfRange(firstShape, 1,
                                firstShape.length)).substring(1) : "]"));
            }
        }
        List<List<ColumnPart>> batches = new ArrayList<>();
        long[] rows = new long[views.size()];
        try {
            for (int i = 0; i < views.size(); i++) {
                BufferView v = views.get(i);
                batches.add(List.of(new ColumnPart(column, v.getBuffer(BufferFlags.FULL_RO), null)));
                rows[i] = v.shape()[0];
            }
        } catch (RuntimeException | Error e) {
            batches.forEach(b -> b.forEach(ColumnPart::close));
            throw e;
        }
        TypeNode schema = BatchExport.schemaType(batches.get(0), false, true);
        arm(out, new Batches(schema, batches, rows), null);
    }

    /**
     * Exports batches of columns into {@code out}, taking every view in them.
     *
     * @throws ArrowExportException if {@code out} is live; the views have been closed then
     */
    public static void exportBatches(Batches batches, ArrowArrayStream out) {
        try {
            ExportTargets.requireReleased(out);
        } catch (ArrowExportException e) {
            batches.batches().forEach(b -> b.forEach(ColumnPart::close));
            throw e;
        }
        arm(out, batches, null);
    }

    /**
     * Arms {@code target} with a stream of {@code source}'s batches, and arms it again, with a fresh
     * call to {@code source}, whenever a consumer has moved it out and calls into its copy.
     *
     * @return stops re-arming and releases what is armed
     */
    public static Rearm exportRearming(ArrowArrayStream target, Supplier<Batches> source) {
        ExportTargets.requireReleased(target);
        Rearm rearm = new Rearm(target, source);
        synchronized (rearm) {
            rearm.firstId = arm(target, source.get(), rearm);
        }
        return rearm;
    }

    /** {@return the id of the stream written into {@code out}} */
    private static long arm(ArrowArrayStream out, Batches batches, Rearm rearm) {
        long id = NEXT_ID.getAndIncrement();
        LIVE.put(id, new State(batches, rearm));
        out.getSchemaCallback(GET_SCHEMA);
        out.getNextCallback(GET_NEXT);
        out.getLastErrorCallback(GET_LAST_ERROR);
        out.privateData(MemorySegment.ofAddress(id));
        out.releaseCallback(RELEASE);
        return id;
    }

    private static State state(MemorySegment stream, boolean getSchema) {
        ArrowArrayStream s = ArrowArrayStream.wrap(stream.reinterpret(ArrowArrayStream.LAYOUT.byteSize()));
        long id = s.privateData().address();
        State st = LIVE.get(id);
        if (st != null && st.rearm != null) {
            st.rearm.seen(stream, id, getSchema);
        }
        return st;
    }

    private static void fail(State st, String message) {
        synchronized (st) {
            st.lastError = Native.cString(st.errors, message);
        }
    }

    static int getSchema(MemorySegment stream, MemorySegment out) {
        State st = null;
        try {
            st = state(stream, true);
            if (st == null) {
                return EINVAL;
            }
            BatchExport.writeSchema(st.schema, ArrowSchema.wrap(out.reinterpret(ArrowSchema.LAYOUT.byteSize())));
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
            st = state(stream, false);
            if (st == null) {
                return EINVAL;
            }
            ArrowArray array = ArrowArray.wrap(out.reinterpret(ArrowArray.LAYOUT.byteSize()));
            List<ColumnPart> batch;
            long rows;
            synchronized (st) {
                if (st.next == st.batches.size()) {
                    // End of stream: a released array.
                    array.releaseCallback(MemorySegment.NULL);
                    return 0;
                }
                batch = st.batches.get(st.next);
                rows = st.rows[st.next];
                st.batches.set(st.next, null);
                st.next++;
            }
            // The batch owns the views from here: released with it (or at once after a copy).
            BatchExport.writeArray(batch, rows, true, array);
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
            State st = state(stream, false);
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
            s.releaseCallback(MemorySegment.NULL);
            synchronized (st) {
                for (List<ColumnPart> b : st.batches) {
                    if (b != null) {
                        b.forEach(ColumnPart::close);
                    }
                }
                st.errors.close();
            }
            if (st.rearm != null) {
                // A consumer that moved the struct out and released its copy without calling it.
                st.rearm.seen(pointer, -1, false);
            }
        } catch (Throwable t) {
            UpcallErrors.report(t);
        }
    }

    private static MemorySegment upcall(String name, FunctionDescriptor descriptor, MethodType type) {
        try {
            var target = MethodHandles.lookup().findStatic(StreamExport.class, name, type);
            return Linker.nativeLinker().upcallStub(target, descriptor, Arena.global());
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
