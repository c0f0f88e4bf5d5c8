"""Buffer requests answered as CPython answers them: every (layout, flag) of the adapter's committed
getbuffer oracle (adapter/src/test/resources/oracle/getbuffer.jsonl, recorded from CPython 3.11's
_testbuffer by adapter/src/test/python/buffer_oracle.py), asked with PyObject_GetBuffer through the
extension's _request helper.

Each layout is asked twice: as a View of the explicit layout over the oracle's memory (_layout), and
after a round trip through Arrow (export, then View of the pair), which carries dense layouts as
they are and copies any other into C order (docs/contract.md §2): there the copy must answer as CPython answers
for a C-contiguous layout."""
import pytest

from bufferbridge import View, export
from bufferbridge._bufferbridge import _request
from conftest import GETBUFFER_ORACLE, c_strides, read_jsonl

ORACLE = read_jsonl(GETBUFFER_ORACLE)

# _testbuffer's ndarray words its refusals as "ndarray ..."; memoryview (whose order of checks the
# View follows) as "underlying buffer ...": the same refusal.
REASONS = {
    "BufferError: ndarray is not writable": "underlying buffer is not writable",
    "BufferError: ndarray is not C-contiguous": "underlying buffer is not C-contiguous",
    "BufferError: ndarray is not Fortran contiguous": "underlying buffer is not Fortran contiguous",
    "BufferError: ndarray is not contiguous": "underlying buffer is not contiguous",
    "BufferError: ndarray: cannot cast to unsigned bytes if the format flag is present":
        "cannot cast to unsigned bytes if the format flag is present",
}


def layout_view(d):
    memory = bytes.fromhex(d["memory"])
    base = memory if d["readonly"] else bytearray(memory)
    return base, View._layout(base, d["format"], d["itemsize"], d["shape"], d["strides"], d["offset"], d["readonly"])


def check(view, d, base_address, buf_offset):
    if not d["granted"]:
        with pytest.raises(BufferError) as refused:
            _request(view, d["flag"])
        assert str(refused.value).startswith("bufferbridge.View: " + REASONS[d["error"]] + ": request=0x%x " % d["flag"])
        return
    got = _request(view, d["flag"])
    filled, raw_null = d["filled"], d["raw_null"]
    assert got["format"] == filled["format"]
    assert (got["format"] is None) == raw_null["format"]
    assert got["ndim"] == filled["ndim"]
    assert (got["shape"] is None) == raw_null["shape"]
    assert (got["strides"] is None) == raw_null["strides"]
    if got["shape"] is not None:
        assert list(got["shape"]) == filled["shape"]
    if got["strides"] is not None:
        assert list(got["strides"]) == filled["strides"]
    assert (got["itemsize"], got["len"], got["readonly"]) == (filled["itemsize"], filled["len"], filled["readonly"])
    assert got["suboffsets"] is None
    if buf_offset is not None:
        assert got["buf"] - base_address == buf_offset


def test_the_oracle_covers_every_request_flag_and_both_answers():
    assert len(ORACLE) == 840
    assert sum(not d["granted"] for d in ORACLE) == 329
    assert len({d["flag_name"] for d in ORACLE}) == 20


@pytest.mark.parametrize("d", ORACLE, ids=lambda d: "%s-%s" % (d["layout"], d["flag_name"]))
def test_a_layout_answers_as_cpython(d):
    base, view = layout_view(d)
    check(view, d, _request(base, 0)["buf"], d.get("buf_offset"))


def c_layout_answer(d):
    """What CPython's own memoryview answers for the same format, shape, read-only flag and request
    on a C-contiguous layout (memoryview.cast makes one), in the oracle's terms. Where cast cannot
    make one (a record format), a C-contiguous View layout answers: the first test checked those
    answers against the oracle."""
    size = d["itemsize"]
    for k in d["shape"]:
        size *= k
    memory = bytes(size) if d["readonly"] else bytearray(size)
    try:
        mv = memoryview(memory).cast("B").cast(d["format"], d["shape"])
    except ValueError:  # "destination format must be a native single character format"
        mv = View._layout(memory, d["format"], d["itemsize"], d["shape"], c_strides(d["itemsize"], d["shape"]), 0,
                          d["readonly"])
    try:
        got = _request(mv, d["flag"])
    except BufferError as e:
        reason = str(e).removeprefix("memoryview: ").removeprefix("bufferbridge.View: ").split(": request=")[0]
        return dict(d, granted=False, error=next(k for k, v in REASONS.items() if v == reason))
    # the copy's view and memoryview's agree on every field but the address
    filled = {k: (list(got[k]) if isinstance(got[k], tuple) else got[k])
              for k in ("format", "ndim", "shape", "strides", "itemsize", "len", "readonly")}
    raw_null = {k: got[k] is None for k in ("format", "shape", "strides")}
    return dict(d, granted=True, filled=filled, raw_null=raw_null)


@pytest.mark.parametrize("d", ORACLE, ids=lambda d: "%s-%s" % (d["layout"], d["flag_name"]))
def test_the_same_layout_through_arrow_answers_as_cpython(d, balanced):
    base, exporter = layout_view(d)
    view = View(export(exporter))
    n = 1
    for k in d["shape"]:
        n *= k
    if not view.copied or list(view.strides) == d["strides"]:
        assert list(view.strides) == d["strides"] or n == 0
        if n > 0 and not view.copied:
            assert view.address == exporter.address
        check(view, d, 0, None)
        return
    assert list(view.strides) == c_strides(d["itemsize"], d["shape"])
    if n == 0:
        # no element: every layout is contiguous, and the copy's strides are C strides
        expected = dict(d)
        if d["granted"] and d["filled"]["strides"] is not None:
            expected["filled"] = dict(d["filled"], strides=list(view.strides))
        check(view, expected, 0, None)
        return
    check(view, c_layout_answer(d), 0, None)
