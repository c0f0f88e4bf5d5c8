"""bufferbridge.View: what memoryview and NumPy see of an Arrow pair, PEP 688, and that the Arrow
release runs exactly once, when the View and its last buffer are gone."""
import array
import collections.abc
import gc
import sys

import pytest

from bufferbridge import View, export
from bufferbridge._bufferbridge import _request
from conftest import counters



def numpy():
    return pytest.importorskip("numpy")


def test_memoryview_has_the_exporters_layout_exactly(balanced):
    np = numpy()
    a = np.asfortranarray(np.arange(6, dtype="<i4").reshape(2, 3))
    a.setflags(write=False)
    v = View(export(a))
    m = memoryview(v)
    assert memoryview(a).format == "i"
    assert (m.format, m.itemsize, m.shape, m.strides, m.readonly) == ("i", 4, (2, 3), (4, 8), True)
    assert m.tolist() == [[0, 1, 2], [3, 4, 5]]
    assert (v.format, v.shape, v.strides, v.readonly, v.copied) == ("i", (2, 3), (4, 8), True, False)
    assert m.c_contiguous is False and m.f_contiguous is True
    m.release()


def test_numpy_uses_the_view_zero_copy(balanced):
    np = numpy()
    a = np.arange(24, dtype=np.float64).reshape(2, 3, 4).transpose(0, 2, 1)
    v = View(export(a))
    n = np.asarray(v)
    assert n.ctypes.data == a.ctypes.data == v.address
    assert n.strides == a.strides == (96, 8, 32)
    assert n.flags.writeable  # a writable exporter gives a writable view
    n[1, 2, 0] = -1.0
    assert a[1, 2, 0] == -1.0
    del n


def test_a_read_only_view_refuses_a_writable_request(balanced):
    np = numpy()
    a = np.arange(4, dtype=np.int16)
    a.setflags(write=False)
    v = View(export(a))
    assert np.asarray(v).flags.writeable is False
    assert memoryview(v).cast("B").tobytes() == a.tobytes()  # memoryview asks read-only
    with pytest.raises(BufferError, match=r"^bufferbridge.View: underlying buffer is not writable: request=0x1 "
                                          r"format='h' shape=\[4\] strides=\[2\] readonly=true$"):
        _request(v, 1)  # PyBUF_WRITABLE


def test_a_strided_view_is_copied_into_c_order_on_the_way():
    np = numpy()
    a = np.arange(12, dtype=np.int32)[::3]  # not dense: docs/contract.md §2 copies it
    v = View(export(a))
    assert (v.strides, v.copied) == ((4,), True)
    assert memoryview(v).tolist() == [0, 3, 6, 9]


def test_view_of_a_pyarrow_array_shares_its_buffer(balanced):
    np = numpy()
    pa = pytest.importorskip("pyarrow")
    before = pa.total_allocated_bytes()
    arr = pa.array(np.arange(5, dtype=np.int64) * 3)
    v = View(arr)
    assert (v.format, v.shape, v.strides, v.readonly, v.copied) == ("q", (5,), (8,), True, False)
    assert v.address == arr.buffers()[1].address
    assert memoryview(v).tolist() == [0, 3, 6, 9, 12]
    tensor = pa.FixedShapeTensorArray.from_numpy_ndarray(np.arange(12, dtype=np.float32).reshape(2, 2, 3))
    t = memoryview(View(tensor))
    assert (t.format, t.shape, t.strides) == ("f", (2, 2, 3), (24, 12, 4))
    del arr, v, tensor, t
    gc.collect()
    assert pa.total_allocated_bytes() == before


def test_pyarrow_consumes_an_export_through_the_capsule_interface(balanced):
    np = numpy()
    pa = pytest.importorskip("pyarrow")
    a = np.arange(6, dtype=np.float32) / 2
    before = counters()
    arr = pa.array(export(a))  # pyarrow calls __arrow_c_array__ and moves the pair in
    assert (arr.type, arr.to_pylist()) == (pa.float32(), [0.0, 0.5, 1.0, 1.5, 2.0, 2.5])
    assert arr.buffers()[1].address == a.ctypes.data  # zero-copy
    assert counters()["exports_live"] == before["exports_live"] + 1
    del arr
    assert counters()["export_releases"] == before["export_releases"] + 1
    t = pa.array(export(np.arange(6, dtype=np.int16).reshape(2, 3)))
    assert (t.type.extension_name, t.type.shape, t.to_numpy_ndarray().tolist()) == (
        "arrow.fixed_shape_tensor", [3], [[0, 1, 2], [3, 4, 5]])
    del t


def test_view_refuses_what_a_buffer_cannot_hold():
    pa = pytest.importorskip("pyarrow")
    with pytest.raises(ValueError, match="nulls cannot be represented in a buffer view: path=root format='l' null_count=1"):
        View(pa.array([1, None, 3]))
    with pytest.raises(NotImplementedError, match="unsupported Arrow format: path=root format='u'"):
        View(pa.array(["a"]))


def test_view_of_a_polars_series(balanced):
    pl = pytest.importorskip("polars")
    s = pl.Series("x", [1.5, 2.5, 4.0])  # __arrow_c_stream__ only
    v = View(s)
    assert (v.format, v.shape, v.readonly, memoryview(v).tolist()) == ("d", (3,), True, [1.5, 2.5, 4.0])
    chunked = pl.concat([pl.Series("x", [1]), pl.Series("x", [2])], rechunk=False)
    with pytest.raises(ValueError, match="^View\\(obj\\): the Arrow stream of Series has more than one array: chunks>=2 expected=1"):
        View(chunked)
    assert memoryview(View(chunked.rechunk())).tolist() == [1, 2]


def test_view_of_a_pyarrow_chunked_array_stream(balanced):
    pa = pytest.importorskip("pyarrow")
    before = pa.total_allocated_bytes()
    one = pa.chunked_array([pa.array([7, 8], pa.int32())])
    assert not hasattr(one, "__arrow_c_array__")
    assert memoryview(View(one)).tolist() == [7, 8]
    with pytest.raises(ValueError, match="chunks=0"):
        View(pa.chunked_array([], pa.int32()))
    with pytest.raises(ValueError, match="chunks>=2"):
        View(pa.chunked_array([[1], [2]], pa.int32()))
    del one
    gc.collect()
    assert pa.total_allocated_bytes() == before


@pytest.mark.skipif(sys.version_info < (3, 12), reason="PEP 688 (collections.abc.Buffer, __buffer__) is Python 3.12+")
def test_pep_688_buffer():
    v = View(export(array.array("B", [0, 1, 2])))
    assert isinstance(v, collections.abc.Buffer)
    assert issubclass(View, collections.abc.Buffer)
    m = v.__buffer__(0)
    assert (m.format, m.tolist()) == ("B", [0, 1, 2])
    m.release()


@pytest.mark.skipif(sys.version_info < (3, 12), reason="a Python class with __buffer__ (PEP 688) is Python 3.12+")
def test_export_of_a_class_with_dunder_buffer_releases_it_once(balanced):
    class Wrapped:
        """A user's class wrapping an array: its buffer is the array's, and it counts releases."""

        def __init__(self):
            self.data = array.array("d", [1.5, -2.0, 8.25])
            self.released = 0

        def __buffer__(self, flags):
            return memoryview(self.data)

        def __release_buffer__(self, view):
            self.released += 1
            view.release()

    w = Wrapped()
    v = View(export(w))
    assert (v.format, v.shape, v.readonly, memoryview(v).tolist()) == ("d", (3,), False, [1.5, -2.0, 8.25])
    assert w.released == 0
    del v
    assert w.released == 1


def test_refcounts_and_one_release_each():
    a = array.array("i", range(10))
    base = sys.getrefcount(a)
    before = counters()
    e = export(a)
    assert sys.getrefcount(a) == base + 2  # the Export, and the Py_buffer its pair holds
    with pytest.raises(BufferError):
        a.append(10)  # exported: array.array cannot resize
    v = View(e)
    del e
    assert sys.getrefcount(a) == base + 1  # the pair, now the View's
    assert counters()["views_live"] == before["views_live"] + 1
    m = memoryview(v)
    n = memoryview(v)
    assert sys.getrefcount(v) == 4  # v, the call's argument, and the two memoryviews' buffers
    assert v.exports == 2
    del v
    after = counters()
    assert after["arrow_releases"] == before["arrow_releases"]  # buffers still hold the View
    m.release()
    assert counters()["arrow_releases"] == before["arrow_releases"]
    n.release()
    after = counters()
    assert after["arrow_releases"] == before["arrow_releases"] + 1
    assert after["export_releases"] == before["export_releases"] + 1
    assert after["views_live"] == before["views_live"]
    assert after["exports_live"] == before["exports_live"]
    assert sys.getrefcount(a) == base
    a.append(10)  # released: it can resize again
    assert a[-1] == 10


def test_a_dropped_capsule_releases_once():
    a = array.array("b", range(4))
    before = counters()
    s, arr = export(a).__arrow_c_array__()
    assert counters()["exports_live"] == before["exports_live"] + 1
    del s, arr
    after = counters()
    assert after["export_releases"] == before["export_releases"] + 1
    assert after["exports_live"] == before["exports_live"]


def test_each_arrow_c_array_call_is_a_new_pair():
    a = bytearray(b"wxyz")
    before = counters()
    e = export(a)
    first = View(e)
    second = View(e)
    assert first.address == second.address == _request(a, 0)["buf"]
    assert counters()["exports_live"] == before["exports_live"] + 2
    del e, first, second
    after = counters()
    assert after["export_releases"] == before["export_releases"] + 2
    assert after["arrow_releases"] == before["arrow_releases"] + 2


def test_an_export_never_handed_out_releases_once():
    before = counters()
    e = export(bytearray(b"abc"))
    del e
    assert counters()["export_releases"] == before["export_releases"] + 1
    assert counters()["exports_live"] == before["exports_live"]
