"""Shared helpers for the bufferbridge tests: the repository's oracle and corpus files, and the
extension's counters (live Views, releases) to compare before and after."""
import gc
import json
import os

import pytest

from bufferbridge import _bufferbridge

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
GETBUFFER_ORACLE = os.path.join(REPO, "adapter", "src", "test", "resources", "oracle", "getbuffer.jsonl")
CORPUS = os.path.join(REPO, "conformance", "src", "main", "resources", "corpus", "builtin.jsonl")


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def c_strides(itemsize, shape):
    """C-order strides (what a copy has); an axis of length 0 counts as 1, as CPython counts it."""
    strides, sd = [], itemsize
    for n in reversed(shape):
        strides.insert(0, sd)
        sd *= max(n, 1)
    return strides


def counters():
    return _bufferbridge._counters()


@pytest.fixture
def balanced():
    """Every View made in the test is gone and every export released by the end of it."""
    if counters()["views_live"] or counters()["exports_live"]:
        gc.collect()  # what earlier tests' tracebacks kept alive
    before = counters()
    yield before
    after = counters()
    if after["views_live"] != before["views_live"] or after["exports_live"] != before["exports_live"]:
        # a caught exception's traceback keeps the test's frames (and Views) in a cycle until collected
        gc.collect()
        after = counters()
    assert after["views_live"] == before["views_live"], (before, after)
    assert after["exports_live"] == before["exports_live"], (before, after)
