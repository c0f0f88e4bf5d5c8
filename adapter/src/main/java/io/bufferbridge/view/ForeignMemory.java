package io.bufferbridge.view;

import io.bufferbridge.format.Format;
import io.bufferbridge.internal.view.Epochs;
import io.bufferbridge.internal.view.Lifetime;
import io.bufferbridge.internal.view.Validity;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Views of memory the JVM does not own — a C producer's buffer, an import's copy — with the
 * lifetime guarantee of docs/contract.md ("Lifetime"). The view's {@link BufferView#memory()} is
 * the given memory rescoped, so that once the view and every view derived from it have been
 * released and the release has taken effect, every {@link MemorySegment}, {@link
 * java.nio.ByteBuffer} and view obtained from them refuses access with {@link
 * IllegalStateException}, and a read racing the release on another thread either completes on live
 * memory or is refused. Only then does the producer's release run, exactly once, on whichever
 * thread completes the release. Arrow C data imports, stream imports and views of Arrow Java
 * vectors are such views; so can be anyone's wrapping of foreign memory.
 *
 * <h2>What it costs, and the bounds</h2>
 * The guarantee is a shared arena's close, a handshake with every Java thread (about 20 µs on a
 * 2-core VM, several times a whole small export + import), so views share the arena of an
 * <em>epoch</em> and one close serves them all. An epoch takes views for at most 1 ms, at most
 * 1,024 of them, and at most 64 MiB of distinct memory (the same memory again counts once; a
 * larger one gets an epoch of its own). Its arena is closed, and its releases run, once it takes
 * no more views and every view of it has been released. So a release runs at most about 1 ms
 * after the later of its own view's release and the release of every other view made in the
 * same 1 ms window (a view kept longer than that is released at once when closed), and an epoch
 * keeps at most 64 MiB, or one larger memory, alive past its release. A segment in use by a
 * downcall or an I/O operation when the arena closes delays the close until the call returns.
 * A view never closed keeps its epoch's releases waiting. {@link #flushReleases()} runs the
 * pending releases at once.
 *
 * <p>Rescoping is a restricted operation: the JVM needs {@code --enable-native-access} for this
 * module (on the class path, {@code ALL-UNNAMED}).
 */
public final class ForeignMemory {
    private ForeignMemory() {
    }

    /**
     * Builds a view of foreign memory.
     *
     * @param memory the foreign memory every element lies in; the view never reads it through
     *     this segment, only through its own rescoped one
     * @param offset byte offset in {@code memory} of element (0,…,0)
     * @param format a PEP 3118 format string
     * @param itemsize bytes per element: the format's {@code struct} or NumPy itemsize
     * @param shape the dimensions
     * @param strides bytes between neighbours along each axis
     * @param readOnly whether writes are refused
     * @param release frees or gives back {@code memory}; run once, after the guarantee holds
     * @return a new root view
     * @throws InvalidViewException under the conditions of
     *     {@link BufferView#of(MemorySegment, long, String, long, long[], long[], boolean)}; then
     *     {@code release} is not run and nothing is kept
     */
    public static BufferView view(MemorySegment memory, long offset, String format, long itemsize, long[] shape,
            long[] strides, boolean readOnly, Runnable release) {
        return view(memory, offset, format, itemsize, shape, strides, readOnly, () -> { }, release);
    }

    /**
     * Builds a view of foreign memory whose producer also holds things the view's segments never
     * reach (structs, metadata): those can go at once, without waiting for the epoch.
     *
     * @param memory the foreign memory every element lies in
     * @param offset byte offset in {@code memory} of element (0,…,0)
     * @param format a PEP 3118 format string
     * @param itemsize bytes per element: the format's {@code struct} or NumPy itemsize
     * @param shape the dimensions
     * @param strides bytes between neighbours along each axis
     * @param readOnly whether writes are refused
     * @param unreached run once, at once, when the view and every view derived from it have been
     *     released, on that thread: it may free anything but {@code memory}
     * @param release frees or gives back {@code memory}; run once, after the guarantee holds, and
     *     after {@code unreached}
     * @return a new root view
     * @throws InvalidViewException under the conditions of
     *     {@link BufferView#of(MemorySegment, long, String, long, long[], long[], boolean)}; then
     *     neither runnable is run and nothing is kept
     */
    public static BufferView view(MemorySegment memory, long offset, String format, long itemsize, long[] shape,
            long[] strides, boolean readOnly, Runnable unreached, Runnable release) {
        Objects.requireNonNull(unreached, "unreached");
        Objects.requireNonNull(release, "release");
        long[] sh = Objects.requireNonNull(shape, "shape").clone();
        long[] st = Objects.requireNonNull(strides, "strides").clone();
        Format parsed = Validity.check(memory, offset, format, itemsize, sh, st, readOnly);
        return viewChecked(memory, offset, parsed, itemsize, sh, st, readOnly, unreached, release);
    }

    /**
     * As {@link #view(MemorySegment, long, String, long, long[], long[], boolean, Runnable,
     * Runnable)} with the format parsed and the arrays taken over (not copied): for the
     * arrow-bridge, through {@code ViewInternals}. The same checks but the parse.
     */
    static BufferView viewOwning(MemorySegment memory, long offset, Format format, long itemsize, long[] shape,
            long[] strides, boolean readOnly, Runnable unreached, Runnable release) {
        Objects.requireNonNull(unreached, "unreached");
        Objects.requireNonNull(release, "release");
        Validity.check(memory, offset, format, itemsize, shape, strides, readOnly);
        return viewChecked(memory, offset, format, itemsize, shape, strides, readOnly, unreached, release);
    }

    private static BufferView viewChecked(MemorySegment memory, long offset, Format parsed, long itemsize, long[] sh,
            long[] st, boolean readOnly, Runnable unreached, Runnable release) {
        // Joined only once nothing can be refused: a refused view leaves no member in an epoch.
        Epochs.Ticket ticket = Epochs.SHARED.join(memory.address(), memory.byteSize());
        return BufferView.ofChecked(ticket.scope(memory), offset, parsed, itemsize, sh, st, readOnly,
                Lifetime.foreign(ticket, unreached, release));
    }

    /**
     * Runs now every pending release of foreign views whose views have all been released; a
     * release whose epoch still has a live view of other memory waits for it. For code that must
     * know the releases have run: before closing an Arrow Java allocator whose vectors were
     * imported, or in a test counting release callbacks. The view model calls it itself before
     * refusing to release a view or free a {@link NativeBuffer} because of live exports. Waits
     * for an epoch another thread is closing at that moment, and for a segment another thread
     * holds in a downcall (the JDK refuses to close an arena while a downcall uses one of its
     * segments), for at most 5 s; after that, that epoch's releases run later, on a daemon thread.
     *
     * @return how many epochs this call closed
     */
    public static int flushReleases() {
        return Epochs.SHARED.flush();
    }
}
