/*
 * _bufferbridge: the CPython side of bufferbridge, on c/include/bufferbridge.h.
 *
 *   View     an Arrow pair (PyCapsules "arrow_schema"/"arrow_array", an object with
 *            __arrow_c_array__, or raw struct addresses) read with bb_view_import; its bf_getbuffer
 *            fills a Py_buffer with memoryview's request rules (Objects/memoryobject.c,
 *            memory_getbuf), so memoryview(View(...)) has the exporter's format, itemsize, shape,
 *            strides and read-only flag.
 *   export   any buffer-protocol object, taken with PyObject_GetBuffer(PyBUF_FULL_RO), handed out
 *            as an Arrow pair by bb_view_export; the Py_buffer is held until the consumer releases.
 *
 * Ownership: a View moves both structs in (their release is set to NULL at the source) and runs
 * each release exactly once, when the View is freed; every Py_buffer it grants holds a reference
 * to it, so that happens only after the last buffer is released.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "bufferbridge.h"

/* What the module has done so far: tests compare these before and after (_counters()). */
static Py_ssize_t views_live;
static Py_ssize_t arrow_releases;   /* pairs a View released (each: one schema, one array) */
static Py_ssize_t exports_live;     /* pairs export() made whose array the consumer has not released */
static Py_ssize_t export_releases;  /* Py_buffers held for an export and released */

/* A Python exception for a bufferbridge.h error code: the message is the header's. */
static PyObject* raise_bb(int rc, const struct bb_error* e, const char* what) {
  PyObject* type = rc == BB_ENOTSUP ? PyExc_NotImplementedError
                   : rc == BB_ENOMEM ? PyExc_MemoryError
                   : rc == BB_EOVERFLOW ? PyExc_OverflowError
                                        : PyExc_ValueError;
  PyErr_Format(type, "%s: %s", what, e->message);
  return NULL;
}

/* PyErr_Format has no %llx. */
static PyObject* null_address(const char* what, unsigned long long s, unsigned long long a) {
  char message[160];
  snprintf(message, sizeof message, "%s: a NULL struct address: schema_address=0x%llx array_address=0x%llx", what, s, a);
  PyErr_SetString(PyExc_ValueError, message);
  return NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* View                                                                                     */
/* ---------------------------------------------------------------------------------------- */

typedef struct {
  PyObject_HEAD
  struct ArrowSchema schema; /* moved in; released on dealloc (release NULL for a layout view) */
  struct ArrowArray array;
  struct bb_view view;       /* read from the pair (bb_view_import), or a layout over `base` */
  Py_ssize_t* dims;          /* the view's shape then strides as Py_ssize_t (NULL when ndim 0) */
  Py_ssize_t exports;        /* Py_buffers granted and not yet released */
  int is_layout;             /* a layout view (_layout): view.shape is its own, base holds the memory */
  int has_base;
  Py_buffer base;
  char* layout_format;       /* a layout view's own copy of its format */
} ViewObject;

static PyTypeObject ViewType;

/* A non-NULL address for an empty view (NumPy and memoryview take any pointer; none is read). */
static char empty_buffer[1];

static int copy_dims(ViewObject* self) {
  const struct bb_view* v = &self->view;
  int k;
  if (v->ndim == 0) return 0;
  self->dims = (Py_ssize_t*)PyMem_Malloc(sizeof(Py_ssize_t) * 2 * (size_t)v->ndim);
  if (self->dims == NULL) {
    PyErr_NoMemory();
    return -1;
  }
  for (k = 0; k < v->ndim; k++) {
    self->dims[k] = (Py_ssize_t)v->shape[k];
    self->dims[v->ndim + k] = (Py_ssize_t)v->strides[k];
  }
  return 0;
}

/*
 * Reads a pair as a new View, then moves both structs into it. On failure nothing is moved: the
 * caller's structs (or capsules) still own the pair.
 */
static PyObject* view_from_structs(PyTypeObject* type, struct ArrowSchema* schema, struct ArrowArray* array) {
  ViewObject* self;
  struct bb_view v;
  struct bb_error error;
  int rc;
  if (schema->release == NULL || array->release == NULL) {
    PyErr_Format(PyExc_ValueError,
                 "the Arrow pair is already released or consumed: schema.released=%s array.released=%s",
                 schema->release == NULL ? "true" : "false", array->release == NULL ? "true" : "false");
    return NULL;
  }
  rc = bb_view_import(schema, array, &v, &error);
  if (rc != 0) return raise_bb(rc, &error, "bufferbridge.View cannot read the Arrow pair");
  self = (ViewObject*)type->tp_alloc(type, 0);
  if (self == NULL) {
    bb_view_release(&v);
    return NULL;
  }
  views_live++; /* from here on dealloc counts it down */
  self->view = v;
  if (copy_dims(self) != 0) {
    bb_view_release(&self->view);
    Py_DECREF(self);
    return NULL;
  }
  /* The C data interface lets a consumer move the structs: the source is marked released. */
  self->schema = *schema;
  schema->release = NULL;
  self->array = *array;
  array->release = NULL;
  return (PyObject*)self;
}

static void* capsule_pointer(PyObject* capsule, const char* name, const char* argument) {
  void* p;
  if (!PyCapsule_CheckExact(capsule)) {
    PyErr_Format(PyExc_TypeError, "%s: expected a PyCapsule named '%s', found type=%s", argument, name,
                 Py_TYPE(capsule)->tp_name);
    return NULL;
  }
  if (!PyCapsule_IsValid(capsule, name)) {
    const char* found = PyCapsule_GetName(capsule);
    PyErr_Clear();
    PyErr_Format(PyExc_ValueError, "%s: a PyCapsule with the wrong name: expected='%s' found=%s%s%s", argument,
                 name, found == NULL ? "" : "'", found == NULL ? "NULL" : found, found == NULL ? "" : "'");
    return NULL;
  }
  p = PyCapsule_GetPointer(capsule, name);
  return p;
}

static PyObject* view_from_capsules(PyTypeObject* type, PyObject* schema_capsule, PyObject* array_capsule) {
  struct ArrowSchema* s = (struct ArrowSchema*)capsule_pointer(schema_capsule, "arrow_schema", "schema");
  struct ArrowArray* a;
  if (s == NULL) return NULL;
  a = (struct ArrowArray*)capsule_pointer(array_capsule, "arrow_array", "array");
  if (a == NULL) return NULL;
  return view_from_structs(type, s, a);
}

static PyObject* view_from_arrow_object(PyTypeObject* type, PyObject* obj) {
  PyObject *pair, *result;
  pair = PyObject_CallMethod(obj, "__arrow_c_array__", NULL);
  if (pair == NULL) return NULL;
  if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
    PyErr_Format(PyExc_TypeError, "%s.__arrow_c_array__() must return (schema capsule, array capsule), found type=%s",
                 Py_TYPE(obj)->tp_name, Py_TYPE(pair)->tp_name);
    Py_DECREF(pair);
    return NULL;
  }
  result = view_from_capsules(type, PyTuple_GET_ITEM(pair, 0), PyTuple_GET_ITEM(pair, 1));
  /* The capsules go now: their destructors free the (moved-out, released) structs. */
  Py_DECREF(pair);
  return result;
}

#ifndef ARROW_C_STREAM_INTERFACE
#define ARROW_C_STREAM_INTERFACE
struct ArrowArrayStream {
  int (*get_schema)(struct ArrowArrayStream*, struct ArrowSchema* out);
  int (*get_next)(struct ArrowArrayStream*, struct ArrowArray* out);
  const char* (*get_last_error)(struct ArrowArrayStream*);
  void (*release)(struct ArrowArrayStream*);
  void* private_data;
};
#endif

static PyObject* stream_failed(struct ArrowArrayStream* s, int rc, const char* what) {
  const char* last = s->get_last_error != NULL ? s->get_last_error(s) : NULL;
  PyErr_Format(PyExc_ValueError, "View(obj): the Arrow stream's %s failed: code=%d message=%s", what, rc,
               last != NULL ? last : "(none)");
  return NULL;
}

/* An object with __arrow_c_stream__ only (a polars Series): a stream of exactly one array, which a
   View can hold; a stream of several chunks is refused (a buffer is one block: rechunk first). */
static PyObject* view_from_arrow_stream(PyTypeObject* type, PyObject* obj) {
  PyObject *capsule, *result = NULL;
  struct ArrowArrayStream* stream;
  struct ArrowSchema schema;
  struct ArrowArray array, next;
  int rc;
  memset(&schema, 0, sizeof schema);
  memset(&array, 0, sizeof array);
  memset(&next, 0, sizeof next);
  capsule = PyObject_CallMethod(obj, "__arrow_c_stream__", NULL);
  if (capsule == NULL) return NULL;
  stream = (struct ArrowArrayStream*)capsule_pointer(capsule, "arrow_array_stream", "stream");
  if (stream == NULL) goto done;
  if (stream->release == NULL) {
    PyErr_SetString(PyExc_ValueError, "View(obj): the Arrow stream is already released");
    goto done;
  }
  if ((rc = stream->get_schema(stream, &schema)) != 0) {
    stream_failed(stream, rc, "get_schema");
    goto done;
  }
  if ((rc = stream->get_next(stream, &array)) != 0) {
    stream_failed(stream, rc, "get_next");
    goto done;
  }
  if (array.release == NULL) {
    PyErr_Format(PyExc_ValueError, "View(obj): the Arrow stream of %s has no array: chunks=0", Py_TYPE(obj)->tp_name);
    goto done;
  }
  if ((rc = stream->get_next(stream, &next)) != 0) {
    stream_failed(stream, rc, "get_next");
    goto done;
  }
  if (next.release != NULL) {
    PyErr_Format(PyExc_ValueError, "View(obj): the Arrow stream of %s has more than one array: chunks>=2 expected=1"
                 " (a buffer is one block of memory: rechunk it first)", Py_TYPE(obj)->tp_name);
    goto done;
  }
  result = view_from_structs(type, &schema, &array); /* moves both in on success */
done:
  if (next.release != NULL) next.release(&next);
  if (array.release != NULL) array.release(&array);
  if (schema.release != NULL) schema.release(&schema);
  Py_DECREF(capsule); /* its destructor releases the stream */
  return result;
}

static PyObject* View_new(PyTypeObject* type, PyObject* args, PyObject* kwargs) {
  if (kwargs != NULL && PyDict_GET_SIZE(kwargs) != 0) {
    PyErr_SetString(PyExc_TypeError, "View() takes no keyword arguments");
    return NULL;
  }
  if (PyTuple_GET_SIZE(args) == 2) {
    return view_from_capsules(type, PyTuple_GET_ITEM(args, 0), PyTuple_GET_ITEM(args, 1));
  }
  if (PyTuple_GET_SIZE(args) == 1) {
    PyObject* obj = PyTuple_GET_ITEM(args, 0);
    if (PyObject_HasAttrString(obj, "__arrow_c_array__")) return view_from_arrow_object(type, obj);
    if (PyObject_HasAttrString(obj, "__arrow_c_stream__")) return view_from_arrow_stream(type, obj);
    PyErr_Format(PyExc_TypeError, "View(obj): obj has neither __arrow_c_array__ nor __arrow_c_stream__: type=%s",
                 Py_TYPE(obj)->tp_name);
    return NULL;
  }
  PyErr_Format(PyExc_TypeError,
               "View() takes (schema_capsule, array_capsule) or one object with __arrow_c_array__ or "
               "__arrow_c_stream__: arguments=%zd",
               PyTuple_GET_SIZE(args));
  return NULL;
}

static PyObject* View_from_addresses(PyObject* cls, PyObject* args) {
  unsigned long long s, a;
  if (!PyArg_ParseTuple(args, "KK:from_addresses", &s, &a)) return NULL;
  if (s == 0 || a == 0) {
    return null_address("from_addresses", s, a);
  }
  return view_from_structs((PyTypeObject*)cls, (struct ArrowSchema*)(uintptr_t)s, (struct ArrowArray*)(uintptr_t)a);
}

/* A test hook: a View with an explicit layout over another object's memory, no Arrow in between,
   so that the request rules can be checked on every layout CPython's oracle recorded (an Arrow pair
   carries only dense or C-ordered layouts). Bounds are checked against the base's length. */
static PyObject* View_layout(PyObject* cls, PyObject* args) {
  PyObject *base, *shape_obj, *strides_obj;
  const char* format;
  Py_ssize_t itemsize, offset, ndim, k;
  int readonly;
  ViewObject* self;
  int64_t lo = 0, hi = 0, any_zero = 0;
  int64_t* dims;
  if (!PyArg_ParseTuple(args, "OsnOOnp:_layout", &base, &format, &itemsize, &shape_obj, &strides_obj, &offset,
                        &readonly))
    return NULL;
  shape_obj = PySequence_Fast(shape_obj, "shape must be a sequence");
  if (shape_obj == NULL) return NULL;
  strides_obj = PySequence_Fast(strides_obj, "strides must be a sequence");
  if (strides_obj == NULL) {
    Py_DECREF(shape_obj);
    return NULL;
  }
  ndim = PySequence_Fast_GET_SIZE(shape_obj);
  if (ndim != PySequence_Fast_GET_SIZE(strides_obj) || ndim > BB_MAX_NDIM || itemsize <= 0) {
    PyErr_Format(PyExc_ValueError, "_layout: shape and strides must have one length <= 64, itemsize > 0: "
                 "shape=%zd strides=%zd itemsize=%zd", ndim, PySequence_Fast_GET_SIZE(strides_obj), itemsize);
    Py_DECREF(shape_obj);
    Py_DECREF(strides_obj);
    return NULL;
  }
  self = (ViewObject*)((PyTypeObject*)cls)->tp_alloc((PyTypeObject*)cls, 0);
  if (self != NULL) views_live++; /* from here on dealloc counts it down */
  dims = (int64_t*)PyMem_Calloc(2 * (size_t)ndim + 1, sizeof(int64_t));
  if (self == NULL || dims == NULL) {
    Py_XDECREF(self);
    PyMem_Free(dims);
    Py_DECREF(shape_obj);
    Py_DECREF(strides_obj);
    return PyErr_NoMemory();
  }
  for (k = 0; k < ndim; k++) {
    dims[k] = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(shape_obj, k));
    dims[ndim + k] = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(strides_obj, k));
    if (dims[k] == 0) any_zero = 1;
    if (dims[k] > 0) {
      int64_t far = (dims[k] - 1) * dims[ndim + k];
      if (far < 0) lo += far; else hi += far;
    }
  }
  Py_DECREF(shape_obj);
  Py_DECREF(strides_obj);
  self->is_layout = 1;
  self->view.shape = dims;
  self->view.strides = dims + ndim;
  if (PyErr_Occurred()) goto fail;
  if (PyObject_GetBuffer(base, &self->base, readonly ? PyBUF_SIMPLE : PyBUF_WRITABLE) != 0) goto fail;
  self->has_base = 1;
  if (!any_zero && (offset + lo < 0 || offset + hi + itemsize > self->base.len)) {
    PyErr_Format(PyExc_ValueError, "_layout: the layout reaches outside the base: first=%lld end=%lld base_len=%zd",
                 (long long)(offset + lo), (long long)(offset + hi + itemsize), self->base.len);
    goto fail;
  }
  self->layout_format = (char*)PyMem_Malloc(strlen(format) + 1);
  if (self->layout_format == NULL) {
    PyErr_NoMemory();
    goto fail;
  }
  strcpy(self->layout_format, format);
  self->view.buf = (char*)self->base.buf + offset;
  self->view.format = self->layout_format;
  self->view.itemsize = itemsize;
  self->view.ndim = (int)ndim;
  self->view.readonly = readonly;
  self->view.len = itemsize;
  for (k = 0; k < ndim; k++) self->view.len *= dims[k];
  if (copy_dims(self) != 0) goto fail;
  return (PyObject*)self;
fail:
  Py_DECREF(self);
  return NULL;
}

static void View_dealloc(ViewObject* self) {
  if (self->is_layout) {
    PyMem_Free((void*)self->view.shape);
    if (self->has_base) PyBuffer_Release(&self->base);
    PyMem_Free(self->layout_format);
    memset(&self->view, 0, sizeof self->view);
  } else {
    bb_view_release(&self->view);
  }
  PyMem_Free(self->dims);
  if (self->array.release != NULL || self->schema.release != NULL) {
    if (self->array.release != NULL) self->array.release(&self->array);
    if (self->schema.release != NULL) self->schema.release(&self->schema);
    arrow_releases++;
  }
  views_live--;
  Py_TYPE(self)->tp_free((PyObject*)self);
}

static void describe_ints(char* out, size_t cap, const int64_t* v, int n) {
  size_t used = 0;
  int k;
  used += (size_t)snprintf(out, cap, "[");
  for (k = 0; k < n && used < cap; k++) used += (size_t)snprintf(out + used, cap - used, k ? ", %lld" : "%lld", (long long)v[k]);
  if (used < cap) snprintf(out + used, cap - used, "]");
}

/* memoryview's checks (memory_getbuf), in its order, with its reasons. */
static int View_getbuffer(ViewObject* self, Py_buffer* b, int flags) {
  const struct bb_view* v = &self->view;
  int c = bb_view_is_c_contiguous(v), f = bb_view_is_f_contiguous(v);
  const char* refusal = NULL;
  if ((flags & PyBUF_WRITABLE) && v->readonly) {
    refusal = "underlying buffer is not writable";
  } else if ((flags & PyBUF_C_CONTIGUOUS) == PyBUF_C_CONTIGUOUS && !c) {
    refusal = "underlying buffer is not C-contiguous";
  } else if ((flags & PyBUF_F_CONTIGUOUS) == PyBUF_F_CONTIGUOUS && !f) {
    refusal = "underlying buffer is not Fortran contiguous";
  } else if ((flags & PyBUF_ANY_CONTIGUOUS) == PyBUF_ANY_CONTIGUOUS && !(c || f)) {
    refusal = "underlying buffer is not contiguous";
  } else if ((flags & PyBUF_STRIDES) != PyBUF_STRIDES && !c) {
    refusal = "underlying buffer is not C-contiguous";
  } else if ((flags & PyBUF_ND) != PyBUF_ND && (flags & PyBUF_FORMAT)) {
    refusal = "cannot cast to unsigned bytes if the format flag is present";
  }
  if (refusal != NULL) {
    char shape[256], strides[256];
    describe_ints(shape, sizeof shape, v->shape, v->ndim);
    describe_ints(strides, sizeof strides, v->strides, v->ndim);
    PyErr_Format(PyExc_BufferError, "bufferbridge.View: %s: request=0x%x format='%s' shape=%s strides=%s readonly=%s",
                 refusal, flags, v->format, shape, strides, v->readonly ? "true" : "false");
    b->obj = NULL;
    return -1;
  }
  b->buf = v->buf != NULL ? v->buf : empty_buffer;
  b->obj = (PyObject*)self;
  Py_INCREF(self);
  b->len = (Py_ssize_t)v->len;
  b->itemsize = (Py_ssize_t)v->itemsize;
  b->readonly = v->readonly;
  /* NULL format means unsigned bytes: the request did not ask for the format. */
  b->format = (flags & PyBUF_FORMAT) ? (char*)v->format : NULL;
  if ((flags & PyBUF_ND) == PyBUF_ND) {
    b->ndim = v->ndim;
    b->shape = v->ndim > 0 ? self->dims : NULL;
  } else {
    b->ndim = 1;
    b->shape = NULL;
  }
  b->strides = (flags & PyBUF_STRIDES) == PyBUF_STRIDES && v->ndim > 0 ? self->dims + v->ndim : NULL;
  b->suboffsets = NULL;
  b->internal = NULL;
  self->exports++;
  return 0;
}

static void View_releasebuffer(ViewObject* self, Py_buffer* b) {
  (void)b;
  self->exports--;
}

static PyBufferProcs View_as_buffer = {(getbufferproc)View_getbuffer, (releasebufferproc)View_releasebuffer};

static PyObject* ints_tuple(const int64_t* v, int n) {
  PyObject* t = PyTuple_New(n);
  int k;
  if (t == NULL) return NULL;
  for (k = 0; k < n; k++) {
    PyObject* x = PyLong_FromLongLong(v[k]);
    if (x == NULL) {
      Py_DECREF(t);
      return NULL;
    }
    PyTuple_SET_ITEM(t, k, x);
  }
  return t;
}

static PyObject* View_get_format(ViewObject* self, void* c) { (void)c; return PyUnicode_FromString(self->view.format); }
static PyObject* View_get_itemsize(ViewObject* self, void* c) { (void)c; return PyLong_FromLongLong(self->view.itemsize); }
static PyObject* View_get_ndim(ViewObject* self, void* c) { (void)c; return PyLong_FromLong(self->view.ndim); }
static PyObject* View_get_nbytes(ViewObject* self, void* c) { (void)c; return PyLong_FromLongLong(self->view.len); }
static PyObject* View_get_shape(ViewObject* self, void* c) { (void)c; return ints_tuple(self->view.shape, self->view.ndim); }
static PyObject* View_get_strides(ViewObject* self, void* c) { (void)c; return ints_tuple(self->view.strides, self->view.ndim); }
static PyObject* View_get_readonly(ViewObject* self, void* c) { (void)c; return PyBool_FromLong(self->view.readonly); }
static PyObject* View_get_copied(ViewObject* self, void* c) { (void)c; return PyBool_FromLong(self->view.copied); }
static PyObject* View_get_address(ViewObject* self, void* c) {
  (void)c;
  return PyLong_FromUnsignedLongLong((unsigned long long)(uintptr_t)self->view.buf);
}
static PyObject* View_get_exports(ViewObject* self, void* c) { (void)c; return PyLong_FromSsize_t(self->exports); }

static PyGetSetDef View_getset[] = {
    {"format", (getter)View_get_format, NULL, "the PEP 3118 format string, as memoryview.format", NULL},
    {"itemsize", (getter)View_get_itemsize, NULL, "bytes per element", NULL},
    {"ndim", (getter)View_get_ndim, NULL, "number of dimensions", NULL},
    {"nbytes", (getter)View_get_nbytes, NULL, "product(shape) * itemsize", NULL},
    {"shape", (getter)View_get_shape, NULL, "the dimensions", NULL},
    {"strides", (getter)View_get_strides, NULL, "the strides in bytes", NULL},
    {"readonly", (getter)View_get_readonly, NULL, "the exporter's read-only flag", NULL},
    {"copied", (getter)View_get_copied, NULL, "whether the data is a copy (bufferbridge.copied, or a record import)", NULL},
    {"address", (getter)View_get_address, NULL, "the address of element (0, ..., 0)", NULL},
    {"exports", (getter)View_get_exports, NULL, "buffers granted and not yet released", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PyObject* View_repr(ViewObject* self) {
  char shape[256], strides[256];
  describe_ints(shape, sizeof shape, self->view.shape, self->view.ndim);
  describe_ints(strides, sizeof strides, self->view.strides, self->view.ndim);
  return PyUnicode_FromFormat("<bufferbridge.View format='%s' itemsize=%lld shape=%s strides=%s readonly=%s copied=%s>",
                              self->view.format, (long long)self->view.itemsize, shape, strides,
                              self->view.readonly ? "True" : "False", self->view.copied ? "True" : "False");
}

static PyMethodDef View_methods[] = {
    {"from_addresses", (PyCFunction)View_from_addresses, METH_VARARGS | METH_CLASS,
     "from_addresses(schema_address, array_address): a View of the pair at two struct addresses (moved in)."},
    {"_layout", (PyCFunction)View_layout, METH_VARARGS | METH_CLASS,
     "_layout(base, format, itemsize, shape, strides, offset, readonly): test hook, a View of an explicit "
     "layout over base's memory."},
    {NULL, NULL, 0, NULL}};

static PyTypeObject ViewType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "bufferbridge.View",
    .tp_basicsize = sizeof(ViewObject),
    .tp_dealloc = (destructor)View_dealloc,
    .tp_repr = (reprfunc)View_repr,
    .tp_as_buffer = &View_as_buffer,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "View(schema_capsule, array_capsule), or View(obj) of an object with __arrow_c_array__ (or "
              "__arrow_c_stream__ of one array): an Arrow pair as a "
              "buffer-protocol object. memoryview(View(...)) has the exporter's format, itemsize, shape, "
              "strides and read-only flag; the Arrow release runs once, when the View and its last buffer go.",
    .tp_methods = View_methods,
    .tp_getset = View_getset,
    .tp_new = View_new,
};

/* ---------------------------------------------------------------------------------------- */
/* export                                                                                   */
/* ---------------------------------------------------------------------------------------- */

/* What an exported pair keeps alive: the object's Py_buffer, until the consumer releases. */
struct held {
  Py_buffer buffer;
  int64_t dims[2 * BB_MAX_NDIM];
};

static void release_held(void* ctx) {
  struct held* h = (struct held*)ctx;
  PyGILState_STATE gil;
  /* A consumer that releases after the interpreter began to finalize cannot take the GIL: the
     buffer is left to the interpreter's teardown. */
#if PY_VERSION_HEX >= 0x030D0000
  if (Py_IsFinalizing()) return;
#else
  if (_Py_IsFinalizing()) return;
#endif
  /* The consumer may release from any thread (Java's, for one): take the GIL. */
  gil = PyGILState_Ensure();
  PyBuffer_Release(&h->buffer);
  exports_live--;
  export_releases++;
  PyGILState_Release(gil);
  free(h);
}

/* Whether obj is a bufferbridge View of copied data, or a memoryview of one: its export then says
   bufferbridge.copied=true, so that a relay never claims the original exporter's layout for a copy. */
static int is_copy(PyObject* obj) {
  PyObject* base = PyMemoryView_Check(obj) ? PyMemoryView_GET_BASE(obj) : obj;
  return base != NULL && Py_IS_TYPE(base, &ViewType) && ((ViewObject*)base)->view.copied;
}

/* A new pair for obj's buffer into two released structs. */
static int make_pair(PyObject* obj, struct ArrowSchema* schema, struct ArrowArray* array) {
  struct held* h = (struct held*)calloc(1, sizeof *h);
  struct bb_view v;
  struct bb_error error;
  int rc, k;
  if (h == NULL) {
    PyErr_NoMemory();
    return -1;
  }
  if (PyObject_GetBuffer(obj, &h->buffer, PyBUF_FULL_RO) != 0) {
    free(h);
    return -1;
  }
  if (h->buffer.suboffsets != NULL || h->buffer.ndim > BB_MAX_NDIM || h->buffer.ndim < 0 ||
      (h->buffer.ndim > 0 && h->buffer.shape == NULL)) {
    PyErr_Format(PyExc_BufferError, "bufferbridge.export: %s: type=%s ndim=%d",
                 h->buffer.suboffsets != NULL ? "suboffsets (PIL-style indirect buffers) cannot be exported"
                 : h->buffer.shape == NULL && h->buffer.ndim > 0 ? "the exporter gave no shape for a PyBUF_FULL_RO request"
                                                                 : "ndim is not in 0..64",
                 Py_TYPE(obj)->tp_name, h->buffer.ndim);
    PyBuffer_Release(&h->buffer);
    free(h);
    return -1;
  }
  memset(&v, 0, sizeof v);
  v.buf = h->buffer.buf;
  v.len = h->buffer.len;
  v.readonly = h->buffer.readonly;
  v.itemsize = h->buffer.itemsize;
  v.format = h->buffer.format != NULL ? h->buffer.format : "B";
  v.ndim = h->buffer.ndim;
  for (k = 0; k < v.ndim; k++) {
    h->dims[k] = h->buffer.shape[k];
    h->dims[v.ndim + k] = h->buffer.strides != NULL ? h->buffer.strides[k] : 0;
  }
  v.shape = h->dims;
  v.strides = h->buffer.strides != NULL ? h->dims + v.ndim : NULL;
  v.copied = is_copy(obj);
  exports_live++;
  /* On success release_held runs once, when the consumer releases (or now, when the export copied). */
  rc = bb_view_export(&v, release_held, h, schema, array, &error);
  if (rc != 0) {
    exports_live--;
    PyBuffer_Release(&h->buffer);
    free(h);
    raise_bb(rc, &error, "bufferbridge.export cannot export the buffer");
    return -1;
  }
  return 0;
}

static void schema_capsule_free(PyObject* capsule) {
  struct ArrowSchema* s = (struct ArrowSchema*)PyCapsule_GetPointer(capsule, "arrow_schema");
  if (s == NULL) {
    PyErr_Clear();
    return;
  }
  if (s->release != NULL) s->release(s);
  free(s);
}

static void array_capsule_free(PyObject* capsule) {
  struct ArrowArray* a = (struct ArrowArray*)PyCapsule_GetPointer(capsule, "arrow_array");
  if (a == NULL) {
    PyErr_Clear();
    return;
  }
  if (a->release != NULL) a->release(a);
  free(a);
}

typedef struct {
  PyObject_HEAD
  PyObject* obj;
  struct ArrowSchema schema; /* the pair made by export(), until handed out */
  struct ArrowArray array;
} ExportObject;

static PyTypeObject ExportType;

/* Moves the held pair out, or makes a new one when it was handed out already. */
static int take_pair(ExportObject* self, struct ArrowSchema* schema, struct ArrowArray* array) {
  if (self->array.release != NULL) {
    *schema = self->schema;
    *array = self->array;
    self->schema.release = NULL;
    self->array.release = NULL;
    return 0;
  }
  return make_pair(self->obj, schema, array);
}

static PyObject* Export_arrow_c_array(ExportObject* self, PyObject* args, PyObject* kwargs) {
  static char* keywords[] = {"requested_schema", NULL};
  PyObject* requested = Py_None;
  struct ArrowSchema* s;
  struct ArrowArray* a;
  PyObject *sc, *ac;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O:__arrow_c_array__", keywords, &requested)) return NULL;
  /* The interface lets a producer that cannot cast give its own schema: this one never casts. */
  (void)requested;
  s = (struct ArrowSchema*)calloc(1, sizeof *s);
  a = (struct ArrowArray*)calloc(1, sizeof *a);
  if (s == NULL || a == NULL) {
    free(s);
    free(a);
    return PyErr_NoMemory();
  }
  if (take_pair(self, s, a) != 0) {
    free(s);
    free(a);
    return NULL;
  }
  sc = PyCapsule_New(s, "arrow_schema", schema_capsule_free);
  if (sc == NULL) {
    s->release(s);
    free(s);
    a->release(a);
    free(a);
    return NULL;
  }
  ac = PyCapsule_New(a, "arrow_array", array_capsule_free);
  if (ac == NULL) {
    Py_DECREF(sc);
    a->release(a);
    free(a);
    return NULL;
  }
  return Py_BuildValue("(NN)", sc, ac);
}

static PyObject* Export_export_to_c(ExportObject* self, PyObject* args) {
  unsigned long long s, a;
  struct ArrowSchema* schema;
  struct ArrowArray* array;
  if (!PyArg_ParseTuple(args, "KK:export_to_c", &s, &a)) return NULL;
  if (s == 0 || a == 0) {
    return null_address("export_to_c", s, a);
  }
  schema = (struct ArrowSchema*)(uintptr_t)s;
  array = (struct ArrowArray*)(uintptr_t)a;
  if (schema->release != NULL || array->release != NULL) {
    PyErr_Format(PyExc_ValueError, "export_to_c: the target still holds a live struct: schema.released=%s array.released=%s",
                 schema->release == NULL ? "true" : "false", array->release == NULL ? "true" : "false");
    return NULL;
  }
  if (take_pair(self, schema, array) != 0) return NULL;
  Py_RETURN_NONE;
}

static void Export_dealloc(ExportObject* self) {
  if (self->array.release != NULL) self->array.release(&self->array);
  if (self->schema.release != NULL) self->schema.release(&self->schema);
  Py_XDECREF(self->obj);
  Py_TYPE(self)->tp_free((PyObject*)self);
}

static PyMethodDef Export_methods[] = {
    {"__arrow_c_array__", (PyCFunction)(void (*)(void))Export_arrow_c_array, METH_VARARGS | METH_KEYWORDS,
     "__arrow_c_array__(requested_schema=None): (schema capsule, array capsule); the first call hands out the "
     "pair export() made, later ones a new pair of the same buffer. requested_schema is not applied (no casts)."},
    {"export_to_c", (PyCFunction)Export_export_to_c, METH_VARARGS,
     "export_to_c(schema_address, array_address): the pair into two released structs at those addresses."},
    {NULL, NULL, 0, NULL}};

static PyTypeObject ExportType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "bufferbridge.Export",
    .tp_basicsize = sizeof(ExportObject),
    .tp_dealloc = (destructor)Export_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "What bufferbridge.export(obj) gives: an object with __arrow_c_array__ (the Arrow PyCapsule interface).",
    .tp_methods = Export_methods,
};

static PyObject* bb_export(PyObject* module, PyObject* obj) {
  ExportObject* self;
  (void)module;
  if (!PyObject_CheckBuffer(obj)) {
    PyErr_Format(PyExc_TypeError, "bufferbridge.export: expected an object with the buffer protocol, found type=%s",
                 Py_TYPE(obj)->tp_name);
    return NULL;
  }
  self = PyObject_New(ExportObject, &ExportType);
  if (self == NULL) return NULL;
  memset(&self->schema, 0, sizeof self->schema);
  memset(&self->array, 0, sizeof self->array);
  Py_INCREF(obj);
  self->obj = obj;
  if (make_pair(obj, &self->schema, &self->array) != 0) {
    Py_DECREF(self);
    return NULL;
  }
  return (PyObject*)self;
}

/* A test helper: PyObject_GetBuffer(obj, flags) from Python, the granted Py_buffer's fields as a
   dict (None for a NULL pointer), then PyBuffer_Release. The exporter's BufferError propagates. */
static PyObject* bb_request(PyObject* module, PyObject* args) {
  PyObject *obj, *d;
  int flags;
  Py_buffer b;
  (void)module;
  if (!PyArg_ParseTuple(args, "Oi:_request", &obj, &flags)) return NULL;
  if (PyObject_GetBuffer(obj, &b, flags) != 0) return NULL;
  d = Py_BuildValue("{s:K,s:n,s:n,s:O,s:i}", "buf", (unsigned long long)(uintptr_t)b.buf, "len", b.len, "itemsize",
                    b.itemsize, "readonly", b.readonly ? Py_True : Py_False, "ndim", b.ndim);
  if (d != NULL) {
    PyObject *format, *shape, *strides;
    int k;
    format = b.format != NULL ? PyUnicode_FromString(b.format) : Py_NewRef(Py_None);
    shape = b.shape != NULL ? PyTuple_New(b.ndim) : Py_NewRef(Py_None);
    strides = b.strides != NULL ? PyTuple_New(b.ndim) : Py_NewRef(Py_None);
    for (k = 0; k < b.ndim; k++) {
      if (b.shape != NULL && shape != NULL) PyTuple_SET_ITEM(shape, k, PyLong_FromSsize_t(b.shape[k]));
      if (b.strides != NULL && strides != NULL) PyTuple_SET_ITEM(strides, k, PyLong_FromSsize_t(b.strides[k]));
    }
    if (format == NULL || shape == NULL || strides == NULL || PyDict_SetItemString(d, "format", format) != 0 ||
        PyDict_SetItemString(d, "shape", shape) != 0 || PyDict_SetItemString(d, "strides", strides) != 0 ||
        PyDict_SetItemString(d, "suboffsets", b.suboffsets != NULL ? Py_True : Py_None) != 0) {
      Py_CLEAR(d);
    }
    Py_XDECREF(format);
    Py_XDECREF(shape);
    Py_XDECREF(strides);
  }
  PyBuffer_Release(&b);
  return d;
}

static PyObject* bb_counters(PyObject* module, PyObject* unused) {
  (void)module;
  (void)unused;
  return Py_BuildValue("{s:n,s:n,s:n,s:n}", "views_live", views_live, "arrow_releases", arrow_releases,
                       "exports_live", exports_live, "export_releases", export_releases);
}

static PyMethodDef module_methods[] = {
    {"export", (PyCFunction)bb_export, METH_O,
     "export(obj): obj's buffer (PyBUF_FULL_RO) as an Arrow pair carrying the bufferbridge.* metadata; an Export "
     "with __arrow_c_array__ and export_to_c. The buffer is held until the consumer releases the array."},
    {"_request", (PyCFunction)bb_request, METH_VARARGS,
     "_request(obj, flags): PyObject_GetBuffer(obj, flags); the Py_buffer's fields as a dict (test helper)."},
    {"_counters", (PyCFunction)bb_counters, METH_NOARGS,
     "_counters(): live Views, Arrow pairs released by Views, live exports, export releases."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module_def = {PyModuleDef_HEAD_INIT, "bufferbridge._bufferbridge",
                                        "The C extension of bufferbridge (on bufferbridge.h).", -1, module_methods,
                                        NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__bufferbridge(void) {
  PyObject* m;
  if (PyType_Ready(&ViewType) < 0 || PyType_Ready(&ExportType) < 0) return NULL;
  m = PyModule_Create(&module_def);
  if (m == NULL) return NULL;
  if (PyModule_AddObjectRef(m, "View", (PyObject*)&ViewType) < 0 ||
      PyModule_AddObjectRef(m, "Export", (PyObject*)&ExportType) < 0 ||
      PyModule_AddIntConstant(m, "PyBUF_FULL_RO", PyBUF_FULL_RO) < 0) {
    Py_DECREF(m);
    return NULL;
  }
  return m;
}
