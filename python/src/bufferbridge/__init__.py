"""bufferbridge for Python: Arrow pairs as buffer-protocol objects, and buffers as Arrow pairs.

``View(schema_capsule, array_capsule)``, ``View(obj)`` for any object with ``__arrow_c_array__``
(a pyarrow array, a polars series), or ``View.from_addresses(schema_address, array_address)``:
``memoryview(view)`` has the exporter's format, itemsize, shape, strides and read-only flag (CPython's
request rules: a writable request on a read-only view, a contiguity request on a strided view raise
``BufferError``), and ``numpy.asarray(view)`` shares its memory. On Python 3.12+ a View is a
``collections.abc.Buffer`` (PEP 688).

``export(obj)``: any buffer-protocol object as an Arrow pair carrying the ``bufferbridge.*`` field
metadata (an ``Export`` with ``__arrow_c_array__`` and ``export_to_c``), so that Java's importer
reads back the exact view; the buffer is held until the consumer releases the array.
"""
from ._bufferbridge import Export, View, export

__all__ = ["Export", "View", "export"]
