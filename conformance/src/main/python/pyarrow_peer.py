"""The pyarrow conformance peer, run inside the JVM's process by an embedded CPython.

PyArrowPython (Java) loads this file as module ``pyarrow_peer`` and calls ``call(request)`` with one
JSON object; the answer is one JSON string. Addresses of ArrowSchema/ArrowArray structs travel as
JSON integers: both sides share one address space.

Requests (``fn``):
  allocated          pa.total_allocated_bytes() (after a garbage collection)
  check              Java exported a corpus case to (schema, array); import it with pyarrow, check
                     it against NumPy's own view of the case, re-export it to (out_schema,
                     out_array) for Java to import back
  made               the names of the arrays ``export`` makes from NumPy arrays
  export             make one of them and export it to (schema, array); answer what NumPy says
                     the data is (canonical format, shape, strides, bytes in C order, null count)
  table_read         Java exported a table as one record batch to (schema, array): import it as
                     pa.RecordBatch, then as a pa.Table; answer what pyarrow sees (names, nullable
                     flags, field metadata, values with None for nulls)
  table_stream       export to (stream) a pa.Table of several chunks, sliced so that every batch
                     has a non-zero offset, with nulls; answer its rows per batch and values
  ipc_read           open the IPC stream or file Java wrote at (path) with pa.ipc.open_stream /
                     open_file; answer what pyarrow sees, as table_read does, and the batch count
  ipc_write          write the table of table_stream to (path) as an IPC stream or file; answer its
                     values
  load               run (source) as a new module named (name), for peers of other protocols
                     (dlpack_peer.py); a request whose fn is "module.fn" then calls that module's
                     fn_<fn>, with the same answers and error handling
"""

import gc
import json
import re
import sys
import traceback

import numpy as np
import pyarrow as pa

try:
    from numpy._core._internal import _dtype_from_pep3118
except ImportError:  # NumPy 1.x
    from numpy.core._internal import _dtype_from_pep3118

LITTLE = sys.byteorder == "little"


class Skip(Exception):
    """pyarrow cannot carry this case, or the peer cannot check all of it; the message is why."""


class Mismatch(Exception):
    """pyarrow's view differs from NumPy's; the message is the first difference."""


def call(text):
    return serve(text, globals())


def serve(text, functions):
    """Runs request ``fn`` as ``functions["fn_" + fn]`` (a peer module's globals: cpython_peer
    serves its requests through this too) and answers JSON."""
    request = json.loads(text)
    try:
        module, _, fn = request["fn"].rpartition(".")
        # "module.fn" names a module the DLPack paths loaded ("load"); a bare name is one of
        # ``functions`` (this module's, or a peer module's that serves through here)
        handler = getattr(sys.modules[module], "fn_" + fn) if module else functions["fn_" + fn]
        answer = handler(request)
    except Skip as e:
        answer = {"status": "skip", "message": str(e)}
    except Mismatch as e:
        answer = {"status": "fail", "message": str(e)}
    except BaseException as e:  # noqa: BLE001 - everything goes back to Java as text
        answer = {"status": "error", "error": "%s: %s" % (type(e).__name__, e), "traceback": traceback.format_exc()}
        e = None
        gc.collect()
    return json.dumps(answer)


def fn_load(request):
    import types
    module = types.ModuleType(request["name"])
    module.__file__ = request["name"] + ".py"
    sys.modules[request["name"]] = module
    exec(compile(request["source"], module.__file__, "exec"), module.__dict__)
    return {"status": "pass"}


def fn_allocated(request):
    gc.collect()
    return {"bytes": pa.total_allocated_bytes()}


# ---------------------------------------------------------------- Java -> pyarrow -> Java

def numpy_dtype(fmt, itemsize):
    """NumPy's own reading of a PEP 3118 format; NumPy lacks n N P (native ssize_t, size_t, void*)
    and p (Pascal string), which are read as the docs/contract.md §2 storage they map to."""
    body = fmt.lstrip("@=<>!^")
    prefix = fmt[: len(fmt) - len(body)]
    if body in ("n", "N", "P") and prefix in ("", "@"):
        return np.dtype({"n": "<i8", "N": "<u8", "P": "<u8"}[body]), None
    try:
        dt = _dtype_from_pep3118(fmt)
    except (ValueError, TypeError, KeyError) as e:
        return np.dtype(("V", itemsize)), "NumPy does not read format %r (%s)" % (fmt, e)
    if dt.itemsize != itemsize:
        return np.dtype(("V", itemsize)), "NumPy reads format %r with itemsize %d, the exporter %d" % (fmt, dt.itemsize, itemsize)
    return dt, None


def native(dt):
    return dt.byteorder in ("=", "|") or dt.byteorder == ("<" if LITTLE else ">")


def expected_element(dt, fmt):
    """docs/contract.md §2: the Arrow type of one element of dtype ``dt``. All or nothing, as bufferbridge
    reads the table: when any part of the element has no Arrow type of its own (g, w, p, a
    multi-byte value in non-native byte order) the whole element is arrow.opaque of the itemsize,
    type_name the exporter's format."""
    t = element_or_none(dt)
    return t if t is not None else pa.opaque(pa.binary(dt.itemsize), fmt, "PEP 3118")


def element_or_none(dt):
    if dt.subdtype is not None:
        base, shape = dt.subdtype
        t = element_or_none(base)
        if t is None:
            return None
        for d in reversed(shape):
            t = pa.list_(t, d)
        return t
    if dt.names is not None:
        children = [(name, element_or_none(dt.fields[name][0])) for name in dt.names]
        if any(t is None for _, t in children):
            return None
        return pa.struct([pa.field(name, t) for name, t in children])
    if not native(dt) and dt.itemsize > 1:
        return None
    kind, size = dt.kind, dt.itemsize
    if kind == "i" and size in (1, 2, 4, 8):
        return {1: pa.int8(), 2: pa.int16(), 4: pa.int32(), 8: pa.int64()}[size]
    if kind == "u" and size in (1, 2, 4, 8):
        return {1: pa.uint8(), 2: pa.uint16(), 4: pa.uint32(), 8: pa.uint64()}[size]
    if kind == "f" and size in (2, 4, 8):
        return {2: pa.float16(), 4: pa.float32(), 8: pa.float64()}[size]
    if kind == "b":
        return pa.bool8()
    if kind == "c" and size in (8, 16):
        return pa.list_(pa.float32() if size == 8 else pa.float64(), 2)
    if kind == "S":
        return pa.binary(size)
    return None


def has_struct(t):
    if pa.types.is_struct(t):
        return True
    if pa.types.is_fixed_size_list(t):
        return has_struct(t.value_type)
    return False


def same_type(expected, found):
    """Compares Arrow types, not the nullability of children (bufferbridge's are non-nullable)."""
    if pa.types.is_struct(expected) and pa.types.is_struct(found):
        return expected.num_fields == found.num_fields and all(
            expected.field(k).name == found.field(k).name and same_type(expected.field(k).type, found.field(k).type)
            for k in range(expected.num_fields))
    if pa.types.is_fixed_size_list(expected) and pa.types.is_fixed_size_list(found):
        return expected.list_size == found.list_size and same_type(expected.value_type, found.value_type)
    return expected == found


def involutory(perm):
    return all(perm[perm[k]] == k for k in range(len(perm)))


def data_bytes(nd):
    """The view's data in C order, without the bytes of padding (which are not data)."""
    if nd.dtype.names is not None:
        return b"".join(data_bytes(nd[name]) for name in nd.dtype.names)
    return np.ascontiguousarray(nd).tobytes()


def c_strides(itemsize, shape):
    strides, sd = [], itemsize
    for d in reversed(shape):
        strides.insert(0, sd)
        sd *= max(d, 1)
    return strides


def dense(itemsize, shape, strides):
    """docs/contract.md §2: the elements fill their span exactly, in some axis order, strides >= 0."""
    if any(strides[k] < 0 for k in range(len(shape)) if shape[k] > 1):
        return False
    if 0 in shape:
        return True
    axes = sorted((k for k in range(len(shape)) if shape[k] > 1), key=lambda k: strides[k])
    want = itemsize
    for k in axes:
        if strides[k] != want:
            return False
        want *= shape[k]
    return True


def fn_check(request):
    case = request["case"]
    fmt, itemsize, shape, strides = case["format"], case["itemsize"], case["shape"], case["strides"]
    field = pa.Field._import_from_c(request["schema"])
    try:
        array = pa.Array._import_from_c(request["array"], field.type)
    except pa.ArrowNotImplementedError as e:
        raise Skip("pyarrow cannot import the array: %s" % e)
    try:
        array.validate(full=True)
    except pa.ArrowInvalid as e:
        raise Mismatch("pyarrow validate(full=True): %s" % e)
    try:
        status, detail = "pass", check(case, field, array, fmt, itemsize, shape, strides)
    except Skip as e:
        # pyarrow carried the case but cannot check all of it: the round trip still runs
        status, detail = "skip", str(e)
    # Hand the same data back: pyarrow's own export of the field and the array it imported.
    field._export_to_c(request["out_schema"])
    array._export_to_c(request["out_array"])
    return {"status": status, "message": detail, "exported": True}


def check(case, field, array, fmt, itemsize, shape, strides):
    meta = {k.decode(): v.decode() for k, v in (field.metadata or {}).items()}
    copied = meta.get("bufferbridge.copied")
    if copied not in ("true", "false"):
        raise Mismatch("field metadata bufferbridge.copied: expected true or false, found %r" % copied)
    want_meta = {"bufferbridge.format": fmt, "bufferbridge.shape": ",".join(map(str, shape)),
                 "bufferbridge.itemsize": str(itemsize),
                 "bufferbridge.readonly": "true" if case["readonly"] else "false"}
    n_elements = int(np.prod(shape)) if shape else 1
    if n_elements > 0:
        # docs/contract.md §3: the metadata describes the buffer as exported, a copy's strides are C strides
        # (not compared for a view with no element).
        exported = strides if copied == "false" else c_strides(itemsize, shape)
        want_meta["bufferbridge.strides"] = ",".join(map(str, exported))
    for key, value in want_meta.items():
        if meta.get(key) != value:
            raise Mismatch("field metadata %s: expected=%r found=%r" % (key, value, meta.get(key)))
    dt, numpy_note = numpy_dtype(fmt, itemsize)
    if numpy_note is not None and not re.fullmatch(r"[@=<>!]?\d*p", fmt):
        raise Skip(numpy_note + ", so there is no NumPy view to check pyarrow against (the round trip ran)")
    memory = bytearray.fromhex(case["memory"])
    expected_view = np.ndarray(shape, dt, buffer=memory, offset=case["offset"], strides=strides)
    logical_view = np.ndarray(shape, dt, buffer=bytearray.fromhex(case["logical"]))
    if data_bytes(expected_view) != data_bytes(logical_view):
        raise Mismatch("NumPy's view of the case differs from its logical bytes")
    # NumPy cannot read p (a Pascal string): docs/contract.md §2 makes it opaque
    element = expected_element(dt, fmt) if numpy_note is None else pa.opaque(pa.binary(itemsize), fmt, "PEP 3118")
    n = int(np.prod(shape)) if shape else 1
    # docs/contract.md §2: a dense layout is zero-copy, anything else is copied into C order; records are
    # de-interleaved (a copy) whatever the layout. An empty view may go either way.
    want_copied = not dense(itemsize, shape, strides) or has_struct(element)
    if len(shape) >= 2 and n > 0 and copied != ("true" if want_copied else "false"):
        raise Mismatch("bufferbridge.copied=%s, expected %s (dense=%s, struct=%s)" % (
            copied, "true" if want_copied else "false", dense(itemsize, shape, strides), has_struct(element)))
    if len(shape) < 2:
        if element is not None and not same_type(element, array.type):
            raise Mismatch("Arrow type: expected=%s found=%s" % (element, array.type))
        if len(array) != (shape[0] if shape else 1):
            raise Mismatch("length: expected=%d found=%d" % (shape[0] if shape else 1, len(array)))
        compare(array, expected_view.reshape(len(array), *dt.shape) if dt.shape else expected_view.reshape(len(array)), "values")
        return "type %s%s" % (array.type, "" if numpy_note is None else "; " + numpy_note)
    # ndim >= 2: arrow.fixed_shape_tensor, rows of shape[1:] or one tensor of the whole shape
    effective = strides if copied == "false" else c_strides(itemsize, shape)
    # rows when axis 0 has the largest stride (axes of length 1 may sit anywhere)
    rows = all(effective[0] >= effective[k] for k in range(1, len(shape)) if shape[k] > 1)
    if shape[0] == 1 and isinstance(array.type, pa.FixedShapeTensorType):
        rows = len(array.type.shape) == len(shape) - 1
    t = array.type
    if not isinstance(t, pa.FixedShapeTensorType):
        raise Mismatch("Arrow type: expected arrow.fixed_shape_tensor, found %s" % t)
    logical = shape[1:] if rows else shape
    perm = list(t.permutation) if t.permutation else list(range(len(logical)))
    if sorted(perm) != list(range(len(logical))) or len(t.shape) != len(logical) or [t.shape[p] for p in perm] != list(logical):
        raise Mismatch("fixed_shape_tensor shape=%s permutation=%s does not give logical shape %s" % (t.shape, t.permutation, logical))
    if len(array) != (shape[0] if rows else 1):
        raise Mismatch("length: expected=%d (%s) found=%d" % (shape[0] if rows else 1, "rows" if rows else "one tensor", len(array)))
    if element is not None and not same_type(element, t.value_type):
        raise Mismatch("tensor value type: expected=%s found=%s" % (element, t.value_type))
    # NumPy's view in the tensor's physical (row-major) order: physical axis j is logical axis
    # k where permutation[k] == j
    outer = [0] if rows else []
    inverse = [perm.index(j) for j in range(len(perm))]
    axes = outer + [k + len(outer) for k in inverse] + list(range(len(shape), expected_view.ndim))
    physical_view = expected_view.transpose(axes)
    compare(array.storage.flatten(), physical_view.reshape((-1,) + dt.shape), "values in physical order")
    if dt.shape or not (pa.types.is_integer(t.value_type) or pa.types.is_floating(t.value_type)):
        # to_numpy_ndarray reads primitive value types only
        return "tensor of %s compared in physical order%s" % (t.value_type, "" if numpy_note is None else "; " + numpy_note)
    found = array.to_numpy_ndarray()
    if not involutory(perm) and n > 0:
        want_strides = [effective[k] for k in range(len(shape))]
        if list(found.strides)[len(found.strides) - len(logical):] != want_strides[len(shape) - len(logical):]:
            raise Skip("pyarrow %s to_numpy_ndarray() reads permutation %s wrongly (strides %s, the canonical "
                       "definition gives %s); type, metadata, values in physical order and the round trip held"
                       % (pa.__version__, perm, list(found.strides), want_strides))
    if not rows:
        found = found.reshape(found.shape[1:]) if found.shape[0] == 1 else found
        found_strides = list(found.strides)
    else:
        found_strides = list(found.strides)
    if list(found.shape) != list(shape):
        raise Mismatch("to_numpy_ndarray shape: expected=%s found=%s" % (shape, list(found.shape)))
    # the strides of a zero-copy tensor are the case's (those of axes of length 1 mean nothing)
    if n > 0 and any(found_strides[k] != effective[k] for k in range(len(shape)) if shape[k] > 1):
        raise Mismatch("to_numpy_ndarray strides: expected=%s found=%s (copied=%s)" % (effective, found_strides, copied))
    same_values(found, expected_view, "to_numpy_ndarray")
    return "fixed_shape_tensor %s permutation=%s" % (t.shape, t.permutation)


def same_values(found, want, where):
    if found.dtype.newbyteorder("=") != want.dtype.newbyteorder("=") and not (want.dtype.kind == "V"):
        raise Mismatch("%s dtype: expected=%s found=%s" % (where, want.dtype, found.dtype))
    if found.shape != want.shape:
        raise Mismatch("%s shape: expected=%s found=%s" % (where, want.shape, found.shape))
    a, b = np.ascontiguousarray(found).tobytes(), np.ascontiguousarray(want).tobytes()
    if a != b:
        k = next(i for i in range(min(len(a), len(b))) if a[i] != b[i]) if len(a) == len(b) else -1
        raise Mismatch("%s differ from NumPy's at byte %d: expected %s found %s" % (
            where, k, want.reshape(-1)[:8].tolist(), found.reshape(-1)[:8].tolist()))
    if want.dtype.kind in "iufc" and not np.array_equal(found, want, equal_nan=True):
        raise Mismatch("%s values differ from NumPy's" % where)


def compare(array, want, where):
    """Compares an Arrow array with NumPy's view ``want`` (leading dimension = len(array))."""
    t = array.type
    if isinstance(t, pa.BaseExtensionType):
        if isinstance(t, pa.Bool8Type):
            same_values(array.to_numpy(zero_copy_only=False), want, where)
            return
        array = array.storage
        t = array.type
        want = np.ascontiguousarray(want)
        if want.dtype.names is not None and pa.types.is_fixed_size_binary(t):
            # an opaque record: its padding bytes are not data
            found = np.frombuffer(b"".join(array.to_pylist()), want.dtype) if len(array) else want[:0]
            if data_bytes(found) != data_bytes(want.reshape(found.shape)):
                raise Mismatch("%s: the opaque record's data bytes differ from NumPy's" % where)
            return
    if pa.types.is_struct(t):
        children = array.flatten()
        for k in range(t.num_fields):
            name = t.field(k).name
            if want.dtype.names is None or name not in want.dtype.names:
                raise Mismatch("%s: struct field %r is not a field of NumPy's %s" % (where, name, want.dtype))
            sub = want[name]
            compare(children[k], sub, where + "." + name)
        return
    if pa.types.is_fixed_size_list(t):
        size = t.list_size
        if want.dtype.kind == "c":
            want = np.ascontiguousarray(want)[..., np.newaxis].view(want.dtype.type(0).real.dtype)
        if want.ndim < 2 or want.shape[1] != size:
            raise Mismatch("%s: fixed_size_list of %d against NumPy shape %s" % (where, size, want.shape))
        compare(array.flatten(), want.reshape((-1,) + want.shape[2:]), where + "[]")
        return
    if pa.types.is_fixed_size_binary(t):
        width = t.byte_width
        raw = np.ascontiguousarray(want).view(np.uint8).reshape(len(array), width) if len(array) else []
        values = array.to_pylist()
        for k in range(len(array)):
            if values[k] != bytes(raw[k]):
                raise Mismatch("%s[%d]: expected %s found %s" % (where, k, bytes(raw[k]).hex(), values[k].hex()))
        # to_numpy gives an object array of bytes; NumPy's 'S' strips trailing NULs, so compare
        # those too where NumPy's dtype is 'S'
        if want.dtype.kind == "S":
            found = array.to_numpy(zero_copy_only=False)
            if [bytes(v).rstrip(b"\0") for v in found] != want.reshape(-1).tolist():
                raise Mismatch("%s: to_numpy values differ from NumPy's %s" % (where, want.reshape(-1)[:4].tolist()))
        return
    found = array.to_numpy(zero_copy_only=False)
    same_values(found, want.reshape(found.shape) if want.size == found.size else want, where)


# ---------------------------------------------------------------- pyarrow -> Java

def _tensor(nd):
    return pa.FixedShapeTensorArray.from_numpy_ndarray(nd)


def _made():
    made = {}
    for dt in ("int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float16", "float32", "float64"):
        nd = (np.arange(-3, 9) * 7).astype(dt) if dt.startswith("int") or dt.startswith("float") else (np.arange(12) * 13).astype(dt)
        made["numpy-" + dt] = (lambda nd=nd: (pa.array(nd), nd))
    made["numpy-float64-nan-inf"] = lambda: (lambda nd: (pa.array(nd), nd))(np.array([np.nan, np.inf, -np.inf, -0.0, 1.5]))
    made["numpy-int32-empty"] = lambda: (lambda nd: (pa.array(nd), nd))(np.zeros(0, np.int32))
    made["sliced-int32-offset-3"] = lambda: (lambda nd: (pa.array(nd)[3:8], nd[3:8]))(np.arange(10, dtype=np.int32) * 5)
    made["sliced-float64-offset-1"] = lambda: (lambda nd: (pa.array(nd).slice(1, 4), nd[1:5]))(np.linspace(0, 1, 6))
    made["sliced-uint16-from-strided-numpy"] = lambda: (lambda nd: (pa.array(nd), nd))(np.arange(20, dtype=np.uint16)[::3])
    made["bool-bit-packed"] = lambda: (lambda nd: (pa.array(nd), nd))(np.array([True, False, True, True, False, False, True, False, True, True]))
    made["bool-bit-packed-sliced-offset-3"] = lambda: (lambda nd: (pa.array(nd)[3:10], nd[3:10]))(np.arange(13) % 3 == 0)
    made["bool8-from-numpy-bool"] = lambda: (lambda nd: (pa.ExtensionArray.from_storage(pa.bool8(), pa.array(nd.view(np.int8))), nd))(
        np.array([True, False, False, True]))
    made["datetime64-ms"] = lambda: (lambda nd: (pa.array(nd), nd.view(np.int64)))(
        np.array(["2020-01-01T00:00:00.001", "1969-12-31T23:59:59.999"], dtype="datetime64[ms]"))
    made["fixed-size-list-float32-3"] = lambda: (lambda nd: (pa.FixedSizeListArray.from_arrays(pa.array(nd.reshape(-1)), 3), nd))(
        np.arange(12, dtype=np.float32).reshape(4, 3) / 4)
    made["fixed-size-list-int16-2x2-nested"] = lambda: (lambda nd: (pa.FixedSizeListArray.from_arrays(
        pa.FixedSizeListArray.from_arrays(pa.array(nd.reshape(-1)), 2), 2), nd))(np.arange(12, dtype=np.int16).reshape(3, 2, 2))
    made["fixed-size-list-sliced-offset-1"] = lambda: (lambda nd: (pa.FixedSizeListArray.from_arrays(pa.array(nd.reshape(-1)), 2)[1:4], nd[1:4]))(
        np.arange(10, dtype=np.int64).reshape(5, 2))
    made["fixed-size-binary-3"] = lambda: (lambda nd: (pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(3), len(nd), [None, pa.py_buffer(nd)]), nd))(
        np.array([b"abc", b"de\0", b"\0\1\2"], dtype="S3"))
    made["tensor-int32-c"] = lambda: (lambda nd: (_tensor(nd), nd))(np.arange(24, dtype=np.int32).reshape(2, 3, 4))
    made["tensor-float64-permuted-021"] = lambda: (lambda nd: (_tensor(nd), nd))(
        np.arange(24, dtype=np.float64).reshape(2, 3, 4).transpose(0, 2, 1))
    made["tensor-int16-permuted-0321"] = lambda: (lambda nd: (_tensor(nd), nd))(
        np.arange(120, dtype=np.int16).reshape(2, 3, 4, 5).transpose(0, 3, 2, 1))
    made["tensor-uint8-permuted-0231"] = lambda: (lambda nd: (_tensor(nd), nd))(
        np.arange(120, dtype=np.uint8).reshape(2, 3, 4, 5).transpose(0, 2, 3, 1))
    made["tensor-float32-1-row"] = lambda: (lambda nd: (_tensor(nd), nd))(np.arange(6, dtype=np.float32).reshape(1, 2, 3))
    made["nulls-int32"] = lambda: (pa.array(np.array([1, 2, 3, 4], np.int32), mask=np.array([False, True, False, True])), None)
    made["nulls-float64-sliced"] = lambda: (pa.array([1.0, None, 2.0, 3.0, None])[1:], None)
    made["nulls-bool"] = lambda: (pa.array([True, None, False]), None)
    return made


def fn_made(request):
    return {"names": list(_made())}


def fn_export(request):
    """Makes one array from NumPy and exports it; answers what bufferbridge must make of it."""
    array, nd = _made()[request["name"]]()
    array.validate(full=True)
    answer = {"null_count": array.null_count, "offset": array.offset, "type": str(array.type)}
    if nd is not None:
        expected = nd
        t = array.type
        if isinstance(t, pa.FixedShapeTensorType):
            # the canonical reading of what pyarrow wrote: logical axis i is physical axis
            # permutation[i] of the row-major tensors in the storage
            perm = list(t.permutation) if t.permutation else list(range(len(t.shape)))
            phys = array.storage.flatten().to_numpy(zero_copy_only=True).reshape((len(array),) + tuple(t.shape))
            expected = phys.transpose([0] + [p + 1 for p in perm])
            if expected.shape != nd.shape or not np.array_equal(expected, nd):
                # pyarrow's from_numpy_ndarray writes the inverse of NumPy's axis order; whether
                # that alone explains the difference is what the Java test asserts
                inverse = [perm.index(i) for i in range(len(perm))]
                explained = phys.transpose([0] + [p + 1 for p in inverse])
                answer["pyarrow_inverse_permutation"] = bool(explained.shape == nd.shape
                                                             and np.array_equal(explained, nd))
                answer["pyarrow_note"] = ("pyarrow %s from_numpy_ndarray wrote shape=%s permutation=%s for NumPy shape %s strides %s;"
                                          " the canonical reading of that is shape %s strides %s"
                                          % (pa.__version__, list(t.shape), perm, list(nd.shape), list(nd.strides),
                                             list(expected.shape), list(expected.strides)))
            answer["strides"] = list(expected.strides)
        else:
            answer["strides"] = c_strides(nd.dtype.itemsize, list(nd.shape))
        answer.update({
            "format": canonical_format(nd.dtype),
            "shape": list(expected.shape),
            "logical": np.ascontiguousarray(expected).tobytes().hex(),
            "numpy_strides": list(nd.strides),
            "address": leaf_address(array),
        })
    array._export_to_c(request["array"], request["schema"])
    return answer


def leaf_address(array):
    """The address of the first value of a fixed-width array (after its offsets), or 0 for
    bit-packed booleans (which the import must copy)."""
    if isinstance(array.type, pa.BaseExtensionType):
        array = array.storage
    while pa.types.is_fixed_size_list(array.type):
        array = array.flatten()
    if pa.types.is_boolean(array.type):
        return 0
    width = array.type.byte_width if pa.types.is_fixed_size_binary(array.type) else array.type.bit_width // 8
    buffer = array.buffers()[1]
    return 0 if buffer is None else buffer.address + array.offset * width


def canonical_format(dt):
    """docs/contract.md §2, Arrow to PEP 3118: the canonical format bufferbridge gives a foreign array."""
    if dt.kind == "b":
        return "?"
    if dt.kind == "S":
        return "%ds" % dt.itemsize
    return {("i", 1): "b", ("u", 1): "B", ("i", 2): "h", ("u", 2): "H", ("i", 4): "i", ("u", 4): "I",
            ("i", 8): "q", ("u", 8): "Q", ("f", 2): "e", ("f", 4): "f", ("f", 8): "d"}[(dt.kind, dt.itemsize)]


def _seen(table, batches):
    """What pyarrow sees of a table: per field its name, nullability, metadata and values."""
    fields = []
    for i, field in enumerate(table.schema):
        md = {k.decode(): v.decode() for k, v in (field.metadata or {}).items()}
        column = table.column(i)
        if isinstance(field.type, pa.FixedShapeTensorType):
            values = [s.to_numpy().tolist() if s.is_valid else None for s in column]
        else:
            values = column.to_pylist()
        fields.append({"name": field.name, "nullable": field.nullable, "type": str(field.type), "metadata": md,
                       "null_count": column.null_count, "values": values})
    return {"rows": table.num_rows, "batches": batches, "fields": fields}


def fn_table_read(request):
    batch = pa.RecordBatch._import_from_c(request["array"], request["schema"])
    batch.validate(full=True)
    table = pa.Table.from_batches([batch])
    return _seen(table, 1)


def _chunked_table():
    """Two chunks (the second itself a slice), sliced from row 1: batches of 3 and 2 rows, both at
    offset 1."""
    first = pa.record_batch([pa.array([0, 1, None, 3], pa.int64()), pa.array([0.5, 1.5, 2.5, None]),
                             pa.array([10, 11, 12, 13], pa.int32())], names=["a", "b", "c"])
    second = pa.record_batch([pa.array([9, 4, None, 6, 7], pa.int64()), pa.array([9.5, 4.5, 5.5, None, 7.5]),
                              pa.array([19, 14, 15, 16, 17], pa.int32())], names=["a", "b", "c"]).slice(1)
    return pa.Table.from_batches([first, second]).slice(1, 5)


def fn_table_stream(request):
    table = _chunked_table()
    batches = table.to_batches()
    reader = pa.RecordBatchReader.from_batches(table.schema, batches)
    reader._export_to_c(request["stream"])
    return {"rows_per_batch": [b.num_rows for b in batches], "offsets": [b.column(0).offset for b in batches],
            "values": {name: table.column(name).to_pylist() for name in table.column_names}}


def fn_ipc_read(request):
    # the readers are closed here, not when the collector finds them: the caller counts pyarrow's
    # memory right after
    if request["format"] == "file":
        with pa.ipc.open_file(request["path"]) as reader:
            batches = [reader.get_batch(i) for i in range(reader.num_record_batches)]
            table = pa.Table.from_batches(batches, reader.schema)
    else:
        with pa.ipc.open_stream(request["path"]) as reader:
            table = reader.read_all()
    table.validate(full=True)
    return _seen(table, table.column(0).num_chunks if table.num_columns else 0)


def fn_ipc_write(request):
    table = _chunked_table()
    if request["format"] == "file":
        with pa.ipc.new_file(request["path"], table.schema) as w:
            w.write_table(table)
    else:
        with pa.ipc.new_stream(request["path"], table.schema) as w:
            w.write_table(table)
    return {"values": {name: table.column(name).to_pylist() for name in table.column_names}}
