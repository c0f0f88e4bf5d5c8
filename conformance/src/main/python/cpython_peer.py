"""The cpython conformance peer: the bufferbridge CPython extension (python/), run inside the JVM's
process by the embedded CPython that also runs pyarrow_peer.py.

PyArrowPython (Java) loads this file as module ``cpython_peer`` and calls ``call(request)`` with one
JSON object; the answer is one JSON string. Struct addresses travel as JSON integers.

Requests (``fn``):
  find      import bufferbridge from the directory python/bin/run built it into,
            ``<root>/python/target/site-X.Y`` for the first of ``roots`` that has it (or
            ``$BUFFERBRIDGE_PYTHON_SITE``); answer where, or why it is unavailable
  counters  the extension's counters (live Views and exports, releases), after a collection
  check     Java exported a corpus case to (schema, array): read it as bufferbridge.View, compare
            memoryview(view) with the case (format, itemsize, shape, strides, readonly, tobytes,
            tolist where memoryview can unpack the format: CPython's memoryview is the oracle the
            corpus came from), then bufferbridge.export(memoryview) into (out_schema, out_array)
            for Java to import back
  example   load an example file (README "From Python") and call its function with the two struct
            addresses; answer what it returned
"""

import gc
import json
import math
import os
import struct
import sys

# loaded before this module in the same interpreter: its request loop, Mismatch and c_strides serve here too
import pyarrow_peer

bufferbridge = None


def call(text):
    return pyarrow_peer.serve(text, globals())


def fn_find(request):
    global bufferbridge
    site = "site-%d.%d" % sys.version_info[:2]
    candidates = []
    if os.environ.get("BUFFERBRIDGE_PYTHON_SITE"):
        candidates.append(os.environ["BUFFERBRIDGE_PYTHON_SITE"])
    candidates += [os.path.join(root, "python", "target", site) for root in request["roots"]]
    for d in candidates:
        if os.path.isdir(os.path.join(d, "bufferbridge")):
            sys.path.insert(0, d)
            try:
                import bufferbridge as bb
                from bufferbridge import _bufferbridge
            except ImportError as e:
                sys.path.remove(d)
                return {"unavailable": "bufferbridge in %s does not import in Python %s: %s" % (d, sys.version.split()[0], e)}
            bufferbridge = bb
            return {"found": d, "extension": _bufferbridge.__file__}
    return {"unavailable": "the bufferbridge extension is not built for Python %s (%s): looked in %s; build it with"
                           " mvn -pl python compile (python/bin/run build)"
                           % (sys.version.split()[0], sys.executable, ", ".join(candidates))}


def fn_counters(request):
    gc.collect()
    return bufferbridge._bufferbridge._counters()


def jv(x):
    """memoryview.tolist() in the corpus's JSON terms: floats nan/inf as strings, bytes as hex:."""
    if isinstance(x, bool) or x is None:
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
    return x


def same(want, found):
    if isinstance(want, list):
        return isinstance(found, list) and len(want) == len(found) and all(same(w, f) for w, f in zip(want, found))
    if isinstance(want, bool) or isinstance(found, bool):
        return want is found
    if isinstance(want, (int, float)) and isinstance(found, (int, float)):
        return want == found
    return want == found


def tolist(m, shape):
    """The values: memoryview.tolist() where it unpacks the format (native single items), else
    struct's reading of tobytes() where struct accepts the format with the view's itemsize
    ('<i', 'hd'), else none (a PEP 3118 record 'T{...}', 'Zd', 'g')."""
    try:
        return m.tolist(), "memoryview.tolist()"
    except NotImplementedError:
        pass
    try:
        s = struct.Struct(m.format)
    except struct.error:
        return None, "no tolist: neither memoryview nor struct unpacks format %r" % m.format
    if s.size != m.itemsize:
        return None, "no tolist: struct reads format %r with size %d, the view's itemsize is %d" % (m.format, s.size, m.itemsize)
    items = [t[0] if len(t) == 1 else list(t) for t in s.iter_unpack(m.tobytes())]
    if not shape:
        return items[0], "struct.unpack"

    def nest(at, dim):
        if dim == len(shape) - 1:
            return items[at:at + shape[dim]], at + shape[dim]
        out = []
        for _ in range(shape[dim]):
            sub, at = nest(at, dim + 1)
            out.append(sub)
        return out, at

    return nest(0, 0)[0], "struct.unpack"


def fn_check(request):
    case = request["case"]
    view = bufferbridge.View.from_addresses(request["schema"], request["array"])
    m = memoryview(view)
    shape = case["shape"]
    n = 1
    for d in shape:
        n *= d
    for key, found in (("format", m.format), ("itemsize", m.itemsize), ("shape", list(m.shape)),
                       ("readonly", m.readonly)):
        if found != case[key]:
            raise pyarrow_peer.Mismatch("memoryview.%s: expected=%r found=%r" % (key, case[key], found))
    if n > 0:
        # docs/contract.md §3: a copy (by Java's export, or by the import of a record) is in C order
        want = pyarrow_peer.c_strides(case["itemsize"], shape) if view.copied else case["strides"]
        if list(m.strides) != want:
            raise pyarrow_peer.Mismatch("memoryview.strides: expected=%r found=%r copied=%s" % (want, list(m.strides), view.copied))
    data = m.tobytes()
    logical = bytes.fromhex(case["logical"])
    mask = request["mask"]  # per byte of an item: 1 when it holds data (x padding does not)
    if len(data) != len(logical):
        raise pyarrow_peer.Mismatch("memoryview.tobytes() length: expected=%d found=%d" % (len(logical), len(data)))
    for k in range(len(data)):
        if data[k] != logical[k] and (not mask or mask[k % len(mask)] == "1"):
            raise pyarrow_peer.Mismatch("memoryview.tobytes() byte=%d: expected=0x%02x found=0x%02x" % (k, logical[k], data[k]))
    values, how = tolist(m, shape)
    if values is not None and "values" in case and not same(case["values"], jv(values)):
        raise pyarrow_peer.Mismatch("%s: expected=%s found=%s" % (how, json.dumps(case["values"])[:120], json.dumps(jv(values))[:120]))
    # Back to Java: the memoryview itself (its View's copied flag travels with it).
    bufferbridge.export(m).export_to_c(request["out_schema"], request["out_array"])
    return {"status": "pass", "exported": True, "tolist": how, "copied": view.copied}


def fn_example(request):
    scope = {"__name__": "example"}
    exec(compile(request["source"], request["file"], "exec"), scope)
    result = scope[request["function"]](request["schema"], request["array"])
    scope.clear()
    gc.collect()
    return {"status": "pass", "result": result}
