"""The DLPack conformance peers (NumPy, PyTorch), run inside the JVM's process by an embedded CPython.

The Java side (DlpackNumpyPath, DlpackTorchPath, DlpackPeers) loads this file, after the
bufferbridge DLPack module (python/src/bufferbridge/dlpack.py, loaded as ``bufferbridge_dlpack``),
through pyarrow_peer's ``load`` request, and calls it as ``dlpack_peer.<fn>``. Addresses travel as
JSON integers: both sides share one address space.

Requests (``fn``):
  check      Java offers a corpus case (function, handle: a DLPackOffer); the consumer (numpy or
             torch) takes it with its own from_dlpack, which is checked against the case (shape,
             dtype, strides when zero-copy, address, values, the writeable flag); then the
             consumer's own __dlpack__ hands it back: answer the managed tensor's address
  produce    the consumer makes an array of one dtype (and layout) and hands it over through its
             own __dlpack__: answer the address and what the array is
  jax        as check, with jax.dlpack.from_dlpack, for the views jax can take
"""

import ctypes
import gc
import importlib
import importlib.metadata

import numpy as np
import pyarrow_peer
import bufferbridge_dlpack as bbdl

torch = None

_FLAGS_OFFSET = 24      # DLManagedTensorVersioned.flags
_IS_COPIED = 2
_READ_ONLY = 1
_DATA_OFFSET = {True: 32, False: 0}  # DLTensor.data in the versioned and the legacy struct


class Recorder:
    """Stands between the consumer and the Java offer, and notes what the export handed out."""

    def __init__(self, offered):
        self.offered = offered
        self.asked = None
        self.versioned = None
        self.flags = None
        self.data = None

    def __dlpack_device__(self):
        return self.offered.__dlpack_device__()

    def __dlpack__(self, **kwargs):
        self.asked = {k: (list(v) if isinstance(v, tuple) else v) for k, v in kwargs.items() if k != "stream"}
        capsule = self.offered.__dlpack__(**kwargs)
        name = bbdl._GetName(capsule)
        self.versioned = name == bbdl._VERSIONED
        tensor = bbdl._GetPointer(capsule, name)
        self.data = ctypes.c_void_p.from_address(tensor + _DATA_OFFSET[self.versioned]).value or 0
        if self.versioned:
            self.flags = ctypes.c_uint64.from_address(tensor + _FLAGS_OFFSET).value
        return capsule


def fn_available(request):
    """The installed versions, read without importing: torch and jax load only when a test uses them."""
    out = {"numpy": np.__version__}
    for name in ("torch", "jax"):
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def _import(name):
    """Imports torch or jax once, then freezes what the import made out of the collector's way.

    Why: pyarrow_peer runs gc.collect() before every allocation count, and torch alone brings some
    hundred thousand objects; without the freeze every later pyarrow call in this process took 20
    times as long (PyArrowPeerTest: 180 s instead of 10 s).
    """
    module = importlib.import_module(name)
    gc.collect()
    gc.freeze()
    return module


_TORCH_KIND = {}


def _torch():
    global torch, _TORCH_KIND
    if torch is None:
        torch = _import("torch")
        _TORCH_KIND = {torch.int8: "i1", torch.int16: "i2", torch.int32: "i4", torch.int64: "i8",
                       torch.uint8: "u1", torch.uint16: "u2", torch.uint32: "u4", torch.uint64: "u8",
                       torch.float16: "f2", torch.float32: "f4", torch.float64: "f8",
                       torch.complex64: "c8", torch.complex128: "c16", torch.bool: "b1"}
    return torch


def _kind(dt):
    return "%s%d" % (dt.kind, dt.itemsize)


def _c_strides(itemsize, shape):
    return pyarrow_peer.c_strides(itemsize, shape)


def _consume(consumer, offered):
    if consumer == "numpy":
        return np.from_dlpack(offered)
    if consumer == "torch":
        return _torch().from_dlpack(offered)
    if consumer == "jax":
        return _import("jax.dlpack").from_dlpack(offered)
    raise ValueError("unknown consumer %r" % consumer)


def _seen(consumer, arr):
    """(kind, shape, byte strides, address, C-order bytes, writeable or None) of what the consumer made."""
    if consumer == "numpy":
        return (_kind(arr.dtype), list(arr.shape), list(arr.strides), arr.ctypes.data,
                np.ascontiguousarray(arr).tobytes(), bool(arr.flags.writeable))
    if consumer == "torch":
        itemsize = arr.element_size()
        # NumPy reads the bytes: torch has no tobytes, and NumPy takes every dtype torch makes.
        data = np.from_dlpack(arr.detach().contiguous()).tobytes()
        return (_TORCH_KIND[arr.dtype], list(arr.shape), [s * itemsize for s in arr.stride()], arr.data_ptr(),
                data, None)
    host = np.asarray(arr)  # jax: a device array on the CPU
    return (_kind(host.dtype), list(host.shape), None, None, np.ascontiguousarray(host).tobytes(), None)


def fn_check(request):
    case = request["case"]
    consumer = request["consumer"]
    offered = Recorder(bbdl.JavaTensor(request["function"], request["handle"]))
    try:
        arr = _consume(consumer, offered)
    except BufferError as e:
        return {"status": "refused", "message": str(e), "asked": offered.asked}
    fmt, itemsize, shape = case["format"], case["itemsize"], case["shape"]
    dt, why = pyarrow_peer.numpy_dtype(fmt, itemsize)
    if why is not None:
        raise pyarrow_peer.Mismatch("the export of a format NumPy cannot read was not refused: " + why)
    copied = (offered.flags & _IS_COPIED) != 0 if offered.versioned else offered.data != request["address"]
    kind, seen_shape, strides, address, data, writeable = _seen(consumer, arr)
    count = int(np.prod(shape)) if shape else 1
    if kind != _kind(dt):
        raise pyarrow_peer.Mismatch("dtype differs: expected=%s found=%s" % (_kind(dt), kind))
    if seen_shape != list(shape):
        raise pyarrow_peer.Mismatch("shape differs: expected=%s found=%s" % (shape, seen_shape))
    if count > 0 and strides is not None:
        want = _c_strides(itemsize, shape) if copied else list(case["strides"])
        if strides != want:
            raise pyarrow_peer.Mismatch("strides differ: expected=%s found=%s copied=%s" % (want, strides, copied))
        if not copied and address != request["address"]:
            raise pyarrow_peer.Mismatch("zero-copy at another address: expected=0x%x found=0x%x" % (request["address"], address))
    if data != bytes.fromhex(case["logical"]):
        raise pyarrow_peer.Mismatch("values differ: expected=%s found=%s" % (case["logical"][:64], data.hex()[:64]))
    if writeable is not None and writeable == case["readonly"]:
        raise pyarrow_peer.Mismatch("writeable differs: readonly=%s writeable=%s" % (case["readonly"], writeable))
    if consumer == "jax":
        return {"status": "pass", "copied": copied, "asked": offered.asked, "versioned": offered.versioned}
    tensor, versioned = bbdl.take(arr)
    return {"status": "pass", "address": tensor, "versioned": versioned, "copied": copied, "asked": offered.asked,
            "data": address}


# What bufferbridge's import makes of each dtype (docs/contract.md, "DLPack").
_PRODUCED = {"int8": "b", "uint8": "B", "int16": "h", "uint16": "H", "int32": "i", "uint32": "I", "int64": "q",
             "uint64": "Q", "float16": "e", "float32": "f", "float64": "d", "complex64": "Zf", "complex128": "Zd",
             "bool": "?"}


def fn_produce(request):
    """The consumer library as a producer: one dtype in one layout, read-only when asked (NumPy)."""
    consumer, name, layout = request["consumer"], request["dtype"], request["layout"]
    base = (np.arange(24) * 37 % 251 - 100).reshape(4, 6)
    if name.startswith("complex"):
        full = (base + 1j * (base + 1)).astype(name)
    elif name == "bool":
        full = base % 3 == 0
    else:
        full = base.astype(name)
    if consumer == "torch":
        full = _torch().from_numpy(full)
    if layout == "strided":
        # torch has no negative strides: a transposed, gapped view instead.
        obj = full[::-1, ::2] if consumer == "numpy" else full[:, ::2].T
    elif layout == "scalar":
        obj = full[1, 2] if consumer == "torch" else full[1, 2:3].reshape(())
    elif layout == "empty":
        obj = full[:0]
    else:
        obj = full
    host = obj.numpy() if consumer == "torch" else obj
    if request.get("readonly"):
        host.flags.writeable = False
    tensor, versioned = bbdl.take(obj)
    return {"status": "pass", "address": tensor, "versioned": versioned, "shape": list(host.shape),
            "strides": list(host.strides), "logical": np.ascontiguousarray(host).tobytes().hex(),
            "data": host.ctypes.data, "format": _PRODUCED[name]}


def fn_dtypes(request):
    return {"names": list(_PRODUCED)}


def fn_run(request):
    """Runs a test's script; its answer is what it leaves in ``out``."""
    scope = {}
    exec(request["script"], scope)
    return {"status": "pass", "out": scope.get("out")}


# ---------------------------------------------------------------- benchmark (DlpackBenchmark)

_BENCH = {}


def fn_bench_setup(request):
    """A NumPy array of (n) float32 for the baseline, and the Java offer as a JavaTensor, kept."""
    _BENCH["numpy"] = np.arange(request["n"], dtype=np.float32)
    _BENCH["java"] = bbdl.JavaTensor(request["function"], request["handle"])
    return {"status": "pass"}


def fn_bench_java(request):
    """Java view -> np.from_dlpack -> the array's own __dlpack__, taken over for Java to import."""
    tensor, versioned = bbdl.take(np.from_dlpack(_BENCH["java"]))
    return {"address": tensor, "versioned": versioned}


def fn_bench_numpy(request):
    """NumPy's own round trip: np.from_dlpack of an array, and np.from_dlpack of that back."""
    back = np.from_dlpack(np.from_dlpack(_BENCH["numpy"]))
    return {"size": int(back.size)}


def fn_bench_call(request):
    """The call alone: what both round trips pay for the JSON request and answer."""
    return {"size": 0}


def fn_bench_teardown(request):
    _BENCH.clear()
    return {"status": "pass"}
