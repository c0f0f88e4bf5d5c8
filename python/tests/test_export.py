"""Every layout of the built-in corpus, and every NumPy dtype in it, exported by bufferbridge.export
and imported back as a View: the same format, itemsize, shape, read-only flag and data; the same
strides and address when the layout is dense (zero-copy), C strides when docs/contract.md §2 copies it."""
import array

import pytest

from bufferbridge import View, export
from conftest import CORPUS, c_strides, read_jsonl

CASES = [c for c in read_jsonl(CORPUS) if c["expect"] == "roundtrip"]


def case_view(c):
    memory = bytes.fromhex(c["memory"])
    base = memory if c["readonly"] else bytearray(memory)
    return View._layout(base, c["format"], c["itemsize"], c["shape"], c["strides"], c["offset"], c["readonly"])


def test_the_corpus_is_there():
    assert len(CASES) > 500


@pytest.mark.parametrize("c", CASES, ids=lambda c: c["id"])
def test_a_corpus_layout_exported_and_imported(c, balanced):
    exporter = case_view(c)
    view = View(export(exporter))
    m = memoryview(view)
    assert (m.format, m.itemsize, list(m.shape), m.readonly) == (c["format"], c["itemsize"], c["shape"], c["readonly"])
    n = 1
    for k in c["shape"]:
        n *= k
    if n > 0:
        assert list(m.strides) == (c_strides(c["itemsize"], c["shape"]) if view.copied else c["strides"])
        if not view.copied:
            assert view.address == exporter.address
    if c.get("zero_copy"):
        assert not view.copied
    # the bytes in C order; a record's padding is not data (an import re-interleaves it as zeros)
    if not view.copied or "T{" not in c["format"] and "x" not in c["format"]:
        assert m.tobytes() == bytes.fromhex(c["logical"])
    m.release()


def numpy_cases():
    return [c for c in CASES if c["source"].startswith("numpy")]


@pytest.mark.parametrize("c", numpy_cases(), ids=lambda c: c["id"])
def test_every_numpy_dtype_of_the_corpus_through_export_and_view(c, balanced):
    np = pytest.importorskip("numpy")
    nd = np.asarray(case_view(c))  # NumPy's own reading of the case's format
    back = np.asarray(View(export(nd)))
    assert back.dtype == nd.dtype and back.shape == nd.shape
    assert data_bytes(back) == data_bytes(nd)
    assert back.flags.writeable == (not c["readonly"])
    if nd.size > 0 and dense(nd) and nd.dtype.names is None:
        assert back.ctypes.data == nd.ctypes.data and back.strides == nd.strides


def data_bytes(nd):
    """The values in C order, without a record's padding bytes."""
    if nd.dtype.names is not None:
        return b"".join(data_bytes(nd[name]) for name in nd.dtype.names)
    return nd.tobytes()


def dense(nd):
    """docs/contract.md §2: the elements fill their span exactly, in some axis order."""
    axes = sorted((k for k in range(nd.ndim) if nd.shape[k] > 1), key=lambda k: nd.strides[k])
    want = nd.itemsize
    for k in axes:
        if nd.strides[k] != want:
            return False
        want *= nd.shape[k]
    return True


def test_export_of_the_standard_library_exporters(balanced):
    for obj, fmt, values in [(array.array("h", [1, -2, 3]), "h", [1, -2, 3]),
                             (b"\x01\x02", "B", [1, 2]),
                             (memoryview(bytearray(b"abcdef")).cast("B", (2, 3))[::-1], "B", [[100, 101, 102], [97, 98, 99]])]:
        v = View(export(obj))
        m = memoryview(v)
        assert (m.format, m.tolist()) == (fmt, values)
        assert m.readonly == memoryview(obj).readonly
        m.release()
