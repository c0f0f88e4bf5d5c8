#!/usr/bin/env python3
"""pyarrow's side of target 1 of issue 19 (benchmarks/RESULTS.md, "Target 1"): an export and
import of an int64 array through the Arrow C data interface, timed with timeit (best and median
of many repeats) on the machine that just ran ExportImportBenchmark.

One round trip, as ExportImportBenchmark.bufferbridge does it: a new ArrowSchema (72 bytes) and
ArrowArray (80 bytes), the export into them, the import back, and the imported objects dropped
(CPython frees them at once: that runs the export's release callbacks). Two cases:
  bare    pa.Array._export_to_c(array, schema) then pa.Array._import_from_c(array, schema): the
          schema is the bare type, no field, no metadata
  field   pa.Field._export_to_c(schema) of a field carrying our export's metadata (the
          bufferbridge.* keys and values an export of a 1-D int64 view writes), the array's
          pa.Array._export_to_c(array), then pa.Field._import_from_c(schema) and
          pa.Array._import_from_c(array, field.type): both the field (with its metadata) and the
          array come back
and two ways to get the structs: "fresh" (allocated per round trip, as ours is measured) and
"reused" (one pair for all; an import moves the structs out and leaves them released, so they
may be exported into again): the faster one is pyarrow's best case.

The structs come from pyarrow.cffi when it imports (it needs the cffi package), else from ctypes
buffers of the same size; the JSON says which. Every round trip is checked once to be zero-copy
(the imported data buffer at the exported address) before it is timed.

Usage: python3 pyarrow_roundtrip.py [--repeat N] [--number N] [--quick] [--structs auto|cffi|ctypes] [--json FILE]
--quick times a few loops only (a smoke test of the script and its JSON; its numbers mean nothing).
"""
import argparse
import ctypes
import json
import platform
import statistics
import sys
import timeit

import numpy as np
import pyarrow as pa

SIZES = (1024, 1024 * 1024, 64 * 1024 * 1024)
SCHEMA_BYTES = 72  # sizeof(struct ArrowSchema) on a 64-bit platform
ARRAY_BYTES = 80  # sizeof(struct ArrowArray)


def struct_factory(which):
    """Returns (name, new_pair) where new_pair() gives (keepalive, schema_address, array_address)."""
    try:
        if which == "ctypes":
            raise ImportError("ctypes asked for")
        from pyarrow.cffi import ffi

        def new_pair():
            s = ffi.new("struct ArrowSchema*")
            a = ffi.new("struct ArrowArray*")
            return (s, a), int(ffi.cast("uintptr_t", s)), int(ffi.cast("uintptr_t", a))

        assert ffi.sizeof("struct ArrowSchema") == SCHEMA_BYTES and ffi.sizeof("struct ArrowArray") == ARRAY_BYTES
        return "pyarrow.cffi", new_pair
    except ImportError:
        if which == "cffi":
            raise

        def new_pair():
            s = ctypes.create_string_buffer(SCHEMA_BYTES)
            a = ctypes.create_string_buffer(ARRAY_BYTES)
            return (s, a), ctypes.addressof(s), ctypes.addressof(a)

        return "ctypes", new_pair


def our_metadata(elements):
    # What ArrowExporter.exportView writes for a 1-D native int64 view in place.
    return {
        "bufferbridge.format": "q",
        "bufferbridge.shape": str(elements),
        "bufferbridge.strides": "8",
        "bufferbridge.readonly": "false",
        "bufferbridge.copied": "false",
        "bufferbridge.itemsize": "8",
    }


def timings(fn, number, repeat):
    fn()  # warm
    per_op = [t / number for t in timeit.repeat(fn, number=number, repeat=repeat)]
    return {"best": min(per_op), "median": statistics.median(per_op)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=31)
    parser.add_argument("--number", type=int, default=20000, help="round trips per repeat")
    parser.add_argument("--quick", action="store_true", help="a few loops only: checks the script, not speed")
    parser.add_argument("--structs", choices=("auto", "cffi", "ctypes"), default="auto",
                        help="where the C structs come from (auto: pyarrow.cffi if it imports, else ctypes)")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    if args.quick:
        args.repeat, args.number = 3, 10

    structs, new_pair = struct_factory(args.structs)
    results = {
        "pyarrow": pa.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "structs": structs,
        "repeat": args.repeat,
        "number": args.number,
        "unit": "seconds per round trip",
        "sizes": {},
    }
    reused_keep, reused_s, reused_a = new_pair()
    for elements in SIZES:
        # --quick: zeros (calloc: pages untouched), the same export; the full run fills as JMH does.
        data = np.zeros(elements, dtype=np.int64) if args.quick else np.arange(elements, dtype=np.int64)
        arr = pa.array(data)
        address = arr.buffers()[1].address
        assert address == data.ctypes.data, "pa.array(numpy) copied"
        field = pa.field("", pa.int64(), metadata=our_metadata(elements))

        # Each returns what it imported; timeit drops it at once, which runs the releases.
        def bare_fresh():
            keep, ps, pa_ = new_pair()
            arr._export_to_c(pa_, ps)
            return pa.Array._import_from_c(pa_, ps)

        def bare_reused():
            arr._export_to_c(reused_a, reused_s)
            return pa.Array._import_from_c(reused_a, reused_s)

        def field_fresh():
            keep, ps, pa_ = new_pair()
            field._export_to_c(ps)
            arr._export_to_c(pa_)
            f = pa.Field._import_from_c(ps)
            return f, pa.Array._import_from_c(pa_, f.type)

        def field_reused():
            field._export_to_c(reused_s)
            arr._export_to_c(reused_a)
            f = pa.Field._import_from_c(reused_s)
            return f, pa.Array._import_from_c(reused_a, f.type)

        for fn in (bare_fresh, bare_reused):
            back = fn()
            assert back.buffers()[1].address == address and len(back) == elements, "bare round trip not zero-copy"
        for fn in (field_fresh, field_reused):
            f, back = fn()
            assert f.metadata == field.metadata and f.type == pa.int64(), "field metadata lost"
            assert back.buffers()[1].address == address and len(back) == elements, "field round trip not zero-copy"
        del back, f

        row = {}
        for case, fn in (("bare_fresh", bare_fresh), ("bare_reused", bare_reused), ("field_fresh", field_fresh),
                         ("field_reused", field_reused)):
            row[case] = timings(fn, args.number, args.repeat)
            print(f"{elements:>9d} {case:13s} best {row[case]['best'] * 1e9:8.1f} ns"
                  f"  median {row[case]['median'] * 1e9:8.1f} ns")
            sys.stdout.flush()
        results["sizes"][str(elements)] = row
        del arr, data
    del reused_keep
    if args.json:
        with open(args.json, "w") as out:
            out.write(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
