package io.bufferbridge.arrow.internal;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowImportException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * An {@code ArrowArray} tree read into Java: counts in range, pointers present, children live.
 *
 * @param path where in the tree, for messages
 * @param length elements
 * @param nullCount nulls, or -1
 * @param offset elements to skip in the buffers
 * @param buffers buffer addresses (0 for NULL)
 * @param children child arrays
 */
record ImportedArray(String path, long length, long nullCount, long offset, long[] buffers,
        List<ImportedArray> children) {

    static final long MAX_BUFFERS = 64;

    static ImportedArray read(ArrowArray a, String path, int depth) {
        return read(a, path, depth, new NodeBudget("array"));
    }

    private static ImportedArray read(ArrowArray a, String path, int depth, NodeBudget budget) {
        budget.visit(path);
        if (depth > ImportedSchema.MAX_DEPTH) {
            throw new ArrowImportException("array nested too deeply: path=" + path + " depth=" + depth);
        }
        if (a.isReleased()) {
            throw new ArrowImportException("ArrowArray already released: path=" + path + " release=NULL");
        }
        if (a.dictionary().address() != 0) {
            throw new ArrowImportException("dictionary-encoded arrays are not supported: path=" + path);
        }
        long nb = a.nBuffers();
        if (nb < 0 || nb > MAX_BUFFERS) {
            throw new ArrowImportException("ArrowArray n_buffers out of range: path=" + path + " n_buffers=" + nb
                    + " expected=0.." + MAX_BUFFERS);
        }
        if (nb > 0 && a.buffers().address() == 0) {
            throw new ArrowImportException("ArrowArray buffers is NULL: path=" + path + " n_buffers=" + nb);
        }
        long[] buffers = new long[(int) nb];
        MemorySegment bp = a.buffers().reinterpret(nb * ValueLayout.ADDRESS.byteSize());
        for (int i = 0; i < nb; i++) {
            buffers[i] = bp.getAtIndex(ValueLayout.ADDRESS, i).address();
        }
        long n = a.nChildren();
        if (n < 0 || n > ImportedSchema.MAX_CHILDREN) {
            throw new ArrowImportException("ArrowArray n_children out of range: path=" + path + " n_children=" + n
                    + " expected=0.." + ImportedSchema.MAX_CHILDREN);
        }
        if (n > 0 && a.children().address() == 0) {
            throw new ArrowImportException("ArrowArray children is NULL: path=" + path + " n_children=" + n);
        }
        if (n == 0) {
            return new ImportedArray(path, a.length(), a.nullCount(), a.offset(), buffers, List.of());
        }
        List<ImportedArray> children = new ArrayList<>((int) Math.min(n, 16));
        MemorySegment cp = a.children().reinterpret(n * ValueLayout.ADDRESS.byteSize());
        for (long i = 0; i < n; i++) {
            MemorySegment child = cp.getAtIndex(ValueLayout.ADDRESS, i);
            if (child.address() == 0) {
                throw new ArrowImportException("ArrowArray child is NULL: path=" + path + " child=" + i);
            }
            String at = path + "." + i;
            children.add(budget.child(child.address(), at, () -> read(ArrowArray.wrap(child.address()), at, depth + 1,
                    budget)));
        }
        return new ImportedArray(path, a.length(), a.nullCount(), a.offset(), buffers, children);
    }
}
