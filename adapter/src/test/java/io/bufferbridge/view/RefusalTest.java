package io.bufferbridge.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One kind of refusal, one exception type (docs/contract.md, "How bufferbridge refuses"): invalid
 * arguments are {@link InvalidViewException}, a layout or state that refuses is
 * {@link BufferException}, an operation a valid view cannot do is
 * {@link UnsupportedOperationException}; messages quote text values one way.
 */
class RefusalTest {

    private static String message(Class<? extends Throwable> type, org.junit.jupiter.api.function.Executable call) {
        return assertThrows(type, call).getMessage();
    }

    @Test
    void typedAccessorsOnAnotherElementTypeAreUnsupportedOnAValidView() {
        BufferView d = BufferView.ofArray(new double[] {1.5, 2.5});
        assertEquals("getLong needs an integer or '?' format: format='d'",
                message(UnsupportedOperationException.class, () -> d.getLong(0)));
        assertEquals("setLong needs an integer or '?' format: format='d'",
                message(UnsupportedOperationException.class, () -> d.setLong(1, 0)));
        assertEquals("toIntArray needs a 4-byte integer format: format='d'",
                message(UnsupportedOperationException.class, d::toIntArray));
        assertEquals("toByteArray needs a 1-byte integer format: format='d'",
                message(UnsupportedOperationException.class, d::toByteArray));
        assertEquals("toFloatArray needs format 'f' (any byte order): format='d'",
                message(UnsupportedOperationException.class, d::toFloatArray));
        // the view itself stays valid and readable
        assertEquals(1.5, d.getDouble(0));
        assertEquals(List.of(1.5, 2.5), d.toList());

        BufferView record = BufferView.ofSegment(MemorySegment.ofArray(new byte[5]), "ic");
        assertEquals("getDouble needs a real or integer format: format='ic'",
                message(UnsupportedOperationException.class, record::getDouble));
        BufferView g = BufferView.ofSegment(MemorySegment.ofArray(new byte[16]), "g");
        assertEquals("setDouble needs format 'e', 'f' or 'd': format='g'",
                message(UnsupportedOperationException.class, () -> g.setDouble(1.0)));
        BufferView complex = BufferView.ofSegment(MemorySegment.ofArray(new byte[16]), "Zd");
        assertEquals("writing the format is not supported: format='Zd'",
                message(UnsupportedOperationException.class, () -> complex.set(new Complex(1, 2))));
        assertEquals("buffer has no addressable memory: type=java.nio.StringCharBuffer",
                message(InvalidViewException.class, () -> BufferView.ofBuffer(java.nio.CharBuffer.wrap("secret"))));
        assertEquals("heap memory has no stable address: view=BufferView[format='q' itemsize=8 shape=[1] strides=[8]"
                + " offset=0 readonly=false]", message(UnsupportedOperationException.class,
                        () -> BufferView.ofArray(new long[1]).address()));
        assertEquals("asByteBuffer shares only byte[] and native memory, use asSegment() or toBytes(): memory=long[]",
                message(UnsupportedOperationException.class, () -> BufferView.ofArray(new long[1]).asByteBuffer()));
    }

    @Test
    void nonContiguityIsABufferExceptionWhereverItRefuses() {
        BufferView reversed = BufferView.ofArray(new byte[] {1, 2, 3, 4}).asSlice(Long.MAX_VALUE, Long.MIN_VALUE, -1);
        assertEquals("cast: casts are restricted to C-contiguous views: shape=[4] strides=[-1]",
                message(BufferException.class, () -> reversed.asCast("B")));
        assertEquals("cast: casts are restricted to C-contiguous views: shape=[4] strides=[-1]",
                message(BufferException.class, () -> reversed.asCast("B", 2, 2)));
        assertEquals("asSegment needs a C-contiguous view: shape=[4] strides=[-1]",
                message(BufferException.class, reversed::asSegment));
        assertEquals("underlying buffer is not C-contiguous: request=PyBUF_C_CONTIGUOUS format='b' shape=[4]"
                + " strides=[-1] readonly=false", message(BufferException.class,
                        () -> reversed.getBuffer(BufferFlags.C_CONTIGUOUS)));
        // a cast rule on the arguments stays an InvalidViewException
        BufferView ints = BufferView.ofArray(new int[] {1, 2});
        assertEquals("cast: cannot cast between two non-byte formats: from='i' to='q'",
                message(InvalidViewException.class, () -> ints.asCast("q")));
    }

    @Test
    void valuesThatDoNotFitTheFormatNameFormatExpectedAndFound() {
        BufferView b = BufferView.ofArray(new byte[2]);
        assertEquals("value out of range for the format: format='b' value=300 min=-128 max=127",
                message(IllegalArgumentException.class, () -> b.set(300L, 0)));
        assertEquals("value does not fit the format: format='b' expected=an integer found=String",
                message(IllegalArgumentException.class, () -> b.set("x", 0)));
        BufferView c = BufferView.ofSegment(MemorySegment.ofArray(new byte[2]), "c", 2);
        assertEquals("value does not fit the format: format='c' expected=byte[1] found=byte[2]",
                message(IllegalArgumentException.class, () -> c.set(new byte[2], 0)));
        BufferView record = BufferView.ofSegment(MemorySegment.ofArray(new byte[5]), "ic");
        assertEquals("a record takes a List of its values: expected=2 found=1",
                message(IllegalArgumentException.class, () -> record.set(List.of(1L))));
        assertEquals("a record takes a List of its values: expected=2 found=null",
                message(IllegalArgumentException.class, () -> record.set(null)));
    }

    @Test
    void stateRefusalsQuoteTheFormat() {
        BufferView v = BufferView.ofArray(new int[] {1});
        BufferView ro = v.asReadOnly();
        assertEquals("view is read-only: set refused: format='i'",
                message(BufferException.class, () -> ro.set(2L, 0)));
        assertEquals("index has the wrong number of coordinates: coordinates=2 ndim=1",
                message(IndexOutOfBoundsException.class, () -> v.get(0, 0)));
        ro.close();
        assertEquals("operation on a released view: format='i' shape=[1]",
                message(IllegalStateException.class, ro::toList));
    }
}
