"""bufferbridge.dlpack on its own, without Java: ``JavaTensor`` in front of a producer written here
with ctypes (it speaks the export function's ABI, as DLPackOffer.exportFunction() does), and
``take`` against that producer and against NumPy. Every managed tensor made is deleted exactly
once, by its capsule or by the test that took it over."""
import ctypes
import gc

import pytest

from bufferbridge import dlpack
from bufferbridge.dlpack import JavaTensor, take


class DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", DLDevice), ("ndim", ctypes.c_int32),
                ("dtype", DLDataType), ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("strides", ctypes.POINTER(ctypes.c_int64)), ("byte_offset", ctypes.c_uint64)]


DELETER = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


class DLPackVersion(ctypes.Structure):
    _fields_ = [("major", ctypes.c_uint32), ("minor", ctypes.c_uint32)]


class DLManagedTensorVersioned(ctypes.Structure):
    _fields_ = [("version", DLPackVersion), ("manager_ctx", ctypes.c_void_p), ("deleter", DELETER),
                ("flags", ctypes.c_uint64), ("dl_tensor", DLTensor)]


class DLManagedTensor(ctypes.Structure):
    _fields_ = [("dl_tensor", DLTensor), ("manager_ctx", ctypes.c_void_p), ("deleter", DELETER)]


# The export function's ABI; the error buffer as a plain pointer (a c_char_p argument of a callback
# would arrive as a copy in a bytes object, not as the caller's buffer).
EXPORT = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_int64, ctypes.c_int32, ctypes.c_void_p, ctypes.c_int64)


def test_the_struct_layouts_match_dlpack_h():
    # The module reads the deleter at these offsets; dlpack.h (LP64) puts it there.
    assert ctypes.sizeof(DLTensor) == 48
    assert DLManagedTensorVersioned.deleter.offset == dlpack._DELETER_OFFSET[True] == 16
    assert DLManagedTensor.deleter.offset == dlpack._DELETER_OFFSET[False] == 56


class Producer:
    """A producer of int64 tensors [0, 1, 2, 3] with the export ABI; it records every call and
    every deletion, and refuses when ``refusal`` is set (NULL plus a message, as Java does)."""

    def __init__(self):
        self.calls = []
        self.deleted = []
        self.live = {}
        self.refusal = None
        self.data = (ctypes.c_int64 * 4)(0, 1, 2, 3)
        self.shape = (ctypes.c_int64 * 1)(4)
        self.deleter = DELETER(self._delete)
        self.export = EXPORT(self._export)
        self.address = ctypes.cast(self.export, ctypes.c_void_p).value

    def _export(self, handle, flags, error, capacity):
        self.calls.append((handle, flags))
        if self.refusal is not None:
            message = self.refusal.encode()[:capacity - 1] + b"\0"
            ctypes.memmove(error, message, len(message))
            return None
        versioned = flags & 1
        tensor = DLManagedTensorVersioned() if versioned else DLManagedTensor()
        t = tensor.dl_tensor
        t.data = ctypes.addressof(self.data)
        t.device = DLDevice(dlpack.KDLCPU, 0)
        t.ndim = 1
        t.dtype = DLDataType(0, 64, 1)
        t.shape = self.shape
        if versioned:
            tensor.version = DLPackVersion(1, 1)
        tensor.deleter = self.deleter
        address = ctypes.addressof(tensor)
        self.live[address] = tensor
        return address

    def _delete(self, address):
        self.deleted.append(address)
        del self.live[address]


@pytest.fixture
def producer():
    p = Producer()
    yield p
    gc.collect()
    assert p.live == {}, "a managed tensor was never deleted"
    assert len(p.deleted) == len(set(p.deleted)), "a managed tensor was deleted twice"


def test_a_consumer_asking_max_version_1_gets_a_versioned_tensor(producer):
    tensor, versioned = take(JavaTensor(producer.address, 7))
    assert versioned is True
    assert producer.calls == [(7, 1)]
    m = DLManagedTensorVersioned.from_address(tensor)
    assert (m.version.major, m.version.minor) == (1, 1)
    assert m.dl_tensor.ndim == 1 and m.dl_tensor.shape[0] == 4
    assert [ctypes.c_int64.from_address(m.dl_tensor.data + 8 * i).value for i in range(4)] == [0, 1, 2, 3]
    # take() renamed the capsule: its collection no longer deletes; the taker does, once.
    gc.collect()
    assert producer.deleted == []
    dlpack._delete(tensor, True)
    assert producer.deleted == [tensor]


@pytest.mark.parametrize("copy, flags", [(None, 1), (True, 1 | 1 << 1), (False, 1 | 2 << 1)])
def test_copy_is_passed_as_the_mode_bits(producer, copy, flags):
    capsule = JavaTensor(producer.address, 3).__dlpack__(max_version=(1, 0), copy=copy)
    assert producer.calls == [(3, flags)]
    del capsule
    gc.collect()
    assert len(producer.deleted) == 1


def test_no_max_version_is_a_legacy_tensor_and_an_unconsumed_capsule_deletes_it(producer):
    capsule = JavaTensor(producer.address, 5).__dlpack__()
    assert producer.calls == [(5, 0)]
    assert dlpack._GetName(capsule) == b"dltensor"
    address = dlpack._GetPointer(capsule, dlpack._NAME[b"dltensor"])
    assert DLManagedTensor.from_address(address).dl_tensor.shape[0] == 4
    del capsule
    gc.collect()
    assert producer.deleted == [address]


def test_max_version_0_is_legacy_too(producer):
    capsule = JavaTensor(producer.address, 5).__dlpack__(max_version=(0, 8))
    assert producer.calls == [(5, 0)]
    assert dlpack._GetName(capsule) == b"dltensor"


def test_a_refusal_is_a_buffer_error_with_the_producers_message(producer):
    producer.refusal = "format 'O' has no DLPack dtype: format=O"
    with pytest.raises(BufferError) as e:
        JavaTensor(producer.address, 1).__dlpack__(max_version=(1, 1))
    assert str(e.value) == "format 'O' has no DLPack dtype: format=O"
    assert producer.live == {}


def test_a_stream_or_another_device_is_refused_before_any_export(producer):
    t = JavaTensor(producer.address, 1)
    with pytest.raises(BufferError) as e:
        t.__dlpack__(stream=1)
    assert str(e.value) == "a Java view is host memory: stream=1 expected=None"
    with pytest.raises(BufferError) as e:
        t.__dlpack__(dl_device=(2, 0))
    assert str(e.value) == "a Java view is host memory: dl_device=(2, 0) expected=(1, 0) (kDLCPU)"
    assert t.__dlpack_device__() == (dlpack.KDLCPU, 0)
    # the CPU device itself is accepted
    t.__dlpack__(dl_device=(1, 0), max_version=(1, 0))
    assert producer.calls == [(1, 1)]


def test_a_null_export_function_is_refused():
    with pytest.raises(ValueError) as e:
        JavaTensor(0, 1)
    assert str(e.value) == "export_function is NULL"


def test_a_consumed_capsule_cannot_be_taken_again(producer):
    capsule = JavaTensor(producer.address, 2).__dlpack__(max_version=(1, 1))

    class Again:
        def __dlpack__(self, **kwargs):
            return capsule

    tensor, versioned = take(Again())
    with pytest.raises(BufferError) as e:
        take(Again())
    assert str(e.value) == ("not an unconsumed DLPack capsule: name=b'used_dltensor_versioned' "
                            "expected='dltensor_versioned' or 'dltensor'")
    dlpack._delete(tensor, versioned)
    assert len(producer.deleted) == 1


def test_a_producer_without_keywords_is_asked_without_them(producer):
    class Old:
        """A producer before the 2023 array API: __dlpack__ takes no keyword."""

        def __init__(self):
            self.inner = JavaTensor(producer.address, 9)

        def __dlpack__(self):
            return self.inner.__dlpack__()

    tensor, versioned = take(Old())
    assert versioned is False
    assert producer.calls == [(9, 0)]
    dlpack._delete(tensor, False)
    assert len(producer.deleted) == 1


def test_take_from_numpy_holds_the_array_until_the_deleter_runs():
    np = pytest.importorskip("numpy")
    a = np.arange(6, dtype=np.int64).reshape(2, 3)[:, ::2]
    refs = __import__("sys").getrefcount(a)
    tensor, versioned = take(a)
    assert versioned is True
    m = DLManagedTensorVersioned.from_address(tensor)
    t = m.dl_tensor
    assert m.version.major == 1
    assert (t.device.device_type, t.ndim) == (dlpack.KDLCPU, 2)
    assert (t.dtype.code, t.dtype.bits, t.dtype.lanes) == (0, 64, 1)
    assert [t.shape[0], t.shape[1]] == [2, 2]
    assert [t.strides[0], t.strides[1]] == [3, 2]  # DLPack strides count elements
    assert t.data + t.byte_offset == a.ctypes.data
    assert __import__("sys").getrefcount(a) == refs + 1, "the tensor holds the array"
    dlpack._delete(tensor, True)
    assert __import__("sys").getrefcount(a) == refs, "the deleter let it go"


def test_numpy_consumes_a_java_tensor_and_its_deleter_runs_once(producer):
    np = pytest.importorskip("numpy")
    a = np.from_dlpack(JavaTensor(producer.address, 4))
    assert a.tolist() == [0, 1, 2, 3]
    assert a.ctypes.data == ctypes.addressof(producer.data), "zero-copy"
    assert producer.calls[0][1] & 1 == 1, "NumPy 2 asks for a versioned tensor"
    assert producer.deleted == []
    del a
    gc.collect()
    assert len(producer.deleted) == 1
