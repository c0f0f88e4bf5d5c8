#!/usr/bin/env python3
"""Renders the tables of benchmarks/RESULTS.md from the raw results: the JMH JSON
(java -jar benchmarks/target/bufferbridge-benchmarks.jar … -prof gc -rf json -rff FILE), the
JSON of numpy_materialize.py and the JSON of the C reference (src/main/c/strided_reference.c).
Every ratio in RESULTS.md is computed here from numbers of one run.

Usage: python3 results_tables.py JMH_JSON NUMPY_JSON C_JSON CORPUS_CASES
       python3 results_tables.py --tables JMH_TABLES_JSON   (benchmarks 7 and 8, a run of their own)
"""
import json
import sys

P = "io.bufferbridge.benchmarks."
OUT_BYTES = {"transpose": 4096 * 4096 * 4, "step2": 16 * 2**20 * 8, "permute201": 256 * 256 * 64 * 4}
TO_SECONDS = {"ns/op": 1e-9, "us/op": 1e-6, "ms/op": 1e-3, "s/op": 1.0}


def load(path):
    rows = {}
    for r in json.load(open(path)):
        name = r["benchmark"][len(P):]
        params = r.get("params", {})
        key = (name,) + tuple(sorted(params.items()))
        m = r["primaryMetric"]
        alloc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score")
        rows[key] = {"score": m["score"], "error": m["scoreError"], "unit": m["scoreUnit"], "alloc": alloc}
    return rows


def get(table, name, **params):
    key = (name,) + tuple(sorted((k, str(v)) for k, v in params.items()))
    return table[key]


def seconds(r):
    return r["score"] * TO_SECONDS[r["unit"]]


def err(r):
    e = r["error"]
    return "" if e in ("NaN", None) or e != e else f" ± {float(e):.3g}"


def yes(ok):
    return "**met**" if ok else "**missed**"


def main():
    rows = load(sys.argv[1])
    numpy = json.load(open(sys.argv[2]))
    cref = json.load(open(sys.argv[3]))
    cases = int(sys.argv[4])
    out = []

    out.append("### 1. Zero-copy export + import, int64, through C structs\n")
    out.append("| elements | bufferbridge (ns/op) | reused structs (ns/op) | Arrow Java (ns/op) | ours / Arrow | ≤ 1.25× | alloc ours (B/op) | alloc Arrow (B/op) |")
    out.append("|---:|---:|---:|---:|---:|---|---:|---:|")
    sizes = [1024, 1048576, 67108864]
    for n in sizes:
        a = get(rows, "ExportImportBenchmark.bufferbridge", elements=n)
        b = get(rows, "ExportImportBenchmark.bufferbridgeReusedStructs", elements=n)
        c = get(rows, "ExportImportBenchmark.arrowJava", elements=n)
        ratio = a["score"] / c["score"]
        out.append(f"| {n:,} | {a['score']:,.0f}{err(a)} | {b['score']:,.0f}{err(b)} | {c['score']:,.0f}{err(c)} | "
                   f"{ratio:.3g}× | {yes(ratio <= 1.25)} | {a['alloc']:,.0f} | {c['alloc']:,.0f} |")
    small = get(rows, "ExportImportBenchmark.bufferbridge", elements=1024)
    big = get(rows, "ExportImportBenchmark.bufferbridge", elements=67108864)
    scale = big["score"] / small["score"]
    allocs = [get(rows, "ExportImportBenchmark.bufferbridge", elements=n)["alloc"] for n in sizes]
    spread = (max(allocs) - min(allocs)) / min(allocs)
    out.append("")
    out.append(f"- 64 M time / 1 K time (bufferbridge): {scale:.2f}× — target ≤ 2×: {yes(scale <= 2)}")
    out.append(f"- allocation per operation (bufferbridge) at 1 K / 1 M / 64 M: "
               + " / ".join(f"{x:,.0f}" for x in allocs)
               + f" B/op, spread {100 * spread:.1f}% — independent of size (within 5%): {yes(spread <= 0.05)}")
    out.append("")

    out.append("### 2. View to Arrow vector, 64 M int64\n")
    w = get(rows, "ViewToVectorBenchmark.wrap", elements=67108864)
    c = get(rows, "ViewToVectorBenchmark.copyIntoNewVector", elements=67108864)
    speed = c["score"] / w["score"]
    out.append("| zero-copy wrap (ns/op) | copy into a new vector (ns/op) | copy / wrap | ≥ 100× |")
    out.append("|---:|---:|---:|---|")
    out.append(f"| {w['score']:,.0f}{err(w)} | {c['score']:,.0f}{err(c)} | {speed:,.0f}× | {yes(speed >= 100)} |")
    out.append("")

    out.append("### 3. Materializing non-dense layouts into C order\n")
    out.append("Rates are bytes written per second (the C-order result). NumPy: `numpy_materialize.py`, best of "
               f"{numpy['repeat']}, NumPy {numpy['numpy']}, Python {numpy['python']}. The NumPy target is "
               "`np.ascontiguousarray`, as the issue names it; `np.copyto` into a preallocated array (the like-for-like "
               "of `copyTo`) is shown beside it, with no target.\n")
    out.append("| layout | bytes out | copyTo (ms) | copyTo GB/s | memcpy GB/s (JMH) | copyTo / memcpy | target | met | "
               "NumPy ascontiguousarray GB/s | ours / NumPy | ≥ NumPy | NumPy copyto GB/s | ours / NumPy copyto |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---|---:|---:|")
    for layout, target in (("transpose", 0.25), ("step2", 0.5), ("permute201", 0.5)):
        ours = get(rows, "MaterializeBenchmark.copyToC", layout=layout)
        mem = get(rows, "MaterializeBenchmark.memcpy", layout=layout)
        nbytes = OUT_BYTES[layout]
        rate = nbytes / seconds(ours) / 1e9
        mrate = nbytes / seconds(mem) / 1e9
        np_l = numpy["layouts"][layout]
        assert np_l["bytes"] == nbytes
        na = np_l["gb_per_s"]["ascontiguousarray"]
        nc = np_l["gb_per_s"]["copyto"]
        out.append(f"| {layout} | {nbytes / 2**20:.0f} MiB | {seconds(ours) * 1e3:.2f} | {rate:.2f} | {mrate:.2f} | "
                   f"{rate / mrate:.2f} | ≥ {target} | {yes(rate / mrate >= target)} | {na:.2f} | "
                   f"{rate / na:.2f}× | {yes(rate >= na)} | {nc:.2f} | {rate / nc:.2f}× |")
    out.append("")
    out.append("NumPy's own memcpy of the same byte count (`np.copyto` dense), for scale: "
               + ", ".join(f"{k} {v['gb_per_s']['memcpy']:.2f} GB/s" for k, v in numpy["layouts"].items()) + ".")
    out.append("")
    out.append(f"The same copies as plain C loops (`strided_reference.c`, {cref['compiler']}, best of {cref['repeat']}; "
               "blocked loops with the best block size), against C's own memcpy of the same bytes:\n")
    out.append("| layout | C loop (ms) | C memcpy (ms) | C loop / C memcpy rate | copyTo / C loop rate |")
    out.append("|---|---:|---:|---:|---:|")
    for layout in ("transpose", "step2", "permute201"):
        c = cref["layouts"][layout]
        ours = seconds(get(rows, "MaterializeBenchmark.copyToC", layout=layout)) * 1e3
        block = f" (block {c['block']})" if "block" in c else ""
        out.append(f"| {layout} | {c['ms']:.2f}{block} | {c['memcpy_ms']:.2f} | {c['memcpy_ms'] / c['ms']:.2f} | "
                   f"{c['ms'] / ours:.2f}× |")
    out.append("")

    out.append("### 4. Element access: summing 16 M doubles\n")
    plain = get(rows, "ElementAccessBenchmark.plainArray", elements=16777216)
    arrow = get(rows, "ElementAccessBenchmark.arrowFloat8Vector", elements=16777216)
    out.append("| loop | ms/op | / plain double[] | ≤ 1.5× | / Arrow Float8Vector.get | ≤ 1× |")
    out.append("|---|---:|---:|---|---:|---|")
    for name, label in (("plainArray", "plain `double[]`"), ("arrowFloat8Vector", "Arrow `Float8Vector.get`"),
                        ("viewNative", "view `getDouble(i)`, native memory"), ("viewHeap", "view `getDouble(i)`, `double[]`")):
        r = get(rows, "ElementAccessBenchmark." + name, elements=16777216)
        rp = r["score"] / plain["score"]
        ra = r["score"] / arrow["score"]
        ours = name.startswith("view")
        out.append(f"| {label} | {seconds(r) * 1e3:.2f} | {rp:.2f}× | {yes(rp <= 1.5) if ours else ''} | {ra:.2f}× | "
                   f"{yes(ra <= 1.0) if ours else ''} |")
    out.append("")

    out.append("### 5. Format parsing, `T{<i:a:d:b:(2,2)f:c:}`\n")
    out.append("| benchmark | parses/s | target | met |")
    out.append("|---|---:|---:|---|")
    for name, target in (("parseUncached", 2e6), ("ofFreshText", 2e6), ("ofCached", 50e6)):
        r = get(rows, "FormatParseBenchmark." + name)
        out.append(f"| `{name}` | {r['score'] / 1e6:,.2f} M{err(r) and ' ± ' + format(float(r['error']) / 1e6, '.2f') + ' M'} | "
                   f"≥ {target / 1e6:g} M | {yes(r['score'] >= target)} |")
    out.append("")

    out.append("### 6. Built-in corpus through the `java` path\n")
    r = get(rows, "CorpusBenchmark.javaPath")
    t = seconds(r)
    out.append("| time per pass (ms) | cases per pass | cases/s |")
    out.append("|---:|---:|---:|")
    out.append(f"| {t * 1e3:.1f} | {cases} | {cases / t:,.0f} |")
    print("\n".join(out))


def tables(path):
    rows = load(path)
    out = ["### 7. Table export + import, 10 columns (int64, float64), through C structs\n",
           "| rows | bufferbridge (ns/op) | Arrow Java (ns/op) | ours / Arrow | ≤ 1.25× at 1 K | alloc ours (B/op) | alloc Arrow (B/op) |",
           "|---:|---:|---:|---:|---|---:|---:|"]
    sizes = [1024, 1048576]
    for n in sizes:
        a = get(rows, "TableExportImportBenchmark.bufferbridge", rows=n)
        c = get(rows, "TableExportImportBenchmark.arrowJava", rows=n)
        ratio = a["score"] / c["score"]
        target = yes(ratio <= 1.25) if n == 1024 else "—"
        out.append(f"| {n:,} | {a['score']:,.0f}{err(a)} | {c['score']:,.0f}{err(c)} | {ratio:.3g}× | {target} | "
                   f"{a['alloc']:,.0f} | {c['alloc']:,.0f} |")
    small = get(rows, "TableExportImportBenchmark.bufferbridge", rows=1024)
    big = get(rows, "TableExportImportBenchmark.bufferbridge", rows=1048576)
    scale = big["score"] / small["score"]
    spread = abs(big["alloc"] - small["alloc"]) / small["alloc"]
    out.append("")
    out.append(f"- 1 M time / 1 K time (bufferbridge): {scale:.2f}×; allocation {small['alloc']:,.0f} / "
               f"{big['alloc']:,.0f} B/op (spread {100 * spread:.1f}%) — independent of the row count: "
               f"{yes(scale <= 2 and spread <= 0.05)}")
    out.append("")
    out.append("### 8. DuckDB: register a 10 M-row table (int64, float64), `SELECT sum(a)`, drop\n")
    a = get(rows, "DuckDbTableBenchmark.bufferbridge")
    c = get(rows, "DuckDbTableBenchmark.arrowJava")
    out.append("| bufferbridge (ms/op) | Arrow Java stream export (ms/op) | ours / Arrow |")
    out.append("|---:|---:|---:|")
    out.append(f"| {a['score']:,.1f}{err(a)} | {c['score']:,.1f}{err(c)} | {a['score'] / c['score']:.3g}× |")
    print("\n".join(out))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--tables"]:
        tables(sys.argv[2])
    else:
        main()
