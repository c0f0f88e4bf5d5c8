package io.bufferbridge.arrow.internal;

import io.bufferbridge.arrow.c.ArrowImportException;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The whole-tree limit of docs/contract.md ("Hostile trees"): at most {@link #MAX_NODES} structs
 * visited in one schema or array tree, children shared between parents counted each time they
 * are reached. The per-node limits (depth 64, 65,536 children) alone let a tree whose children
 * all point at one struct have 2^depth paths; counting visits makes the walk stop after
 * {@link #MAX_NODES} steps, whatever the shape. For the same reason the strings and metadata read
 * from the whole tree are capped together at {@link #MAX_BYTES}: one 16 MiB metadata blob shared
 * by every node would otherwise be decoded 65,536 times.
 *
 * <p>A struct reached again is not read again: its subtree, already read and checked, is reused
 * and its visits and bytes are counted in one step. So a DAG of depth 40 is refused after reading
 * 41 structs (a cold JVM walking 65,536 of them took about a second on a loaded 2-core VM), and a
 * legitimate tree is read exactly as before. A cycle never completes a subtree, so it is not
 * reused and ends at the depth limit.
 */
final class NodeBudget {
    static final int MAX_NODES = 1 << 16;
    static final long MAX_BYTES = 64L << 20;

    private final String tree;
    private int visited;
    private long bytes;
    // Made at the first child: a leaf's tree (most imports) needs none.
    private Map<Long, Done> done;

    /** A subtree already read: the node, and what reading it counted. */
    private record Done(Object node, int visits, long bytes) {
    }

    /** @param tree what is walked, for the message: {@code schema} or {@code array} */
    NodeBudget(String tree) {
        this.tree = tree;
    }

    /**
     * Counts one more struct.
     *
     * @throws ArrowImportException if that is more than {@link #MAX_NODES}
     */
    void visit(String path) {
        if (++visited > MAX_NODES) {
            throw new ArrowImportException(tree + " tree has too many nodes: path=" + path + " limit=" + MAX_NODES
                    + " (shared children count each time they are reached)");
        }
    }

    /**
     * Counts {@code n} more bytes of strings and metadata read.
     *
     * @throws ArrowImportException if the tree's total is then more than {@link #MAX_BYTES}
     */
    void read(String path, long n) {
        bytes += n;
        if (bytes > MAX_BYTES) {
            throw new ArrowImportException(tree + " tree has too many bytes of strings and metadata: path=" + path
                    + " limit=" + MAX_BYTES + " found>=" + bytes);
        }
    }

    /** {@return the place in the count before a subtree is read, for {@link #remember}} */
    private long mark() {
        return ((long) visited << 40) | bytes;
    }

    /** Records the subtree at {@code address}, read since {@code mark}. */
    private void remember(long address, Object node, long mark) {
        if (done == null) {
            done = new HashMap<>();
        }
        done.put(address, new Done(node, visited - (int) (mark >>> 40), bytes - (mark & ((1L << 40) - 1))));
    }

    /**
     * {@return the subtree of the struct at {@code address}}: the one already read, counted
     * again, or else {@code read}'s, remembered
     *
     * @throws ArrowImportException if counting it again exceeds a limit
     */
    <T> T child(long address, String path, Supplier<T> read) {
        T seen = again(address, path);
        if (seen == null) {
            long mark = mark();
            seen = read.get();
            remember(address, seen, mark);
        }
        return seen;
    }

    /**
     * {@return the subtree already read at {@code address}, counted again, or null}
     *
     * @throws ArrowImportException if counting it again exceeds a limit
     */
    @SuppressWarnings("unchecked")
    private <T> T again(long address, String path) {
        Done d = done == null ? null : done.get(address);
        if (d == null) {
            return null;
        }
        visited += d.visits() - 1;
        visit(path);
        read(path, d.bytes());
        return (T) d.node();
    }
}
