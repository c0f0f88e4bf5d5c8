package io.bufferbridge.arrow.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowImportException;
import io.bufferbridge.arrow.c.ArrowImporter;
import io.bufferbridge.arrow.c.ArrowSchema;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole-tree node budget (docs/contract.md, "Hostile trees"): trees whose children are shared
 * (a DAG) are counted as walked, so 2^40 paths are refused after 65,536 visits, at once.
 */
class NodeBudgetTest {
    private static final AtomicInteger RELEASES = new AtomicInteger();
    private static final MemorySegment RELEASE = stub();

    private Arena arena;

    /** Counts only: the importer calls it on its own moved copy of a root, which it then frees. */
    static void release(MemorySegment s) {
        RELEASES.incrementAndGet();
    }

    private static MemorySegment stub() {
        try {
            return Linker.nativeLinker().upcallStub(MethodHandles.lookup().findStatic(NodeBudgetTest.class, "release",
                    MethodType.methodType(void.class, MemorySegment.class)), FunctionDescriptor.ofVoid(ValueLayout.ADDRESS),
                    Arena.global());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    @BeforeEach
    void open() {
        arena = Arena.ofShared();
        RELEASES.set(0);
    }

    @AfterEach
    void close() {
        ForeignMemory.flushReleases();
        arena.close();
    }

    /** A schema DAG: {@code levels} structs deep, each with {@code fanout} children that are one struct. */
    private ArrowSchema schemaDag(int levels, int fanout, String leafFormat) {
        ArrowSchema node = schema(leafFormat, 0, MemorySegment.NULL);
        for (int level = 0; level < levels; level++) {
            MemorySegment children = arena.allocate(ValueLayout.ADDRESS, fanout);
            for (int i = 0; i < fanout; i++) {
                children.setAtIndex(ValueLayout.ADDRESS, i, node.segment());
            }
            node = schema("+s", fanout, children);
        }
        return node;
    }

    private ArrowSchema schema(String format, long n, MemorySegment children) {
        ArrowSchema s = ArrowSchema.allocate(arena);
        s.format(arena.allocateFrom(format, StandardCharsets.UTF_8));
        s.name(arena.allocateFrom("f", StandardCharsets.UTF_8));
        s.nChildren(n);
        s.children(children);
        s.releaseCallback(RELEASE);
        return s;
    }

    private ArrowArray arrayDag(int levels, int fanout) {
        MemorySegment data = arena.allocate(8);
        MemorySegment leafBuffers = arena.allocate(ValueLayout.ADDRESS, 2);
        leafBuffers.setAtIndex(ValueLayout.ADDRESS, 1, data);
        ArrowArray node = array(2, leafBuffers, 0, MemorySegment.NULL);
        for (int level = 0; level < levels; level++) {
            MemorySegment children = arena.allocate(ValueLayout.ADDRESS, fanout);
            for (int i = 0; i < fanout; i++) {
                children.setAtIndex(ValueLayout.ADDRESS, i, node.segment());
            }
            node = array(1, arena.allocate(ValueLayout.ADDRESS, 1), fanout, children);
        }
        return node;
    }

    private ArrowArray array(long nBuffers, MemorySegment buffers, long n, MemorySegment children) {
        ArrowArray a = ArrowArray.allocate(arena);
        a.length(1);
        a.nBuffers(nBuffers);
        a.buffers(buffers);
        a.nChildren(n);
        a.children(children);
        a.releaseCallback(RELEASE);
        return a;
    }

    @Test
    void aSchemaDagOfDepth40IsRefusedWithinASecond() {
        ArrowSchema s = schemaDag(40, 2, "i");
        ArrowArray a = arrayDag(1, 2);
        ArrowImportException e = assertTimeoutPreemptively(Duration.ofSeconds(1),
                () -> assertThrows(ArrowImportException.class, () -> ArrowImporter.importView(s, a)));
        // Depth first, the second (shared) child of the node at depth 25 takes the count past the
        // limit: 41 structs on the way down, then 1 + 3 + 7 + … + (2^16 - 1) reached again.
        assertEquals("schema tree has too many nodes: path=root" + ".0".repeat(25) + ".1"
                + " limit=65536 (shared children count each time they are reached)", e.getMessage());
        assertEquals(2, RELEASES.get(), "both roots released once");
    }

    @Test
    void anArrayDagOfDepth40IsRefusedWithinASecond() {
        ArrowSchema s = schemaDag(1, 2, "l");
        ArrowArray a = arrayDag(40, 2);
        ArrowImportException e = assertTimeoutPreemptively(Duration.ofSeconds(1),
                () -> assertThrows(ArrowImportException.class, () -> ArrowImporter.importView(s, a)));
        assertEquals("array tree has too many nodes", e.getMessage().substring(0, e.getMessage().indexOf(':')));
        assertEquals(2, RELEASES.get(), "both roots released once");
    }

    @Test
    void exactlyTheNodeLimitIsAcceptedAndOneMoreIsRefused() {
        // A binary DAG of 15 levels is 2^16 - 1 visits; one more root above it is 2^16 exactly.
        ArrowSchema inner = schemaDag(15, 2, "i");
        MemorySegment one = arena.allocate(ValueLayout.ADDRESS, 1);
        one.setAtIndex(ValueLayout.ADDRESS, 0, inner.segment());
        ArrowSchema atLimit = schema("+s", 1, one);
        assertEquals(NodeBudget.MAX_NODES, countVisits(atLimit));
        ImportedSchema read = ImportedSchema.read(atLimit, "root", 0);
        assertEquals("+s", read.format());
        MemorySegment two = arena.allocate(ValueLayout.ADDRESS, 2);
        two.setAtIndex(ValueLayout.ADDRESS, 0, inner.segment());
        two.setAtIndex(ValueLayout.ADDRESS, 1, schema("i", 0, MemorySegment.NULL).segment());
        ArrowSchema overLimit = schema("+s", 2, two);
        ArrowImportException e = assertThrows(ArrowImportException.class,
                () -> ImportedSchema.read(overLimit, "root", 0));
        assertEquals("schema tree has too many nodes: path=root.1 limit=65536 (shared children count each time"
                + " they are reached)", e.getMessage());
    }

    private static long countVisits(ArrowSchema s) {
        long n = 1;
        MemorySegment c = s.children().reinterpret(s.nChildren() * ValueLayout.ADDRESS.byteSize());
        for (long i = 0; i < s.nChildren(); i++) {
            n += countVisits(ArrowSchema.wrap(c.getAtIndex(ValueLayout.ADDRESS, i).address()));
        }
        return n;
    }
}
