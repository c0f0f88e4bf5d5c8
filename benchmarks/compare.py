#!/usr/bin/env python3
"""Compare two JMH JSON result files and flag the ratios that got worse.

Speed here is judged as ratios measured in one run (ours against a baseline in the same JMH
invocation), never as absolute times: a shared or different machine moves both sides together.
For every benchmark that has a baseline in its class (the RULES below), with the same parameters,
this computes

    ratio = cost(ours) / cost(baseline)      (cost: time per op; 1/score for throughput modes)

in both files and flags it when the new ratio is more than --threshold (default 20%) above the old
one. Allocation per operation (``gc.alloc.rate.norm``, from ``-prof gc``) does not depend on the
machine's speed, so it is compared directly: flagged when more than --threshold and more than
--alloc-slack bytes (default 64) above the old value.

Usage:
    python3 benchmarks/compare.py OLD.json NEW.json [--threshold 0.2] [--alloc-slack 64]

Exit status: 0 when nothing got worse, 1 when something did (each regression is printed with
REGRESSION), 2 when a file cannot be read or the two files have no ratio in common.
"""
import argparse
import json
import sys

PREFIX = "io.bufferbridge.benchmarks."

# class -> (baseline method, methods measured against it)
RULES = {
    "ExportImportBenchmark": ("arrowJava", ["bufferbridge", "bufferbridgeReusedStructs", "foreignImport"]),
    "TableExportImportBenchmark": ("arrowJava", ["bufferbridge"]),
    "DuckDbTableBenchmark": ("arrowJava", ["bufferbridge"]),
    "ViewToVectorBenchmark": ("copyIntoNewVector", ["wrap"]),
    "MaterializeBenchmark": ("glibcMemcpy", ["copyToC", "memcpy"]),
    "ElementAccessBenchmark": ("plainArray", ["viewNative", "viewHeap", "arrowFloat8Vector"]),
    "FormatParseBenchmark": ("ofCached", ["parseUncached", "ofFreshText"]),
}


def fail(message):
    print(f"compare.py: {message}", file=sys.stderr)
    sys.exit(2)


def load(path):
    """{(class, method, params): entry} of one JMH JSON file."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"cannot read {path}: {e}")
    if not isinstance(data, list):
        fail(f"{path} is not a JMH JSON result list (found {type(data).__name__})")
    out = {}
    for entry in data:
        name = entry["benchmark"]
        if name.startswith(PREFIX):
            name = name[len(PREFIX):]
        cls, _, method = name.rpartition(".")
        params = tuple(sorted((entry.get("params") or {}).items()))
        out[(cls, method, params)] = entry
    return out


def cost(entry):
    """Time per operation in the entry's own unit; throughput scores are inverted."""
    score = entry["primaryMetric"]["score"]
    if entry.get("mode") == "thrpt":
        return 1.0 / score if score else float("inf")
    return score


def alloc(entry):
    m = (entry.get("secondaryMetrics") or {}).get("gc.alloc.rate.norm")
    return None if m is None else m["score"]


def ratios(results):
    """{(class, method, params): cost ratio against the class's baseline with the same params}."""
    out = {}
    for (cls, method, params), entry in results.items():
        rule = RULES.get(cls)
        if rule is None or method not in rule[1]:
            continue
        base = results.get((cls, rule[0], params))
        if base is None:
            continue
        out[(cls, method, params)] = (cost(entry) / cost(base), rule[0])
    return out


def label(cls, method, params):
    p = ",".join(f"{k}={v}" for k, v in params)
    return f"{cls}.{method}" + (f" [{p}]" if p else "")


def main(argv=None):
    ap = argparse.ArgumentParser(description="Flag JMH ratios that got worse between two result files.")
    ap.add_argument("old", help="the reference run (JMH -rf json)")
    ap.add_argument("new", help="the run to check")
    ap.add_argument("--threshold", type=float, default=0.2, help="allowed relative worsening (default 0.2)")
    ap.add_argument("--alloc-slack", type=float, default=64.0,
                    help="bytes per op an allocation may grow regardless of the threshold (default 64)")
    args = ap.parse_args(argv)

    old, new = load(args.old), load(args.new)
    old_r, new_r = ratios(old), ratios(new)
    common = sorted(set(old_r) & set(new_r))
    regressions = 0
    compared = 0
    for key in common:
        (o, base), (n, _) = old_r[key], new_r[key]
        compared += 1
        worse = n > o * (1 + args.threshold)
        regressions += worse
        print(f"{'REGRESSION' if worse else 'ok        '} {label(*key)} / {base}: {o:.4g} -> {n:.4g}"
              f" ({(n / o - 1) * 100:+.1f}%)")
    for key in sorted(set(old) & set(new)):
        a, b = alloc(old[key]), alloc(new[key])
        if a is None or b is None:
            continue
        compared += 1
        worse = b > a * (1 + args.threshold) and b - a > args.alloc_slack
        regressions += worse
        print(f"{'REGRESSION' if worse else 'ok        '} {label(*key)} alloc B/op: {a:.0f} -> {b:.0f}")
    if compared == 0:
        fail("the two files have no ratio and no allocation in common")
    print(f"{regressions} regression(s) in {compared} comparison(s), threshold {args.threshold:.0%}")
    return 1 if regressions else 0


if __name__ == "__main__":
    sys.exit(main())
