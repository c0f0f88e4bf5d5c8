package io.bufferbridge.internal.view;

import io.bufferbridge.format.Format;
import io.bufferbridge.view.BufferView;
import java.lang.foreign.MemorySegment;

/**
 * Non-copying access to views for the arrow-bridge, which exports and imports a view per call:
 * the public accessors ({@code BufferView.shape()}, {@code strides()}) and {@code
 * ForeignMemory.view} copy their arrays, as an immutable API must, and on a small export + import
 * those copies were a tenth of the allocation. Only {@code io.bufferbridge.view} can implement
 * {@link Access} (it reaches private fields), and it installs it once, from {@code BufferView}'s
 * class initializer.
 */
public final class ViewInternals {
    private static volatile Access access;

    private ViewInternals() {
    }

    /** What {@code io.bufferbridge.view} lends its internal callers. */
    public interface Access {
        /**
         * {@return the view's own shape array}: never to be modified
         *
         * @throws IllegalStateException as {@code BufferView.shape()}, if the view is released
         */
        long[] shape(BufferView view);

        /**
         * {@return the view's own strides array}: never to be modified
         *
         * @throws IllegalStateException as {@code BufferView.strides()}, if the view is released
         */
        long[] strides(BufferView view);

        /**
         * {@code ForeignMemory.view(memory, offset, format.text(), …)}, with the same checks
         * (itemsize, bounds, read-only memory) and lifetime, except that {@code shape} and {@code
         * strides} are taken over, not copied, and the format is already parsed: the caller never
         * modifies those arrays again (they may be shared by other views that do not either).
         *
         * @throws io.bufferbridge.view.InvalidViewException as {@code ForeignMemory.view}
         */
        BufferView foreignView(MemorySegment memory, long offset, Format format, long itemsize, long[] shape,
                long[] strides, boolean readOnly, Runnable unreached, Runnable release);
    }

    /**
     * Installs the access; once.
     *
     * @throws IllegalStateException if one is installed already
     */
    public static synchronized void install(Access a) {
        if (access != null) {
            throw new IllegalStateException("view internals already installed: access=" + access.getClass().getName());
        }
        access = a;
    }

    /** {@return the access}, initializing {@code BufferView} first if nothing has yet */
    public static Access get() {
        Access a = access;
        if (a == null) {
            try {
                Class.forName("io.bufferbridge.view.BufferView", true, ViewInternals.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("io.bufferbridge.view.BufferView not found: " + e.getMessage(), e);
            }
            a = access;
        }
        return a;
    }
}
