"""README "From Python": the Python side. Java, in the same process, exported a pair and hands over
the two struct addresses (an embedded CPython, JPype, Jep, GraalPy: any way of sharing the process)."""
import numpy as np

import bufferbridge


def from_java(schema_address, array_address):
    view = bufferbridge.View.from_addresses(schema_address, array_address)  # moves the pair in
    m = memoryview(view)
    layout = (m.format, m.itemsize, m.shape, m.strides, m.readonly)
    # ('T{>i:id:>d:x:}', 12, (3, 2), (12, 36), True): the Java view's, exactly
    table = np.asarray(view)  # dtype [('id', '>i4'), ('x', '>f8')], Fortran order, read-only
    zero_copy = table.ctypes.data == view.address  # True: NumPy reads the Java memory
    ids, x = table["id"].tolist(), float(table["x"][2, 1])
    # [[0, 1], [10, 11], [20, 21]], 21.5
    m.release()
    return layout, zero_copy, table.flags.writeable, ids, x
    # the Arrow release runs once, when the last of view, m and table is gone
