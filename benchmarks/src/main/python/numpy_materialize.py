#!/usr/bin/env python3
"""NumPy's side of benchmark 3 (benchmarks/RESULTS.md): materializing the same non-dense layouts
into C order, timed with timeit (the best, mean and median of
several repeats), on the machine that just ran JMH.

For each layout it times
  ascontiguousarray  np.ascontiguousarray(view): allocates the C-order result, as the issue names it
  copyto             np.copyto(out, view) into a preallocated C-order array: what BufferView.copyTo does
  memcpy             np.copyto(out, dense) of the same byte count: NumPy's memory-bandwidth ceiling

Layouts, as MaterializeBenchmark builds them:
  transpose   4096x4096 int32, .T                    (64 MiB out)
  step2       32 Mi int64, [::2]                      (128 MiB out)
  permute201  (256,256,64) float32, .transpose(2,0,1) (16 MiB out)

Usage: python3 numpy_materialize.py [--repeat N] [--json FILE]
Needs only NumPy. Prints one line per layout and method; --json writes the numbers.
"""
import argparse
import json
import platform
import statistics
import sys
import timeit

import numpy as np


def layouts():
    a = np.arange(4096 * 4096, dtype=np.int32).reshape(4096, 4096)
    yield "transpose", a.T
    b = np.arange(32 * 2**20, dtype=np.int64)
    yield "step2", b[::2]
    c = np.arange(256 * 256 * 64, dtype=np.float32).reshape(256, 256, 64)
    yield "permute201", c.transpose(2, 0, 1)


def timed(fn, repeat):
    """The best, the mean and the median of `repeat` single calls, in seconds.

    The best is NumPy's floor; the mean is the statistic JMH reports (`avgt`), so a ratio of a
    JMH score to a NumPy time compares like with like only against the mean (or JMH's fastest
    iteration against the best)."""
    # One call per repeat: each call moves tens of MiB, far above timer resolution.
    fn()  # warm: touch the output pages once
    runs = timeit.repeat(fn, number=1, repeat=repeat)
    return min(runs), statistics.fmean(runs), statistics.median(runs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()

    results = {
        "numpy": np.__version__,
        "python": platform.python_version(),
        "repeat": args.repeat,
        "layouts": {},
    }
    for name, view in layouts():
        assert not view.flags.c_contiguous
        out = np.empty(view.shape, dtype=view.dtype)
        dense = np.ones(view.size, dtype=view.dtype)
        flat = out.reshape(-1)
        np.copyto(out, view)
        assert np.array_equal(out, np.ascontiguousarray(view))
        stats = {
            "ascontiguousarray": timed(lambda: np.ascontiguousarray(view), args.repeat),
            "copyto": timed(lambda: np.copyto(out, view), args.repeat),
            "memcpy": timed(lambda: np.copyto(flat, dense), args.repeat),
        }
        times = {k: v[0] for k, v in stats.items()}
        results["layouts"][name] = {
            "bytes": int(view.nbytes),
            "seconds": times,
            "mean_seconds": {k: v[1] for k, v in stats.items()},
            "median_seconds": {k: v[2] for k, v in stats.items()},
            "gb_per_s": {k: view.nbytes / t / 1e9 for k, t in times.items()},
        }
        for k, (t, mean, _) in stats.items():
            print(f"{name:11s} {k:18s} {t * 1e3:9.3f} ms (mean {mean * 1e3:9.3f})  {view.nbytes / t / 1e9:7.2f} GB/s")
        sys.stdout.flush()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
