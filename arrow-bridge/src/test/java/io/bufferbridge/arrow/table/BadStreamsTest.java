package io.bufferbridge.arrow.table;

import io.bufferbridge.view.ForeignMemory;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bufferbridge.arrow.c.ArrowArray;
import io.bufferbridge.arrow.c.ArrowArrayStream;
import io.bufferbridge.arrow.c.ArrowImportException;
import io.bufferbridge.arrow.c.ArrowSchema;
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
import java.util.List;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.Test;

/**
 * Streams and batches that break the contract: a batch that does not match its stream's schema, a
 * {@code get_next} that fails, a column no view can hold, a producer batch with offsets at both
 * levels. Each is a typed exception naming the problem, with everything released.
 */
class BadStreamsTest extends TableFixture {
    private static final MethodHandle CALL_GET = Linker.nativeLinker().downcallHandle(
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    /** The stream whose get_next the hybrid stream forwards to. */
    private static ArrowArrayStream nextFrom;
    private static MemorySegment lastError = MemorySegment.NULL;

    static int forwardNext(MemorySegment stream, MemorySegment out) {
        try {
            return (int) CALL_GET.invokeExact(nextFrom.getNextCallback(), nextFrom.segment(), out);
        } catch (Throwable t) {
            return 5;
        }
    }

    static int failNext(MemorySegment stream, MemorySegment out) {
        return 5;
    }

    static MemorySegment error(MemorySegment stream) {
        return lastError;
    }

    private static MemorySegment upcall(String name, MethodType type, FunctionDescriptor d) {
        try {
            return Linker.nativeLinker().upcallStub(MethodHandles.lookup().findStatic(BadStreamsTest.class, name, type),
                    d, Arena.global());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private static final MemorySegment FORWARD_NEXT = upcall("forwardNext",
            MethodType.methodType(int.class, MemorySegment.class, MemorySegment.class),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MemorySegment FAIL_NEXT = upcall("failNext",
            MethodType.methodType(int.class, MemorySegment.class, MemorySegment.class),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MemorySegment ERROR = upcall("error", MethodType.methodType(MemorySegment.class,
            MemorySegment.class), FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS));

    private static BufferView longs(long... v) {
        return BufferView.ofArray(v);
    }

    @Test
    void aBatchOfAnotherSchemaIsRefused() {
        try (Table two = Table.of(Column.of("a", longs(1, 2)), Column.of("b", longs(3, 4)));
                Table one = Table.of(Column.of("a", longs(5)))) {
            ArrowArrayStream schemaSide = ArrowArrayStream.allocate(arena);
            ArrowArrayStream batchSide = ArrowArrayStream.allocate(arena);
            ArrowTables.exportStream(List.of(two), schemaSide);
            ArrowTables.exportStream(List.of(one), batchSide);
            // The schema of the two-column stream, the batches of the one-column stream.
            schemaSide.getNextCallback(FORWARD_NEXT);
            nextFrom = batchSide;
            ArrowImportException e = assertThrows(ArrowImportException.class, () -> ArrowTables.importStream(schemaSide));
            assertEquals("batch does not match the stream schema: path=stream.batch0 n_children=1 expected=2",
                    e.getMessage());
            ForeignMemory.flushReleases();
            assertTrue(schemaSide.isReleased(), "the stream is released");
            // The forwarded stream is ours to release.
            ArrowTables.importStream(batchSide).forEach(Table::close);
        }
    }

    @Test
    void aFailingGetNextIsReportedWithItsError() {
        try (Table t = Table.of(Column.of("a", longs(1)))) {
            ArrowArrayStream stream = ArrowArrayStream.allocate(arena);
            ArrowTables.exportStream(List.of(t), stream);
            stream.getNextCallback(FAIL_NEXT);
            stream.getLastErrorCallback(ERROR);
            lastError = arena.allocateFrom("disk on fire", StandardCharsets.UTF_8);
            ArrowImportException e = assertThrows(ArrowImportException.class, () -> ArrowTables.importStream(stream));
            assertEquals("get_next failed: errno=5 error='disk on fire'", e.getMessage());
            ForeignMemory.flushReleases();
            assertTrue(stream.isReleased());
            assertEquals(0, t.column("a").values().exports());
        }
    }

    @Test
    void aColumnNoViewCanHoldIsRefusedByName() {
        try (IntVector ok = new IntVector("ok", allocator); VarCharVector text = new VarCharVector("label", allocator)) {
            ok.allocateNew(2);
            ok.set(0, 1);
            ok.set(1, 2);
            ok.setValueCount(2);
            text.allocateNew(2);
            text.setSafe(0, "x".getBytes(StandardCharsets.UTF_8));
            text.setSafe(1, "y".getBytes(StandardCharsets.UTF_8));
            text.setValueCount(2);
            try (VectorSchemaRoot root = VectorSchemaRoot.of(ok, text)) {
                root.setRowCount(2);
                ArrowImportException e = assertThrows(ArrowImportException.class,
                        () -> ArrowTables.fromVectorSchemaRoot(root));
                assertEquals("column cannot be imported: path=batch column=1 name='label': unsupported Arrow format:"
                        + " path=batch.1 format='u'", e.getMessage());
            }
        }
    }

    /**
     * A producer's batch built by hand: a struct array of offset 1 and length 3 whose only child, a
     * nullable int32 with its own offset 2, has a validity bitmap.
     */
    @Test
    void offsetsAtBothLevelsAndABitmapAreHonoured() {
        MemorySegment values = arena.allocate(ValueLayout.JAVA_INT, 8);
        for (int i = 0; i < 8; i++) {
            values.setAtIndex(ValueLayout.JAVA_INT, i, 10 * i);
        }
        MemorySegment bitmap = arena.allocate(1);
        // Rows used: child indices 3, 4, 5 (child offset 2 + batch offset 1); 4 is null.
        bitmap.set(ValueLayout.JAVA_BYTE, 0, (byte) 0b1110_1111);
        ArrowSchema childSchema = ArrowSchema.allocate(arena);
        childSchema.format(arena.allocateFrom("i"));
        childSchema.name(arena.allocateFrom("v"));
        childSchema.flags(2);
        childSchema.releaseCallback(NOOP_SCHEMA);
        ArrowSchema schema = ArrowSchema.allocate(arena);
        schema.format(arena.allocateFrom("+s"));
        schema.nChildren(1);
        MemorySegment schemaChildren = arena.allocate(ValueLayout.ADDRESS);
        schemaChildren.set(ValueLayout.ADDRESS, 0, childSchema.segment());
        schema.children(schemaChildren);
        schema.releaseCallback(NOOP_SCHEMA);
        ArrowArray child = ArrowArray.allocate(arena);
        MemorySegment childBuffers = arena.allocate(ValueLayout.ADDRESS, 2);
        childBuffers.setAtIndex(ValueLayout.ADDRESS, 0, bitmap);
        childBuffers.setAtIndex(ValueLayout.ADDRESS, 1, values);
        child.length(6);
        child.offset(2);
        child.nullCount(-1);
        child.nBuffers(2);
        child.buffers(childBuffers);
        child.releaseCallback(NOOP_ARRAY);
        ArrowArray batch = ArrowArray.allocate(arena);
        MemorySegment batchBuffers = arena.allocate(ValueLayout.ADDRESS, 1);
        MemorySegment batchChildren = arena.allocate(ValueLayout.ADDRESS);
        batchChildren.set(ValueLayout.ADDRESS, 0, child.segment());
        batch.length(3);
        batch.offset(1);
        batch.nBuffers(1);
        batch.buffers(batchBuffers);
        batch.nChildren(1);
        batch.children(batchChildren);
        batch.releaseCallback(NOOP_ARRAY);
        NOOP_RELEASES = 0;
        try (Table t = ArrowTables.importBatch(schema, batch)) {
            assertEquals(3, t.rowCount());
            assertArrayEquals(new int[] {30, 40, 50}, t.column("v").values().toIntArray());
            assertEquals(values.address() + 12, t.column("v").values().address(), "zero-copy at the offset");
            assertArrayEquals(new boolean[] {true, false, true}, t.column("v").validity().orElseThrow().toBooleanArray());
            assertTrue(t.column("v").values().isReadOnly(), "a foreign producer's view is read-only");
        }
        ForeignMemory.flushReleases();
        assertEquals(3, NOOP_RELEASES, "schema root, batch root, and the moved column: each once");
    }

    static int NOOP_RELEASES;

    static void noopSchema(MemorySegment s) {
        NOOP_RELEASES++;
        ArrowSchema.wrap(s.address()).releaseCallback(MemorySegment.NULL);
    }

    static void noopArray(MemorySegment a) {
        NOOP_RELEASES++;
        ArrowArray.wrap(a.address()).releaseCallback(MemorySegment.NULL);
    }

    private static final MemorySegment NOOP_SCHEMA = upcall("noopSchema",
            MethodType.methodType(void.class, MemorySegment.class), FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
    private static final MemorySegment NOOP_ARRAY = upcall("noopArray",
            MethodType.methodType(void.class, MemorySegment.class), FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
}
