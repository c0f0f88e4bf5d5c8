"""Hostile input: capsules with the wrong name, consumed twice, NULL pointers, released pairs, a
pair whose structs lie. Each is a typed exception whose message names the problem, the expected
and the found; nothing is consumed by a refused View, nothing leaks."""
import array
import ctypes

import pytest

from bufferbridge import View, export
from conftest import counters

PyCapsule_New = ctypes.pythonapi.PyCapsule_New
PyCapsule_New.restype = ctypes.py_object
PyCapsule_New.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]


class ArrowSchema(ctypes.Structure):
    pass


RELEASE_SCHEMA = ctypes.CFUNCTYPE(None, ctypes.POINTER(ArrowSchema))
ArrowSchema._fields_ = [("format", ctypes.c_char_p), ("name", ctypes.c_char_p), ("metadata", ctypes.c_char_p),
                        ("flags", ctypes.c_int64), ("n_children", ctypes.c_int64), ("children", ctypes.c_void_p),
                        ("dictionary", ctypes.c_void_p), ("release", RELEASE_SCHEMA), ("private_data", ctypes.c_void_p)]


class ArrowArray(ctypes.Structure):
    pass


RELEASE_ARRAY = ctypes.CFUNCTYPE(None, ctypes.POINTER(ArrowArray))
ArrowArray._fields_ = [("length", ctypes.c_int64), ("null_count", ctypes.c_int64), ("offset", ctypes.c_int64),
                       ("n_buffers", ctypes.c_int64), ("n_children", ctypes.c_int64), ("buffers", ctypes.c_void_p),
                       ("children", ctypes.c_void_p), ("dictionary", ctypes.c_void_p), ("release", RELEASE_ARRAY),
                       ("private_data", ctypes.c_void_p)]


def pair():
    return export(array.array("i", range(4))).__arrow_c_array__()


def test_swapped_capsules_are_refused_by_name_and_not_consumed(balanced):
    s, a = pair()
    with pytest.raises(ValueError, match="^schema: a PyCapsule with the wrong name: expected='arrow_schema' found='arrow_array'$"):
        View(a, s)
    assert memoryview(View(s, a)).tolist() == [0, 1, 2, 3]  # still whole


def test_a_capsule_of_another_name_or_none(balanced):
    s, a = pair()
    buf = ctypes.create_string_buffer(80)
    with pytest.raises(ValueError, match="^array: a PyCapsule with the wrong name: expected='arrow_array' found='arrow_array_stream'$"):
        View(s, PyCapsule_New(ctypes.addressof(buf), b"arrow_array_stream", None))
    with pytest.raises(ValueError, match="^schema: a PyCapsule with the wrong name: expected='arrow_schema' found=NULL$"):
        View(PyCapsule_New(ctypes.addressof(buf), None, None), a)
    with pytest.raises(TypeError, match="^schema: expected a PyCapsule named 'arrow_schema', found type=int$"):
        View(1, a)
    del s, a


def test_a_pair_consumed_twice(balanced):
    s, a = pair()
    v = View(s, a)
    with pytest.raises(ValueError, match="^the Arrow pair is already released or consumed: schema.released=true array.released=true$"):
        View(s, a)
    assert memoryview(v).tolist() == [0, 1, 2, 3]


def test_null_struct_addresses():
    with pytest.raises(ValueError, match="^from_addresses: a NULL struct address: schema_address=0x0 array_address=0x0$"):
        View.from_addresses(0, 0)
    with pytest.raises(ValueError, match="^export_to_c: a NULL struct address: schema_address=0x0 array_address=0x10$"):
        export(b"ab").export_to_c(0, 16)


def test_a_released_pair():
    schema, array = ArrowSchema(), ArrowArray()  # zeroed: release is NULL
    s = PyCapsule_New(ctypes.addressof(schema), b"arrow_schema", None)
    a = PyCapsule_New(ctypes.addressof(array), b"arrow_array", None)
    with pytest.raises(ValueError, match="^the Arrow pair is already released or consumed: schema.released=true array.released=true$"):
        View(s, a)
    with pytest.raises(ValueError, match="schema.released=true array.released=true$"):
        View.from_addresses(ctypes.addressof(schema), ctypes.addressof(array))


def test_a_live_pair_that_lies_is_refused_and_left_to_its_owner():
    released = []
    release_schema = RELEASE_SCHEMA(lambda p: released.append("schema") or setattr(p.contents, "release", RELEASE_SCHEMA()))
    release_array = RELEASE_ARRAY(lambda p: released.append("array") or setattr(p.contents, "release", RELEASE_ARRAY()))
    # int32 of length 4 with no buffers at all: n_buffers=0 where the format needs 2
    schema = ArrowSchema(format=b"i", release=release_schema)
    array = ArrowArray(length=4, n_buffers=0, release=release_array)
    with pytest.raises(ValueError, match="^bufferbridge.View cannot read the Arrow pair: .*n_buffers"):
        View.from_addresses(ctypes.addressof(schema), ctypes.addressof(array))
    assert released == []  # not consumed: still the caller's
    schema.format = None
    array.n_buffers = 2
    with pytest.raises(ValueError, match="^bufferbridge.View cannot read the Arrow pair: .*format"):
        View.from_addresses(ctypes.addressof(schema), ctypes.addressof(array))
    assert released == []
    release_schema(ctypes.pointer(schema))
    release_array(ctypes.pointer(array))
    assert released == ["schema", "array"]


def test_export_target_still_live():
    e = export(b"abcd")
    schema, array = ArrowSchema(), ArrowArray()
    e.export_to_c(ctypes.addressof(schema), ctypes.addressof(array))
    with pytest.raises(ValueError, match="^export_to_c: the target still holds a live struct: schema.released=false array.released=false$"):
        e.export_to_c(ctypes.addressof(schema), ctypes.addressof(array))
    before = counters()
    v = View.from_addresses(ctypes.addressof(schema), ctypes.addressof(array))
    assert memoryview(v).tobytes() == b"abcd"
    assert not schema.release and not array.release  # moved into the View
    del v
    assert counters()["export_releases"] == before["export_releases"] + 1


def test_view_and_export_of_the_wrong_things():
    with pytest.raises(TypeError, match="^View\\(obj\\): obj has neither __arrow_c_array__ nor __arrow_c_stream__: type=list$"):
        View([1, 2])
    with pytest.raises(TypeError, match="^View\\(\\) takes \\(schema_capsule, array_capsule\\) or one object with __arrow_c_array__ or __arrow_c_stream__: arguments=3$"):
        View(1, 2, 3)
    with pytest.raises(TypeError, match="^bufferbridge.export: expected an object with the buffer protocol, found type=list$"):
        export([1, 2])

    class Liar:
        def __arrow_c_array__(self, requested_schema=None):
            return (1,)

    with pytest.raises(TypeError, match="^Liar.__arrow_c_array__\\(\\) must return \\(schema capsule, array capsule\\), found type=tuple$"):
        View(Liar())


def test_a_producers_release_callbacks_run_once_when_the_view_and_its_buffers_go():
    released = []
    release_schema = RELEASE_SCHEMA(lambda p: released.append("schema") or setattr(p.contents, "release", RELEASE_SCHEMA()))
    release_array = RELEASE_ARRAY(lambda p: released.append("array") or setattr(p.contents, "release", RELEASE_ARRAY()))
    data = (ctypes.c_int32 * 4)(5, 6, 7, 8)
    buffers = (ctypes.c_void_p * 2)(None, ctypes.addressof(data))
    schema = ArrowSchema(format=b"i", release=release_schema)
    array = ArrowArray(length=4, n_buffers=2, buffers=ctypes.addressof(buffers), release=release_array)
    view = View.from_addresses(ctypes.addressof(schema), ctypes.addressof(array))
    assert not schema.release and not array.release  # moved into the View
    assert (view.address, view.readonly, view.copied) == (ctypes.addressof(data), True, False)
    m = memoryview(view)
    del view
    assert m.tolist() == [5, 6, 7, 8] and released == []  # the buffer still holds the View
    m.release()
    assert released == ["array", "schema"]
