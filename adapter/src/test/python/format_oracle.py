#!/usr/bin/env python3
"""Format-string oracle for bufferbridge.

Writes ``adapter/src/test/resources/oracle/formats.jsonl``: one JSON object per
line recording what CPython's ``struct.calcsize`` and NumPy's PEP 3118 parser
answer for each format string.  The Java tests replay that file, so every value
in it comes from the real libraries; nothing here encodes our own expectations
except the ``lenient`` marker (see ``lenient_reason``).

Run with ``python3 adapter/src/test/python/format_oracle.py`` (Python 3.11 +
NumPy 2.x).  The output is deterministic: fixed seeds, stable order, and
de-duplication that keeps the first occurrence.

Line layout::

    {"format": str, "origin": "listed"|"random-struct"|"random-numpy",
     "struct": {"itemsize": N} | {"error": msg},
     "numpy": {"itemsize", "alignment", "kind", ...} | {"error": "Type: msg"},
     "lenient": reason}            # only on some rows, see lenient_reason

``struct.error`` is recorded as its bare message; any other exception raised
by ``struct.calcsize`` (none expected) as ``"Type: msg"``.

NumPy is queried through the internal ``__dtype_from_pep3118(stream,
is_subdtype=False)`` of ``numpy._core._internal`` (``numpy.core._internal`` on
old NumPy), which returns ``(dtype, common_alignment)``.  If that function is
missing, the public-ish ``_dtype_from_pep3118`` is used and ``alignment`` is
omitted.

NumPy ``kind``:
  * ``record``   - ``dtype.names is not None``; ``fields`` lists every field in
                   ``dtype.names`` order with name, offset, itemsize (the
                   field dtype's), ``dtype`` and ``shape`` as described for
                   sub-arrays below (``shape`` [] for a plain field).
  * ``subarray`` - ``dtype.subdtype is not None``.  NumPy 2.x keeps nested
                   sub-arrays nested (``(2)3i`` is ``dtype((('<i4', (3,)),
                   (2,)))``, whose ``.base.str`` is '|V12'), so we follow the
                   ``subdtype`` chain: ``shape`` is the flattened shape outer
                   to inner ([2, 3]), ``dtype`` the element's ``.str`` ('<i4'),
                   and ``nested_shapes`` ([[2], [3]]) appears only when there
                   is more than one level.  If the element is a record,
                   ``dtype`` is null; at top level we then also give
                   ``element_itemsize`` and the element's ``fields`` (record
                   fields of record type are not expanded: ``dtype`` null).
  * ``scalar``   - anything else; ``dtype`` is ``dtype.str``.
  * ``other``    - reserved for a result that is not a ``numpy.dtype``.
"""

import json
import os
import random
import re
import struct
import sys

import numpy

try:
    import numpy._core._internal as _np_internal
except ImportError:  # NumPy < 2
    import numpy.core._internal as _np_internal

_RAW_PARSER = getattr(_np_internal, "__dtype_from_pep3118", None)
_STREAM = getattr(_np_internal, "_Stream", None)
HAVE_ALIGNMENT = _RAW_PARSER is not None and _STREAM is not None

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(
    os.path.join(HERE, "..", "resources", "oracle", "formats.jsonl"))


# --------------------------------------------------------------------------
# Oracles
# --------------------------------------------------------------------------

def struct_answer(fmt):
    try:
        return {"itemsize": struct.calcsize(fmt)}
    except struct.error as e:
        return {"error": str(e)}
    except Exception as e:  # noqa: BLE001 - record everything
        return {"error": "%s: %s" % (type(e).__name__, e)}


def _unnest(dt):
    """Follow a chain of sub-array dtypes down to its element dtype.

    NumPy 2.x does NOT flatten nested sub-arrays: ``(2)3i`` parses to
    ``dtype((('<i4', (3,)), (2,)))`` whose ``.shape`` is (2,) and whose
    ``.base`` is the sub-array ``('<i4', (3,))`` (``.str`` '|V12').  Returns
    (element dtype, flattened shape outer-to-inner, list of per-level shapes).
    """
    levels = []
    while dt.subdtype is not None:
        dt, shape = dt.subdtype
        levels.append(list(shape))
    return dt, [d for lv in levels for d in lv], levels


def describe_dtype(dt):
    if not isinstance(dt, numpy.dtype):
        return {"kind": "other", "repr": repr(dt)}
    if dt.names is not None:
        return {"kind": "record", "fields": describe_fields(dt)}
    if dt.subdtype is not None:
        elem, shape, levels = _unnest(dt)
        res = {"kind": "subarray",
               "dtype": None if elem.names is not None else elem.str,
               "shape": shape}
        if len(levels) > 1:
            res["nested_shapes"] = levels
        if elem.names is not None:
            res["element_itemsize"] = elem.itemsize
            res["fields"] = describe_fields(elem)
        return res
    return {"kind": "scalar", "dtype": dt.str}


def describe_fields(dt):
    fields = []
    for name in dt.names:
        fdt, off = dt.fields[name][:2]
        elem, shape, levels = _unnest(fdt)
        f = {"name": name,
             "offset": off,
             "itemsize": fdt.itemsize,
             "dtype": None if elem.names is not None else elem.str,
             "shape": shape}
        if len(levels) > 1:
            f["nested_shapes"] = levels
        fields.append(f)
    return fields


def numpy_answer(fmt):
    try:
        if HAVE_ALIGNMENT:
            dt, align = _RAW_PARSER(_STREAM(fmt), is_subdtype=False)
        else:
            dt, align = _np_internal._dtype_from_pep3118(fmt), None
        res = {"itemsize": dt.itemsize}
        if align is not None:
            res["alignment"] = align
        res.update(describe_dtype(dt))
        return res
    except Exception as e:  # noqa: BLE001 - record everything
        return {"error": "%s: %s" % (type(e).__name__, e)}


# --------------------------------------------------------------------------
# Leniency detection
# --------------------------------------------------------------------------

_SHAPE_OK = re.compile(r"[0-9]+(,[0-9]+)*\Z")


def lenient_reason(fmt):
    """Why the project refuses ``fmt`` although NumPy's parser may accept it.

    A single left-to-right scan:
      * ``:`` starts a field name; everything up to the next ``:`` is skipped
        (names may contain any character, including braces and parentheses);
      * ``T{`` opens a record, ``}`` closes one; a ``}`` at depth 0 closes
        nothing (NumPy silently stops parsing there);
      * ``(`` starts a sub-array shape running to the next ``)``; its contents
        must be strictly ``digits(,digits)*`` (NumPy calls ``int()``, which
        also takes spaces, ``+``, ``_``);
      * ``O`` (Python object) is refused;
      * NUL anywhere is refused.
    Returns the reasons joined by ``"; "``, or None.  Only applied to rows
    NumPy accepted and struct rejected (see ``build_row``).
    """
    reasons = []

    def add(r):
        if r not in reasons:
            reasons.append(r)

    if "\0" in fmt:
        add("NUL in format")
    depth = 0
    i, n = 0, len(fmt)
    while i < n:
        c = fmt[i]
        if c == ":":
            j = fmt.find(":", i + 1)
            i = n if j < 0 else j + 1
            continue
        if c == "T" and fmt.startswith("T{", i):
            depth += 1
            i += 2
            continue
        if c == "}":
            if depth == 0:
                add("stray '}' closes nothing")
            else:
                depth -= 1
        elif c == "(":
            j = fmt.find(")", i + 1)
            inner = fmt[i + 1:] if j < 0 else fmt[i + 1:j]
            if not _SHAPE_OK.match(inner):
                add("sub-array shape not strict comma-separated digits")
            i = n if j < 0 else j + 1
            continue
        elif c == "O":
            add("object code 'O'")
        i += 1
    if depth > 0:
        add("unterminated 'T{'")
    return "; ".join(reasons) if reasons else None


def build_row(fmt, origin):
    row = {"format": fmt, "origin": origin,
           "struct": struct_answer(fmt), "numpy": numpy_answer(fmt)}
    if "error" not in row["numpy"] and "error" in row["struct"]:
        reason = lenient_reason(fmt)
        if reason:
            row["lenient"] = reason
    return row


# --------------------------------------------------------------------------
# Format sources
# --------------------------------------------------------------------------

LISTED_CORE = [
    '', '3', '<', '0i', 'ci', '<ci', 'ic', 'c0l', '3 i', 'i i', '<>i', 'i<',
    '<n', '=N', '>P', 'i\0', '9223372036854775807x', '9223372036854775808x',
    '2305843009213693952i', '99999999999999999999i', 'T{i:a:d:b:}',
    'T{<i:a:<d:b:}', 'T{B:a:(2,3)=h:b:}', 'T{i:a:i:a:}', '&i',
]

ORDER_PREFIXES = ['', '@', '=', '<', '>', '!', '^']
SINGLE_CODES = ['x', 'c', 'b', 'B', '?', 'h', 'H', 'i', 'I', 'l', 'L', 'q',
                'Q', 'n', 'N', 'e', 'f', 'd', 'g', 's', 'p', 'P', 'w', 'Zf',
                'Zd', 'Zg', 'O', 'u', 't', '&', 'X{}', 'y']
SINGLE_COUNTS = ['', '0', '1', '3']

LISTED_WHITESPACE = [' i', 'i ', '\ti', 'i\n', '3 i', 'i\ti']

LISTED_OVERFLOW = [
    '4611686018427387904h', '1152921504606846975q', '1152921504606846976q',
    '9223372036854775806xc', '9223372036854775807xc', 'c9223372036854775800q',
    'c9223372036854775799q', 'c9223372036854775801q', 'c1152921504606846975q',
    'c1152921504606846974q', '9223372036854775807c', '9223372036854775807s',
    '9223372036854775807p', '4611686018427387903h', 'x4611686018427387903h',
]

LISTED_NUMPY = [
    'T{i:a:B:b:}', 'T{i:a:}', 'T{i}', 'xi', '2i', '(2,3)i', '(2)3i',
    'T{=h:a:T{<d:b:(2)c:c:}:n:}', 'T{i:a:^c:b:}', '^ic', 'i:a:', 'i::',
    'x:pad:i', 'T{}', 'T{i:a:}:outer:', '3T{ic}', 'T{Zd:z:?:flag:3s:name:}',
    '(2,2)Zf', '4w', '>T{i:a:h:b:}', 'T{>i:a:h:b:}', 'T{i:a:}i', 'T{i:a',
    'T{i:a:', '}', 'i}', 'T{i:a:}}', '(2,)i', '( 2, 3)i', '(0)i', '=(2)h',
    '(2,3)=h', 'O', 'T{O:a:}', 'T{i:a:t:b:}', 'Zq', 'Z', '(2', 'T{i:a:}:',
    '!T{d:x:}', '@T{c:a:d:b:}', '=T{c:a:d:b:}', 'T{c:a:@d:b:}',
    'T{c:a:=d:b:}c',
    # a few more leniency / corner probes
    'i}i', '}i', 'T{i:a:}}i', 'T{T{i:a:}:b:', '(+2)i', '(2_0)i', '(2 )i',
    '( 2)i', '(2,,3)i', '()i', '(-1)i', 'T{i:a}b:}', 'T{i:}:}', 'i:a}:',
    'i:(:', 'O:a:', 'T{i:a:}\0', 'i:a\0:', '\0', 'Ti', 'T{', 'T', '{i}',
    'xx', '3x', 'x:a:', 'c:a:x', 'ix', 'i3x', '^i', '^T{c:a:i:b:}',
    '^3h', '^Zg', '^g', '<g', '<Zg', '@g', 'g', 'Zg', '3Zd', '2s', '0s',
    '0w', '0i:a:', 'T{0i:a:}', '(0,3)i', '(2)(3)i', '3(2)i',
    'T{(2)T{h:a:c:b:}:r:}', '2T{h:a:c:b:}', 'T{h:a:c:b:}:r:i:s:',
    'i:a:i:f0:h', 'h:f1:i', 'T{c:a:}:r:d:s:', '<q:a:@c:b:', '@c:a:<q:b:',
    'T{<h:a:}:r:i:s:', 'T{c}d', 'cT{d}', 'T{cd}', 'T{c:a:}d',
]


def listed_formats():
    out = list(LISTED_CORE)
    for prefix in ORDER_PREFIXES:
        for code in SINGLE_CODES:
            for count in SINGLE_COUNTS:
                out.append(prefix + count + code)
    out += LISTED_WHITESPACE + LISTED_OVERFLOW + LISTED_NUMPY
    return out


STRUCT_PREFIXES = ['', '', '', '@', '=', '<', '>', '!']
STRUCT_VALID = 'xcbB?hHiIlLqQnNefdspP'
STRUCT_INVALID = ['y', 'Z', 'T', '{', '}', '(', ':', '^', 'w', 'g']


def random_struct_formats(n=760, seed=3118):
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        parts = [rng.choice(STRUCT_PREFIXES)]
        for k in range(rng.randint(1, 6)):
            if k and rng.random() < 0.12:
                parts.append(' ')
            r = rng.random()
            count = ''
            if r < 0.03:
                count = str(rng.randint(2 ** 31, 10 ** 20))
            elif r < 0.30:
                count = str(rng.randint(0, 20))
            if count and rng.random() < 0.08:
                count += ' '
            if rng.random() < 0.92:
                code = rng.choice(STRUCT_VALID)
            else:
                code = rng.choice(STRUCT_INVALID)
            parts.append(count + code)
        out.append(''.join(parts))
    return out


NUMPY_ORDERS = ['@', '=', '<', '>', '!', '^']
NUMPY_NATIVE_CODES = ['?', 'c', 'b', 'B', 'h', 'H', 'i', 'I', 'l', 'L', 'q',
                      'Q', 'e', 'f', 'd', 'g', 'Zf', 'Zd', 'Zg', 's', 'w', 'x']
NUMPY_STANDARD_CODES = [c for c in NUMPY_NATIVE_CODES if c not in ('g', 'Zg')]


class _NumpyGen:
    """Recursive generator of PEP 3118 strings in NumPy's dialect.

    ``self.order`` mirrors NumPy's stream state: a byte-order char persists
    for the rest of the string (across record boundaries), so codes are
    drawn from the standard-size set whenever the effective order is
    standard ('=', '<', '>', '!').
    """

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.order = '@'
        self.just_ordered = False   # an order char was just emitted

    def codes(self):
        if self.order in ('@', '^'):
            return NUMPY_NATIVE_CODES
        return NUMPY_STANDARD_CODES

    def field(self, depth, names, index):
        rng = self.rng
        s = ''
        # Right after a top-level order prefix NumPy takes the prefix as this
        # field's order, so neither a shape nor a second order may follow.
        after_prefix, self.just_ordered = self.just_ordered, False
        if rng.random() < 0.2 and not after_prefix:
            dims = [str(rng.randint(0, 4)) for _ in range(rng.randint(1, 2))]
            s += '(' + ','.join(dims) + ')'
        if rng.random() < 0.3 and not after_prefix:
            self.order = rng.choice(NUMPY_ORDERS)
            s += self.order
        if rng.random() < 0.2:
            s += str(rng.randint(0, 4))
        if depth < 3 and rng.random() < 0.18:
            s += self.record(depth + 1)
        else:
            s += rng.choice(self.codes())
        r = rng.random()
        if r < 0.08:
            pass                                   # unnamed
        elif r < 0.11 and names:
            s += ':' + rng.choice(names) + ':'     # duplicate
        else:
            name = 'f%d' % index
            names.append(name)
            s += ':' + name + ':'
        return s

    def fields(self, depth):
        names = []
        return ''.join(self.field(depth, names, i)
                       for i in range(self.rng.randint(1, 5)))

    def record(self, depth):
        return 'T{' + self.fields(depth) + '}'

    def top(self):
        rng = self.rng
        self.order = '@'
        s = ''
        if rng.random() < 0.25:
            self.order = rng.choice(NUMPY_ORDERS)
            s += self.order
        if rng.random() < 0.5:
            if rng.random() < 0.1:
                s += str(rng.randint(0, 3))
            s += self.record(1)
        else:
            self.just_ordered = bool(s)
            s += self.fields(0)
        return s


def random_numpy_formats(n=280, seed=688):
    gen = _NumpyGen(seed)
    return [gen.top() for _ in range(n)]


# --------------------------------------------------------------------------

def main():
    sources = [('listed', listed_formats()),
               ('random-struct', random_struct_formats()),
               ('random-numpy', random_numpy_formats())]
    seen = set()
    rows = []
    for origin, fmts in sources:
        for fmt in fmts:
            if fmt in seen:
                continue
            seen.add(fmt)
            rows.append(build_row(fmt, origin))

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w', encoding='ascii', newline='\n') as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=True) + '\n')

    def count(pred):
        return sum(1 for r in rows if pred(r))

    print('numpy %s, python %s, parser %s' % (
        numpy.__version__, sys.version.split()[0],
        '%s.__dtype_from_pep3118' % _np_internal.__name__ if HAVE_ALIGNMENT
        else '%s._dtype_from_pep3118' % _np_internal.__name__))
    print('wrote %d rows to %s' % (len(rows), OUT))
    for origin, _ in sources:
        print('  %-14s %d' % (origin, count(lambda r: r['origin'] == origin)))
    print('struct accepted: %d' % count(lambda r: 'error' not in r['struct']))
    print('numpy accepted:  %d' % count(lambda r: 'error' not in r['numpy']))
    print('both accepted:   %d' % count(
        lambda r: 'error' not in r['struct'] and 'error' not in r['numpy']))
    print('lenient:         %d' % count(lambda r: 'lenient' in r))


if __name__ == '__main__':
    main()
