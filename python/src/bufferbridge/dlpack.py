"""DLPack between Python and bufferbridge's Java views, in pure Python (ctypes).

Two directions, both following the array API's DLPack rules
(https://data-apis.org/array-api/latest/API_specification/generated/array_api.array.__dlpack__.html):

* ``JavaTensor(export_function, handle)`` is a Java view offered to Python (Java's
  ``io.bufferbridge.dlpack.DLPackOffer``: ``DLPackOffer.exportFunction()`` and ``offer.handle()``).
  It has ``__dlpack__(*, stream=None, max_version=None, dl_device=None, copy=None)`` and
  ``__dlpack_device__()``, so ``np.from_dlpack``, ``torch.from_dlpack`` and
  ``jax.dlpack.from_dlpack`` take it. Each ``__dlpack__`` call asks Java for a new managed tensor:
  a ``DLManagedTensorVersioned`` in a capsule named ``dltensor_versioned`` when ``max_version`` is
  (1, x) or later, else a legacy ``DLManagedTensor`` in a capsule named ``dltensor``. A consumer
  renames the capsule ``used_…`` and becomes the owner; a capsule nobody consumed calls the
  tensor's deleter when it is collected. Java refusing (a format with no DLPack dtype,
  ``copy=False`` where only a copy can describe the view, a read-only view asked for as a legacy
  tensor) raises ``BufferError`` with Java's message.
* ``take(obj)`` is the consumer side: any object with ``__dlpack__`` (a NumPy array, a torch
  tensor, a ``JavaTensor``) hands over its managed tensor, which Java's ``DLPack.importVersioned``
  or ``DLPack.importLegacy`` reads as a view; the deleter is Java's to run from then on.

Nothing here needs a compiler or a package beyond the standard library: the module imports on its
own, outside the ``bufferbridge`` package too. docs/contract.md ("DLPack") is the contract.
"""

import ctypes

__all__ = ["JavaTensor", "take", "KDLCPU"]

KDLCPU = 1
"""``kDLCPU``: the only device a Java view is on."""

_VERSIONED = b"dltensor_versioned"
_LEGACY = b"dltensor"
_USED_VERSIONED = b"used_dltensor_versioned"
_USED_LEGACY = b"used_dltensor"
# PyCapsule_New and PyCapsule_SetName keep the name pointer, not a copy: these buffers live as
# long as the module.
_NAME = {n: ctypes.create_string_buffer(n) for n in (_VERSIONED, _LEGACY, _USED_VERSIONED, _USED_LEGACY)}

# Offsets of the deleter in the two structs (dlpack.h, LP64): it follows DLTensor (48 bytes) and
# manager_ctx in the legacy struct, and DLPackVersion and manager_ctx in the versioned one.
_DELETER_OFFSET = {True: 16, False: 56}

# Private prototypes rather than ctypes.pythonapi's shared attributes: another module setting
# their argtypes must not change ours. PYFUNCTYPE: these calls hold the GIL, as the C API needs.
_api = ctypes.pythonapi
_New = ctypes.PYFUNCTYPE(ctypes.py_object, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p)(("PyCapsule_New", _api))
_GetName = ctypes.PYFUNCTYPE(ctypes.c_char_p, ctypes.py_object)(("PyCapsule_GetName", _api))
_GetPointer = ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.py_object, ctypes.c_char_p)(("PyCapsule_GetPointer", _api))
_SetName = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.py_object, ctypes.c_char_p)(("PyCapsule_SetName", _api))
# The destructor gets a capsule whose reference count is already 0: it must be passed on as a
# plain pointer, never as a py_object (that would take and drop a reference, freeing it twice).
_GetNameRaw = ctypes.PYFUNCTYPE(ctypes.c_char_p, ctypes.c_void_p)(("PyCapsule_GetName", _api))
_GetPointerRaw = ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p)(("PyCapsule_GetPointer", _api))

_Deleter = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
_Export = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_int64, ctypes.c_int32, ctypes.c_char_p, ctypes.c_int64)


def _delete(tensor, versioned):
    """Runs a managed tensor's deleter (DLPack: at most once, by its owner)."""
    deleter = ctypes.c_void_p.from_address(tensor + _DELETER_OFFSET[versioned]).value
    if deleter:
        _Deleter(deleter)(tensor)


def _destroy(capsule):
    # Only an unconsumed capsule still owns its tensor; a consumer renamed it "used_…".
    name = _GetNameRaw(capsule)
    if name in (_VERSIONED, _LEGACY):
        _delete(_GetPointerRaw(capsule, _NAME[name]), name == _VERSIONED)


_DESTRUCTOR = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(_destroy)
_DESTRUCTOR_ADDRESS = ctypes.cast(_DESTRUCTOR, ctypes.c_void_p).value


def _capsule(tensor, versioned):
    name = _VERSIONED if versioned else _LEGACY
    try:
        return _New(tensor, _NAME[name], _DESTRUCTOR_ADDRESS)
    except BaseException:
        # No capsule owns the tensor: this call does, and must let it go.
        _delete(tensor, versioned)
        raise


class JavaTensor:
    """A Java view offered through DLPack; each ``__dlpack__`` call exports it once.

    ``export_function`` and ``handle`` are ``DLPackOffer.exportFunction().address()`` and
    ``offer.handle()`` on the Java side. The offer must stay open while Python asks for tensors;
    tensors already handed out outlive it.
    """

    __slots__ = ("_export", "_handle")

    def __init__(self, export_function, handle):
        if not export_function:
            raise ValueError("export_function is NULL")
        self._export = _Export(export_function)
        self._handle = int(handle)

    def __dlpack_device__(self):
        return (KDLCPU, 0)

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        if stream is not None:
            raise BufferError("a Java view is host memory: stream=%r expected=None" % (stream,))
        if dl_device is not None and tuple(dl_device) != (KDLCPU, 0):
            raise BufferError("a Java view is host memory: dl_device=%r expected=(1, 0) (kDLCPU)" % (tuple(dl_device),))
        versioned = max_version is not None and int(max_version[0]) >= 1
        mode = 0 if copy is None else (1 if copy else 2)
        error = ctypes.create_string_buffer(2048)
        tensor = self._export(self._handle, (1 if versioned else 0) | mode << 1, error, len(error))
        if not tensor:
            raise BufferError(error.value.decode("utf-8", "replace"))
        return _capsule(tensor, versioned)


def take(obj, *, copy=None):
    """Takes ``obj``'s managed tensor over, as a DLPack consumer does.

    Asks ``obj.__dlpack__(max_version=(1, 1))`` (a producer that knows no ``max_version`` is asked
    without it), renames the capsule ``used_…`` so that it no longer deletes the tensor, and
    returns ``(address, versioned)``: the address of a ``DLManagedTensorVersioned`` when
    ``versioned``, else of a legacy ``DLManagedTensor``. The caller owns it and must run its
    deleter once (Java's ``DLPack.importVersioned``/``importLegacy`` do).
    """
    kwargs = {} if copy is None else {"copy": copy}
    try:
        capsule = obj.__dlpack__(max_version=(1, 1), **kwargs)
    except TypeError:
        # A producer older than the array API's 2023 revision: no keywords, a legacy capsule.
        capsule = obj.__dlpack__()
    name = _GetName(capsule)
    if name not in (_VERSIONED, _LEGACY):
        raise BufferError("not an unconsumed DLPack capsule: name=%r expected='dltensor_versioned' or 'dltensor'" % (name,))
    versioned = name == _VERSIONED
    tensor = _GetPointer(capsule, _NAME[name])
    if _SetName(capsule, _NAME[_USED_VERSIONED if versioned else _USED_LEGACY]) != 0:
        raise BufferError("PyCapsule_SetName failed")
    return tensor, versioned
