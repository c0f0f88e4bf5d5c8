package io.bufferbridge.arrow.internal;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowImportException;
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
        return read(a.address(), path, depth);
    }

    /** As {@link #read(ArrowArray, String, int)}, for the struct at {@code a}. */
    static ImportedArray read(long a, String path, int depth) {
        return read(a, path, depth, new NodeBudget("array"));
    }

    // Fields read by address (Structs): no segment object per field.
    private static ImportedArray read(long a, String path, int depth, NodeBudget budget) {
        budget.visit(path);
        if (depth > ImportedSchema.MAX_DEPTH) {
            throw new ArrowImportException("array nested too deeply: path=" + path + " depth=" + depth);
        }
        if (Structs.get(a, Structs.A_RELEASE) == 0) {
            throw new ArrowImportException("ArrowArray already released: path=" + path + " release=NULL");
        }
        if (Structs.get(a, Structs.A_DICTIONARY) != 0) {
            throw new ArrowImportException("dictionary-encoded arrays are not supported: path=" + path);
        }
        long nb = Structs.get(a, Structs.A_N_BUFFERS);
        long bp = Structs.get(a, Structs.A_BUFFERS);
        if (nb < 0 || nb > MAX_BUFFERS) {
            throw new ArrowImportException("ArrowArray n_buffers out of range: path=" + path + " n_buffers=" + nb
                    + " expected=0.." + MAX_BUFFERS);
        }
        if (nb > 0 && bp == 0) {
            throw new ArrowImportException("ArrowArray buffers is NULL: path=" + path + " n_buffers=" + nb);
        }
        long[] buffers = new long[(int) nb];
        for (int i = 0; i < nb; i++) {
            buffers[i] = Structs.pointerAt(bp, i);
        }
        long n = Structs.get(a, Structs.A_N_CHILDREN);
        long cp = Structs.get(a, Structs.A_CHILDREN);
        long length = Structs.get(a, Structs.A_LENGTH);
        long nullCount = Structs.get(a, Structs.A_NULL_COUNT);
        long offset = Structs.get(a, Structs.A_OFFSET);
        if (n < 0 || n > ImportedSchema.MAX_CHILDREN) {
            throw new ArrowImportException("ArrowArray n_children out of range: path=" + path + " n_children=" + n
                    + " expected=0.." + ImportedSchema.MAX_CHILDREN);
        }
        if (n > 0 && cp == 0) {
            throw new ArrowImportException("ArrowArray children is NULL: path=" + path + " n_children=" + n);
        }
        if (n == 0) {
            return new ImportedArray(path, length, nullCount, offset, buffers, List.of());
        }
        List<ImportedArray> children = new ArrayList<>((int) Math.min(n, 16));
        for (long i = 0; i < n; i++) {
            long child = Structs.pointerAt(cp, i);
            if (child == 0) {
                throw new ArrowImportException("ArrowArray child is NULL: path=" + path + " child=" + i);
            }
            String at = path + "." + i;
            children.add(budget.child(child, at, () -> read(child, at, depth + 1, budget)));
        }
        return new ImportedArray(path, length, nullCount, offset, buffers, children);
    }
}
