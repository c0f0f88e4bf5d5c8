package io.bufferbridge.dlpack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bufferbridge.view.BufferView;
import io.bufferbridge.view.ForeignMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Managed tensors no producer should hand over are refused with a {@link DLPackException} naming
 * what is wrong — never a crash — and their deleter still runs, once (DLPack: the consumer owns
 * them from the call on), except when there is none.
 */
class HostileTensorTest {
    private Arena arena;
    private MemorySegment data;
    private int liveImports;

    @BeforeEach
    void setUp() {
        arena = Arena.ofConfined();
        data = arena.allocate(64, 16);
        ForeignMemory.flushReleases();
        liveImports = DLPack.liveImportCount();
    }

    @AfterEach
    void tearDown() {
        ForeignMemory.flushReleases();
        assertEquals(liveImports, DLPack.liveImportCount());
        arena.close();
    }

    /** Builds a good 1-D tensor of 4 int64, spoils it, and expects the refusal, deleter run once. */
    private void refused(Consumer<DLManagedTensorVersioned> spoil, String message) {
        DLManagedTensorVersioned m = Hostile.tensor(arena, data, DLDevice.CPU, new long[] {4}, null);
        int before = Deleters.calls(m.address());
        spoil.accept(m);
        DLPackException e = assertThrows(DLPackException.class, () -> DLPack.importVersioned(m));
        assertEquals(message, e.getMessage());
        assertEquals(before + 1, Deleters.calls(m.address()), "the refused tensor's deleter runs once");
    }

    @Test
    void nullDataWithElements() {
        refused(m -> m.tensor().data(MemorySegment.NULL), "NULL data with elements: data=NULL shape=[4] expected=data");
    }

    @Test
    void ndimOutOfRange() {
        refused(m -> m.tensor().ndim(65), "ndim out of range: ndim=65 expected=0..64");
        refused(m -> m.tensor().ndim(-1), "ndim out of range: ndim=-1 expected=0..64");
    }

    @Test
    void overflowingShapesAndStrides() {
        refused(m -> {
            m.tensor().ndim(2);
            m.tensor().shape(arena.allocateFrom(ValueLayout.JAVA_LONG, 1L << 40, 1L << 40));
        }, "strides overflow 64 bits: 8796093022208*1099511627775 expected=a product < 2^63");
        refused(m -> {
            m.tensor().ndim(3);
            m.tensor().shape(arena.allocateFrom(ValueLayout.JAVA_LONG, 1L << 30, 1L << 30, 1L << 30));
        }, "shape overflow 64 bits: 8589934592*1073741824 expected=a product < 2^63");
        refused(m -> m.tensor().strides(arena.allocateFrom(ValueLayout.JAVA_LONG, 1L << 61)),
                "strides overflow 64 bits: 2305843009213693952*8 expected=a product < 2^63");
        refused(m -> m.tensor().strides(arena.allocateFrom(ValueLayout.JAVA_LONG, 1L << 59)),
                "strides overflow 64 bits: 4611686018427387904*3 expected=a product < 2^63");
        refused(m -> m.tensor().shape(arena.allocateFrom(ValueLayout.JAVA_LONG, -3)),
                "negative dimension: shape[0]=-3 expected>=0");
        refused(m -> m.tensor().byteOffset(-8), "byte_offset out of range: byte_offset=18446744073709551608 expected<2^63");
        refused(m -> m.tensor().byteOffset(Long.MAX_VALUE - 8),
                "byte_offset overflow 64 bits: " + data.address() + "+" + (Long.MAX_VALUE - 8) + " expected=a sum < 2^63");
    }

    @Test
    void aDifferentMajorVersion() {
        refused(m -> {
            m.version().major(2);
            m.version().minor(7);
        }, "unsupported DLPack major version: version.major=2 version.minor=7 expected=1");
    }

    @Test
    void aDeviceThatIsNotHostMemory() {
        refused(m -> {
            m.tensor().device().deviceType(DLDevice.CUDA);
            m.tensor().device().deviceId(1);
        }, "device is not host memory: device.device_type=2 device.device_id=1 expected=1 (kDLCPU) or 3 (kDLCUDAHost)");
    }

    @Test
    void dtypesWithoutAFormat() {
        refused(m -> m.tensor().dtype().lanes(4), "vector dtypes are not supported: dtype.lanes=4 expected=1");
        refused(m -> m.tensor().dtype().code(DLDataType.BFLOAT), "dtype has no PEP 3118 format: dtype.code=4 "
                + "dtype.bits=64 expected=kDLInt/kDLUInt 8-64, kDLFloat 16/32/64, kDLComplex 64/128 or kDLBool 8");
        refused(m -> m.tensor().dtype().bits(12), "dtype has no PEP 3118 format: dtype.code=0 "
                + "dtype.bits=12 expected=kDLInt/kDLUInt 8-64, kDLFloat 16/32/64, kDLComplex 64/128 or kDLBool 8");
    }

    @Test
    void nullShapeWithDimensions() {
        refused(m -> m.tensor().shape(MemorySegment.NULL), "NULL shape: ndim=1 shape=NULL expected=ndim values");
    }

    @Test
    void aNullDeleterIsRefusedAndNothingIsCalled() {
        DLManagedTensorVersioned m = Hostile.tensor(arena, data, DLDevice.CPU, new long[] {4}, null);
        m.deleter(MemorySegment.NULL);
        int before = Deleters.calls(m.address());
        DLPackException e = assertThrows(DLPackException.class, () -> DLPack.importVersioned(m));
        assertEquals("managed tensor without a deleter: struct=DLManagedTensorVersioned deleter=NULL "
                + "expected=a deleter, run once when the view is released", e.getMessage());
        DLManagedTensor legacy = Hostile.legacy(arena, data, new long[] {4}, null);
        legacy.deleter(MemorySegment.NULL);
        int beforeLegacy = Deleters.calls(legacy.address());
        assertThrows(DLPackException.class, () -> DLPack.importLegacy(legacy));
        assertEquals(before, Deleters.calls(m.address()));
        assertEquals(beforeLegacy, Deleters.calls(legacy.address()));
        assertThrows(DLPackException.class, () -> DLPack.importVersioned(null));
    }

    @Test
    void cudaHostMemoryByteOffsetAndNullStridesAreAccepted() {
        for (int i = 0; i < 8; i++) {
            data.setAtIndex(ValueLayout.JAVA_LONG, i, 100 + i);
        }
        DLManagedTensorVersioned m = Hostile.tensor(arena, data, DLDevice.CUDA_HOST, new long[] {2, 3}, null);
        m.tensor().byteOffset(16);
        int before = Deleters.calls(m.address());
        m.flags(DLManagedTensorVersioned.FLAG_READ_ONLY | DLManagedTensorVersioned.FLAG_IS_COPIED);
        ImportedTensor imported = DLPack.importVersioned(m);
        assertTrue(imported.copied());
        try (BufferView v = imported.view()) {
            assertEquals("q", v.format().text());
            assertArrayEquals(new long[] {24, 8}, v.strides());
            assertEquals(data.address() + 16, v.address());
            assertTrue(v.isReadOnly());
            assertEquals(List.of(List.of(102L, 103L, 104L), List.of(105L, 106L, 107L)), v.toList());
        }
        ForeignMemory.flushReleases();
        assertEquals(before + 1, Deleters.calls(m.address()));
    }

    @Test
    void negativeElementStridesReachBeforeData() {
        for (int i = 0; i < 8; i++) {
            data.setAtIndex(ValueLayout.JAVA_LONG, i, i);
        }
        DLManagedTensor m = Hostile.legacy(arena, data.asSlice(56), new long[] {2, 4}, new long[] {-4, -1});
        int before = Deleters.calls(m.address());
        try (BufferView v = DLPack.importLegacy(m).view()) {
            assertArrayEquals(new long[] {-32, -8}, v.strides());
            assertEquals(List.of(List.of(7L, 6L, 5L, 4L), List.of(3L, 2L, 1L, 0L)), v.toList());
        }
        ForeignMemory.flushReleases();
        assertEquals(before + 1, Deleters.calls(m.address()));
    }
}
