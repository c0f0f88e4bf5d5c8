#!/usr/bin/env python3
"""Oracle data for bufferbridge, recorded from CPython's and NumPy's real behaviour.

Run with ``python3`` (CPython 3.11 with its ``_testbuffer`` test module, NumPy 2.x).
Writes two JSON Lines files into ``adapter/src/test/resources/oracle/``:

getbuffer.jsonl
    One line per (exporter layout, request flag).  Exporters are
    ``_testbuffer.ndarray`` objects built exactly as ``Lib/test/test_buffer.py``
    builds them; each request is made as ``verify_getbuf`` makes it,
    ``ndarray(exporter, getbuf=flag)``, and the consumer's Py_buffer is read back
    through the consumer ndarray's getters.

    NULL fields.  ``_testbuffer``'s getters cannot show NULL directly:
    ``ndarray.format`` returns ``""`` for a NULL format and ``ndarray.shape`` /
    ``ndarray.strides`` return ``()`` for a NULL array (see ``ndarray_get_format``
    and ``ssize_array_as_tuple`` in Modules/_testbuffer.c).  So every request is
    made a second time through ctypes, ``PyObject_GetBuffer(exporter, &view,
    flag)`` on a ctypes ``Py_buffer``, and the raw ``format``/``shape``/``strides``
    pointers are inspected (recorded as ``raw_null``).  The script asserts that
    both paths grant/refuse identically (same message), that a ``""`` format is
    exactly a NULL pointer, and that for ndim > 0 an empty shape/strides tuple is
    exactly a NULL pointer.  ``filled`` records null for a field the request did
    not ask for (FORMAT for format, ND for shape, STRIDES for strides); the
    asserts show this equals "pointer is NULL" for every ndim > 0 result.  For an
    ndim-0 result the exporter always leaves shape/strides NULL (allowed by
    PEP 3118 since there is nothing to describe); there ``filled`` records ``[]``
    when the field was requested and null when it was not, and ``raw_null``
    still shows the raw pointers.

    ``offset`` is ``exporter.offset`` (byte offset of element (0,...,0) from
    ``ndbuf->data``); ``memory_size`` is ``ndbuf->len`` = number of initialiser
    items * itemsize (``ndbuf_new``).  ``memory`` (extra key) is the base memory
    read with ``ctypes.string_at(buf - offset, memory_size)``, ``buf`` taken from
    a raw PyBUF_FULL_RO request.  ``buf_offset`` (extra key) is the granted
    ``buf`` minus the base address.

memoryview.jsonl
    memoryview operations (tolist, tobytes, slice, index, cast, eq) on views made
    from NumPy arrays over ``bytearray`` / ``bytes`` bases (plus ctypes arrays
    for '<i', ``memoryview.cast`` for 'n' 'N' 'c', and ``_testbuffer.ndarray``
    for struct-module record formats like 'hd').  Every view's ``offset`` and a
    slice result's ``offset`` are real addresses: the view's ``buf`` pointer
    (raw ``PyObject_GetBuffer(view, PyBUF_FULL_RO)`` via ctypes) minus the base
    memory's address.  For non-empty views the script re-reads the view from
    (memory, offset, shape, strides) with NumPy and asserts it reproduces
    ``tobytes()``.  Zero-size slice results record the pointer CPython really
    produced; it can lie outside the base (``buf += start * stride`` with
    ``start`` clamped to the length), which is harmless as nothing is read.

JSON: ``ensure_ascii=True``; floats nan/inf/-inf as strings "nan", "inf",
"-inf"; bytes as "hex:<hex>"; bools as true/false.
"""

import ctypes
import json
import math
import os
import random
import struct
import sys
from collections import Counter

import numpy as np
import _testbuffer
from _testbuffer import ndarray, ND_WRITABLE, ND_FORTRAN

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "resources", "oracle"))

# ----------------------------------------------------------------------------
# ctypes access to the raw Py_buffer
# ----------------------------------------------------------------------------


class Py_buffer(ctypes.Structure):
    _fields_ = [
        ("buf", ctypes.c_void_p),
        ("obj", ctypes.py_object),
        ("len", ctypes.c_ssize_t),
        ("itemsize", ctypes.c_ssize_t),
        ("readonly", ctypes.c_int),
        ("ndim", ctypes.c_int),
        ("format", ctypes.c_void_p),
        ("shape", ctypes.POINTER(ctypes.c_ssize_t)),
        ("strides", ctypes.POINTER(ctypes.c_ssize_t)),
        ("suboffsets", ctypes.POINTER(ctypes.c_ssize_t)),
        ("internal", ctypes.c_void_p),
    ]


_GetBuffer = ctypes.pythonapi.PyObject_GetBuffer
_GetBuffer.argtypes = [ctypes.py_object, ctypes.POINTER(Py_buffer), ctypes.c_int]
_GetBuffer.restype = ctypes.c_int
_Release = ctypes.pythonapi.PyBuffer_Release
_Release.argtypes = [ctypes.POINTER(Py_buffer)]
_Release.restype = None

PyBUF_FULL_RO = _testbuffer.PyBUF_FULL_RO
PyBUF_SIMPLE = _testbuffer.PyBUF_SIMPLE


def raw_getbuffer(obj, flags):
    """PyObject_GetBuffer through ctypes.  Returns a dict, or raises the
    exception the exporter set (ctypes.pythonapi re-raises it)."""
    view = Py_buffer()
    _GetBuffer(obj, ctypes.byref(view), flags)
    try:
        return {
            "buf": view.buf or 0,
            "format_null": not view.format,
            "shape_null": not bool(view.shape),
            "strides_null": not bool(view.strides),
            "suboffsets_null": not bool(view.suboffsets),
            "ndim": view.ndim,
            "len": view.len,
        }
    finally:
        _Release(ctypes.byref(view))


def buf_address(obj):
    """Address of element (0,...,0) as the exporter reports it."""
    return raw_getbuffer(obj, PyBUF_FULL_RO)["buf"]


# ----------------------------------------------------------------------------
# JSON helpers
# ----------------------------------------------------------------------------


def jv(x):
    if isinstance(x, bool):
        return x
    if isinstance(x, float):
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return x
    if isinstance(x, (bytes, bytearray)):
        return "hex:" + bytes(x).hex()
    if isinstance(x, (list, tuple)):
        return [jv(v) for v in x]
    if isinstance(x, dict):
        return {k: jv(v) for k, v in x.items()}
    return x


def dumps(obj):
    return json.dumps(jv(obj), ensure_ascii=True, allow_nan=False)


def err(e):
    return "%s: %s" % (type(e).__name__, e)


# ----------------------------------------------------------------------------
# File 1: getbuffer.jsonl
# ----------------------------------------------------------------------------

FLAGS = [
    ("PyBUF_SIMPLE", 0),
    ("PyBUF_WRITABLE", 1),
    ("PyBUF_FORMAT", 4),
    ("PyBUF_ND", 8),
    ("PyBUF_STRIDES", 24),
    ("PyBUF_C_CONTIGUOUS", 56),
    ("PyBUF_F_CONTIGUOUS", 88),
    ("PyBUF_ANY_CONTIGUOUS", 152),
    ("PyBUF_INDIRECT", 280),
    ("PyBUF_CONTIG", 9),
    ("PyBUF_CONTIG_RO", 8),
    ("PyBUF_STRIDED", 25),
    ("PyBUF_STRIDED_RO", 24),
    ("PyBUF_RECORDS", 29),
    ("PyBUF_RECORDS_RO", 28),
    ("PyBUF_FULL", 285),
    ("PyBUF_FULL_RO", 284),
    ("PyBUF_FORMAT|PyBUF_ND", 12),
    ("PyBUF_FORMAT|PyBUF_C_CONTIGUOUS", 60),
    ("PyBUF_WRITABLE|PyBUF_FORMAT", 5),
]
# The numbers above are the brief's; check them against CPython's constants.
for _name, _value in FLAGS:
    _actual = 0
    for _part in _name.split("|"):
        _actual |= getattr(_testbuffer, _part)
    assert _actual == _value, (_name, _actual, _value)

PyBUF_WRITABLE = _testbuffer.PyBUF_WRITABLE
PyBUF_FORMAT = _testbuffer.PyBUF_FORMAT
PyBUF_ND = _testbuffer.PyBUF_ND
PyBUF_STRIDES = _testbuffer.PyBUF_STRIDES
PyBUF_C_CONTIGUOUS = _testbuffer.PyBUF_C_CONTIGUOUS
PyBUF_F_CONTIGUOUS = _testbuffer.PyBUF_F_CONTIGUOUS
PyBUF_ANY_CONTIGUOUS = _testbuffer.PyBUF_ANY_CONTIGUOUS
PyBUF_INDIRECT = _testbuffer.PyBUF_INDIRECT


def match(req, flag):
    return (req & flag) == flag


def verify_getbuf_predicts_refusal(ex, req):
    """The refusal predicate of Lib/test/test_buffer.py verify_getbuf()."""
    return ((ex.readonly and match(req, PyBUF_WRITABLE)) or
            (match(req, PyBUF_C_CONTIGUOUS) and not ex.c_contiguous) or
            (match(req, PyBUF_F_CONTIGUOUS) and not ex.f_contiguous) or
            (match(req, PyBUF_ANY_CONTIGUOUS) and not ex.contiguous) or
            (not match(req, PyBUF_INDIRECT) and ex.suboffsets) or
            (not match(req, PyBUF_STRIDES) and not ex.c_contiguous) or
            (not match(req, PyBUF_ND) and match(req, PyBUF_FORMAT)))


def gb_layouts():
    """(id, items, kwargs) -- items and ndarray keyword arguments."""
    rnd = random.Random(3118)

    def ints(n, lo=-1000, hi=1000):
        return [rnd.randint(lo, hi) for _ in range(n)]

    L = []
    L.append(("c1d_i", ints(8), dict(shape=[8], format="i")))
    L.append(("c2d_h", ints(12), dict(shape=[3, 4], format="h")))
    L.append(("f2d_h", ints(12), dict(shape=[3, 4], format="h", flags=ND_FORTRAN)))
    L.append(("strided1d_i", ints(12), dict(shape=[6], strides=[8], format="i")))
    L.append(("neg1d_i", ints(6), dict(shape=[6], strides=[-4], offset=20, format="i")))
    L.append(("neg2d_col_h", ints(12), dict(shape=[3, 4], strides=[8, -2], offset=6, format="h")))
    L.append(("neg2d_row_q", ints(6), dict(shape=[3, 2], strides=[-16, 8], offset=32, format="q")))
    # C layout of shape (2,3,4) int32 has strides (48,16,4); axes permuted (1,0,2).
    L.append(("perm3d_i", ints(24), dict(shape=[3, 2, 4], strides=[16, 48, 4], format="i")))
    # full transpose of a C (2,3,4) layout: Fortran contiguous 3-D
    L.append(("transposed3d_b", ints(24, -100, 100), dict(shape=[4, 3, 2], strides=[1, 4, 12], format="b")))
    L.append(("zero1d_i", ints(1), dict(shape=[0], format="i")))
    L.append(("zero2d_h", ints(2), dict(shape=[2, 0], format="h")))
    L.append(("zero2d_strided_d", [1.5, 2.5], dict(shape=[0, 2], strides=[32, 8], format="d")))
    L.append(("scalar0d_d", 3.25, dict(shape=[], format="d")))
    # a 0-d ndarray wraps its initialiser in a 1-tuple (init_ndbuf), so no offset is possible
    L.append(("scalar0d_record_hd", (5, -0.5), dict(shape=[], format="hd")))
    L.append(("len1axis_i", ints(4), dict(shape=[1, 4], strides=[400, 4], format="i")))
    L.append(("len1axis_1d_i", ints(3), dict(shape=[1], strides=[-12], offset=8, format="i")))
    L.append(("record_hd", [(i * 7 - 3, i * 0.5 - 1.0) for i in range(4)], dict(shape=[4], format="hd")))
    L.append(("record_lt_ih_2d", [(i * 1000 - 3, i - 5) for i in range(6)], dict(shape=[2, 3], format="<ih")))
    L.append(("record_hd_strided", [(i, float(i) / 4) for i in range(6)], dict(shape=[3], strides=[32], format="hd")))
    L.append(("c1d_B_default_format", [rnd.randrange(256) for _ in range(10)], dict(shape=[10])))
    L.append(("c2d_single_column_d", [0.5, -0.0, 2.0], dict(shape=[3, 1], format="d")))
    return L


def first_leaf(lst):
    while isinstance(lst, list):
        if not lst:
            return None
        lst = lst[0]
    return lst


def build_getbuffer():
    lines = []
    for lid, items, kw in gb_layouts():
        for writable in (False, True):
            kwargs = dict(kw)
            flags = kwargs.pop("flags", 0)
            if writable:
                flags |= ND_WRITABLE
            ex = ndarray(items, flags=flags, **kwargs)
            nitems = 1 if kwargs["shape"] == [] else len(items)
            memory_size = nitems * ex.itemsize  # ndbuf->len in ndbuf_new()
            base = buf_address(ex) - ex.offset
            memory = ctypes.string_at(base, memory_size)
            # sanity: element (0,...,0) is at `offset` in the base memory
            leaf = first_leaf(ex.tolist())
            if leaf is not None:
                packed = struct.pack(ex.format, *(leaf if isinstance(leaf, tuple) else (leaf,)))
                assert memory[ex.offset:ex.offset + ex.itemsize] == packed, lid
            head = {
                "layout": lid + ("_rw" if writable else "_ro"),
                "format": ex.format,
                "itemsize": ex.itemsize,
                "shape": list(ex.shape),
                "strides": list(ex.strides),
                "offset": ex.offset,
                "memory_size": memory_size,
                "memory": memory.hex(),
                "readonly": ex.readonly,
                "c_contiguous": ex.c_contiguous,
                "f_contiguous": ex.f_contiguous,
                "contiguous": ex.contiguous,
            }
            assert ex.readonly == (not writable)
            for fname, fval in FLAGS:
                row = dict(head)
                row["flag"] = fval
                row["flag_name"] = fname
                predicted_refusal = verify_getbuf_predicts_refusal(ex, fval)
                try:
                    nd = ndarray(ex, getbuf=fval)
                except BufferError as e:
                    msg = err(e)
                    try:
                        raw_getbuffer(ex, fval)
                        raise AssertionError("ctypes path granted what ndarray refused")
                    except BufferError as e2:
                        assert err(e2) == msg, (err(e2), msg)
                    assert predicted_refusal, (lid, fname, msg)
                    row["granted"] = False
                    row["error"] = msg
                    lines.append(row)
                    continue
                assert not predicted_refusal, (lid, fname)
                raw = raw_getbuffer(ex, fval)
                ndim = nd.ndim
                assert raw["ndim"] == ndim and raw["len"] == nd.nbytes
                # format: "" from the getter <=> NULL pointer
                assert (nd.format == "") == raw["format_null"]
                assert raw["format_null"] == (not match(fval, PyBUF_FORMAT))
                fmt = None if raw["format_null"] else nd.format
                shape = list(nd.shape)
                strides = list(nd.strides)
                if ndim > 0:
                    assert (shape == []) == raw["shape_null"]
                    assert (strides == []) == raw["strides_null"]
                    assert raw["shape_null"] == (not match(fval, PyBUF_ND))
                    assert raw["strides_null"] == (not match(fval, PyBUF_STRIDES))
                    shape = None if raw["shape_null"] else shape
                    strides = None if raw["strides_null"] else strides
                else:
                    assert shape == [] and strides == []
                    shape = shape if match(fval, PyBUF_ND) else None
                    strides = strides if match(fval, PyBUF_STRIDES) else None
                assert raw["suboffsets_null"]
                row["granted"] = True
                row["filled"] = {
                    "format": fmt,
                    "ndim": ndim,
                    "shape": shape,
                    "strides": strides,
                    "itemsize": nd.itemsize,
                    "len": nd.nbytes,
                    "readonly": nd.readonly,
                }
                row["raw_null"] = {
                    "format": raw["format_null"],
                    "shape": raw["shape_null"],
                    "strides": raw["strides_null"],
                }
                row["buf_offset"] = raw["buf"] - base
                lines.append(row)
                del nd
    return lines


# ----------------------------------------------------------------------------
# File 2: memoryview.jsonl
# ----------------------------------------------------------------------------


class Base:
    """The exporter's whole base memory: address, length, bytes."""

    def __init__(self, keep, addr, size):
        self.keep = keep  # keeps the memory alive
        self.addr = addr
        self.size = size

    def bytes(self):
        return ctypes.string_at(self.addr, self.size) if self.size else b""


def base_of_pybytes(b):
    return Base(b, raw_getbuffer(b, PyBUF_SIMPLE)["buf"], len(b))


def base_of_ctypes(arr):
    return Base(arr, ctypes.addressof(arr), ctypes.sizeof(arr))


def base_of_testbuffer(ex, nitems):
    return Base(ex, buf_address(ex) - ex.offset, nitems * ex.itemsize)


def addr_of_view(m):
    return raw_getbuffer(m, PyBUF_FULL_RO)["buf"]


def check_reads_back(m, base, offset):
    """Re-read the view from (memory, offset, shape, strides); must give tobytes()."""
    if m.nbytes == 0:
        return
    mem = base.bytes()
    a = np.ndarray(tuple(m.shape), dtype="V%d" % m.itemsize, buffer=mem,
                   offset=offset, strides=tuple(m.strides))
    assert a.tobytes() == m.tobytes(), (m, offset)


def describe(m, base):
    offset = addr_of_view(m) - base.addr
    check_reads_back(m, base, offset)
    return {
        "format": m.format,
        "itemsize": m.itemsize,
        "shape": list(m.shape),
        "strides": list(m.strides),
        "offset": offset,
        "memory": base.bytes().hex(),
        "readonly": m.readonly,
    }


FLOAT_VALUES = [1.5, float("nan"), -0.0, float("inf"), -2.25, float("-inf"), 0.0, 65504.0,
                -1e-3, 3.0, 1e300, -7.5]


def np_base(size, readonly, rnd, dtype=None, values=None):
    ba = bytearray(rnd.getrandbits(8) for _ in range(size))
    if values is not None:
        arr = np.frombuffer(ba, dtype=dtype)
        n = len(arr)
        arr[:] = [values[i % len(values)] for i in range(n)]
    return bytes(ba) if readonly else ba


def np_view(rnd, dtype, shape, strides=None, offset=0, size=None, readonly=False, values=None):
    dt = np.dtype(dtype)
    if size is None:
        size = max(int(np.prod(shape)) * dt.itemsize + offset, dt.itemsize) + 8
        size += (-size) % dt.itemsize
    if values is None and dt.kind == "f":
        values = FLOAT_VALUES if dt.itemsize > 2 else [1e4 if v == 1e300 else v for v in FLOAT_VALUES]
    if values is None and dt.kind == "b":
        values = [True, False, False, True, True]
    b = np_base(size, readonly, rnd, dtype if values is not None else None, values)
    arr = np.ndarray(shape, dtype=dt, buffer=b, offset=offset, strides=strides)
    m = memoryview(arr)
    return m, base_of_pybytes(b)


def make_views():
    rnd = random.Random(20240611)
    V = {}

    def add(vid, mb):
        V[vid] = mb

    add("b_1d", np_view(rnd, "b", (8,)))
    add("B_1d_ro", np_view(rnd, "B", (10,), readonly=True))
    add("h_2d_C", np_view(rnd, "h", (3, 4)))
    add("H_2d_F_ro", np_view(rnd, "H", (3, 4), strides=(2, 6), readonly=True))
    add("i_1d_strided", np_view(rnd, "i", (5,), strides=(8,), size=48))
    add("I_1d_neg_ro", np_view(rnd, "I", (6,), strides=(-4,), offset=20, size=24, readonly=True))
    add("l_2d_negrow", np_view(rnd, "l", (3, 2), strides=(-16, 8), offset=32, size=48))
    add("L_2d_negcol", np_view(rnd, "L", (2, 3), strides=(24, -8), offset=16, size=48))
    add("q_3d_C", np_view(rnd, np.longlong, (2, 3, 2)))
    add("Q_3d_perm_ro", np_view(rnd, np.ulonglong, (3, 2, 2), strides=(16, 48, 8), size=96,
                                readonly=True))
    add("i_4d_C", np_view(rnd, "i", (2, 1, 3, 2)))
    add("h_4d_gaps", np_view(rnd, "h", (2, 2, 2, 2), strides=(64, 24, 8, 4), size=128))
    add("e_1d", np_view(rnd, "e", (8,)))
    add("e_finite_1d", np_view(rnd, "e", (5,), values=[1.5, -0.0, 2.0, 65504.0, -0.25]))
    add("e_2d_negrow", np_view(rnd, "e", (3, 2), strides=(-8, 2), offset=16, size=24))
    add("f_2d_F", np_view(rnd, "f", (2, 3), strides=(4, 8), size=24))
    add("d_1d_nan", np_view(rnd, "d", (6,), size=48))
    add("d_1d_finite_ro", np_view(rnd, "d", (4,), offset=16, size=48, readonly=True,
                                  values=[0.0, 0.0, 1.5, -0.0, 2.0, 1e-300]))
    add("d_2d_strided", np_view(rnd, "d", (3, 2), strides=(32, 8), size=96))
    add("bool_1d", np_view(rnd, "?", (7,)))
    add("bool_2d_F_ro", np_view(rnd, "?", (2, 3), strides=(1, 2), readonly=True))
    add("i_len1axis", np_view(rnd, "i", (1, 4), strides=(400, 4), size=16))
    # NumPy re-computes the stride of a length-1 axis when it exports a contiguous array, so
    # an arbitrary stride there comes from CPython's own exporter instead
    ex1 = ndarray([rnd.randint(-99, 99) for _ in range(4)], shape=[1, 4], strides=[400, 4], format="i")
    add("i_len1axis_testbuffer", (memoryview(ex1), base_of_testbuffer(ex1, 4)))
    add("i_zero_1d", np_view(rnd, "i", (0,), offset=8, size=16))
    add("d_zero_2d", np_view(rnd, "d", (2, 0), size=16))
    add("d_zero_2d_b", np_view(rnd, "d", (0, 3), size=16))
    add("d_0d", np_view(rnd, "d", (), offset=8, size=24))
    add("i_0d_ro", np_view(rnd, "i", (), offset=4, size=12, readonly=True))
    add("b_3d_C", np_view(rnd, "b", (2, 3, 4)))
    add("be_i_1d", np_view(rnd, ">i", (4,)))
    add("be_d_1d", np_view(rnd, ">d", (3,), values=[1.0, float("nan"), -0.0]))
    add("rec_packed", np_view(rnd, np.dtype([("a", "<i4"), ("b", "<f8")]), (3,)))
    add("rec_aligned", np_view(rnd, np.dtype([("a", "<i4"), ("b", "<f8")], align=True), (2,)))
    # NumPy field view: stride 12, itemsize 8, unaligned doubles (spec section 1)
    recb = np_base(36, False, rnd)
    np.frombuffer(recb, dtype=np.dtype([("a", "<i4"), ("b", "<f8")]))["b"][:] = [0.5, -3.0, float("inf")]
    rec = np.ndarray((3,), dtype=np.dtype([("a", "<i4"), ("b", "<f8")]), buffer=recb)
    add("d_field_view", (memoryview(rec["b"]), base_of_pybytes(recb)))

    # formats NumPy does not export: via memoryview.cast over a NumPy bytearray base
    cb = bytearray(rnd.getrandbits(8) for _ in range(24))
    mc = memoryview(np.ndarray((24,), "B", buffer=cb))
    add("c_1d", (mc.cast("c")[2:11], base_of_pybytes(cb)))
    add("c_1d_step2", (mc.cast("c")[1:13:2], base_of_pybytes(cb)))
    nb = bytearray(rnd.getrandbits(8) for _ in range(48))
    mn = memoryview(np.ndarray((48,), "B", buffer=nb))
    add("n_1d", (mn.cast("n")[1:5], base_of_pybytes(nb)))
    add("N_2d_negrow", (mn.cast("N", [3, 2])[::-1], base_of_pybytes(nb)))
    sb = bytes(rnd.getrandbits(8) for _ in range(32))
    add("B_cast_2d_ro", (memoryview(np.frombuffer(sb, "B")).cast("B", [4, 8]), base_of_pybytes(sb)))
    # small values, B and b views over the same kind of data
    small = bytearray(rnd.randrange(0, 100) for _ in range(12))
    add("B_small", (memoryview(np.ndarray((12,), "B", buffer=small)), base_of_pybytes(small)))
    big = bytearray(range(120, 132))
    add("B_big", (memoryview(np.ndarray((12,), "B", buffer=big)), base_of_pybytes(big)))
    # '<i' from ctypes (NumPy reports native little-endian int32 as plain 'i')
    carr = (ctypes.c_int * 6)(*[rnd.randint(-10 ** 6, 10 ** 6) for _ in range(6)])
    add("lt_i_ctypes", (memoryview(carr), base_of_ctypes(carr)))
    # struct-module record formats via CPython's own exporter
    ex = ndarray([(i * 7 - 3, i * 0.25) for i in range(4)], shape=[4], format="hd", flags=ND_WRITABLE)
    add("hd_testbuffer", (memoryview(ex), base_of_testbuffer(ex, 4)))
    ex2 = ndarray([(i - 2, i * 300) for i in range(6)], shape=[2, 3], format="<ih")
    add("lt_ih_testbuffer_ro", (memoryview(ex2), base_of_testbuffer(ex2, 6)))
    return V


SLICES_FULL = [
    (None, None, None), (1, None, None), (None, None, -1), (None, None, 2), (-2, None, None),
    (5, 1, -2), (3, 3, None), (100, 200, None), (-100, 2, None), (None, None, -3),
    (None, -1, None), (4, None, -1), (0, 0, -1),
]
SLICES_SHORT = [(None, None, -1), (1, None, 2), (-1, -100, -2)]


def slice_result(m, r, base):
    offset = addr_of_view(r) - base.addr
    check_reads_back(r, base, offset)
    return {
        "shape": list(r.shape),
        "strides": list(r.strides),
        "offset": offset,
        "logical": r.tobytes().hex(),
        "readonly": r.readonly,
    }


def cast_result(c):
    return {
        "format": c.format,
        "itemsize": c.itemsize,
        "shape": list(c.shape),
        "strides": list(c.strides),
        "logical": c.tobytes().hex(),
        "readonly": c.readonly,
    }


def key_json(k):
    if isinstance(k, tuple):
        return [key_json(x) for x in k]
    if isinstance(k, slice):
        return {"start": k.start, "stop": k.stop, "step": k.step}
    if k is Ellipsis:
        return "..."
    return k


def build_memoryview():
    V = make_views()
    cases = []
    counters = Counter()

    def emit(vid, op, args, fn, desc=None):
        m, base = V[vid]
        counters[(vid, op)] += 1
        case = {"id": "%s.%s.%d" % (vid, op, counters[(vid, op)]),
                "view": desc if desc is not None else describe(m, base),
                "op": op, "args": args}
        try:
            case["result"] = fn(m, base)
        except Exception as e:  # recorded, never swallowed silently
            case["error"] = err(e)
        cases.append(case)

    # tolist and tobytes for every view
    for vid in V:
        emit(vid, "tolist", {}, lambda m, b: m.tolist())
        for order in ("C", "F", "A"):
            emit(vid, "tobytes", {"order": order}, lambda m, b, o=order: m.tobytes(o).hex())
    emit("h_2d_C", "tobytes", {"order": "X"}, lambda m, b: m.tobytes("X").hex())

    # slices
    full = {"b_1d", "h_2d_C", "I_1d_neg_ro", "i_1d_strided", "c_1d", "N_2d_negrow"}
    for vid in V:
        sl = SLICES_FULL if vid in full else SLICES_SHORT
        for s, e, k in sl:
            emit(vid, "slice", {"start": s, "stop": e, "step": k},
                 lambda m, b, s=s, e=e, k=k: slice_result(m, m[s:e:k], b))
    emit("b_1d", "slice", {"start": None, "stop": None, "step": 0},
         lambda m, b: slice_result(m, m[::0], b))

    # index (scalar and error cases), keys as JSON: ints, slices as dicts, "..." for Ellipsis
    index_cases = [
        ("h_2d_C", (1, 2)), ("h_2d_C", (-1, -1)), ("h_2d_C", (0, -4)), ("h_2d_C", (3, 0)),
        ("h_2d_C", (0, 4)), ("h_2d_C", (0, 0, 0)), ("h_2d_C", 0), ("h_2d_C", (0,)),
        ("h_2d_C", (slice(1, 2), slice(0, 1))), ("h_2d_C", (0, slice(1, 2))), ("h_2d_C", Ellipsis),
        ("H_2d_F_ro", (2, 1)), ("L_2d_negcol", (1, 0)), ("l_2d_negrow", (0, 1)),
        ("q_3d_C", (1, 2, 0)), ("Q_3d_perm_ro", (2, 0, 1)), ("i_4d_C", (1, 0, 2, 1)),
        ("b_1d", 2), ("b_1d", -1), ("b_1d", 8), ("b_1d", -9), ("b_1d", (3,)),
        ("I_1d_neg_ro", 0), ("d_1d_nan", 1), ("e_1d", 3), ("bool_1d", 0), ("c_1d", 4),
        ("n_1d", 0), ("N_2d_negrow", (0, 1)), ("d_field_view", 2),
        ("d_0d", ()), ("d_0d", Ellipsis), ("d_0d", 0), ("i_0d_ro", ()),
        ("i_zero_1d", 0), ("be_i_1d", 0), ("rec_packed", 0), ("hd_testbuffer", 1),
        ("lt_i_ctypes", 2),
    ]
    for vid, key in index_cases:
        def fn(m, b, key=key):
            r = m[key]
            if isinstance(r, memoryview):
                return {"view": slice_result(m, r, b)}
            return r
        emit(vid, "index", {"index": key_json(key)}, fn)

    # casts
    cast_cases = [
        ("B_1d_ro", "c", None), ("B_1d_ro", "b", None), ("B_1d_ro", "?", None), ("B_1d_ro", "B", None),
        ("B_1d_ro", "h", None), ("B_1d_ro", "i", None), ("B_1d_ro", "B", [2, 5]), ("B_1d_ro", "B", [5, 2]),
        ("B_1d_ro", "B", [3, 3]), ("B_1d_ro", "B", [0, 10]), ("B_1d_ro", "h", [5]), ("B_1d_ro", "@h", None),
        ("B_1d_ro", "<h", None), ("B_1d_ro", "T{i}", None), ("B_1d_ro", "3i", None), ("B_1d_ro", "B", []),
        ("B_1d_ro", "B", [1, 1, 10]), ("B_1d_ro", "x", None), ("B_1d_ro", "s", None),
        ("b_1d", "d", []), ("b_1d", "i", [2]), ("b_1d", "i", [1, 2]), ("b_1d", "e", [2, 2]),
        ("b_1d", "Q", None), ("b_1d", "B", [2, 1, 2, 2]),
        ("B_small", "c", [3, 4]), ("B_small", "i", [3]), ("B_small", "f", None), ("B_small", "n", None),
        ("h_2d_C", "B", None), ("h_2d_C", "b", [24]), ("h_2d_C", "B", [4, 6]), ("h_2d_C", "i", None),
        ("h_2d_C", "h", None), ("h_2d_C", "c", None),
        ("H_2d_F_ro", "B", None), ("i_1d_strided", "B", None), ("I_1d_neg_ro", "B", None),
        ("i_4d_C", "B", None), ("i_4d_C", "b", [48]), ("b_3d_C", "B", None), ("b_3d_C", "c", None),
        ("b_3d_C", "i", None), ("b_3d_C", "B", [4, 6]),
        ("d_1d_nan", "B", None), ("d_1d_nan", "q", None), ("d_1d_nan", "c", None),
        ("d_0d", "B", None), ("d_0d", "B", [8]), ("d_0d", "B", [2, 4]), ("d_0d", "d", []),
        ("i_0d_ro", "c", None),
        ("i_zero_1d", "B", None), ("i_zero_1d", "B", [0]), ("d_zero_2d", "B", None),
        ("c_1d", "B", None), ("c_1d", "b", [3, 3]), ("c_1d_step2", "B", None),
        ("n_1d", "B", None), ("n_1d", "N", None), ("N_2d_negrow", "B", None),
        ("bool_1d", "B", None), ("bool_1d", "h", None), ("e_1d", "B", None), ("e_1d", "H", None),
        ("be_i_1d", "B", None), ("be_d_1d", "c", None), ("lt_i_ctypes", "B", None),
        ("rec_packed", "B", None), ("hd_testbuffer", "B", None), ("d_field_view", "B", None),
        ("B_cast_2d_ro", "B", None), ("B_cast_2d_ro", "d", None), ("B_cast_2d_ro", "B", [32]),
    ]
    for vid, fmt, shape in cast_cases:
        def fn(m, b, fmt=fmt, shape=shape):
            c = m.cast(fmt) if shape is None else m.cast(fmt, shape)
            return cast_result(c)
        emit(vid, "cast", {"format": fmt, "shape": shape}, fn)

    # eq: other views are described exactly like "view"
    def b_from_small():
        m, _ = V["B_small"]
        b = bytearray(m.tobytes())
        return memoryview(np.ndarray((12,), "b", buffer=b)), base_of_pybytes(b)

    def b_big():
        b = bytearray(range(120, 132))
        return memoryview(np.ndarray((12,), "b", buffer=b)), base_of_pybytes(b)

    def i_same_values_as_ctypes():
        m, _ = V["lt_i_ctypes"]
        b = bytearray(m.tobytes())
        return memoryview(np.ndarray((6,), "i", buffer=b)), base_of_pybytes(b)

    def be_i_same_values_as_ctypes():
        m, _ = V["lt_i_ctypes"]
        arr = np.frombuffer(m.tobytes(), "<i4").astype(">i4")
        b = bytearray(arr.tobytes())
        return memoryview(np.ndarray((6,), ">i4", buffer=b)), base_of_pybytes(b)

    def reversed_copy(vid):
        m, _ = V[vid]
        a = np.asarray(m)[::-1].copy()
        b = bytearray(a.tobytes())
        r = np.ndarray(a.shape, dtype=a.dtype, buffer=b)
        return memoryview(r), base_of_pybytes(b)

    def c_order_copy(vid):
        m, _ = V[vid]
        b = bytearray(m.tobytes())
        return memoryview(np.ndarray(tuple(m.shape), dtype=np.asarray(m).dtype, buffer=b)), base_of_pybytes(b)

    def as_format(vid, dtype):
        m, _ = V[vid]
        a = np.asarray(m).astype(dtype)
        b = bytearray(a.tobytes())
        return memoryview(np.ndarray(a.shape, dtype=a.dtype, buffer=b)), base_of_pybytes(b)

    def zero(dtype, shape):
        b = bytearray(8)
        return memoryview(np.ndarray(shape, dtype=dtype, buffer=b)), base_of_pybytes(b)

    def n_view_same_as_l():
        m, _ = V["n_1d"]
        b = bytearray(m.tobytes())
        return memoryview(np.ndarray((4,), "l", buffer=b)), base_of_pybytes(b)

    def c_vs_B():
        m, _ = V["c_1d"]
        b = bytearray(m.tobytes())
        return memoryview(np.ndarray((9,), "B", buffer=b)), base_of_pybytes(b)

    def tb_copy(vid, fmt, flags=0):
        m, src = V[vid]
        lst = src.keep.tolist()  # the _testbuffer exporter's own (struct-based) tolist
        flat = [x for row in lst for x in row] if m.ndim == 2 else lst
        ex = ndarray(flat, shape=list(m.shape), format=fmt, flags=flags)
        return memoryview(ex), base_of_testbuffer(ex, len(flat))

    def rec_copy():
        m, _ = V["rec_packed"]
        b = bytearray(m.tobytes())
        dt = np.dtype([("a", "<i4"), ("b", "<f8")])
        return memoryview(np.ndarray((3,), dt, buffer=b)), base_of_pybytes(b)

    def bool_as_B():
        m, _ = V["bool_1d"]
        b = bytearray(m.tobytes())
        return memoryview(np.ndarray((7,), "B", buffer=b)), base_of_pybytes(b)

    def transposed_shape():
        m, _ = V["h_2d_C"]
        b = bytearray(m.tobytes())
        return memoryview(np.ndarray((4, 3), "h", buffer=b)), base_of_pybytes(b)

    def flat_copy(vid):
        m, _ = V[vid]
        b = bytearray(m.tobytes())
        return memoryview(np.ndarray((m.nbytes // m.itemsize,), np.asarray(m).dtype, buffer=b)), base_of_pybytes(b)

    def nan_copy():
        m, _ = V["d_1d_nan"]
        b = bytearray(m.tobytes())
        return memoryview(np.ndarray((6,), "d", buffer=b)), base_of_pybytes(b)

    def scalar_d_copy():
        m, _ = V["d_0d"]
        b = bytes(m.tobytes())
        return memoryview(np.ndarray((), "d", buffer=b)), base_of_pybytes(b)

    def f_from_e():
        return as_format("e_1d", "f")

    def zero_d_values_neg():
        # the same values with every -0.0 replaced by +0.0
        m, _ = V["d_1d_finite_ro"]
        a = np.asarray(m).copy()
        assert any(math.copysign(1.0, x) < 0 and x == 0 for x in a.tolist())
        a[a == 0] = 0.0
        b = bytearray(a.tobytes())
        return memoryview(np.ndarray(a.shape, "d", buffer=b)), base_of_pybytes(b)

    def i_0d_copy():
        m, _ = V["i_0d_ro"]
        b = bytes(m.tobytes())
        return memoryview(np.ndarray((), "i", buffer=b)), base_of_pybytes(b)

    eq_cases = [
        ("B_small", "b with same small values", b_from_small),
        ("B_big", "b with same bytes, values >= 128", b_big),
        ("lt_i_ctypes", "'i' numpy, same values", i_same_values_as_ctypes),
        ("lt_i_ctypes", "'>i' same values", be_i_same_values_as_ctypes),
        ("d_1d_nan", "same object", None),
        ("d_1d_nan", "copy with nan", nan_copy),
        ("d_1d_finite_ro", "same object", None),
        ("d_1d_finite_ro", "-0.0 vs 0.0", zero_d_values_neg),
        ("h_2d_C", "same bytes, shape (4,3)", transposed_shape),
        ("h_2d_C", "same bytes, flat (12,)", lambda: flat_copy("h_2d_C")),
        ("h_2d_C", "C-order copy", lambda: c_order_copy("h_2d_C")),
        ("H_2d_F_ro", "C-order copy of F view", lambda: c_order_copy("H_2d_F_ro")),
        ("I_1d_neg_ro", "C copy of negative-stride view", lambda: c_order_copy("I_1d_neg_ro")),
        ("I_1d_neg_ro", "reversed copy", lambda: reversed_copy("I_1d_neg_ro")),
        ("L_2d_negcol", "C copy", lambda: c_order_copy("L_2d_negcol")),
        ("q_3d_C", "as 'd' values (large ints rounded by the conversion)", lambda: as_format("q_3d_C", "d")),
        ("b_3d_C", "as 'd' values (exact)", lambda: as_format("b_3d_C", "d")),
        ("b_3d_C", "as 'q' values, F-order strides", lambda: (lambda a, b: (memoryview(
            np.ndarray(a.shape, "q", buffer=b, strides=(8, 16, 48))), base_of_pybytes(b)))(
            np.asarray(V["b_3d_C"][0]).astype("q"),
            bytearray(np.asfortranarray(np.asarray(V["b_3d_C"][0]).astype("q")).tobytes(order="A")))),
        ("e_finite_1d", "'f' with same values", lambda: as_format("e_finite_1d", "f")),
        ("e_finite_1d", "same object", None),
        ("i_len1axis_testbuffer", "C copy (stride of the length-1 axis differs)", lambda: c_order_copy("i_len1axis_testbuffer")),
        ("Q_3d_perm_ro", "C copy", lambda: c_order_copy("Q_3d_perm_ro")),
        ("rec_packed", "same object", None),
        ("rec_packed", "copy, same format", rec_copy),
        ("hd_testbuffer", "same object", None),
        ("hd_testbuffer", "copy via _testbuffer", lambda: tb_copy("hd_testbuffer", "hd")),
        ("lt_ih_testbuffer_ro", "copy as 'ih' native", lambda: tb_copy("lt_ih_testbuffer_ro", "ih")),
        ("i_zero_1d", "zero-size 'd' (0,)", lambda: zero("d", (0,))),
        ("d_zero_2d", "zero-size (0,3)", lambda: (lambda m: m)(V["d_zero_2d_b"])),
        ("d_zero_2d", "zero-size (2,0) 'B'", lambda: zero("B", (2, 0))),
        ("i_zero_1d", "zero-size (2,0)", lambda: zero("i", (2, 0))),
        ("d_0d", "0-d copy (the value is nan)", scalar_d_copy),
        ("d_0d", "1-d (1,) same value (nan)", lambda: flat_copy("d_0d")),
        ("i_0d_ro", "same object", None),
        ("i_0d_ro", "0-d copy", i_0d_copy),
        ("be_i_1d", "'i' with same values", lambda: as_format("be_i_1d", "i")),
        ("be_d_1d", "same object", None),
        ("e_1d", "'f' with same values (nan inside)", f_from_e),
        ("bool_1d", "'B' with 0/1", bool_as_B),
        ("c_1d", "'B' with same bytes", c_vs_B),
        ("c_1d", "same object", None),
        ("n_1d", "'l' same bytes", n_view_same_as_l),
        ("b_1d", "different length", lambda: (lambda m, b: (m[:4], b))(*V["b_1d"])),
        ("d_field_view", "C copy", lambda: c_order_copy("d_field_view")),
        ("B_cast_2d_ro", "same object", None),
        ("f_2d_F", "same object (nan inside)", None),
    ]
    for vid, note, make_other in eq_cases:
        m, base = V[vid]
        if make_other is None:
            other_m, other_base = m, base
            same = True
        else:
            other_m, other_base = make_other()
            same = False
        other_desc = describe(other_m, other_base)
        emit(vid, "eq", {"other": other_desc, "same_object": same, "note": note},
             lambda m, b, o=other_m: (m == o))
    return cases


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    gb = build_getbuffer()
    mv = build_memoryview()
    ids = [c["id"] for c in mv]
    assert len(ids) == len(set(ids))
    with open(os.path.join(OUT_DIR, "getbuffer.jsonl"), "w", encoding="ascii", newline="\n") as f:
        for row in gb:
            f.write(dumps(row) + "\n")
    with open(os.path.join(OUT_DIR, "memoryview.jsonl"), "w", encoding="ascii", newline="\n") as f:
        for row in mv:
            f.write(dumps(row) + "\n")
    g = Counter("granted" if r["granted"] else "refused" for r in gb)
    print("getbuffer.jsonl: %d lines (%d layouts x %d flags), %s"
          % (len(gb), len(gb) // len(FLAGS), len(FLAGS), dict(sorted(g.items()))))
    ops = Counter(c["op"] for c in mv)
    errs = Counter(c["op"] for c in mv if "error" in c)
    print("memoryview.jsonl: %d cases" % len(mv))
    for op in ("tolist", "tobytes", "slice", "index", "cast", "eq"):
        print("  %-8s %4d  (%d error rows)" % (op, ops[op], errs[op]))
    print("python", sys.version.split()[0], "numpy", np.__version__)


if __name__ == "__main__":
    main()
