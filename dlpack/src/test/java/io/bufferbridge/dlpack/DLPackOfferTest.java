package io.bufferbridge.dlpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bufferbridge.view.BufferException;
import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link DLPackOffer} through its C export function, called as Python's {@code ctypes} calls it:
 * the request bits, the error buffer, the PyTorch rule, a withdrawn handle.
 */
class DLPackOfferTest {
    private static final MethodHandle EXPORT = Linker.nativeLinker().downcallHandle(DLPackOffer.exportFunction(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG));

    @AfterEach
    void nothingLeft() {
        ForeignMemory.flushReleases();
        assertEquals(0, DLPack.liveExportCount());
        assertEquals(0, DLPack.spuriousDeleterCount());
    }

    /** {@return the tensor, or the message as a String} */
    private static Object export(long handle, int request, Arena arena) throws Throwable {
        MemorySegment error = arena.allocate(256);
        MemorySegment t = (MemorySegment) EXPORT.invokeExact(handle, request, error, 256L);
        return t.address() == 0 ? error.getString(0) : t;
    }

    private static BufferView doubles(Arena arena, long[] strides, boolean readOnly) {
        MemorySegment m = arena.allocate(64, 16);
        for (int i = 0; i < 8; i++) {
            m.setAtIndex(ValueLayout.JAVA_DOUBLE, i, i);
        }
        return BufferView.of(m, strides[0] < 0 ? 56 : 0, "d", 8, new long[] {4}, strides, readOnly);
    }

    @Test
    void theRequestBitsChooseTheStructAndTheCopy() throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            BufferView v = doubles(arena, new long[] {16}, false);
            try (DLPackOffer offer = DLPackOffer.of(v)) {
                assertThrows(BufferException.class, v::close, "the offer's export keeps the view");
                MemorySegment versioned = (MemorySegment) export(offer.handle(), 1, arena);
                DLManagedTensorVersioned m = DLManagedTensorVersioned.wrap(versioned.address());
                assertEquals(0, m.flags());
                assertEquals(v.address(), m.tensor().data().address());
                MemorySegment copied = (MemorySegment) export(offer.handle(), 1 | 1 << 1, arena);
                assertEquals(DLManagedTensorVersioned.FLAG_IS_COPIED, DLManagedTensorVersioned.wrap(copied.address()).flags());
                MemorySegment legacy = (MemorySegment) export(offer.handle(), 2 << 1, arena);
                assertEquals(v.address(), DLManagedTensor.wrap(legacy.address()).tensor().data().address());
                assertEquals("bad export request: request=7 expected=bit 0 versioned, bits 1-2 copy 0..2",
                        export(offer.handle(), 7, arena));
                assertEquals(3, offer.exportCount());
                assertEquals(1, offer.copyCount());
                for (MemorySegment t : List.of(versioned, copied)) {
                    Deleters.call(DLManagedTensorVersioned.wrap(t.address()).deleter(), t);
                }
                Deleters.call(DLManagedTensor.wrap(legacy.address()).deleter(), legacy);
            }
            v.close();
            assertEquals("no such DLPack offer (withdrawn or never made): handle=-5", export(-5, 1, arena));
        }
    }

    @Test
    void aWithdrawnOfferRefusesAndItsTensorsOutliveIt() throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            BufferView v = doubles(arena, new long[] {8}, false);
            DLPackOffer offer = DLPackOffer.of(v);
            MemorySegment t = (MemorySegment) export(offer.handle(), 1, arena);
            offer.close();
            offer.close();
            v.close();
            assertEquals("no such DLPack offer (withdrawn or never made): handle=" + offer.handle(),
                    export(offer.handle(), 1, arena));
            assertThrows(IllegalStateException.class, () -> offer.export(true, CopyMode.IF_NEEDED));
            try (BufferView back = DLPack.importVersioned(DLManagedTensorVersioned.wrap(t.address())).view()) {
                assertEquals(List.of(0.0, 1.0, 2.0, 3.0), back.toList());
            }
        }
    }

    @Test
    void theTorchRuleRefusesReadOnlyUnlessCopiedAndCopiesNegativeStrides() throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            BufferView readOnly = doubles(arena, new long[] {8}, true);
            try (DLPackOffer offer = DLPackOffer.of(readOnly, DLPackOffer.Consumer.TORCH)) {
                assertEquals("a read-only view is not shared with PyTorch, which ignores DLPACK_FLAG_BITMASK_READ_ONLY and "
                        + "would write it: readonly=true consumer=TORCH copy=None expected=copy=True (a private copy) or "
                        + "a writable view", export(offer.handle(), 1, arena));
                MemorySegment copy = (MemorySegment) export(offer.handle(), 1 | 1 << 1, arena);
                DLManagedTensorVersioned m = DLManagedTensorVersioned.wrap(copy.address());
                assertEquals(DLManagedTensorVersioned.FLAG_IS_COPIED | DLManagedTensorVersioned.FLAG_READ_ONLY, m.flags());
                DLPack.importVersioned(m).view().close();
            }
            readOnly.close();
            BufferView reversed = doubles(arena, new long[] {-8}, false);
            try (DLPackOffer offer = DLPackOffer.of(reversed, DLPackOffer.Consumer.TORCH)) {
                MemorySegment t = (MemorySegment) export(offer.handle(), 1, arena);
                DLManagedTensorVersioned m = DLManagedTensorVersioned.wrap(t.address());
                assertEquals(DLManagedTensorVersioned.FLAG_IS_COPIED, m.flags());
                assertNotEquals(reversed.address(), m.tensor().data().address());
                try (BufferView back = DLPack.importVersioned(m).view()) {
                    assertEquals(List.of(7.0, 6.0, 5.0, 4.0), back.toList());
                    assertEquals(8, back.strides()[0]);
                }
                String refused = (String) export(offer.handle(), 1 | 2 << 1, arena);
                assertTrue(refused.startsWith("PyTorch cannot take a negative stride and only a copy has none: "
                        + "consumer=TORCH copy=False strides=[-8]"), refused);
            }
            try (DLPackOffer offer = DLPackOffer.of(reversed)) {
                MemorySegment t = (MemorySegment) export(offer.handle(), 1, arena);
                assertEquals(reversed.address(), DLManagedTensorVersioned.wrap(t.address()).tensor().data().address());
                DLPack.importVersioned(DLManagedTensorVersioned.wrap(t.address())).view().close();
            }
            reversed.close();
        }
    }
}
