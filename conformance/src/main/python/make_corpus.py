#!/usr/bin/env python3
"""Builds the built-in conformance corpus for bufferbridge (docs/contract.md §4).

Run with ``python3`` (CPython 3.11 with its ``_testbuffer`` test module, NumPy 2.4):

    python3 conformance/src/main/python/make_corpus.py [OUTPUT]

Writes ``conformance/src/main/resources/corpus/builtin.jsonl`` (or OUTPUT), one case per
line, keys ``id format itemsize shape strides readonly memory offset logical values
zero_copy expect source``.

Round-trip cases come from real exporters only: NumPy arrays, ``_testbuffer.ndarray``,
``memoryview.cast``, ``array.array`` and ctypes objects.  For each one:

* ``format``, ``itemsize``, ``shape``, ``strides``, ``readonly`` are read from
  ``memoryview(obj)``;
* the view's ``buf`` pointer is read with a raw ``PyObject_GetBuffer(obj, PyBUF_FULL_RO)``
  through ctypes (and checked against NumPy's ``__array_interface__`` where there is one);
* ``memory`` is the whole base buffer the view lies in (the NumPy owner array, the
  ``bytes``/``bytearray``/``array.array``/ctypes object, or the ``_testbuffer`` buffer of
  ``len(items) * itemsize`` bytes), read with ``ctypes.string_at``; ``offset`` is ``buf``
  minus the base's address;
* ``logical`` is ``memoryview(obj).tobytes()``; the script rebuilds it in pure Python from
  memory/offset/shape/strides/itemsize and asserts equality;
* ``values`` is ``memoryview(obj).tolist()``, else ``_testbuffer.ndarray.tolist()``, else a
  dtype-aware walk of ``np.asarray(obj)``; omitted where it would not be faithful (long
  doubles not exact as doubles, NumPy strings whose trailing NULs ``tolist`` drops, Pascal
  strings, void).

Helpers that appear in ``source`` strings:

* ``mk(dtype, shape, order='C')``: ``np.zeros`` then every (sub)field filled with
  deterministic pseudo-random data (seeded from the dtype and shape; floats get nan, inf,
  -inf, -0.0 at flat positions 1, 3, 5, 7 when there are at least 8 of them; strings use
  letters only, so no NUL bytes; padding stays zero);
* ``ro(a)``: ``a.flags.writeable = False``; returns ``a``;
* ``rbytes(n)``: ``n`` deterministic pseudo-random bytes;
* ``items(fmt, n)``: ``n`` deterministic ``struct`` items for format ``fmt``;
* ``arr(code, n)``: ``array.array(code, <n deterministic values>)``;
* ctypes classes ``Pair`` (c_int a; c_float b), ``Trio`` (c_double a; c_int b;
  c_short c[2]), ``BE`` (BigEndianStructure: c_int a; c_uint b), ``LEs``
  (LittleEndianStructure: c_ubyte a; c_char b; c_ushort c), ``Nest`` (Pair x; c_double y),
  filled by ``cfill(obj)`` (deterministic, bools 0/1, chars letters).

Reject cases are hand-written descriptors that are invalid per docs/contract.md §1; their other
keys are still present, ``logical`` is ``""`` and ``values`` is omitted.

Output is deterministic: fixed seeds, fixed order, ``json.dumps(ensure_ascii=True,
separators=(",", ":"), allow_nan=False)``.
"""

import array
import ctypes
import itertools
import json
import math
import os
import platform
import re
import struct
import sys
import warnings
import zlib

import _testbuffer
import numpy as np
import numpy._core._internal as np_internal

warnings.simplefilter("ignore")

NPV = np.__version__
PYV = platform.python_version()
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.normpath(os.path.join(HERE, "..", "resources", "corpus", "builtin.jsonl"))


# ---------------------------------------------------------------------------------------
# raw PyObject_GetBuffer through ctypes


class Py_buffer(ctypes.Structure):
    _fields_ = [
        ("buf", ctypes.c_void_p),
        ("obj", ctypes.py_object),
        ("len", ctypes.c_ssize_t),
        ("itemsize", ctypes.c_ssize_t),
        ("readonly", ctypes.c_int),
        ("ndim", ctypes.c_int),
        ("format", ctypes.c_char_p),
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


def getbuf(obj):
    """(buf, len, itemsize, ndim, format, shape, strides, readonly) of a FULL_RO request."""
    v = Py_buffer()
    _GetBuffer(obj, ctypes.byref(v), _testbuffer.PyBUF_FULL_RO)
    try:
        assert not v.suboffsets
        nd = v.ndim
        shape = tuple(v.shape[i] for i in range(nd)) if nd else ()
        if nd and v.strides:
            strides = tuple(v.strides[i] for i in range(nd))
        else:  # NULL strides (ctypes): C-contiguous
            acc, rev = v.itemsize, []
            for n in reversed(shape):
                rev.append(acc)
                acc *= n
            strides = tuple(reversed(rev))
        fmt = v.format.decode("ascii") if v.format else "B"
        return dict(buf=v.buf or 0, len=v.len, itemsize=v.itemsize, ndim=nd, format=fmt,
                    shape=shape, strides=strides, readonly=bool(v.readonly))
    finally:
        _Release(ctypes.byref(v))


# ---------------------------------------------------------------------------------------
# deterministic data


def _rng(*key):
    return np.random.default_rng(zlib.crc32(repr(key).encode("ascii")))


LETTERS = np.frombuffer(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype="u1")


def _fill(a, rng):
    dt = a.dtype
    if dt.names:
        for name in dt.names:
            _fill(a[name], rng)
        return
    shape = a.shape
    k = dt.kind
    if k == "b":
        a[...] = rng.integers(0, 2, shape).astype(bool)
    elif k in "iu":
        info = np.iinfo(dt)
        big = np.uint64 if k == "u" else np.int64
        a[...] = rng.integers(int(info.min), int(info.max), shape, dtype=big, endpoint=True)
    elif k in "fc":
        def floats():
            v = np.round(rng.standard_normal(shape) * 100.0, 2)
            if dt.itemsize in (2, 4) and k == "f" or dt.itemsize in (4, 8) and k == "c":
                v = np.round(v / 10.0, 1)
            flat = v.reshape(-1)
            if flat.size >= 8:
                flat[1], flat[3], flat[5], flat[7] = np.nan, np.inf, -np.inf, -0.0
            return flat.reshape(shape)
        if k == "f":
            a[...] = floats()
        else:
            a.real[...] = floats()
            a.imag[...] = floats()[::-1] if len(shape) else floats()
    elif k == "S":
        n = dt.itemsize
        a[...] = np.array([bytes(LETTERS[rng.integers(0, len(LETTERS), n)])
                           for _ in range(int(np.prod(shape)))], dtype=dt).reshape(shape)
    elif k == "U":
        n = dt.itemsize // 4
        a[...] = np.array([bytes(LETTERS[rng.integers(0, len(LETTERS), n)]).decode()
                           for _ in range(int(np.prod(shape)))], dtype=dt).reshape(shape)
    else:
        raise ValueError("no fill for %r" % (dt,))


def _ld_slots(dt, base=0):
    """Byte offsets of the 16-byte long double slots in dtype dt."""
    if dt.names:
        for name in dt.names:
            fdt, off = dt.fields[name][:2]
            yield from _ld_slots(fdt, base + off)
    elif dt.subdtype:
        sub, shp = dt.subdtype
        for i in range(math.prod(shp)):
            yield from _ld_slots(sub, base + i * sub.itemsize)
    elif dt.type is np.longdouble:
        yield base
    elif dt.type is np.clongdouble:
        yield base
        yield base + 16


def mk(dtype, shape=(), order="C"):
    dt = np.dtype(dtype)
    if isinstance(shape, int):
        shape = (shape,)
    a = np.zeros(shape, dt, order=order)
    _fill(a, _rng("mk", dt.str, str(dt.descr), tuple(shape), order))
    slots = list(_ld_slots(dt))
    if slots and a.size:
        # x87 long double: 10 value bytes in a 16-byte slot; zero the 6 padding bytes so
        # the output does not depend on what a store left there.
        flat = a.ravel(order="K")
        assert np.shares_memory(flat, a)
        raw = flat.view("u1").reshape(-1, dt.itemsize)
        for off in slots:
            raw[:, off + 10:off + 16] = 0
    return a


def ro(a):
    a.flags.writeable = False
    return a


def rbytes(n):
    return bytes(_rng("rbytes", n).integers(0, 256, n, dtype=np.uint8))


def _struct_codes(fmt):
    """[(count, code)] of a struct format, prefix dropped."""
    body = fmt[1:] if fmt[:1] in "@=<>!" else fmt
    return [(int(c) if c else 1, t) for c, t in re.findall(r"(\d*)([a-zA-Z?])", body)]


def items(fmt, n):
    """n deterministic struct items for fmt (tuples when fmt has several values)."""
    rng = _rng("items", fmt, n)
    native = fmt[:1] not in "=<>!"
    out = []
    for _ in range(n):
        vals = []
        for count, code in _struct_codes(fmt):
            size = struct.calcsize(("@" if native else "=") + code)
            if code in "sp":
                m = count if code == "s" else max(count - 1, 0)
                vals.append(bytes(LETTERS[rng.integers(0, len(LETTERS), m)]))
                continue
            if code == "x":
                continue
            for _ in range(count):
                if code == "c":
                    vals.append(bytes(LETTERS[rng.integers(0, len(LETTERS), 1)]))
                elif code == "?":
                    vals.append(bool(rng.integers(0, 2)))
                elif code in "bhilqn":
                    bits = 8 * size
                    vals.append(int(rng.integers(-(1 << (bits - 1)), (1 << (bits - 1)) - 1,
                                                 endpoint=True, dtype=np.int64)))
                elif code in "BHILQNP":
                    bits = 8 * size
                    vals.append(int(rng.integers(0, (1 << bits) - 1, endpoint=True,
                                                 dtype=np.uint64)))
                elif code in "efd":
                    r = rng.random()
                    if r < 0.08:
                        vals.append(float("nan"))
                    elif r < 0.14:
                        vals.append(float("inf") if r < 0.11 else float("-inf"))
                    else:
                        v = round(float(rng.standard_normal()) * 100, 2)
                        vals.append(round(v / 10, 1) if code == "e" else v)
                else:
                    raise ValueError(code)
        out.append(vals[0] if len(vals) == 1 else tuple(vals))
    return out


def arr(code, n):
    return array.array(code, items("@" + code, n))


# ctypes structures without padding: ctypes writes its fields in standard ('<'/'>') mode and
# never emits 'x', so a structure with padding exports a format whose calcsize is not its
# itemsize (see the reject cases "ctypes-*").
class Pair(ctypes.Structure):
    _fields_ = [("a", ctypes.c_int), ("b", ctypes.c_float)]


class Trio(ctypes.Structure):
    _fields_ = [("a", ctypes.c_double), ("b", ctypes.c_int), ("c", ctypes.c_short * 2)]


class BE(ctypes.BigEndianStructure):
    _fields_ = [("a", ctypes.c_int), ("b", ctypes.c_uint)]


class LEs(ctypes.LittleEndianStructure):
    _fields_ = [("a", ctypes.c_ubyte), ("b", ctypes.c_char), ("c", ctypes.c_ushort)]


class Nest(ctypes.Structure):
    _fields_ = [("x", Pair), ("y", ctypes.c_double)]


def cfill(obj):
    """Fills a ctypes object with deterministic data valid for every field (bools 0/1,
    chars letters; in structures: small integers, one-decimal floats, zero padding) and
    returns it."""
    rng = _rng("cfill", type(obj).__name__, ctypes.sizeof(obj))
    ctypes.memset(ctypes.addressof(obj), 0, ctypes.sizeof(obj))
    _cfill(obj, type(obj), rng, None)
    return obj


def _cfill(obj, typ, rng, setter):
    if issubclass(typ, ctypes.Structure):
        for name, ftyp in typ._fields_:
            _cfill(getattr(obj, name), ftyp, rng, lambda v, o=obj, n=name: setattr(o, n, v))
    elif issubclass(typ, ctypes.Array):
        for i in range(typ._length_):
            _cfill(obj[i], typ._type_, rng, lambda v, o=obj, i=i: o.__setitem__(i, v))
    else:
        code = typ._type_
        if code == "c":
            v = bytes(LETTERS[rng.integers(0, len(LETTERS), 1)])
        elif code == "?":
            v = bool(rng.integers(0, 2))
        elif code in "fdg":
            v = round(float(rng.standard_normal()) * 100, 1)
        elif code in "bhilq":
            bits = 8 * ctypes.sizeof(typ)
            v = int(rng.integers(-(1 << (bits - 1)), (1 << (bits - 1)) - 1, endpoint=True,
                                 dtype=np.int64))
        elif code in "BHILQP":
            bits = 8 * ctypes.sizeof(typ)
            v = int(rng.integers(0, (1 << bits) - 1, endpoint=True, dtype=np.uint64))
        else:
            raise ValueError(code)
        if setter is None:
            obj.value = v
        else:
            setter(v)


_TB_SPANS = []  # (ndarray, number of bytes of its base buffer)


def TB(items_, **kw):
    nd = _testbuffer.ndarray(items_, **kw)
    n = len(items_) if isinstance(items_, list) else 1
    _TB_SPANS.append((nd, n * nd.itemsize))
    return nd


NS = dict(np=np, mk=mk, ro=ro, rbytes=rbytes, items=items, arr=arr, array=array, C=ctypes,
          ctypes=ctypes, Pair=Pair, Trio=Trio, BE=BE, LEs=LEs, Nest=Nest, cfill=cfill, TB=TB,
          ndarray=TB, ND_WRITABLE=_testbuffer.ND_WRITABLE, ND_FORTRAN=_testbuffer.ND_FORTRAN)


# ---------------------------------------------------------------------------------------
# base memory, values, density


def owner(obj):
    """The object whose whole (contiguous) buffer the view lies in."""
    if isinstance(obj, np.ndarray):
        x = obj
        while isinstance(x, np.ndarray) and x.base is not None:
            x = x.base
        if isinstance(x, memoryview):
            x = x.obj
        return x
    if isinstance(obj, memoryview):
        return owner(obj.obj)
    return obj


def span(base):
    for nd, n in _TB_SPANS:
        if nd is base:
            return getbuf(base)["buf"] - base.offset, n
    info = getbuf(base)
    m = memoryview(base)
    assert m.contiguous, "base of a view must be contiguous"
    return info["buf"], info["len"]


class Unfaithful(Exception):
    pass


def _num(x):
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, np.longdouble) and not isinstance(x, np.float64):
        f = float(x)
        if not (math.isnan(f) or np.longdouble(f) == x):
            raise Unfaithful("long double not exact as a double")
        x = f
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def py_to_json(x):
    """memoryview / _testbuffer tolist() results."""
    if isinstance(x, (list, tuple)):
        return [py_to_json(y) for y in x]
    if isinstance(x, bytes):
        return "hex:" + x.hex()
    if isinstance(x, (bool, int, float)):
        return _num(x)
    raise Unfaithful(type(x).__name__)


def np_to_json(a):
    """Dtype-aware tolist() of a NumPy array."""
    if a.ndim > 0:
        return [np_to_json(a[i, ...]) for i in range(a.shape[0])]
    dt = a.dtype
    if dt.names:
        return [np_to_json(np.asarray(a[name])) for name in dt.names]
    x = a[()]
    k = dt.kind
    if k == "c":
        if dt.itemsize == 32:
            return [_num(np.longdouble(x.real)), _num(np.longdouble(x.imag))]
        return [_num(x.real), _num(x.imag)]
    if k in "biuf":
        return _num(x)
    if k == "S":
        if len(x) != dt.itemsize:
            raise Unfaithful("tolist drops trailing NULs")
        return "hex:" + bytes(x).hex()
    if k == "U":
        if len(x) != dt.itemsize // 4 or x in ("nan", "inf", "-inf") or x.startswith("hex:"):
            raise Unfaithful("str")
        return str(x)
    raise Unfaithful(str(dt))


def values_of(obj, m):
    fmt = m.format.lstrip("@=<>!^")
    if re.fullmatch(r"\d*p", fmt):
        return None  # tolist gives the Pascal string's contents, not its stored bytes
    try:
        return py_to_json(m.tolist())
    except NotImplementedError:
        pass
    except Unfaithful:
        return None
    try:
        if isinstance(obj, _testbuffer.ndarray):
            return py_to_json(obj.tolist())
        a = np.asarray(obj)
        if (a.__array_interface__["data"][0], a.shape, a.strides) != (
                getbuf(obj)["buf"], m.shape, m.strides):
            return None  # NumPy did not read the view as the exporter describes it
        return np_to_json(a)
    except (Unfaithful, ValueError, TypeError):
        return None


SINGLE = re.compile(r"[@=<>!^]?(\d*)(Z[fdg]|[cbB?hHiIlLqQnNefdspPgw])")


def zero_copy_format(fmt):
    """docs/contract.md §2: one code (with a count or byte order) maps zero-copy; records and formats of
    several codes are de-interleaving copies."""
    return SINGLE.fullmatch(fmt) is not None


def dense(shape, strides, itemsize):
    if any(n == 0 for n in shape):
        return False  # zero elements: nothing to keep zero-copy, claim nothing
    if any(s < 0 for s in strides):
        return False  # docs/contract.md §2 asks strides >= 0, on length-1 axes too
    axes = [(s, n) for n, s in zip(shape, strides) if n > 1]
    expected = itemsize
    for s, n in sorted(axes):
        if s != expected:
            return False
        expected *= n
    return True


def spec_itemsize_ok(fmt, itemsize):
    """docs/contract.md §1: itemsize is struct.calcsize(fmt) or NumPy's (padded) itemsize for fmt."""
    sizes = set()
    try:
        sizes.add(struct.calcsize(fmt))
    except struct.error:
        pass
    try:
        sizes.add(np_internal._dtype_from_pep3118(fmt).itemsize)
    except Exception:
        pass
    return itemsize in sizes


def rebuild(memory, offset, shape, strides, itemsize):
    out = bytearray()
    for idx in itertools.product(*[range(n) for n in shape]):
        p = offset + sum(i * s for i, s in zip(idx, strides))
        assert 0 <= p and p + itemsize <= len(memory), "element outside memory"
        out += memory[p:p + itemsize]
    return bytes(out)


# ---------------------------------------------------------------------------------------
# the cases

CASES = []
IDS = set()


def emit(case):
    assert case["id"] not in IDS, "duplicate id " + case["id"]
    IDS.add(case["id"])
    CASES.append(case)


def real(cid, expr, lib):
    """A round-trip case from a real exporter built by evaluating expr."""
    obj = eval(expr, NS)
    m = memoryview(obj)
    info = getbuf(obj)
    assert (m.format, m.itemsize, m.ndim, m.shape, m.strides, m.readonly) == (
        info["format"], info["itemsize"], info["ndim"], info["shape"], info["strides"],
        info["readonly"]), cid
    base = owner(obj)
    base_addr, base_len = span(base)
    memory = ctypes.string_at(base_addr, base_len)
    offset = info["buf"] - base_addr
    assert 0 <= offset <= base_len, (cid, offset, base_len)
    if isinstance(obj, np.ndarray):
        assert obj.__array_interface__["data"][0] == info["buf"], cid
    assert spec_itemsize_ok(m.format, m.itemsize), (cid, m.format, m.itemsize)
    logical = m.tobytes()
    assert rebuild(memory, offset, m.shape, m.strides, m.itemsize) == logical, cid
    nelem = math.prod(m.shape)
    assert len(logical) == nelem * m.itemsize
    case = dict(id=cid, format=m.format, itemsize=m.itemsize, shape=list(m.shape),
                strides=list(m.strides), readonly=m.readonly, memory=memory.hex(),
                offset=offset, logical=logical.hex())
    vals = values_of(obj, m)
    if vals is not None:
        case["values"] = vals
    if zero_copy_format(m.format) and dense(m.shape, m.strides, m.itemsize):
        case["zero_copy"] = True
    case["expect"] = "roundtrip"
    case["source"] = "%s: %s" % (lib, expr)
    emit(case)
    return case


def NP(cid, expr):
    return real("np-" + cid, expr, "numpy " + NPV)


def CPY(prefix, cid, expr, what):
    return real(prefix + "-" + cid, expr, "cpython %s %s" % (PYV, what))


def reject(cid, what, fmt, itemsize, shape, strides, offset=0, memory=None, readonly=True):
    if memory is None:
        memory = rbytes(64)
    emit(dict(id="reject-" + cid, format=fmt, itemsize=itemsize, shape=shape, strides=strides,
              readonly=readonly, memory=memory.hex(), offset=offset, logical="",
              expect="reject", source="hand-written invalid descriptor: " + what))


# --- NumPy, native scalar dtypes ------------------------------------------------------

NATIVE = [  # (name, dtype string as written in the source)
    ("int8", "i1"), ("uint8", "u1"), ("bool", "?"), ("int16", "<i2"), ("uint16", "<u2"),
    ("int32", "<i4"), ("uint32", "<u4"), ("int64", "<i8"), ("uint64", "<u8"),
    ("longlong", "np.longlong"), ("ulonglong", "np.ulonglong"), ("intp", "np.intp"),
    ("uintp", "np.uintp"), ("float16", "<f2"), ("float32", "<f4"), ("float64", "<f8"),
    ("longdouble", "np.longdouble"), ("complex64", "<c8"), ("complex128", "<c16"),
    ("clongdouble", "np.clongdouble"), ("bytes5", "S5"), ("bytes1", "S1"), ("str3", "<U3"),
]


def dt_src(d):
    return d if d.startswith("np.") else repr(d)


def numpy_native():
    full = {"int8", "bool", "int16", "int32", "int64", "float16", "float32", "float64",
            "complex64", "bytes5", "longdouble", "str3"}
    for name, d in NATIVE:
        t = dt_src(d)
        big = np.dtype(eval(t, NS)).itemsize >= 12
        NP("%s-c-1d" % name, "mk(%s, 7)" % t)
        NP("%s-c-2d-ro" % name, "ro(mk(%s, (2, 3)))" % t)
        NP("%s-0d" % name, "mk(%s, (2, 3))[1, 2, ...]" % t)
        if name not in full:
            NP("%s-step-neg-1d" % name, "mk(%s, 9)[::-2]" % t)
            continue
        NP("%s-c-2d" % name, "mk(%s, (3, 4))" % t if not big else "mk(%s, (2, 3))" % t)
        NP("%s-f-2d" % name, "mk(%s, (3, 4), order='F')" % t if not big
           else "mk(%s, (2, 3), order='F')" % t)
        NP("%s-perm-3d" % name, "mk(%s, (2, 3, 4)).transpose(1, 2, 0)" % t if not big
           else "mk(%s, (2, 3, 2)).transpose(2, 0, 1)" % t)
        NP("%s-t-2d-ro" % name, "ro(mk(%s, (3, 2))).T" % t)
        NP("%s-step-1d" % name, "mk(%s, 10)[1::2]" % t)
        NP("%s-step-2d" % name, "mk(%s, (3, 7))[:, ::3]" % t if not big
           else "mk(%s, (2, 5))[:, ::3]" % t)
        NP("%s-neg-1d" % name, "mk(%s, 6)[::-1]" % t)
        NP("%s-neg-2d" % name, "mk(%s, (3, 4))[::-1, 1:]" % t if not big
           else "mk(%s, (2, 3))[:, ::-1]" % t)
        NP("%s-bcast-2d" % name, "np.broadcast_to(mk(%s, 4), (3, 4))" % t)
        NP("%s-empty-2d" % name, "mk(%s, (3, 4))[:, 2:2]" % t if not big
           else "mk(%s, (2, 3))[:, 1:1]" % t)
    # read-only through a bytes base, and unaligned starts in a bytes / bytearray base
    NP("int32-bytes-2d-ro", "np.frombuffer(mk('<i4', 12).tobytes(), dtype='<i4').reshape(3, 4)")
    NP("float64-bytes-unaligned-ro", "np.frombuffer(rbytes(64), dtype='<f8', offset=3, count=7)")
    NP("int16-bytearray-unaligned-2d",
       "np.frombuffer(bytearray(rbytes(40)), dtype='<i2', offset=1, count=18).reshape(3, 6)[:, ::2]")
    NP("uint32-bytearray-unaligned-t", "np.frombuffer(bytearray(rbytes(53)), dtype='<u4', offset=5,"
       " count=12).reshape(3, 4).T")
    NP("complex64-bytes-unaligned-ro",
       "np.frombuffer(rbytes(50), dtype='<c8', offset=1, count=6)[::-2]")


# --- NumPy, non-native byte order ------------------------------------------------------

NONNATIVE = [("int16", ">i2"), ("uint16", ">u2"), ("int32", ">i4"), ("uint32", ">u4"),
             ("int64", ">i8"), ("uint64", ">u8"), ("float16", ">f2"), ("float32", ">f4"),
             ("float64", ">f8"), ("complex64", ">c8"), ("complex128", ">c16"), ("str2", ">U2")]


def numpy_nonnative():
    for name, d in NONNATIVE:
        t = repr(d)
        NP("be-%s-c-2d-ro" % name, "ro(mk(%s, (2, 3)))" % t)
        NP("be-%s-t-2d" % name, "mk(%s, (2, 3)).T" % t)
        NP("be-%s-neg-1d" % name, "mk(%s, 5)[::-1]" % t)
        NP("be-%s-step-2d" % name, "mk(%s, (3, 4))[::2, 1::2]" % t)
        NP("be-%s-0d" % name, "mk(%s, 3)[2, ...]" % t)
    # NumPy drops the byte order where it cannot matter
    NP("be-int8-c-1d", "mk('>i1', 5)")
    NP("be-bool-c-1d", "mk('>?', 5)")
    NP("be-bytes3-c-1d", "mk('>S3', 4)")


# --- NumPy records -------------------------------------------------------------------

RECORDS = [
    ("packed-id", "[('a', '<i4'), ('b', '<f8')]"),
    ("packed-ii", "[('a', '<i4'), ('b', '<i4')]"),
    ("packed-unnamed", "'<i4, <f8, u1'"),
    ("packed-bool-cplx-be", "[('a', '?'), ('b', '<c8'), ('c', '>f4')]"),
    ("packed-bytes", "[('a', 'S3'), ('b', '<i4')]"),
    ("packed-str-half", "[('a', '<U2'), ('b', '<f2'), ('c', 'u1')]"),
    ("packed-be-fields", "[('a', '>i4'), ('b', '<f8'), ('c', '>u2')]"),
    ("packed-longdouble", "[('a', 'u1'), ('b', np.longdouble)]"),
    ("aligned-Bd", "np.dtype([('a', 'u1'), ('b', '<f8')], align=True)"),
    ("aligned-mixed", "np.dtype([('a', 'u1'), ('b', '<i2'), ('c', '<f8'), ('d', 'u1')], align=True)"),
    ("aligned-trailing", "np.dtype([('a', '<f8'), ('b', 'u1')], align=True)"),
    ("aligned-trailing-3", "np.dtype([('a', '<f8'), ('b', 'u1'), ('c', '<i2')], align=True)"),
    ("aligned-bytes", "np.dtype([('a', 'S3'), ('b', '<i4')], align=True)"),
    ("aligned-longdouble", "np.dtype([('a', 'u1'), ('b', np.longdouble)], align=True)"),
    ("nested-packed", "[('a', [('x', '<i2'), ('y', 'u1')]), ('b', '<f4')]"),
    ("nested-aligned", "np.dtype([('a', 'u1'), ('b', [('x', 'u1'), ('y', '<f8')])], align=True)"),
    ("subarray-packed", "[('a', 'u1'), ('b', '<i2', (2, 3))]"),
    ("subarray-aligned", "np.dtype([('a', 'u1'), ('b', '<i2', (2, 3))], align=True)"),
    ("subarray-nested", "[('a', 'u1'), ('b', '<i2', (2, 3)), ('c', [('x', '>f4'), ('y', 'S2')])]"),
    ("repeat-2i", "[('a', '<i4', (2,))]"),
    ("repeat-2i-aligned", "np.dtype([('a', '<i4', (2,)), ('b', 'u1')], align=True)"),
    ("cplx-fields", "[('re', '<c16'), ('z', '<c8')]"),
]


def numpy_records():
    for i, (name, d) in enumerate(RECORDS):
        t = "np.dtype(%s)" % d if not d.startswith("np.dtype") else d
        NP("rec-%s-c-1d" % name, "mk(%s, 4)" % t)
        if i % 4 == 0:
            NP("rec-%s-c-2d-ro" % name, "ro(mk(%s, (2, 3)))" % t)
        elif i % 4 == 1:
            NP("rec-%s-neg-1d" % name, "mk(%s, 5)[::-1]" % t)
        elif i % 4 == 2:
            NP("rec-%s-t-2d" % name, "mk(%s, (2, 3)).T" % t)
        else:
            NP("rec-%s-step-1d-ro" % name, "ro(mk(%s, 7)[::3])" % t)
        NP("rec-%s-0d" % name, "mk(%s, 3)[1, ...]" % t)
        if i % 3 == 0:
            NP("rec-%s-empty" % name, "mk(%s, 4)[2:2]" % t)
        if i % 5 == 0:
            NP("rec-%s-bcast" % name, "np.broadcast_to(mk(%s, 2), (2, 2))" % t)


def numpy_fields():
    p = "np.dtype([('a', 'u1'), ('b', '<f8'), ('c', '<i4')])"          # itemsize 13
    NP("field-b-stride13", "mk(%s, 5)['b']" % p)
    NP("field-c-stride13", "mk(%s, 5)['c']" % p)
    NP("field-a-stride13-ro", "ro(mk(%s, 5))['a']" % p)
    NP("field-b-2d-t", "mk(%s, (3, 4))['b'].T" % p)
    NP("field-c-neg", "mk(%s, 6)[::-2]['c']" % p)
    NP("field-b-0d", "mk(%s, 3)[2, ...]['b']" % p)
    NP("field-multi-ac", "mk(%s, 4)[['a', 'c']]" % p)
    NP("field-aligned-b", "mk(np.dtype([('a', 'u1'), ('b', '<f8')], align=True), 4)['b']")
    NP("field-subarray-b", "mk(np.dtype([('a', 'u1'), ('b', '<i2', (2, 3))]), 3)['b']")
    NP("field-subarray-b-step", "mk(np.dtype([('a', 'u1'), ('b', '<i2', (2, 3))]), 3)['b'][:, ::-1, ::2]")
    NP("field-nested-a", "mk(np.dtype([('a', [('x', '<i2'), ('y', 'u1')]), ('b', '<f4')]), 4)['a']")
    NP("field-nested-a-x", "mk(np.dtype([('a', [('x', '<i2'), ('y', 'u1')]), ('b', '<f4')]), 4)['a']['x']")
    NP("field-be-c", "mk(np.dtype([('a', '>i4'), ('b', '<f8'), ('c', '>u2')]), 4)['c']")
    NP("field-cplx-z", "mk(np.dtype([('re', '<c16'), ('z', '<c8')]), 3)['z']")
    NP("field-bool", "mk(np.dtype([('a', '?'), ('b', '<c8'), ('c', '>f4')]), 5)['a']")
    NP("field-bytes", "mk(np.dtype([('a', 'S3'), ('b', '<i4')]), 4)['a']")


def numpy_ndim():
    NP("int16-6d-c", "mk('<i2', (2, 2, 2, 2, 2, 2))")
    NP("int16-6d-perm", "mk('<i2', (2, 2, 2, 2, 2, 2)).transpose(5, 3, 1, 0, 2, 4)")
    NP("uint8-6d-f", "mk('u1', (2, 3, 2, 2, 3, 2), order='F')")
    NP("uint8-6d-step-neg", "mk('u1', (2, 3, 2, 2, 3, 2))[:, ::2, :, ::-1, 1:, :]")
    NP("float64-6d-c-ro", "ro(mk('<f8', (2, 2, 2, 2, 2, 2)))")
    NP("int32-6d-bcast", "np.broadcast_to(mk('<i4', (1, 3, 1, 2)), (2, 2, 2, 3, 2, 2))")
    NP("int8-5d-perm", "mk('i1', (2, 3, 2, 1, 2)).transpose(4, 2, 0, 3, 1)")
    NP("float32-4d-step", "mk('<f4', (2, 3, 4, 2))[::-1, :, ::2, 1:]")
    NP("int32-4d-len1-axes", "mk('<i4', (1, 3, 1, 4))")
    NP("int32-3d-len1-gaps", "mk('<i4', (3, 8))[:, 5:6].reshape(3, 1, 1)")
    NP("float64-3d-empty-mid", "mk('<f8', (2, 0, 3), order='F')")
    NP("int32-empty-1d", "mk('<i4', 0)")
    NP("int32-empty-0-4", "mk('<i4', (0, 4))")
    NP("int16-empty-slice-end", "mk('<i2', 6)[6:]")
    NP("int32-empty-neg", "mk('<i4', 6)[2:2:-1]")
    NP("int32-empty-bcast", "np.broadcast_to(mk('<i4', 3), (0, 3))")
    NP("uint8-0d-own", "mk('u1', ())")
    NP("float64-0d-own-ro", "ro(mk('<f8', ()))")
    # NumPy exports a contiguous length-1 axis with the canonical stride (4, not its 32)
    NP("int32-1d-len1-from-2d", "mk('<i4', (3, 8))[1:2, 3]")


# --- _testbuffer: the struct grammar, every character and byte order ---------------------

TB_LAYOUTS = [  # (tag, n items, keyword arguments as text with I = itemsize)
    ("c-1d", 6, "shape=[6]"),
    ("c-2d", 12, "shape=[3, 4]"),
    ("f-2d", 12, "shape=[3, 4], flags=ND_FORTRAN"),
    ("neg-2d", 12, "shape=[3, 2], strides=[{m4}, {p2}], offset={p8}"),
    ("step-1d", 10, "shape=[4], strides=[{p2}], offset={p1}"),
    ("perm-3d", 12, "shape=[2, 3, 2], strides=[{p2}, {p4}, {p1}]"),
    ("bcast-2d", 4, "shape=[3, 4], strides=[0, {p1}]"),
    ("0d", 1, "shape=[]"),
    ("empty-2d", 3, "shape=[0, 3]"),
]


def tb_case(fmt, tag, n, kw, writable, cid_fmt):
    size = struct.calcsize(fmt)
    kwtext = kw.format(p1=size, p2=2 * size, p4=4 * size, p8=8 * size, m4=-4 * size)
    if writable:
        if "flags=" in kwtext:
            kwtext = kwtext.replace("flags=ND_FORTRAN", "flags=ND_FORTRAN|ND_WRITABLE")
        else:
            kwtext += ", flags=ND_WRITABLE"
    if tag == "0d":
        expr = "ndarray(items(%r, 1)[0], format=%r, %s)" % (fmt, fmt, kwtext)
    else:
        expr = "ndarray(items(%r, %d), format=%r, %s)" % (fmt, n, fmt, kwtext)
    CPY("tb", "%s-%s%s" % (cid_fmt, tag, "" if writable else "-ro"), expr, "_testbuffer")


PREFIX_NAMES = {"": "", "@": "at-", "<": "le-", ">": "be-", "=": "std-", "!": "net-"}
CHAR_NAMES = {"c": "char", "b": "b", "B": "ub", "?": "bool", "h": "h", "H": "uh", "i": "i",
              "I": "ui", "l": "l", "L": "ul", "q": "q", "Q": "uq", "n": "n", "N": "un",
              "e": "e", "f": "f", "d": "d", "s": "s", "p": "p", "P": "ptr"}


def testbuffer_struct():
    k = 0
    for ch in "cbB?hHiIlLqQnNefdspP":
        for pre in ["", "@", "<", ">", "=", "!"]:
            if ch in "nNP" and pre not in ("", "@"):
                continue  # struct: native-only codes
            fmt = pre + ch
            tag, n, kw = TB_LAYOUTS[k % len(TB_LAYOUTS)]
            tb_case(fmt, tag, n, kw, k % 3 != 0, PREFIX_NAMES[pre] + CHAR_NAMES[ch])
            k += 1
    # counts and several codes
    extra = [("5s", "s5"), ("<5s", "le-s5"), ("4p", "p4"), ("2i", "repeat-2i"),
             ("3h", "repeat-3h"), ("<2e", "le-repeat-2e"), ("hd", "multi-hd"),
             ("<hd", "le-multi-hd"), ("=bi", "std-multi-bi"), ("B3xi", "multi-pad-B3xi"),
             (">?Hq", "be-multi-bool-H-q"), ("2c2s", "multi-2c2s")]
    for fmt, name in extra:
        tag, n, kw = TB_LAYOUTS[k % len(TB_LAYOUTS)]
        if tag in ("0d", "empty-2d"):
            tag, n, kw = TB_LAYOUTS[1]
        tb_case(fmt, tag, n, kw, k % 3 != 0, name)
        k += 1
        if tag != "c-1d":
            tb_case(fmt, "c-1d", 6, "shape=[6]", True, name)
    # length-1 axes with strides that are not the canonical ones
    CPY("tb", "i-1d-len1-stride12", "ndarray(items('i', 4), format='i', shape=[1], "
        "strides=[12], offset=4)", "_testbuffer")
    CPY("tb", "i-2d-len1-axis-stride40", "ndarray(items('i', 12), format='i', shape=[3, 1], "
        "strides=[4, 40], flags=ND_WRITABLE)", "_testbuffer")
    CPY("tb", "d-3d-len1-axis-neg", "ndarray(items('d', 6), format='d', shape=[2, 1, 3], "
        "strides=[24, -8, 8])", "_testbuffer")
    # ndim 6 through _testbuffer
    CPY("tb", "q-6d-c", "ndarray(items('q', 64), format='q', shape=[2, 2, 2, 2, 2, 2], "
        "flags=ND_WRITABLE)", "_testbuffer")
    CPY("tb", "be-h-6d-neg", "ndarray(items('>h', 64), format='>h', shape=[2, 2, 2, 2, 2, 2], "
        "strides=[-64, 32, 16, 8, 4, -2], offset=66)", "_testbuffer")


# --- memoryview.cast, array.array, ctypes ------------------------------------------------

def memoryview_cast():
    cases = [
        ("i-2d", "memoryview(bytearray(rbytes(48))).cast('i', shape=[3, 4])"),
        ("d-1d-ro", "memoryview(rbytes(48)).cast('d')"),
        ("q-3d", "memoryview(bytearray(rbytes(64))).cast('q', shape=[2, 2, 2])"),
        ("bool-2d", "memoryview(bytearray(b % 2 for b in rbytes(12))).cast('?', shape=[3, 4])"),
        ("char-1d-ro", "memoryview(b'conformance').cast('c')"),
        ("n-1d-step", "memoryview(bytearray(rbytes(64))).cast('n')[1::3]"),
        ("N-1d-neg", "memoryview(bytearray(rbytes(48))).cast('N')[::-1]"),
        ("P-1d", "memoryview(bytearray(rbytes(32))).cast('P')"),
        ("at-H-2d", "memoryview(bytearray(rbytes(24))).cast('@H', shape=[2, 6])"),
        ("L-1d-slice", "memoryview(bytearray(rbytes(64))).cast('L')[2:6]"),
        ("f-1d-neg-step-ro", "memoryview(rbytes(40)).cast('f')[::-3]"),
        ("B-2d-rows-neg", "memoryview(bytearray(rbytes(24))).cast('B', shape=[4, 6])[::-1]"),
        ("b-0d", "memoryview(bytearray(rbytes(1))).cast('b', shape=[])"),
        ("i-empty", "memoryview(bytearray(rbytes(16))).cast('i')[2:2]"),
    ]
    for cid, expr in cases:
        CPY("mv", cid, expr, "memoryview")


def array_array():
    for code in "bBhHiIlLqQfd":
        CPY("array", code + "-1d", "arr(%r, 6)" % code, "array")
    CPY("array", "h-1d-step", "memoryview(arr('h', 9))[::2]", "array")
    CPY("array", "d-1d-neg", "memoryview(arr('d', 5))[::-1]", "array")
    CPY("array", "I-1d-slice", "memoryview(arr('I', 8))[3:7]", "array")
    CPY("array", "q-2d-cast", "memoryview(arr('q', 6)).cast('B').cast('q', shape=[2, 3])", "array")


def ctypes_cases():
    for ct in ["c_byte", "c_ubyte", "c_bool", "c_char", "c_short", "c_ushort", "c_int",
               "c_uint", "c_long", "c_longlong", "c_ulonglong", "c_float", "c_double"]:
        CPY("ctypes", ct + "-1d", "cfill((C.%s * 5)())" % ct, "ctypes")
    CPY("ctypes", "c_int-be-1d", "cfill((C.c_int.__ctype_be__ * 4)())", "ctypes")
    CPY("ctypes", "c_double-be-1d", "cfill((C.c_double.__ctype_be__ * 3)())", "ctypes")
    CPY("ctypes", "c_uint16-be-1d", "cfill((C.c_uint16.__ctype_be__ * 5)())", "ctypes")
    CPY("ctypes", "c_int-2d", "cfill(((C.c_int * 3) * 2)())", "ctypes")
    CPY("ctypes", "c_short-3d", "cfill((((C.c_short * 2) * 3) * 2)())", "ctypes")
    CPY("ctypes", "c_int-0d", "cfill(C.c_int())", "ctypes")
    CPY("ctypes", "c_double-0d", "cfill(C.c_double())", "ctypes")
    CPY("ctypes", "c_int-1d-neg", "memoryview(cfill((C.c_int * 6)()))[::-2]", "ctypes")
    CPY("ctypes", "struct-Pair-1d", "cfill((Pair * 4)())", "ctypes")
    CPY("ctypes", "struct-Pair-0d", "cfill(Pair())", "ctypes")
    CPY("ctypes", "struct-Pair-neg", "memoryview(cfill((Pair * 5)()))[::-2]", "ctypes")
    CPY("ctypes", "struct-Trio-1d", "cfill((Trio * 3)())", "ctypes")
    CPY("ctypes", "struct-Trio-2d", "cfill(((Trio * 2) * 2)())", "ctypes")
    CPY("ctypes", "struct-BE-1d", "cfill((BE * 4)())", "ctypes")
    CPY("ctypes", "struct-LE-1d", "cfill((LEs * 4)())", "ctypes")
    CPY("ctypes", "struct-Nest-1d", "cfill((Nest * 3)())", "ctypes")


# --- reject cases ------------------------------------------------------------------------

def rejects():
    bad_formats = [
        ("unterminated-record", "T{i", 4, "record 'T{' never closed"),
        ("unterminated-record-named", "T{i:a:", 4, "record 'T{' never closed after a field"),
        ("stray-brace", "}", 1, "'}' without a record"),
        ("stray-brace-after", "ii}", 8, "'}' without a record after two codes"),
        ("unknown-char-y", "y", 1, "'y' is not a format character"),
        ("unknown-char-O", "O", 8, "'O' (Python object) is not supported"),
        ("unknown-char-u", "<u", 4, "'u' is not in the struct grammar (ctypes c_wchar exports '<u')"),
        ("unknown-char-z", "<z", 8, "'z' is not in the struct grammar (ctypes c_char_p exports '<z')"),
        ("count-only", "3", 1, "a repeat count without a format character"),
        ("count-only-2", "12", 1, "a repeat count without a format character"),
        ("nul-in-format", "i\u0000", 4, "a NUL character inside the format string"),
        ("nul-in-middle", "i\u0000i", 8, "a NUL character between two codes"),
        ("ampersand", "&i", 8, "'&' (pointer) is not supported"),
        ("duplicate-field", "T{i:a:i:a:}", 8, "field name 'a' appears twice"),
        ("subarray-trailing-comma", "(2,)i", 8, "sub-array shape '(2,)' has an empty dimension"),
        ("subarray-unclosed", "(2,3i", 24, "sub-array shape '(2,3' never closed"),
        ("subarray-letter", "(a)i", 4, "sub-array shape with a non-digit"),
        ("field-name-unclosed", "T{i:a}", 4, "field name ':a' not closed by ':'"),
        ("name-without-record", ":a:i", 4, "a field name outside any record"),
        ("empty-format", "", 1, "an empty format string (calcsize 0, not itemsize 1)"),
        ("Z-alone", "Z", 8, "'Z' without its type character"),
        ("Z-int", "Zi", 8, "'Zi' is not a complex type (Zf, Zd, Zg only)"),
        ("N-standard", "!N", 8, "'N' has no standard size ('!' prefix)"),
        ("n-little", "<n", 8, "'n' has no standard size ('<' prefix)"),
        ("P-little", "<P", 8, "'P' has no standard size (ctypes c_void_p exports '<P')"),
        ("g-little", "<g", 16, "'g' needs native mode (ctypes c_longdouble exports '<g')"),
        ("Zg-standard", "=Zg", 32, "'Zg' needs native mode"),
        ("prefix-only", "<", 1, "a byte-order prefix and no code (calcsize 0, not itemsize 1)"),
        ("size-overflow", "9223372036854775808x", 8, "repeat count overflows a 64-bit size"),
        ("record-size-overflow", "T{4611686018427387904q:a:}", 8, "record size overflows"),
    ]
    mem = rbytes(64)
    for cid, fmt, isz, what in bad_formats:
        reject("format-" + cid, "format %r: %s" % (fmt, what), fmt, isz, [2], [isz], 0, mem)

    itemsize_cases = [
        ("i-3", "i", 3, "calcsize('i') is 4"),
        ("d-4", "d", 4, "calcsize('d') is 8"),
        ("q-4", "<q", 4, "calcsize('<q') is 8"),
        ("std-l-8", "<l", 8, "standard-size 'l' is 4 bytes"),
        ("native-l-4", "l", 4, "native 'l' is 8 bytes on LP64"),
        ("e-4", "e", 4, "calcsize('e') is 2"),
        ("bool-2", "?", 2, "calcsize('?') is 1"),
        ("Zd-8", "Zd", 8, "'Zd' is 16 bytes"),
        ("g-8", "g", 8, "native 'g' is 16 bytes"),
        ("s5-4", "5s", 4, "calcsize('5s') is 5"),
        ("repeat-2i-4", "2i", 4, "calcsize('2i') is 8"),
        ("record-12", "T{i:a:B:b:}", 12, "calcsize is 5 and the aligned size 8, not 12"),
        ("record-packed-16", "T{i:a:=d:b:}", 16, "calcsize is 12"),
        ("zero", "i", 0, "itemsize 0 for 'i'"),
        ("negative", "i", -4, "negative itemsize"),
    ]
    for cid, fmt, isz, what in itemsize_cases:
        reject("itemsize-" + cid, "itemsize %d for format %r: %s" % (isz, fmt, what), fmt, isz,
               [2], [max(isz, 1) if isz > 0 else 4], 0, mem)

    m16 = rbytes(16)
    reach = [
        ("1d-past-end", "i", 4, [5], [4], 0, m16, "5 int32 need 20 bytes, memory has 16"),
        ("2d-past-end", "i", 4, [2, 3], [12, 4], 0, rbytes(20), "last element ends at 24, memory 20"),
        ("f-order-past-end", "i", 4, [2, 3], [4, 8], 0, rbytes(20), "F-order last element ends at 24"),
        ("offset-beyond", "i", 4, [1], [4], 20, m16, "offset 20 beyond 16 bytes"),
        ("offset-at-end", "i", 4, [1], [4], 16, m16, "element at offset 16 ends at 20"),
        ("straddles-end", "i", 4, [1], [4], 14, m16, "element at 14 straddles the end"),
        ("0d-past-end", "d", 8, [], [], 12, m16, "ndim-0 element at 12 ends at 20"),
        ("negative-stride-below-0", "i", 4, [4], [-4], 8, m16, "element 3 at offset -4"),
        ("negative-stride-2d-below-0", "h", 2, [3, 2], [-4, 2], 4, m16, "row 2 starts at offset -4"),
        ("negative-offset", "i", 4, [2], [4], -4, m16, "offset -4"),
        ("stepped-past-end", "i", 4, [3], [8], 0, rbytes(18), "element 2 at 16 ends at 20, memory has 18"),
        ("field-stride13-past-end", "=d", 8, [5], [13], 1, rbytes(60), "element 4 at 53 ends at 61, memory has 60"),
        ("bcast-offset-past-end", "i", 4, [3, 4], [0, 4], 4, m16, "zero-stride rows at offset 4 end at 20"),
        ("record-past-end", "T{i:a:=d:b:}", 12, [3], [12], 0, rbytes(32), "3 records need 36 bytes"),
        ("6d-past-end", "B", 1, [2, 2, 2, 2, 2, 2], [32, 16, 8, 4, 2, 1], 1, rbytes(64), "offset 1 pushes the last byte to 64"),
        ("empty-memory", "B", 1, [1], [1], 0, b"", "no memory at all"),
    ]
    for cid, fmt, isz, shape, strides, off, memory, what in reach:
        reject("reach-" + cid, "memory too short: " + what, fmt, isz, shape, strides, off, memory)

    # what real exporters hand out that docs/contract.md §1 calls invalid
    reject("ctypes-struct-padding", "ctypes exports struct {char a; double b; short c[3];} as "
           "'T{<c:a:<d:b:(3)<h:c:}' with itemsize 24, but standard-size fields have no "
           "alignment padding: calcsize is 15", "T{<c:a:<d:b:(3)<h:c:}", 24, [2], [24], 0,
           rbytes(48))
    reject("ctypes-struct-trailing-padding", "ctypes exports BigEndianStructure {int a; short "
           "b;} as 'T{>i:a:>h:b:}' with itemsize 8, calcsize 6", "T{>i:a:>h:b:}", 8, [3], [8],
           0, rbytes(24))
    reject("ctypes-packed-struct", "ctypes exports a _pack_=1 structure {int a; double b;} as "
           "format 'B' with itemsize 12", "B", 12, [2], [12], 0, rbytes(24))
    reject("numpy-explicit-itemsize", "NumPy exports np.dtype({'names': ['a'], 'formats': "
           "['<i4'], 'offsets': [0], 'itemsize': 8}) as 'T{i:a:}' with itemsize 8; calcsize "
           "and the aligned size are 4", "T{i:a:}", 8, [2], [8], 0, rbytes(16))
    reject("numpy-explicit-itemsize-std", "NumPy exports the same dtype with 'itemsize': 5 as "
           "'T{=i:a:}' with itemsize 5; calcsize is 4", "T{=i:a:}", 5, [3], [5], 0, rbytes(15))
    reject("numpy-explicit-offsets", "NumPy exports np.dtype({'names': ['a', 'b'], 'formats': "
           "['u1', '<i4'], 'offsets': [0, 2], 'itemsize': 8}) as 'T{B:a:x=i:b:}' with itemsize 8;"
           " calcsize is 6", "T{B:a:x=i:b:}", 8, [2], [8], 0, rbytes(16))
    reject("ndim-65", "ndim 65 > 64", "B", 1, [1] * 65, [1] * 65, 0, rbytes(4))
    reject("ndim-100", "ndim 100 > 64", "i", 4, [1] * 100, [4] * 100, 0, rbytes(4))
    reject("shape-negative", "negative shape -1", "i", 4, [-1], [4], 0, m16)
    reject("shape-negative-2d", "negative shape in axis 1", "i", 4, [2, -2], [8, 4], 0, m16)
    reject("shape-negative-with-zero", "negative shape beside a zero one", "i", 4, [0, -1], [4, 4], 0, m16)
    reject("strides-shorter", "shape has 2 entries, strides 1", "i", 4, [2, 2], [8], 0, m16)
    reject("strides-longer", "shape has 1 entry, strides 2", "i", 4, [4], [4, 4], 0, m16)
    reject("strides-missing", "shape [4] with empty strides", "i", 4, [4], [], 0, m16)
    reject("overflow-shape", "shape [2^62, 4]: the reach overflows 64 bits", "i", 4,
           [4611686018427387904, 4], [16, 4], 0, m16)
    reject("overflow-shape-product", "3037000500 x 3037000500 elements overflow 64 bits", "B", 1,
           [3037000500, 3037000500], [1, 1], 0, m16)
    reject("overflow-stride", "stride 2^63-1 times 1 reaches past memory", "B", 1, [2],
           [9223372036854775807], 0, m16)
    reject("overflow-stride-negative", "stride -2^63 reaches below 0", "B", 1, [2],
           [-9223372036854775808], 0, m16)
    reject("overflow-offset", "offset near 2^63 plus the itemsize overflows", "i", 4, [1], [4],
           9223372036854775806, m16)
    reject("overflow-stride-times-shape", "4 x 2^61 bytes overflows", "B", 1, [5],
           [2305843009213693952], 0, m16)


# ---------------------------------------------------------------------------------------


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT
    numpy_native()
    numpy_nonnative()
    numpy_records()
    numpy_fields()
    numpy_ndim()
    testbuffer_struct()
    memoryview_cast()
    array_array()
    ctypes_cases()
    rejects()
    lines = [json.dumps(c, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
             for c in CASES]
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="ascii", newline="\n") as f:
        for line in lines:
            f.write(line + "\n")
    rt = sum(1 for c in CASES if c["expect"] == "roundtrip")
    zc = sum(1 for c in CASES if c.get("zero_copy"))
    print("%s: %d cases, %d roundtrip (%d zero_copy), %d reject"
          % (out, len(CASES), rt, zc, len(CASES) - rt))


if __name__ == "__main__":
    main()
