/*
 * bufferbridge.h: the C side of bufferbridge (docs/contract.md §6). One header, C99, nothing but the C
 * standard library, usable from C and C++.
 *
 *   struct bb_view      CPython's Py_buffer for a C consumer: buf, len, readonly, itemsize, format,
 *                       ndim, shape, strides (suboffsets always NULL), plus copied.
 *   bb_view_import      an exported ArrowSchema/ArrowArray pair read as a bb_view: the
 *                       bufferbridge.* field metadata when present, else docs/contract.md §2's canonical
 *                       mapping. The view borrows: it is valid while the array is not released.
 *   bb_view_export      a strided C buffer handed to any Arrow consumer (Java's importer reads it
 *                       back exactly), zero-copy when dense; the callback runs once on release.
 *   bb_format_parse     the PEP 3118 / struct layout reader the importer uses: both itemsize
 *                       rules, alignment, and the element tree (record fields: name, offset,
 *                       element), agreeing with the Java grammar (io.bufferbridge.format.Format).
 *
 * Every function that can fail returns 0 or an errno-style code (BB_EINVAL for invalid input,
 * BB_ENOTSUP for a valid but unsupported type, BB_ENOMEM, BB_EOVERFLOW for sizes that do not fit)
 * and writes a message into a struct bb_error naming the problem, what was expected and what was
 * found, as key=value facts: the shape nanoarrow gives its errors. Nothing reads outside the
 * buffers the structs declare. Limits of docs/contract.md §3: trees at most 64 deep and 65,536 nodes counted
 * as visited (shared children count each time).
 *
 * All functions are static inline: including the header is all it takes, in any number of
 * translation units.
 */
#ifndef BUFFERBRIDGE_H
#define BUFFERBRIDGE_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* The Arrow C data interface, as its specification asks consumers to copy it.                */
/* ------------------------------------------------------------------------------------------ */
#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

struct ArrowSchema {
  /* Array type description */
  const char* format;
  const char* name;
  const char* metadata;
  int64_t flags;
  int64_t n_children;
  struct ArrowSchema** children;
  struct ArrowSchema* dictionary;

  /* Release callback */
  void (*release)(struct ArrowSchema*);
  /* Opaque producer-specific data */
  void* private_data;
};

struct ArrowArray {
  /* Array data description */
  int64_t length;
  int64_t null_count;
  int64_t offset;
  int64_t n_buffers;
  int64_t n_children;
  const void** buffers;
  struct ArrowArray** children;
  struct ArrowArray* dictionary;

  /* Release callback */
  void (*release)(struct ArrowArray*);
  /* Opaque producer-specific data */
  void* private_data;
};

#endif /* ARROW_C_DATA_INTERFACE */

/* ------------------------------------------------------------------------------------------ */
/* Public API                                                                                 */
/* ------------------------------------------------------------------------------------------ */

#define BB_OK 0
#ifdef EINVAL
#define BB_EINVAL EINVAL
#else
#define BB_EINVAL 22
#endif
#ifdef ENOMEM
#define BB_ENOMEM ENOMEM
#else
#define BB_ENOMEM 12
#endif
#ifdef ENOTSUP
#define BB_ENOTSUP ENOTSUP
#else
#define BB_ENOTSUP 95
#endif
#ifdef EOVERFLOW
#define BB_EOVERFLOW EOVERFLOW
#else
#define BB_EOVERFLOW 75
#endif

/** docs/contract.md §1 and §3. */
#define BB_MAX_NDIM 64
#define BB_MAX_DEPTH 64
#define BB_MAX_NODES 65536

/** A refusal: what was wrong, what was expected, what was found. Always NUL-terminated. */
struct bb_error {
  char message[1024];
};

/** What an element of a format is. */
enum bb_element_kind { BB_ELEMENT_SCALAR = 1, BB_ELEMENT_SUBARRAY = 2, BB_ELEMENT_RECORD = 3 };

struct bb_field;

/**
 * The layout of one element of a format (Java: io.bufferbridge.format.Element): a scalar, a
 * sub-array of an element (never itself a sub-array: shapes are flattened as NumPy does), or a
 * record of fields.
 */
struct bb_element {
  int kind;                       /* enum bb_element_kind */
  char code[3];                   /* scalar: "i", "Zd", "s"…, NUL-terminated */
  char byte_order;                /* scalar: '<' little-endian, '>' big-endian */
  int64_t count;                  /* scalar: the length of s p w x; otherwise 1 */
  int64_t size;                   /* bytes of one element (NumPy's itemsize) */
  int64_t content_size;           /* record: struct's size, no trailing padding; otherwise size */
  int64_t alignment;              /* native alignment; 1 for standard-size or '^' elements */
  int ndim;                       /* sub-array: dimensions */
  const int64_t* shape;           /* sub-array: the dimensions, outermost first */
  const struct bb_element* item;  /* sub-array: the element repeated */
  int64_t n_fields;               /* record */
  const struct bb_field* fields;  /* record: in the order written; x padding is no field */
};

/** A field of a record: NumPy's name (f0, f1… for unnamed ones), its byte offset, its element. */
struct bb_field {
  const char* name; /* NUL-terminated */
  int named;        /* whether the format named it */
  int64_t offset;
  const struct bb_element* element;
};

/** A parsed format string (Java: io.bufferbridge.format.Format). */
struct bb_format {
  int64_t itemsize;        /* struct.calcsize: no trailing padding */
  int64_t padded_itemsize; /* NumPy's itemsize: a native record padded to its alignment */
  int64_t alignment;       /* common alignment of the native items, 1 if none */
  int struct_compatible;   /* whether CPython's struct module accepts the string */
  const struct bb_element* element;
  void* internal; /* owned memory; bb_format_release frees it */
};

/**
 * Parses `length` bytes of `text` (a PEP 3118 or struct format string). On failure the message is
 * "<problem> at <position> in format '<text>'", and *error_position (when not NULL) is the byte
 * position. The result must be released with bb_format_release.
 */
static inline int bb_format_parse(const char* text, int64_t length, struct bb_format* out,
                                  int64_t* error_position, struct bb_error* error);
static inline void bb_format_release(struct bb_format* format);
/** Whether n is a valid itemsize for the format under either rule. */
static inline int bb_format_is_itemsize(const struct bb_format* format, int64_t n);

/** CPython's Py_buffer, for a consumer of an exported pair; plus copied and the parsed element. */
struct bb_view {
  void* buf;            /* element (0,…,0) */
  int64_t len;          /* product(shape) × itemsize */
  int readonly;
  int64_t itemsize;
  const char* format;   /* NUL-terminated PEP 3118 string */
  int ndim;
  const int64_t* shape;
  const int64_t* strides; /* bytes, any sign */
  const int64_t* suboffsets; /* always NULL */
  int copied;           /* the data is a copy (by the exporter, or by this import: records) */
  const struct bb_element* element; /* the layout of one item */
  void* internal;       /* owned memory; bb_view_release frees it */
};

/**
 * Reads an exported pair as a view. Borrows: nothing is moved or released, and the view is valid
 * while the array is not released (a record is copied, and then the copy is the view's own).
 * On failure the view is zeroed and nothing is left allocated.
 */
static inline int bb_view_import(const struct ArrowSchema* schema, const struct ArrowArray* array,
                                 struct bb_view* view, struct bb_error* error);
/** Frees what bb_view_import allocated; the view is zeroed. Idempotent. */
static inline void bb_view_release(struct bb_view* view);

/**
 * Exports a view (buf, itemsize, format, ndim, shape, strides — NULL strides for C order —,
 * readonly, copied) as a pair into two released structs. A dense layout of non-record elements is
 * shared (zero-copy); any other is copied into C order. A view whose `copied` is set (imported from
 * a copied export) is passed on as a copy: bufferbridge.copied=true and C strides, shared only when
 * C-contiguous, so that a relay never claims the original exporter's layout for a copy. `release(ctx)` runs exactly once, when the
 * consumer releases the array (at once, before returning, when the export copied); on failure it
 * is not called and the structs stay released.
 */
static inline int bb_view_export(const struct bb_view* view, void (*release)(void* ctx), void* ctx,
                                 struct ArrowSchema* schema_out, struct ArrowArray* array_out,
                                 struct bb_error* error);

/** The address of the element at `index` (ndim entries, each in 0..shape-1; not checked). */
static inline void* bb_view_ptr(const struct bb_view* view, const int64_t* index);
/** Whether the elements are laid out in C (row-major) order, densely (Py_buffer rules). */
static inline int bb_view_is_c_contiguous(const struct bb_view* view);
/** Whether the elements are laid out in Fortran (column-major) order, densely. */
static inline int bb_view_is_f_contiguous(const struct bb_view* view);

/**
 * A conformance peer: a shared library that exports a function of this type under the name
 * BB_CONFORMANCE_PEER_SYMBOL, run by the conformance suite as a path of its own
 * (`bin/conformance --peer NAME=path/to/libpeer.so`). For each case the suite exports the case's
 * view into (schema, array); the peer takes both over (it releases each exactly once, now or
 * later) and writes into (schema_out, array_out), two released structs, a pair of its own that
 * carries the same view: format, itemsize, shape, read-only flag and values, and the strides when
 * zero-copy. The suite imports that pair, checks it as it checks its own paths, and releases it.
 * Returns 0, or an errno-style code with error->message set and the output structs left released;
 * on failure the peer still releases what it took over. Any implementation of the Arrow C data
 * interface (C, C++, Rust) can check itself this way; c/examples/echo_peer.c is one on this header.
 */
typedef int (*bb_conformance_peer_fn)(struct ArrowSchema* schema, struct ArrowArray* array,
                                      struct ArrowSchema* schema_out, struct ArrowArray* array_out,
                                      struct bb_error* error);
#define BB_CONFORMANCE_PEER_SYMBOL "bb_conformance_peer"

/* ------------------------------------------------------------------------------------------ */
/* Implementation. Names starting with bb__ are internal.                                     */
/* ------------------------------------------------------------------------------------------ */

#if defined(__GNUC__) || defined(__clang__)
#define BB__PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define BB__PRINTF(a, b)
#endif

static inline BB__PRINTF(3, 4) int bb__fail(struct bb_error* e, int code, const char* fmt, ...);

#include <stdarg.h>

static inline int bb__fail(struct bb_error* e, int code, const char* fmt, ...) {
  if (e != NULL) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
  }
  return code;
}

/* Overflow-checked arithmetic on int64_t: 1 when the result fits. */
static inline int bb__add(int64_t a, int64_t b, int64_t* out) {
#if defined(__GNUC__) || defined(__clang__)
  return !__builtin_add_overflow(a, b, out);
#endif
  if ((b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b)) return 0;
  *out = a + b;
  return 1;
}

static inline int bb__mul(int64_t a, int64_t b, int64_t* out) {
#if defined(__GNUC__) || defined(__clang__)
  return !__builtin_mul_overflow(a, b, out);
#endif
  if (a == 0 || b == 0) {
    *out = 0;
    return 1;
  }
  if (a > 0) {
    if (b > 0 ? a > INT64_MAX / b : b < INT64_MIN / a) return 0;
  } else {
    if (b > 0 ? a < INT64_MIN / b : (a == INT64_MIN || b == INT64_MIN || -a > INT64_MAX / -b)) return 0;
  }
  *out = a * b;
  return 1;
}

/* Python's (-offset) % align, for offset >= 0 and align >= 1. */
static inline int64_t bb__padding(int64_t offset, int64_t align) {
  int64_t r = offset % align;
  return r == 0 ? 0 : align - r;
}

static inline int bb__align_up(int64_t offset, int64_t align, int64_t* out) {
  return bb__add(offset, bb__padding(offset, align), out);
}

static inline int bb__lcm(int64_t a, int64_t b, int64_t* out) {
  int64_t x = a, y = b;
  while (y != 0) {
    int64_t t = x % y;
    x = y;
    y = t;
  }
  return bb__mul(a / x, b, out);
}

/* A bump allocator in malloc'd chunks, freed at once: the parse and the view share one. */
struct bb__chunk {
  struct bb__chunk* next;
  size_t used;
  size_t cap;
};

struct bb__arena {
  struct bb__chunk* head;
};

#define BB__CHUNK_HEADER ((sizeof(struct bb__chunk) + 15) & ~(size_t)15)

static inline void* bb__alloc(struct bb__arena* a, size_t n) {
  size_t need = (n + 15) & ~(size_t)15;
  struct bb__chunk* c = a->head;
  if (n > SIZE_MAX / 2) return NULL;
  if (c == NULL || c->cap - c->used < need) {
    size_t cap = c == NULL ? 1024 : c->cap * 2;
    if (cap < need) cap = need;
    c = (struct bb__chunk*)malloc(BB__CHUNK_HEADER + cap);
    if (c == NULL) return NULL;
    c->next = a->head;
    c->used = 0;
    c->cap = cap;
    a->head = c;
  }
  {
    void* p = (char*)c + BB__CHUNK_HEADER + c->used;
    c->used += need;
    return p;
  }
}

static inline void bb__arena_free(struct bb__arena* a) {
  struct bb__chunk* c = a->head;
  while (c != NULL) {
    struct bb__chunk* next = c->next;
    free(c);
    c = next;
  }
  a->head = NULL;
}

/* Growable text in an arena, for messages and generated formats. */
struct bb__text {
  char* p;
  int64_t len;
  int64_t cap;
  int failed;
};

static inline void bb__text_put(struct bb__arena* a, struct bb__text* t, const char* s, int64_t n) {
  if (t->failed) return;
  if (t->len + n + 1 > t->cap) {
    int64_t cap = t->cap < 64 ? 64 : t->cap;
    char* p;
    while (cap < t->len + n + 1) cap *= 2;
    p = (char*)bb__alloc(a, (size_t)cap);
    if (p == NULL) {
      t->failed = 1;
      return;
    }
    if (t->len > 0) memcpy(p, t->p, (size_t)t->len);
    t->p = p;
    t->cap = cap;
  }
  memcpy(t->p + t->len, s, (size_t)n);
  t->len += n;
  t->p[t->len] = '\0';
}

static inline void bb__text_str(struct bb__arena* a, struct bb__text* t, const char* s) {
  bb__text_put(a, t, s, (int64_t)strlen(s));
}

static inline void bb__text_int(struct bb__arena* a, struct bb__text* t, int64_t v) {
  char b[32];
  int n = snprintf(b, sizeof b, "%lld", (long long)v);
  bb__text_put(a, t, b, n);
}

/* "[1, 2, 3]", as Java's Arrays.toString, cut after `max` entries. */
static inline void bb__ints_text(char* out, size_t cap, const int64_t* v, int n) {
  size_t at = 0;
  int i;
  out[0] = '\0';
  for (i = 0; i < n && at + 32 < cap; i++) {
    at += (size_t)snprintf(out + at, cap - at, "%s%lld", i == 0 ? "" : ", ", (long long)v[i]);
  }
  if (i < n && at + 5 < cap) at += (size_t)snprintf(out + at, cap - at, ", …");
  snprintf(out + at, cap - at, "]");
  memmove(out + 1, out, strlen(out) + 1);
  out[0] = '[';
}

/* ------------------------------------------------------------------------------------------ */
/* Format strings: CPython's struct grammar and NumPy's PEP 3118 grammar (strict), as in       */
/* io.bufferbridge.internal.format (FormatParser, StructGrammar, NumpyGrammar).                */
/* ------------------------------------------------------------------------------------------ */

/* One code: native size, native alignment, standard size (0: native only), counted. */
struct bb__code {
  char code[3];
  int native_size;
  int native_align;
  int standard_size;
  int counted;
};

static inline const struct bb__code* bb__code_of(char c, char z) {
  static const struct bb__code codes[] = {
      {"x", 1, 1, 1, 1},  {"c", 1, 1, 1, 0},   {"b", 1, 1, 1, 0},   {"B", 1, 1, 1, 0},
      {"?", 1, 1, 1, 0},  {"h", 2, 2, 2, 0},   {"H", 2, 2, 2, 0},   {"i", 4, 4, 4, 0},
      {"I", 4, 4, 4, 0},  {"l", 8, 8, 4, 0},   {"L", 8, 8, 4, 0},   {"q", 8, 8, 8, 0},
      {"Q", 8, 8, 8, 0},  {"n", 8, 8, 0, 0},   {"N", 8, 8, 0, 0},   {"e", 2, 2, 2, 0},
      {"f", 4, 4, 4, 0},  {"d", 8, 8, 8, 0},   {"g", 16, 16, 0, 0}, {"s", 1, 1, 1, 1},
      {"p", 1, 1, 1, 1},  {"P", 8, 8, 0, 0},   {"w", 4, 4, 4, 1},   {"Zf", 8, 4, 8, 0},
      {"Zd", 16, 8, 16, 0}, {"Zg", 32, 16, 0, 0}};
  static const char order[] = "xcbB?hHiIlLqQnNefdgspPw"; /* codes[k].code for k < 23 */
  const char* at;
  if (c == 'Z') return z == 'f' ? &codes[23] : z == 'd' ? &codes[24] : z == 'g' ? &codes[25] : NULL;
  if (z != '\0' || c == '\0' || (at = strchr(order, c)) == NULL) return NULL;
  return &codes[at - order];
}

struct bb__parser {
  const char* s;
  int64_t n;
  int64_t i;
  char mode; /* NumPy's order state: @ = < > ^ ('!' stored as '>') */
  int depth;
  struct bb__arena* arena;
  int64_t err_pos;
  char err[400];
};

static inline int bb__is_digit(char c) { return c >= '0' && c <= '9'; }

static inline int bb__is_pyspace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

static inline BB__PRINTF(3, 4) int bb__perr(struct bb__parser* p, int64_t pos, const char* fmt, ...);

static inline int bb__perr(struct bb__parser* p, int64_t pos, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(p->err, sizeof p->err, fmt, ap);
  va_end(ap);
  p->err_pos = pos;
  return -1;
}

/* Java's FormatParser.describe: 'c', NUL, or '\xNN' for control (and here non-ASCII) bytes. */
static inline void bb__describe(char c, char* out, size_t cap) {
  unsigned char u = (unsigned char)c;
  if (u == 0) {
    snprintf(out, cap, "NUL");
  } else if (u < 0x20 || u >= 0x7f) {
    snprintf(out, cap, "'\\x%02x'", u);
  } else {
    snprintf(out, cap, "'%c'", c);
  }
}

static inline struct bb_element* bb__new_element(struct bb__parser* p) {
  struct bb_element* e = (struct bb_element*)bb__alloc(p->arena, sizeof *e);
  if (e != NULL) memset(e, 0, sizeof *e);
  return e;
}

static inline struct bb_element* bb__scalar(struct bb__parser* p, const struct bb__code* k,
                                            int64_t count, int64_t size, int64_t align, char order) {
  struct bb_element* e = bb__new_element(p);
  if (e == NULL) return NULL;
  e->kind = BB_ELEMENT_SCALAR;
  memcpy(e->code, k->code, 3);
  e->byte_order = order;
  e->count = count;
  e->size = size;
  e->content_size = size;
  e->alignment = align;
  return e;
}

/* A sub-array of `value` (flattening a sub-array value: the new dimensions go first). */
static inline struct bb_element* bb__subarray(struct bb__parser* p, struct bb_element* value,
                                              int64_t value_size, const int64_t* dims, int nd,
                                              int* overflow) {
  int64_t prod = 1, size;
  int inner = value->kind == BB_ELEMENT_SUBARRAY ? value->ndim : 0, k;
  struct bb_element* e;
  int64_t* shape;
  *overflow = 0;
  for (k = 0; k < nd; k++) {
    if (!bb__mul(prod, dims[k], &prod)) {
      *overflow = 1;
      return NULL;
    }
  }
  if (!bb__mul(prod, value_size, &size)) {
    *overflow = 1;
    return NULL;
  }
  e = bb__new_element(p);
  shape = (int64_t*)bb__alloc(p->arena, sizeof(int64_t) * (size_t)(nd + inner));
  if (e == NULL || shape == NULL) return NULL;
  memcpy(shape, dims, sizeof(int64_t) * (size_t)nd);
  if (inner > 0) memcpy(shape + nd, value->shape, sizeof(int64_t) * (size_t)inner);
  e->kind = BB_ELEMENT_SUBARRAY;
  e->ndim = nd + inner;
  e->shape = shape;
  e->item = value->kind == BB_ELEMENT_SUBARRAY ? value->item : value;
  e->size = size;
  e->content_size = size;
  e->alignment = e->item->alignment;
  e->count = 1;
  return e;
}

/* Fields while a body is parsed; names are spans of the format (or generated fN). */
struct bb__fields {
  struct bb_field* v;
  int64_t n;
  int64_t cap;
  /* Hash of named fields (index + 1 per slot) once there are many, for duplicates. */
  int64_t* hash;
  int64_t hash_cap;
};

static inline uint64_t bb__hash(const char* s, size_t n) {
  uint64_t h = 1469598103934665603u;
  size_t k;
  for (k = 0; k < n; k++) h = (h ^ (unsigned char)s[k]) * 1099511628211u;
  return h;
}

/* Adds `name` to the hash of f (if any); 0 when a field already has that name. */
static inline int bb__hash_insert(struct bb__fields* f, const char* name, int64_t index) {
  size_t n = strlen(name);
  uint64_t h = bb__hash(name, n) & (uint64_t)(f->hash_cap - 1);
  while (f->hash[h] != 0) {
    if (strcmp(f->v[f->hash[h] - 1].name, name) == 0) return 0;
    h = (h + 1) & (uint64_t)(f->hash_cap - 1);
  }
  f->hash[h] = index + 1;
  return 1;
}

static inline int bb__hash_contains(const struct bb__fields* f, const char* name) {
  size_t n = strlen(name);
  uint64_t h = bb__hash(name, n) & (uint64_t)(f->hash_cap - 1);
  while (f->hash[h] != 0) {
    if (strcmp(f->v[f->hash[h] - 1].name, name) == 0) return 1;
    h = (h + 1) & (uint64_t)(f->hash_cap - 1);
  }
  return 0;
}

/* (Re)builds the hash of the named fields with room for twice the fields. */
static inline int bb__hash_build(struct bb__arena* a, struct bb__fields* f) {
  int64_t cap = 64, k;
  while (cap < 2 * (f->n + 1)) cap *= 2;
  f->hash = (int64_t*)bb__alloc(a, sizeof(int64_t) * (size_t)cap);
  if (f->hash == NULL) return 0;
  memset(f->hash, 0, sizeof(int64_t) * (size_t)cap);
  f->hash_cap = cap;
  for (k = 0; k < f->n; k++) {
    if (f->v[k].named) bb__hash_insert(f, f->v[k].name, k);
  }
  return 1;
}

static inline int bb__fields_add(struct bb__arena* a, struct bb__fields* f, struct bb_field field) {
  if (f->n == f->cap) {
    int64_t cap = f->cap == 0 ? 4 : f->cap * 2;
    struct bb_field* v = (struct bb_field*)bb__alloc(a, sizeof(struct bb_field) * (size_t)cap);
    if (v == NULL) return 0;
    if (f->n > 0) memcpy(v, f->v, sizeof(struct bb_field) * (size_t)f->n);
    f->v = v;
    f->cap = cap;
  }
  f->v[f->n++] = field;
  return 1;
}

/* Whether a named field called `name` exists: a scan while few, a hash once there are 16. */
static inline int bb__fields_has_name(struct bb__arena* a, struct bb__fields* f, const char* name,
                                      int* oom) {
  int64_t k;
  *oom = 0;
  if (f->hash == NULL && f->n >= 16 && !bb__hash_build(a, f)) {
    *oom = 1;
    return 0;
  }
  if (f->hash != NULL) {
    if (2 * (f->n + 1) > f->hash_cap && !bb__hash_build(a, f)) {
      *oom = 1;
      return 0;
    }
    return bb__hash_contains(f, name);
  }
  for (k = 0; k < f->n; k++) {
    if (f->v[k].named && strcmp(f->v[k].name, name) == 0) return 1;
  }
  return 0;
}

static inline char* bb__strndup(struct bb__arena* a, const char* s, int64_t n) {
  char* p = (char*)bb__alloc(a, (size_t)n + 1);
  if (p == NULL) return NULL;
  if (n > 0) memcpy(p, s, (size_t)n);
  p[n] = '\0';
  return p;
}

/* NumPy's _fix_names: each unnamed field gets the first fN no field has. */
static inline int bb__fix_names(struct bb__arena* a, struct bb__fields* f) {
  int64_t j = 0, k;
  struct bb__fields names;
  memset(&names, 0, sizeof names);
  names.v = f->v;
  names.n = f->n;
  if (!bb__hash_build(a, &names)) return 0;
  for (k = 0; k < f->n; k++) {
    char b[32];
    if (f->v[k].named) continue;
    /* The set only grows, so the first free fN never lies below the previous one. */
    for (;; j++) {
      snprintf(b, sizeof b, "f%lld", (long long)j);
      if (!bb__hash_contains(&names, b)) break;
    }
    f->v[k].name = bb__strndup(a, b, (int64_t)strlen(b));
    if (f->v[k].name == NULL) return 0;
    f->v[k].named = 2; /* hashed as a name from now on; reset to 0 below */
    if (2 * (names.n + 1) > names.hash_cap && !bb__hash_build(a, &names)) return 0;
    bb__hash_insert(&names, f->v[k].name, k);
  }
  for (k = 0; k < f->n; k++) {
    if (f->v[k].named == 2) f->v[k].named = 0;
  }
  return 1;
}

static inline struct bb_element* bb__record(struct bb__parser* p, struct bb__fields* f,
                                            int64_t size, int64_t content, int64_t align) {
  struct bb_element* e = bb__new_element(p);
  if (e == NULL) return NULL;
  e->kind = BB_ELEMENT_RECORD;
  e->n_fields = f->n;
  e->fields = f->v;
  e->size = size;
  e->content_size = content;
  e->alignment = align;
  e->count = 1;
  return e;
}

#define BB__OOM(p) bb__perr((p), (p)->i, "out of memory")

/* struct's grammar (prepare_s in Modules/_struct.c); items become fields as NumPy reads them. */
static inline int bb__parse_struct(struct bb__parser* p, struct bb_format* out) {
  const char* s = p->s;
  char mode = '@', order;
  int native;
  int64_t size = 0, common = 1, padded;
  struct bb__fields f;
  memset(&f, 0, sizeof f);
  p->i = 0;
  if (p->n > 0 && strchr("@=<>!", s[0]) != NULL && s[0] != '\0') {
    mode = s[0];
    p->i = 1;
  }
  native = mode == '@';
  order = (mode == '>' || mode == '!') ? '>' : '<';
  while (p->i < p->n) {
    char c = s[p->i];
    int64_t item_start = p->i, num = 1, code_pos, unit, align, bytes, offset;
    const struct bb__code* k;
    struct bb_element* value;
    struct bb_field field;
    if (bb__is_pyspace(c)) {
      p->i++;
      continue;
    }
    if (bb__is_digit(c)) {
      num = 0;
      while (p->i < p->n && bb__is_digit(s[p->i])) {
        int d = s[p->i] - '0';
        if (num > (INT64_MAX - d) / 10) return bb__perr(p, item_start, "size overflows");
        num = num * 10 + d;
        p->i++;
      }
      if (p->i == p->n) return bb__perr(p, item_start, "repeat count without a format character");
      c = s[p->i];
    }
    code_pos = p->i;
    if (c == '\0' || strchr("xcbB?hHiIlLqQnNefdspP", c) == NULL) {
      char d[16];
      if (bb__is_pyspace(c))
        return bb__perr(p, code_pos, "whitespace between a repeat count and its format character");
      bb__describe(c, d, sizeof d);
      return bb__perr(p, code_pos, "unknown format character %s", d);
    }
    if (!native && strchr("nNP", c) != NULL)
      return bb__perr(p, code_pos,
                      "format character '%c' needs native mode ('@' or no prefix), found prefix '%c'", c,
                      mode);
    p->i++;
    k = bb__code_of(c, '\0');
    unit = native ? k->native_size : k->standard_size;
    align = native ? k->native_align : 1;
    if (!bb__align_up(size, align, &size) || !bb__mul(num, unit, &bytes))
      return bb__perr(p, item_start, "size overflows");
    offset = size;
    if (!bb__add(size, bytes, &size)) return bb__perr(p, item_start, "size overflows");
    if (native && !bb__lcm(common, align, &common)) return bb__perr(p, item_start, "size overflows");
    if (k->counted) {
      if (c == 'x') continue;
      value = bb__scalar(p, k, num, bytes, 1, order);
      if (value == NULL) return BB__OOM(p);
    } else {
      value = bb__scalar(p, k, 1, unit, align, order);
      if (value == NULL) return BB__OOM(p);
      if (num != 1) {
        int overflow;
        value = bb__subarray(p, value, unit, &num, 1, &overflow);
        if (value == NULL) return overflow ? bb__perr(p, item_start, "size overflows") : BB__OOM(p);
      }
    }
    field.name = NULL;
    field.named = 0;
    field.offset = offset;
    field.element = value;
    if (!bb__fields_add(p->arena, &f, field)) return BB__OOM(p);
  }
  if (native) {
    if (!bb__align_up(size, common, &padded))
      return bb__perr(p, p->n, "size overflows when padded to the alignment %lld", (long long)common);
  } else {
    padded = size;
  }
  out->itemsize = size;
  out->padded_itemsize = padded;
  out->alignment = common;
  out->struct_compatible = 1;
  if (f.n == 1 && f.v[0].offset == 0 && f.v[0].element->size == padded) {
    out->element = f.v[0].element;
  } else {
    int64_t k;
    for (k = 0; k < f.n; k++) {
      char b[32];
      snprintf(b, sizeof b, "f%lld", (long long)k);
      f.v[k].name = bb__strndup(p->arena, b, (int64_t)strlen(b));
      if (f.v[k].name == NULL) return BB__OOM(p);
    }
    out->element = bb__record(p, &f, padded, size, common);
    if (out->element == NULL) return BB__OOM(p);
  }
  return 0;
}

struct bb__body {
  struct bb__fields fields;
  int64_t size;
  int64_t content;
  int64_t align;
};

static inline int bb__numpy_body(struct bb__parser* p, int64_t open_pos, struct bb__body* out);

/* A sub-array shape "(d0,d1,…)": decimal dimensions that fit a C int. */
static inline int bb__numpy_shape(struct bb__parser* p, int64_t** dims, int* nd) {
  int64_t open = p->i, cap = 4;
  const char* s = p->s;
  *nd = 0;
  *dims = (int64_t*)bb__alloc(p->arena, sizeof(int64_t) * (size_t)cap);
  if (*dims == NULL) return BB__OOM(p);
  p->i++;
  for (;;) {
    int64_t start = p->i, d = 0;
    char found[16];
    while (p->i < p->n && bb__is_digit(s[p->i])) {
      int v = s[p->i] - '0';
      if (d > (INT64_MAX - v) / 10) return bb__perr(p, start, "size overflows");
      d = d * 10 + v;
      p->i++;
    }
    if (p->i < p->n) bb__describe(s[p->i], found, sizeof found);
    else snprintf(found, sizeof found, "the end");
    if (p->i == start)
      return bb__perr(p, p->i, "sub-array shape started at %lld expects a decimal dimension, found %s",
                      (long long)open, found);
    if (d > 2147483647)
      return bb__perr(p, start, "dimension %lld does not fit into a C int (NumPy's limit)",
                      (long long)d);
    if (*nd == cap) {
      int64_t* grown = (int64_t*)bb__alloc(p->arena, sizeof(int64_t) * (size_t)cap * 2);
      if (grown == NULL) return BB__OOM(p);
      memcpy(grown, *dims, sizeof(int64_t) * (size_t)cap);
      *dims = grown;
      cap *= 2;
    }
    (*dims)[(*nd)++] = d;
    if (*nd > 1000000) return bb__perr(p, start, "sub-array shape has too many dimensions");
    if (p->i < p->n && s[p->i] == ',') {
      p->i++;
    } else if (p->i < p->n && s[p->i] == ')') {
      p->i++;
      return 0;
    } else {
      if (p->i < p->n) bb__describe(s[p->i], found, sizeof found);
      else snprintf(found, sizeof found, "the end");
      return bb__perr(p, p->i, "sub-array shape started at %lld expects ',' or ')', found %s",
                      (long long)open, found);
    }
  }
}

static inline const char* bb__unsupported_name(char c) {
  switch (c) {
    case 'u': return "UCS-2 text";
    case '&': return "pointer";
    case 't': return "bit field";
    case 'X': return "function pointer";
    default: return "Python object";
  }
}

/* One item of a NumPy body: [(shape)] [order] [count] (code | T{…}) [:name:]. */
static inline int bb__numpy_item(struct bb__parser* p, struct bb__fields* f, int64_t* offset,
                                 int64_t* common, int* unnamed) {
  const char* s = p->s;
  int64_t item_start = p->i, count = 1, count_pos, value_size, align, extra = 0;
  int64_t* shape = NULL;
  int nd = 0, has_count = 0, padding = 0, native_sizes, overflow;
  struct bb_element* value;
  const char* name = NULL;
  int64_t name_len = 0;
  if (s[p->i] == '(' && bb__numpy_shape(p, &shape, &nd) != 0) return -1;
  if (p->i < p->n && s[p->i] != '\0' && strchr("@=<>^!", s[p->i]) != NULL) {
    p->mode = s[p->i] == '!' ? '>' : s[p->i];
    p->i++;
  }
  count_pos = p->i;
  while (p->i < p->n && bb__is_digit(s[p->i])) {
    int d = s[p->i] - '0';
    if (has_count) {
      if (count > (INT64_MAX - d) / 10) return bb__perr(p, count_pos, "size overflows");
      count = count * 10 + d;
    } else {
      count = d;
    }
    has_count = 1;
    p->i++;
  }
  if (p->i >= p->n)
    return bb__perr(p, has_count ? count_pos : p->i,
                    has_count ? "repeat count without a format character"
                              : "format ends where a format character was expected");
  native_sizes = p->mode == '@' || p->mode == '^';
  if (s[p->i] == 'T' && p->i + 1 < p->n && s[p->i + 1] == '{') {
    struct bb__body inner;
    int64_t open = p->i;
    if (p->depth >= BB_MAX_DEPTH)
      return bb__perr(p, open, "records nested deeper than %d", BB_MAX_DEPTH);
    p->i += 2;
    p->depth++;
    if (bb__numpy_body(p, open, &inner) != 0) return -1;
    p->depth--;
    value = bb__record(p, &inner.fields, inner.size, inner.content, inner.align);
    if (value == NULL) return BB__OOM(p);
    value_size = inner.size;
    align = inner.align;
  } else {
    int64_t code_pos = p->i, unit;
    char c = s[p->i], order;
    const struct bb__code* k;
    if (c == 'Z') {
      char t;
      if (p->i + 1 >= p->n) return bb__perr(p, code_pos, "complex code 'Z' without its type character");
      t = s[p->i + 1];
      p->i += 2;
      if (!(t == 'f' || t == 'd' || (t == 'g' && native_sizes))) {
        char d[16];
        if ((unsigned char)t >= 0x20 && (unsigned char)t < 0x7f) snprintf(d, sizeof d, "%c", t);
        else snprintf(d, sizeof d, "\\x%02x", (unsigned char)t);
        return bb__perr(p, code_pos, "unknown complex code 'Z%s'%s (expected Zf, Zd or native Zg)", d,
                        t == 'g' ? " in standard mode" : "");
      }
      k = bb__code_of('Z', t);
    } else {
      const char* codes = native_sizes ? "?cbBhHiIlLqQefdgswx" : "?cbBhHiIlLqQefdswx";
      if (c == '\0' || strchr(codes, c) == NULL) {
        char d[16];
        if (c != '\0' && strchr("u&tXO", c) != NULL)
          return bb__perr(p, code_pos, "format character '%c' (%s) is not supported", c,
                          bb__unsupported_name(c));
        if (c == 'g')
          return bb__perr(p, code_pos, "format character 'g' needs native mode ('@' or '^'), found '%c'",
                          p->mode);
        bb__describe(c, d, sizeof d);
        return bb__perr(p, code_pos, "unknown format character %s", d);
      }
      k = bb__code_of(c, '\0');
      p->i++;
    }
    padding = k->code[0] == 'x';
    order = p->mode == '>' ? '>' : '<';
    unit = native_sizes ? k->native_size : k->standard_size;
    if (count > 2147483647)
      return bb__perr(p, count_pos, "count %lld does not fit into a C int (NumPy's limit)",
                      (long long)count);
    if (k->counted) {
      /* NumPy folds the count of S, U and V into the dtype: 3s is S3, not (S1,(3,)). */
      if (!bb__mul(count, unit, &value_size)) return bb__perr(p, item_start, "size overflows");
      value = bb__scalar(p, k, count, value_size, p->mode == '@' ? k->native_align : 1, order);
      count = 1;
    } else {
      value_size = unit;
      value = bb__scalar(p, k, 1, unit, p->mode == '@' ? k->native_align : 1, order);
    }
    if (value == NULL) return BB__OOM(p);
    align = k->native_align;
  }
  if (count > 2147483647)
    return bb__perr(p, count_pos, "count %lld does not fit into a C int (NumPy's limit)", (long long)count);
  if (shape != NULL && (count == 0 || value_size == 0) && !(count == 1 && value->kind == BB_ELEMENT_RECORD))
    return bb__perr(p, item_start, "sub-array shape applied to an element of size 0 (NumPy refuses it)");
  if (p->mode == '@') {
    int64_t intra;
    if (!bb__align_up(*offset, align, offset)) return bb__perr(p, item_start, "size overflows");
    intra = bb__padding(value_size, align);
    if (intra != 0) {
      int64_t prod = 1;
      int k;
      for (k = 0; k < nd; k++) {
        if (!bb__mul(prod, shape[k], &prod)) return bb__perr(p, item_start, "size overflows");
      }
      if (count > 1 || (shape != NULL && prod > 1)) {
        /* NumPy's _add_trailing_padding: the element grows, its fields stay where they are. */
        int64_t grown;
        struct bb_element* e;
        if (!bb__add(value_size, intra, &grown)) return bb__perr(p, item_start, "size overflows");
        if (value->kind == BB_ELEMENT_RECORD) {
          e = bb__new_element(p);
          if (e == NULL) return BB__OOM(p);
          *e = *value;
          e->size = grown;
        } else {
          struct bb__fields one;
          struct bb_field only;
          memset(&one, 0, sizeof one);
          only.name = "f0";
          only.named = 0;
          only.offset = 0;
          only.element = value;
          if (!bb__fields_add(p->arena, &one, only)) return BB__OOM(p);
          e = bb__record(p, &one, grown, value_size, value->alignment);
          if (e == NULL) return BB__OOM(p);
        }
        value = e;
        value_size = grown;
      } else {
        extra = intra;
      }
    }
    if (!bb__lcm(*common, align, common)) return bb__perr(p, item_start, "size overflows");
  }
  if (count != 1) {
    value = bb__subarray(p, value, value_size, &count, 1, &overflow);
    if (value == NULL) return overflow ? bb__perr(p, item_start, "size overflows") : BB__OOM(p);
    value_size = value->size;
  }
  if (shape != NULL) {
    value = bb__subarray(p, value, value_size, shape, nd, &overflow);
    if (value == NULL) return overflow ? bb__perr(p, item_start, "size overflows") : BB__OOM(p);
    value_size = value->size;
  }
  if (p->i < p->n && s[p->i] == ':') {
    const char* close = (const char*)memchr(s + p->i + 1, ':', (size_t)(p->n - p->i - 1));
    if (close == NULL) return bb__perr(p, p->i, "unterminated field name started");
    name = s + p->i + 1;
    name_len = close - name;
    p->i = (close - s) + 1;
  }
  if (!(padding && name == NULL)) {
    struct bb_field field;
    field.named = name != NULL;
    field.offset = *offset;
    field.element = value;
    field.name = name != NULL ? bb__strndup(p->arena, name, name_len) : "";
    if (field.name == NULL) return BB__OOM(p);
    if (name != NULL) {
      int oom;
      if (bb__fields_has_name(p->arena, f, field.name, &oom))
        return bb__perr(p, item_start, "duplicate field name '%.*s' is not supported",
                        name_len > 200 ? 200 : (int)name_len, name);
      if (oom) return BB__OOM(p);
    }
    *unnamed |= name == NULL;
    if (!bb__fields_add(p->arena, f, field)) return BB__OOM(p);
    if (f->hash != NULL && field.named) {
      if (2 * (f->n + 1) > f->hash_cap) {
        if (!bb__hash_build(p->arena, f)) return BB__OOM(p);
      } else {
        bb__hash_insert(f, field.name, f->n - 1);
      }
    }
  }
  if (!bb__add(*offset, value_size, offset) || !bb__add(*offset, extra, offset))
    return bb__perr(p, item_start, "size overflows");
  return 0;
}

/* Items up to the matching brace (open_pos >= 0) or the end of the string. */
static inline int bb__numpy_body(struct bb__parser* p, int64_t open_pos, struct bb__body* out) {
  int sub = open_pos >= 0, closed = 0, unnamed = 0;
  int64_t offset = 0, common = 1;
  memset(out, 0, sizeof *out);
  while (p->i < p->n) {
    if (p->s[p->i] == '}') {
      if (!sub) return bb__perr(p, p->i, "'}' closes no record");
      p->i++;
      closed = 1;
      break;
    }
    if (bb__numpy_item(p, &out->fields, &offset, &common, &unnamed) != 0) return -1;
  }
  if (sub && !closed) return bb__perr(p, open_pos, "unterminated record started");
  if (p->mode == '@') {
    if (!bb__align_up(offset, common, &out->size))
      return bb__perr(p, p->i, "size overflows when padded to the alignment %lld", (long long)common);
  } else {
    out->size = offset;
  }
  out->content = offset;
  out->align = common;
  if (unnamed && !bb__fix_names(p->arena, &out->fields)) return BB__OOM(p);
  return 0;
}

static inline int bb__parse_numpy(struct bb__parser* p, struct bb_format* out) {
  struct bb__body body;
  struct bb__fields* f = &body.fields;
  p->i = 0;
  p->mode = '@';
  p->depth = 0;
  if (bb__numpy_body(p, -1, &body) != 0) return -1;
  out->struct_compatible = 0;
  out->padded_itemsize = body.size;
  out->alignment = body.align;
  if (f->n == 1 && !f->v[0].named && f->v[0].offset == 0 && f->v[0].element->size == body.size) {
    const struct bb_element* root = f->v[0].element;
    out->element = root;
    out->itemsize = root->kind == BB_ELEMENT_RECORD ? root->content_size : root->size;
  } else {
    out->element = bb__record(p, f, body.size, body.content, body.align);
    if (out->element == NULL) return BB__OOM(p);
    out->itemsize = body.content;
  }
  return 0;
}

/* Whether a string reaches for NumPy's syntax, so that NumPy's message explains it better. */
static inline int bb__uses_numpy_syntax(const char* s, int64_t n) {
  int64_t k;
  for (k = 0; k < n; k++) {
    if ((s[k] != '\0' && strchr("T{}:()^Zwg&tXOu", s[k]) != NULL) ||
        (k > 0 && s[k] != '\0' && strchr("@=<>!", s[k]) != NULL))
      return 1;
  }
  return 0;
}

/* Parses into `arena` (owned by the caller), as Java's FormatParser.parse. */
static inline int bb__format_parse_in(struct bb__arena* arena, const char* text, int64_t n,
                                      struct bb_format* out, int64_t* error_position,
                                      struct bb_error* error) {
  struct bb__parser p;
  int numpy_only = 0, struct_tried = 0;
  int64_t struct_pos = 0, k;
  char struct_err[400];
  const char* nul;
  memset(out, 0, sizeof *out);
  p.s = text;
  p.n = n;
  p.i = 0;
  p.mode = '@';
  p.depth = 0;
  p.arena = arena;
  p.err_pos = 0;
  p.err[0] = '\0';
  if (n < 0 || (n > 0 && text == NULL))
    return bb__fail(error, BB_EINVAL, "format text is NULL or has a negative length: length=%lld",
                    (long long)n);
  nul = n > 0 ? (const char*)memchr(text, '\0', (size_t)n) : NULL;
  if (nul != NULL) {
    p.err_pos = nul - text;
    snprintf(p.err, sizeof p.err, "embedded NUL character");
    goto refused;
  }
  /* One native code, the usual format: what struct's grammar gives it, without the grammar. */
  if (n == 1 && text[0] != 'x' && text[0] != 's' && text[0] != 'p') {
    const struct bb__code* c = bb__code_of(text[0], '\0');
    if (c != NULL && c->code[0] != 'g' && c->code[0] != 'w') {
      struct bb_element* e = bb__scalar(&p, c, 1, c->native_size, c->native_align, '<');
      if (e == NULL) return bb__fail(error, BB_ENOMEM, "out of memory");
      out->itemsize = out->padded_itemsize = c->native_size;
      out->alignment = c->native_align;
      out->struct_compatible = 1;
      out->element = e;
      return 0;
    }
  }
  /* struct's grammar has no '{', ':' or '(': a string holding one goes to NumPy's first. */
  for (k = 0; k < n; k++) {
    if (text[k] == '{' || text[k] == ':' || text[k] == '(') numpy_only = 1;
  }
  if (!numpy_only) {
    struct_tried = 1;
    if (bb__parse_struct(&p, out) == 0) return 0;
    struct_pos = p.err_pos;
    memcpy(struct_err, p.err, sizeof struct_err);
  }
  if (bb__parse_numpy(&p, out) == 0) return 0;
  if (!struct_tried) {
    int64_t numpy_pos = p.err_pos;
    char numpy_err[400];
    memcpy(numpy_err, p.err, sizeof numpy_err);
    if (bb__parse_struct(&p, out) == 0) return 0;
    struct_pos = p.err_pos;
    memcpy(struct_err, p.err, sizeof struct_err);
    p.err_pos = numpy_pos;
    memcpy(p.err, numpy_err, sizeof numpy_err);
  }
  if (struct_pos != p.err_pos ? struct_pos > p.err_pos : !bb__uses_numpy_syntax(text, n)) {
    p.err_pos = struct_pos;
    memcpy(p.err, struct_err, sizeof struct_err);
  }
refused:
  memset(out, 0, sizeof *out);
  if (error_position != NULL) *error_position = p.err_pos;
  return bb__fail(error, BB_EINVAL, "%s at %lld in format '%.*s%s'", p.err, (long long)p.err_pos,
                  n > 200 ? 200 : (int)n, text, n > 200 ? "…" : "");
}

static inline int bb_format_parse(const char* text, int64_t length, struct bb_format* out,
                                  int64_t* error_position, struct bb_error* error) {
  struct bb__arena* arena = (struct bb__arena*)malloc(sizeof *arena);
  int rc;
  if (out == NULL) return bb__fail(error, BB_EINVAL, "format output is NULL");
  memset(out, 0, sizeof *out);
  if (arena == NULL) return bb__fail(error, BB_ENOMEM, "out of memory: bytes=%zu", sizeof *arena);
  arena->head = NULL;
  rc = bb__format_parse_in(arena, text, length, out, error_position, error);
  if (rc != 0) {
    bb__arena_free(arena);
    free(arena);
    return rc;
  }
  out->internal = arena;
  return 0;
}

static inline void bb_format_release(struct bb_format* format) {
  if (format == NULL) return;
  if (format->internal != NULL) {
    bb__arena_free((struct bb__arena*)format->internal);
    free(format->internal);
  }
  memset(format, 0, sizeof *format);
}

static inline int bb_format_is_itemsize(const struct bb_format* format, int64_t n) {
  return n == format->itemsize || n == format->padded_itemsize;
}

/* ------------------------------------------------------------------------------------------ */
/* Metadata blob: int32 count, then per key and value an int32 length and the bytes, native   */
/* endian (io.bufferbridge.arrow.internal.MetadataBlob: the same caps).                        */
/* ------------------------------------------------------------------------------------------ */

#define BB__MAX_PAIRS (1 << 16)
#define BB__MAX_BYTES (1 << 24)
#define BB__MAX_STRING (1 << 20)

struct bb__str {
  const char* p;
  int64_t n;
  int present;
};

/* The keys the importer reads; for a repeated key the last one counts, as in Java's map. */
struct bb__meta {
  struct bb__str ext_name, ext_meta;
  struct bb__str format, shape, strides, readonly, copied, itemsize;
};

static inline int bb__str_is(struct bb__str s, const char* lit) {
  size_t n = strlen(lit);
  return s.present && (size_t)s.n == n && memcmp(s.p, lit, n) == 0;
}

static inline int bb__read_metadata(const char* blob, const char* path, struct bb__meta* m,
                                    struct bb_error* e) {
  int32_t count, k;
  int64_t at = 4;
  memset(m, 0, sizeof *m);
  if (blob == NULL) return 0;
  memcpy(&count, blob, 4);
  if (count < 0 || count > BB__MAX_PAIRS)
    return bb__fail(e, BB_EINVAL,
                    "metadata blob truncated or malformed: path=%s pairs=%ld expected=0..%d", path,
                    (long)count, BB__MAX_PAIRS);
  for (k = 0; k < count; k++) {
    int32_t klen, vlen;
    const char *key, *value;
    struct bb__str* slot = NULL;
    memcpy(&klen, blob + at, 4);
    if (klen < 0 || klen > BB__MAX_BYTES)
      return bb__fail(e, BB_EINVAL,
                      "metadata blob truncated or malformed: path=%s pair=%ld key length=%ld "
                      "expected=0..%d", path, (long)k, (long)klen, BB__MAX_BYTES);
    key = blob + at + 4;
    at += 4 + (int64_t)klen;
    if (at > BB__MAX_BYTES)
      return bb__fail(e, BB_EINVAL,
                      "metadata blob truncated or malformed: path=%s pair=%ld blobBytes>=%lld "
                      "expected=0..%d", path, (long)k, (long long)at, BB__MAX_BYTES);
    memcpy(&vlen, blob + at, 4);
    if (vlen < 0 || vlen > BB__MAX_BYTES)
      return bb__fail(e, BB_EINVAL,
                      "metadata blob truncated or malformed: path=%s pair=%ld value length=%ld "
                      "expected=0..%d", path, (long)k, (long)vlen, BB__MAX_BYTES);
    value = blob + at + 4;
    at += 4 + (int64_t)vlen;
    if (at > BB__MAX_BYTES)
      return bb__fail(e, BB_EINVAL,
                      "metadata blob truncated or malformed: path=%s pair=%ld blobBytes>=%lld "
                      "expected=0..%d", path, (long)k, (long long)at, BB__MAX_BYTES);
#define BB__KEY(lit, field) \
  if (memcmp(key, lit, sizeof(lit) - 1) == 0) slot = &m->field;
    /* by length first: each length has at most two of the keys read here */
    switch (klen) {
      case 18: BB__KEY("bufferbridge.shape", shape) break;
      case 19: BB__KEY("bufferbridge.format", format) else BB__KEY("bufferbridge.copied", copied) break;
      case 20: BB__KEY("bufferbridge.strides", strides) else BB__KEY("ARROW:extension:name", ext_name) break;
      case 21: BB__KEY("bufferbridge.readonly", readonly) else BB__KEY("bufferbridge.itemsize", itemsize) break;
      case 24: BB__KEY("ARROW:extension:metadata", ext_meta) break;
      default: break;
    }
#undef BB__KEY
    if (slot != NULL) {
      slot->p = value;
      slot->n = vlen;
      slot->present = 1;
    }
  }
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* JSON (RFC 8259), just enough for extension metadata: one value is read, as Jackson's        */
/* readTree does, and the top-level object's members are kept as spans.                        */
/* ------------------------------------------------------------------------------------------ */

enum { BB__J_STRING = 1, BB__J_NUMBER, BB__J_OBJECT, BB__J_ARRAY, BB__J_TRUE, BB__J_FALSE, BB__J_NULL };

struct bb__json {
  const char* s;
  int64_t n;
  int64_t i;
  int depth;
};

struct bb__jspan {
  int type;
  int64_t start, end; /* the value's text */
  int integral;       /* number: no fraction, no exponent */
};

static inline void bb__jws(struct bb__json* j) {
  while (j->i < j->n && (j->s[j->i] == ' ' || j->s[j->i] == '\t' || j->s[j->i] == '\n' || j->s[j->i] == '\r'))
    j->i++;
}

static inline int bb__jlit(struct bb__json* j, const char* lit) {
  size_t n = strlen(lit);
  if (j->n - j->i < (int64_t)n || memcmp(j->s + j->i, lit, n) != 0) return -1;
  j->i += (int64_t)n;
  return 0;
}

static inline int bb__jhex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* A string at j->i ('"'); decoded into out (cap bytes, NUL-terminated, cut) when out != NULL. */
static inline int bb__jstring(struct bb__json* j, char* out, int64_t cap, int64_t* out_len) {
  int64_t w = 0;
  j->i++;
  while (j->i < j->n) {
    unsigned char c = (unsigned char)j->s[j->i++];
    uint32_t cp;
    char b[4];
    int nb = 1, k;
    if (c == '"') {
      if (out != NULL) out[w < cap ? w : cap - 1] = '\0';
      if (out_len != NULL) *out_len = w;
      return 0;
    }
    if (c < 0x20) return -1;
    b[0] = (char)c;
    if (c == '\\') {
      if (j->i >= j->n) return -1;
      c = (unsigned char)j->s[j->i++];
      switch (c) {
        case '"': case '\\': case '/': b[0] = (char)c; break;
        case 'b': b[0] = '\b'; break;
        case 'f': b[0] = '\f'; break;
        case 'n': b[0] = '\n'; break;
        case 'r': b[0] = '\r'; break;
        case 't': b[0] = '\t'; break;
        case 'u':
          if (j->n - j->i < 4) return -1;
          cp = 0;
          for (k = 0; k < 4; k++) {
            int h = bb__jhex(j->s[j->i + k]);
            if (h < 0) return -1;
            cp = cp * 16 + (uint32_t)h;
          }
          j->i += 4;
          if (cp >= 0xD800 && cp < 0xDC00 && j->n - j->i >= 6 && j->s[j->i] == '\\' && j->s[j->i + 1] == 'u') {
            uint32_t lo = 0;
            for (k = 0; k < 4; k++) {
              int h = bb__jhex(j->s[j->i + 2 + k]);
              if (h < 0) return -1;
              lo = lo * 16 + (uint32_t)h;
            }
            if (lo >= 0xDC00 && lo < 0xE000) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
              j->i += 6;
            }
          }
          if (cp < 0x80) {
            b[0] = (char)cp;
          } else if (cp < 0x800) {
            b[0] = (char)(0xC0 | (cp >> 6));
            b[1] = (char)(0x80 | (cp & 0x3F));
            nb = 2;
          } else if (cp < 0x10000) {
            b[0] = (char)(0xE0 | (cp >> 12));
            b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
            b[2] = (char)(0x80 | (cp & 0x3F));
            nb = 3;
          } else {
            b[0] = (char)(0xF0 | (cp >> 18));
            b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
            b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
            b[3] = (char)(0x80 | (cp & 0x3F));
            nb = 4;
          }
          break;
        default:
          return -1;
      }
    }
    for (k = 0; k < nb; k++, w++) {
      if (out != NULL && w < cap - 1) out[w] = b[k];
    }
  }
  return -1;
}

static inline int bb__jvalue(struct bb__json* j, struct bb__jspan* v);

static inline int bb__jnumber(struct bb__json* j, struct bb__jspan* v) {
  int64_t start = j->i;
  v->integral = 1;
  if (j->i < j->n && j->s[j->i] == '-') j->i++;
  if (j->i >= j->n || !bb__is_digit(j->s[j->i])) return -1;
  if (j->s[j->i] == '0') {
    j->i++;
  } else {
    while (j->i < j->n && bb__is_digit(j->s[j->i])) j->i++;
  }
  if (j->i < j->n && j->s[j->i] == '.') {
    v->integral = 0;
    j->i++;
    if (j->i >= j->n || !bb__is_digit(j->s[j->i])) return -1;
    while (j->i < j->n && bb__is_digit(j->s[j->i])) j->i++;
  }
  if (j->i < j->n && (j->s[j->i] == 'e' || j->s[j->i] == 'E')) {
    v->integral = 0;
    j->i++;
    if (j->i < j->n && (j->s[j->i] == '+' || j->s[j->i] == '-')) j->i++;
    if (j->i >= j->n || !bb__is_digit(j->s[j->i])) return -1;
    while (j->i < j->n && bb__is_digit(j->s[j->i])) j->i++;
  }
  v->start = start;
  v->end = j->i;
  return 0;
}

/* Object or array members are parsed (and so validated) and skipped; depth is bounded. */
static inline int bb__jcontainer(struct bb__json* j, int object) {
  char close = object ? '}' : ']';
  struct bb__jspan v;
  if (++j->depth > BB_MAX_DEPTH) return -1;
  j->i++;
  bb__jws(j);
  if (j->i < j->n && j->s[j->i] == close) {
    j->i++;
    j->depth--;
    return 0;
  }
  for (;;) {
    bb__jws(j);
    if (object) {
      if (j->i >= j->n || j->s[j->i] != '"' || bb__jstring(j, NULL, 0, NULL) != 0) return -1;
      bb__jws(j);
      if (j->i >= j->n || j->s[j->i] != ':') return -1;
      j->i++;
    }
    if (bb__jvalue(j, &v) != 0) return -1;
    bb__jws(j);
    if (j->i < j->n && j->s[j->i] == ',') {
      j->i++;
      continue;
    }
    if (j->i < j->n && j->s[j->i] == close) {
      j->i++;
      j->depth--;
      return 0;
    }
    return -1;
  }
}

static inline int bb__jvalue(struct bb__json* j, struct bb__jspan* v) {
  bb__jws(j);
  v->start = j->i;
  v->integral = 0;
  if (j->i >= j->n) return -1;
  switch (j->s[j->i]) {
    case '"': v->type = BB__J_STRING; if (bb__jstring(j, NULL, 0, NULL) != 0) return -1; break;
    case '{': v->type = BB__J_OBJECT; if (bb__jcontainer(j, 1) != 0) return -1; break;
    case '[': v->type = BB__J_ARRAY; if (bb__jcontainer(j, 0) != 0) return -1; break;
    case 't': v->type = BB__J_TRUE; if (bb__jlit(j, "true") != 0) return -1; break;
    case 'f': v->type = BB__J_FALSE; if (bb__jlit(j, "false") != 0) return -1; break;
    case 'n': v->type = BB__J_NULL; if (bb__jlit(j, "null") != 0) return -1; break;
    default: v->type = BB__J_NUMBER; if (bb__jnumber(j, v) != 0) return -1; break;
  }
  v->end = j->i;
  return 0;
}

/*
 * Reads one JSON value from text; when it is an object, the members named in keys[] are stored
 * in spans[] (last one wins). Returns -1 for text that is not JSON, 0 for an object, 1 for any
 * other value (or no value at all: Jackson's readTree gives null then).
 */
static inline int bb__json_members(const char* text, int64_t n, const char* const* keys, int nkeys,
                                   struct bb__jspan* spans) {
  struct bb__json j;
  int k;
  j.s = text;
  j.n = n;
  j.i = 0;
  j.depth = 0;
  memset(spans, 0, sizeof(struct bb__jspan) * (size_t)nkeys);
  bb__jws(&j);
  if (j.i >= j.n) return 1;
  if (j.s[j.i] != '{') {
    struct bb__jspan v;
    return bb__jvalue(&j, &v) != 0 ? -1 : 1;
  }
  j.depth = 1;
  j.i++;
  bb__jws(&j);
  if (j.i < j.n && j.s[j.i] == '}') return 0;
  for (;;) {
    char key[64];
    int64_t klen;
    struct bb__jspan v;
    bb__jws(&j);
    if (j.i >= j.n || j.s[j.i] != '"' || bb__jstring(&j, key, sizeof key, &klen) != 0) return -1;
    bb__jws(&j);
    if (j.i >= j.n || j.s[j.i] != ':') return -1;
    j.i++;
    if (bb__jvalue(&j, &v) != 0) return -1;
    for (k = 0; k < nkeys; k++) {
      if ((size_t)klen == strlen(keys[k]) && klen < (int64_t)sizeof key && strcmp(key, keys[k]) == 0)
        spans[k] = v;
    }
    bb__jws(&j);
    if (j.i < j.n && j.s[j.i] == ',') {
      j.i++;
      continue;
    }
    if (j.i < j.n && j.s[j.i] == '}') return 0;
    return -1;
  }
}

/* The integer of a number span, when it is integral and fits an int64_t. */
static inline int bb__jint(const char* s, struct bb__jspan v, int64_t* out) {
  int64_t k = v.start, r = 0;
  int neg = 0;
  if (v.type != BB__J_NUMBER || !v.integral) return 0;
  if (s[k] == '-') {
    neg = 1;
    k++;
  }
  for (; k < v.end; k++) {
    int d = s[k] - '0';
    if (!bb__mul(r, 10, &r) || !bb__add(r, neg ? -d : d, &r)) return 0;
  }
  *out = r;
  return 1;
}

/* Calls each element of an array span: its span; returns the count, or -1 past max. */
static inline int64_t bb__jarray(const char* s, struct bb__jspan arr, struct bb__jspan* items,
                                 int64_t max) {
  struct bb__json j;
  int64_t count = 0;
  j.s = s;
  j.n = arr.end;
  j.i = arr.start + 1;
  j.depth = 1;
  bb__jws(&j);
  if (j.i < j.n && s[j.i] == ']') return 0;
  for (;;) {
    struct bb__jspan v;
    if (bb__jvalue(&j, &v) != 0) return -1;
    if (count < max) items[count] = v;
    count++;
    bb__jws(&j);
    if (j.i < j.n && s[j.i] == ',') {
      j.i++;
      continue;
    }
    return count;
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Import: the checks of io.bufferbridge.arrow.internal (ImportedSchema, ImportedArray,        */
/* ImportNode, Extensions, ViewImport), with the limits of docs/contract.md §3.                            */
/* ------------------------------------------------------------------------------------------ */

enum { BB__FIXED = 1, BB__BITS, BB__LIST, BB__STRUCT };

/* A node's layout, from its format (already checked by bb__pair). */
struct bb__kind {
  int kind;
  int64_t width;     /* FIXED: bytes per value */
  int64_t list_size; /* LIST */
};

struct bb__walk {
  struct bb_error* e;
  int64_t nodes;
  struct bb__meta root; /* the root schema's metadata, read once by bb__check_schema */
  char path[BB_MAX_DEPTH * 8 + 16];
};

/* Appends ".i" to the path for a child; returns the old length, to cut back to. */
static inline size_t bb__path_push(struct bb__walk* w, int64_t i) {
  size_t n = strlen(w->path);
  snprintf(w->path + n, sizeof w->path - n, ".%lld", (long long)i);
  return n;
}

/* A NUL-terminated string of at most BB__MAX_STRING bytes, or NULL. */
static inline int bb__bounded(const char* s) {
  return memchr(s, '\0', BB__MAX_STRING) != NULL;
}

static inline int bb__count_node(struct bb__walk* w, const char* what) {
  if (++w->nodes > BB_MAX_NODES)
    return bb__fail(w->e, BB_EINVAL, "%s tree has too many nodes: path=%s nodes>%d expected<=%d", what,
                    w->path, BB_MAX_NODES, BB_MAX_NODES);
  return 0;
}

/* A count of pointers in 0..max, and the pointer array present when the count is not 0. */
static inline int bb__check_count(struct bb__walk* w, const char* strct, const char* field, int64_t n,
                                  const void* pointers, int64_t max) {
  if (n < 0 || n > max)
    return bb__fail(w->e, BB_EINVAL, "%s %s out of range: path=%s %s=%lld expected=0..%lld", strct, field, w->path,
                    field, (long long)n, (long long)max);
  if (n > 0 && pointers == NULL)
    return bb__fail(w->e, BB_EINVAL, "%s %s is NULL: path=%s %s=%lld", strct,
                    strcmp(field, "n_buffers") == 0 ? "buffers" : "children", w->path, field, (long long)n);
  return 0;
}

static inline int bb__check_schema(const struct ArrowSchema* s, struct bb__walk* w, int depth) {
  struct bb__meta m;
  int64_t k;
  int rc;
  if (depth > BB_MAX_DEPTH)
    return bb__fail(w->e, BB_EINVAL, "schema nested too deeply: path=%s depth=%d expected=0..%d", w->path,
                    depth, BB_MAX_DEPTH);
  if ((rc = bb__count_node(w, "schema")) != 0) return rc;
  if (s->release == NULL)
    return bb__fail(w->e, BB_EINVAL, "ArrowSchema already released: path=%s release=NULL", w->path);
  if (s->format == NULL) return bb__fail(w->e, BB_EINVAL, "ArrowSchema format is NULL: path=%s", w->path);
  if (!bb__bounded(s->format))
    return bb__fail(w->e, BB_EINVAL, "ArrowSchema format is not NUL-terminated: path=%s limit=%d", w->path,
                    BB__MAX_STRING);
  if (s->dictionary != NULL)
    return bb__fail(w->e, BB_ENOTSUP, "dictionary-encoded arrays are not supported: path=%s format='%.100s'",
                    w->path, s->format);
  if ((rc = bb__read_metadata(s->metadata, w->path, depth == 0 ? &w->root : &m, w->e)) != 0) return rc;
  if ((rc = bb__check_count(w, "ArrowSchema", "n_children", s->n_children, s->children, BB_MAX_NODES)) != 0) return rc;
  for (k = 0; k < s->n_children; k++) {
    size_t cut;
    if (s->children[k] == NULL)
      return bb__fail(w->e, BB_EINVAL, "ArrowSchema child is NULL: path=%s child=%lld", w->path, (long long)k);
    cut = bb__path_push(w, k);
    if ((rc = bb__check_schema(s->children[k], w, depth + 1)) != 0) return rc;
    w->path[cut] = '\0';
  }
  return 0;
}

static inline int bb__check_array(const struct ArrowArray* a, struct bb__walk* w, int depth) {
  int64_t k;
  int rc;
  if (depth > BB_MAX_DEPTH)
    return bb__fail(w->e, BB_EINVAL, "array nested too deeply: path=%s depth=%d expected=0..%d", w->path, depth,
                    BB_MAX_DEPTH);
  if ((rc = bb__count_node(w, "array")) != 0) return rc;
  if (a->release == NULL)
    return bb__fail(w->e, BB_EINVAL, "ArrowArray already released: path=%s release=NULL", w->path);
  if (a->dictionary != NULL)
    return bb__fail(w->e, BB_ENOTSUP, "dictionary-encoded arrays are not supported: path=%s", w->path);
  if ((rc = bb__check_count(w, "ArrowArray", "n_buffers", a->n_buffers, a->buffers, 64)) != 0) return rc;
  if ((rc = bb__check_count(w, "ArrowArray", "n_children", a->n_children, a->children, BB_MAX_NODES)) != 0) return rc;
  for (k = 0; k < a->n_children; k++) {
    size_t cut;
    if (a->children[k] == NULL)
      return bb__fail(w->e, BB_EINVAL, "ArrowArray child is NULL: path=%s child=%lld", w->path, (long long)k);
    cut = bb__path_push(w, k);
    if ((rc = bb__check_array(a->children[k], w, depth + 1)) != 0) return rc;
    w->path[cut] = '\0';
  }
  return 0;
}

/* The N of w:N or +w:N: a decimal without sign. */
static inline int bb__fixed_size(const char* f, size_t from, const char* path, int64_t* out,
                                 struct bb_error* e) {
  const char* d = f + from;
  int64_t v = 0;
  if (*d == '\0')
    return bb__fail(e, BB_EINVAL, "fixed size missing: path=%s format='%.100s' expected=%.*sN", path, f,
                    (int)from, f);
  for (; *d != '\0'; d++) {
    if (!bb__is_digit(*d))
      return bb__fail(e, BB_EINVAL, "fixed size is not a non-negative integer: path=%s format='%.100s' found='%.100s'",
                      path, f, f + from);
  }
  for (d = f + from; *d != '\0'; d++) {
    if (!bb__mul(v, 10, &v) || !bb__add(v, *d - '0', &v))
      return bb__fail(e, BB_EINVAL, "fixed size too large: path=%s format='%.100s' found='%.100s'", path, f,
                      f + from);
  }
  *out = v;
  return 0;
}

/* Width in bytes of a fixed-width leaf format, 0 when it is not one (docs/contract.md §2, Arrow to PEP 3118). */
static inline int bb__leaf(const char* f, const char* path, int64_t* width, struct bb_error* e) {
  static const char* const four[] = {"i", "I", "f", "tdD", "tts", "ttm"};
  static const char* const eight[] = {"l", "L", "g", "tdm", "ttu", "ttn", "tDs", "tDm", "tDu", "tDn"};
  size_t k;
  if (f[0] != '\0' && f[1] == '\0') { /* the common one-character formats, without string compares */
    switch (f[0]) {
      case 'c': case 'C': return (*width = 1, 0);
      case 's': case 'S': case 'e': return (*width = 2, 0);
      case 'i': case 'I': case 'f': return (*width = 4, 0);
      case 'l': case 'L': case 'g': return (*width = 8, 0);
      default: break;
    }
  }
  if (strcmp(f, "c") == 0 || strcmp(f, "C") == 0) return (*width = 1, 0);
  if (strcmp(f, "s") == 0 || strcmp(f, "S") == 0 || strcmp(f, "e") == 0) return (*width = 2, 0);
  for (k = 0; k < sizeof four / sizeof four[0]; k++) {
    if (strcmp(f, four[k]) == 0) return (*width = 4, 0);
  }
  for (k = 0; k < sizeof eight / sizeof eight[0]; k++) {
    if (strcmp(f, eight[k]) == 0) return (*width = 8, 0);
  }
  if (f[0] == 't' && f[1] == 's' && f[2] != '\0' && strchr("smun", f[2]) != NULL && f[3] == ':')
    return (*width = 8, 0);
  if (f[0] == 'w' && f[1] == ':') return bb__fixed_size(f, 2, path, width, e);
  if (f[0] == 'd' && f[1] == ':') {
    /* Java splits "P,S[,bits]" on commas and looks only at the bit width. */
    const char* c1 = strchr(f + 2, ',');
    const char* c2 = c1 != NULL ? strchr(c1 + 1, ',') : NULL;
    const char* bits = c1 == NULL ? NULL : c2 == NULL ? "128" : strchr(c2 + 1, ',') != NULL ? NULL : c2 + 1;
    if (bits != NULL && strcmp(bits, "128") == 0) return (*width = 16, 0);
    if (bits != NULL && strcmp(bits, "256") == 0) return (*width = 32, 0);
    return bb__fail(e, BB_ENOTSUP, "unsupported decimal: path=%s format='%.100s' expected=d:P,S or d:P,S,128 or d:P,S,256",
                    path, f);
  }
  return bb__fail(e, BB_ENOTSUP, "unsupported Arrow format: path=%s format='%.100s'", path, f);
}

static inline int bb__kind_of(const struct ArrowSchema* s, const char* path, struct bb__kind* k,
                              struct bb_error* e) {
  const char* f = s->format;
  memset(k, 0, sizeof *k);
  if (f[0] == '+' && f[1] == 'w' && f[2] == ':') {
    k->kind = BB__LIST;
    return bb__fixed_size(f, 3, path, &k->list_size, e);
  }
  if (strcmp(f, "+s") == 0) return (k->kind = BB__STRUCT, 0);
  if (strcmp(f, "b") == 0) return (k->kind = BB__BITS, 0);
  k->kind = BB__FIXED;
  return bb__leaf(f, path, &k->width, e);
}

/* The bitmap's cleared bits in [offset, end), end being a checked offset + length. */
static inline int64_t bb__count_nulls(const uint8_t* bits, int64_t offset, int64_t end) {
  int64_t nulls = 0, i;
  for (i = offset; i < end; i++) {
    if (((bits[i >> 3] >> (i & 7)) & 1) == 0) nulls++;
  }
  return nulls;
}

/* ImportNode.pair: every count, pointer, length and offset of the paired trees. */
static inline int bb__pair(const struct ArrowSchema* s, const struct ArrowArray* a, struct bb__walk* w,
                           int depth) {
  struct bb__kind k;
  int64_t want_buffers, want_children, end, k2;
  const char* f = s->format;
  int rc;
  if ((rc = bb__count_node(w, "schema")) != 0) return rc;
  if (depth > BB_MAX_DEPTH)
    return bb__fail(w->e, BB_EINVAL, "schema nested too deeply: path=%s depth=%d expected=0..%d", w->path,
                    depth, BB_MAX_DEPTH);
  if ((rc = bb__kind_of(s, w->path, &k, w->e)) != 0) return rc;
  want_buffers = k.kind == BB__LIST || k.kind == BB__STRUCT ? 1 : 2;
  if (a->n_buffers != want_buffers)
    return bb__fail(w->e, BB_EINVAL, "n_buffers does not match the type: path=%s format='%.100s' expected=%lld found=%lld",
                    w->path, f, (long long)want_buffers, (long long)a->n_buffers);
  want_children = k.kind == BB__LIST ? 1 : k.kind == BB__STRUCT ? s->n_children : 0;
  if (s->n_children != want_children)
    return bb__fail(w->e, BB_EINVAL,
                    "schema n_children does not match the type: path=%s format='%.100s' expected=%lld found=%lld",
                    w->path, f, (long long)want_children, (long long)s->n_children);
  if (a->n_children != want_children)
    return bb__fail(w->e, BB_EINVAL,
                    "array n_children does not match the schema: path=%s format='%.100s' expected=%lld found=%lld",
                    w->path, f, (long long)want_children, (long long)a->n_children);
  if (a->length < 0 || a->offset < 0)
    return bb__fail(w->e, BB_EINVAL, "negative length or offset: path=%s format='%.100s' length=%lld offset=%lld",
                    w->path, f, (long long)a->length, (long long)a->offset);
  if (!bb__add(a->offset, a->length, &end))
    return bb__fail(w->e, BB_EOVERFLOW, "offset + length overflows: path=%s format='%.100s' a=%lld b=%lld", w->path,
                    f, (long long)a->offset, (long long)a->length);
  if (a->null_count < -1)
    return bb__fail(w->e, BB_EINVAL, "null_count out of range: path=%s format='%.100s' null_count=%lld expected>=-1",
                    w->path, f, (long long)a->null_count);
  if (a->buffers[0] != NULL && a->null_count != 0 && a->null_count != -1)
    return bb__fail(w->e, BB_EINVAL, "nulls cannot be represented in a buffer view: path=%s format='%.100s' null_count=%lld",
                    w->path, f, (long long)a->null_count);
  if (a->buffers[0] == NULL && a->null_count > 0)
    return bb__fail(w->e, BB_EINVAL, "null_count without a validity bitmap: path=%s format='%.100s' null_count=%lld",
                    w->path, f, (long long)a->null_count);
  if ((k.kind == BB__FIXED || k.kind == BB__BITS) && a->buffers[1] == NULL && a->length > 0)
    return bb__fail(w->e, BB_EINVAL, "data buffer is NULL: path=%s format='%.100s' length=%lld", w->path, f,
                    (long long)a->length);
  if (k.kind == BB__FIXED && !bb__mul(end, k.width, &k2))
    return bb__fail(w->e, BB_EOVERFLOW, "size overflows: path=%s format='%.100s' a=%lld b=%lld", w->path, f,
                    (long long)end, (long long)k.width);
  for (k2 = 0; k2 < want_children; k2++) {
    const struct ArrowArray* ca = a->children[k2];
    int64_t needed = end;
    size_t cut = bb__path_push(w, k2);
    if ((rc = bb__pair(s->children[k2], ca, w, depth + 1)) != 0) return rc;
    w->path[cut] = '\0';
    if (k.kind == BB__LIST && !bb__mul(end, k.list_size, &needed))
      return bb__fail(w->e, BB_EOVERFLOW, "size overflows: path=%s format='%.100s' a=%lld b=%lld", w->path, f,
                      (long long)end, (long long)k.list_size);
    if (ca->length < needed) {
      char list[48] = "";
      if (k.kind == BB__LIST) snprintf(list, sizeof list, " list_size=%lld", (long long)k.list_size);
      bb__path_push(w, k2);
      return bb__fail(w->e, BB_EINVAL,
                      "child too short for its parent's offset and length: path=%s length=%lld expected>=%lld "
                      "parent.offset=%lld parent.length=%lld%s",
                      w->path, (long long)ca->length, (long long)needed, (long long)a->offset, (long long)a->length,
                      list);
    }
  }
  /* null_count -1 ("not computed"): the bitmap is read last, only within the checked extent. */
  if (a->buffers[0] != NULL && a->null_count == -1) {
    int64_t nulls = bb__count_nulls((const uint8_t*)a->buffers[0], a->offset, end);
    if (nulls != 0)
      return bb__fail(w->e, BB_EINVAL,
                      "nulls cannot be represented in a buffer view: path=%s format='%.100s' null_count=-1 nulls=%lld",
                      w->path, f, (long long)nulls);
  }
  return 0;
}

static inline int bb__needs_copy(const struct ArrowSchema* s) {
  int64_t k;
  if (strcmp(s->format, "+s") == 0 || strcmp(s->format, "b") == 0) return 1;
  for (k = 0; k < s->n_children; k++) {
    if (bb__needs_copy(s->children[k])) return 1;
  }
  return 0;
}

/* Extension name of a checked schema node (NULL when none), in `buf`; `known`: its metadata, read. */
static inline const char* bb__extension_of(const struct ArrowSchema* s, const struct bb__meta* known, char* buf,
                                           size_t cap) {
  struct bb__meta m;
  size_t n;
  if (known == NULL) {
    if (s->metadata == NULL || bb__read_metadata(s->metadata, "", &m, NULL) != 0) return NULL;
    known = &m;
  }
  if (!known->ext_name.present) return NULL;
  n = known->ext_name.n < (int64_t)cap ? (size_t)known->ext_name.n : cap - 1;
  memcpy(buf, known->ext_name.p, n);
  buf[n] = '\0';
  return buf;
}

static inline const char* bb__extension(const struct ArrowSchema* s, char* buf, size_t cap) {
  return bb__extension_of(s, NULL, buf, cap);
}

/* Extensions.parseTensor: physical shape and permutation, checked against the list size. */
static inline int bb__tensor(struct bb__str json, int64_t list_size, const char* path, int64_t* shape,
                             int64_t* perm, int* nd, struct bb_error* e) {
  static const char* const keys[] = {"shape", "permutation"};
  struct bb__jspan sp[2], items[64];
  const char* t = json.present ? json.p : "";
  int64_t n = json.present ? json.n : 0, count, product = 1, k;
  int rc = bb__json_members(t, n, keys, 2, sp);
  int seen[64];
  if (rc < 0)
    return bb__fail(e, BB_EINVAL, "fixed_shape_tensor metadata is not JSON: path=%s metadata='%.*s'", path,
                    (int)(n > 200 ? 200 : n), t);
  if (rc > 0 || sp[0].type != BB__J_ARRAY)
    return bb__fail(e, BB_EINVAL, "fixed_shape_tensor metadata has no shape array: path=%s metadata='%.*s'", path,
                    (int)(n > 200 ? 200 : n), t);
  count = bb__jarray(t, sp[0], items, 64);
  if (count > 63)
    return bb__fail(e, BB_EINVAL, "fixed_shape_tensor has too many dimensions: path=%s ndim=%lld expected=0..63",
                    path, (long long)count);
  for (k = 0; k < count; k++) {
    if (!bb__jint(t, items[k], &shape[k]) || shape[k] < 0)
      return bb__fail(e, BB_EINVAL,
                      "fixed_shape_tensor shape entry is not a non-negative integer: path=%s index=%lld found=%.*s",
                      path, (long long)k, (int)(items[k].end - items[k].start > 100 ? 100 : items[k].end - items[k].start),
                      t + items[k].start);
    if (!bb__mul(product, shape[k], &product))
      return bb__fail(e, BB_EOVERFLOW, "fixed_shape_tensor shape overflows: path=%s ndim=%lld", path,
                      (long long)count);
  }
  *nd = (int)count;
  if (product != list_size) {
    char b[200];
    bb__ints_text(b, sizeof b, shape, (int)count);
    return bb__fail(e, BB_EINVAL,
                    "fixed_shape_tensor shape does not match the list size: path=%s shape=%s product=%lld list_size=%lld",
                    path, b, (long long)product, (long long)list_size);
  }
  if (sp[1].type == 0 || sp[1].type == BB__J_NULL) {
    for (k = 0; k < count; k++) perm[k] = k;
    return 0;
  }
  if (sp[1].type != BB__J_ARRAY || bb__jarray(t, sp[1], items, 64) != count)
    return bb__fail(e, BB_EINVAL, "fixed_shape_tensor permutation has the wrong length: path=%s expected=%lld found=%.*s",
                    path, (long long)count, (int)(sp[1].end - sp[1].start > 100 ? 100 : sp[1].end - sp[1].start),
                    t + sp[1].start);
  memset(seen, 0, sizeof seen);
  for (k = 0; k < count; k++) {
    if (!bb__jint(t, items[k], &perm[k]) || perm[k] < 0 || perm[k] >= count || seen[perm[k]])
      return bb__fail(e, BB_EINVAL, "fixed_shape_tensor permutation is not a permutation of 0..%lld: path=%s permutation=%.*s",
                      (long long)(count - 1), path,
                      (int)(sp[1].end - sp[1].start > 100 ? 100 : sp[1].end - sp[1].start), t + sp[1].start);
    seen[perm[k]] = 1;
  }
  return 0;
}

/* What the view will be (ViewImport.Plan). */
struct bb__plan {
  struct bb_format format;
  const char* text; /* the format, NUL-terminated, in the arena */
  int64_t itemsize;
  int ndim;
  int64_t shape[BB_MAX_DEPTH + 2];
  int64_t strides[BB_MAX_DEPTH + 2];
  int readonly, copy, exporter_copied;
  const struct ArrowSchema* es; /* the node the elements start at */
  const struct ArrowArray* ea;
};

/* Decimal, comma-separated, as Java's Long.parseLong of each part (a sign allowed). */
static inline int bb__longs(struct bb__str v, const char* key, int64_t* out, int max, int* n,
                            struct bb_error* e) {
  int64_t k = 0;
  *n = 0;
  if (!v.present) return bb__fail(e, BB_EINVAL, "bufferbridge metadata incomplete: path=root missing=%s", key);
  if (v.n == 0) return 0;
  for (;;) {
    int64_t x = 0, start = k;
    int neg = 0;
    if (k < v.n && (v.p[k] == '-' || v.p[k] == '+')) neg = v.p[k++] == '-';
    if (k >= v.n || !bb__is_digit(v.p[k])) goto bad;
    start = k;
    while (k < v.n && bb__is_digit(v.p[k]) && k - start < 18) x = x * 10 + (v.p[k++] - '0'); /* < 10^18 */
    if (neg) x = -x;
    while (k < v.n && bb__is_digit(v.p[k])) {
      int d = v.p[k++] - '0';
      if (!bb__mul(x, 10, &x) || !bb__add(x, neg ? -d : d, &x)) goto bad;
    }
    (void)start;
    if (*n >= max) return bb__fail(e, BB_EINVAL, "bufferbridge metadata list too long: path=root key=%s max=%d", key, max);
    out[(*n)++] = x;
    if (k == v.n) return 0;
    if (v.p[k] != ',') goto bad;
    k++;
  }
bad:
  return bb__fail(e, BB_EINVAL, "bufferbridge metadata is not a list of integers: path=root key=%s found='%.*s'", key,
                  (int)(v.n > 200 ? 200 : v.n), v.p);
}

static inline int bb__bool(struct bb__str v, const char* key, int* out, struct bb_error* e) {
  if (bb__str_is(v, "true")) return (*out = 1, 0);
  if (bb__str_is(v, "false")) return (*out = 0, 0);
  if (!v.present)
    return bb__fail(e, BB_EINVAL, "bufferbridge metadata is not true/false: path=root key=%s found=missing", key);
  return bb__fail(e, BB_EINVAL, "bufferbridge metadata is not true/false: path=root key=%s found='%.*s'", key,
                  (int)(v.n > 64 ? 64 : v.n), v.p);
}

static inline int bb__little_endian(void) {
  const uint16_t one = 1;
  unsigned char b;
  memcpy(&b, &one, 1);
  return b == 1;
}

/* ElementMapping.mapOrNull != null: every part of the element has an Arrow type. */
static inline int bb__mappable(const struct bb_element* e) {
  int64_t k;
  char native = bb__little_endian() ? '<' : '>';
  switch (e->kind) {
    case BB_ELEMENT_SCALAR:
      if (e->size > 1 && e->byte_order != native && strcmp(e->code, "s") != 0 && strcmp(e->code, "c") != 0) return 0;
      return strchr("xpwg", e->code[0]) == NULL && strcmp(e->code, "Zg") != 0;
    case BB_ELEMENT_SUBARRAY:
      return bb__mappable(e->item);
    default:
      for (k = 0; k < e->n_fields; k++) {
        if (!bb__mappable(e->fields[k].element)) return 0;
      }
      return 1;
  }
}

/* The Arrow leaf format of a mappable scalar, and its extension (or NULL); complex: "+w:2". */
static inline const char* bb__scalar_arrow(const struct bb_element* e, char* buf, size_t cap, const char** ext) {
  const char* c = e->code;
  *ext = NULL;
  if (c[1] == '\0') {
    switch (c[0]) {
      case 'c': return "w:1";
      case '?': *ext = "arrow.bool8"; return "c";
      case 'e': return "e";
      case 'f': return "f";
      case 'd': return "g";
      case 'b': case 'h': case 'i': case 'l': case 'q': case 'n': break;
      case 'B': case 'H': case 'I': case 'L': case 'Q': case 'N': case 'P': break;
      default: goto general;
    }
    buf[0] = "csil"[e->size == 1 ? 0 : e->size == 2 ? 1 : e->size == 4 ? 2 : 3];
    if (c[0] >= 'A' && c[0] <= 'Z') buf[0] = (char)(buf[0] - 'a' + 'A');
    buf[1] = '\0';
    return buf;
  }
general:
  if (strcmp(c, "c") == 0) return "w:1";
  if (strcmp(c, "s") == 0) {
    snprintf(buf, cap, "w:%lld", (long long)e->count);
    return buf;
  }
  if (strcmp(c, "?") == 0) {
    *ext = "arrow.bool8";
    return "c";
  }
  if (strcmp(c, "e") == 0) return "e";
  if (strcmp(c, "f") == 0) return "f";
  if (strcmp(c, "d") == 0) return "g";
  if (c[0] == 'Z') return "+w:2";
  {
    int unsigned_ = strchr("BHILQNP", c[0]) != NULL;
    const char* s = e->size == 1 ? "cC" : e->size == 2 ? "sS" : e->size == 4 ? "iI" : "lL";
    buf[0] = s[unsigned_];
    buf[1] = '\0';
    return buf;
  }
}

/* Whether an Arrow node's extension, as signatures see it (fixed_shape_tensor counts as none), is ext. */
static inline int bb__same_extension(const struct ArrowSchema* s, const char* ext, const struct bb__meta* known) {
  char b[64];
  const char* found = bb__extension_of(s, known, b, sizeof b);
  if (found != NULL && strcmp(found, "arrow.fixed_shape_tensor") == 0) found = NULL;
  if (found == NULL || ext == NULL) return found == ext;
  return strcmp(found, ext) == 0;
}

/* Whether a schema node has the signature of a mappable element (TypeNode.signature equality). */
static inline int bb__matches_dims(const struct bb_element* e, int dim, const struct ArrowSchema* s);

/* The root's metadata is known (read once); every other node's is read here. */
static inline int bb__matches_at(const struct bb_element* e, const struct ArrowSchema* s, const struct bb__meta* known);

static inline int bb__matches(const struct bb_element* e, const struct ArrowSchema* s) {
  return bb__matches_at(e, s, NULL);
}

static inline int bb__matches_at(const struct bb_element* e, const struct ArrowSchema* s, const struct bb__meta* known) {
  char b[32];
  const char* ext;
  int64_t k;
  if (e->kind == BB_ELEMENT_SUBARRAY) {
    char b[32];
    if (e->ndim == 0) return bb__matches_at(e->item, s, known);
    snprintf(b, sizeof b, "+w:%lld", (long long)e->shape[0]);
    return strcmp(s->format, b) == 0 && bb__same_extension(s, NULL, known) && s->n_children == 1 &&
           bb__matches_dims(e, 1, s->children[0]);
  }
  if (e->kind == BB_ELEMENT_RECORD) {
    if (strcmp(s->format, "+s") != 0 || !bb__same_extension(s, NULL, known) || s->n_children != e->n_fields) return 0;
    for (k = 0; k < e->n_fields; k++) {
      if (!bb__matches(e->fields[k].element, s->children[k])) return 0;
    }
    return 1;
  }
  {
    const char* f = bb__scalar_arrow(e, b, sizeof b, &ext);
    if (strcmp(s->format, f) != 0 || !bb__same_extension(s, ext, known)) return 0;
    if (e->code[0] == 'Z')
      return s->n_children == 1 && strcmp(s->children[0]->format, e->code[1] == 'f' ? "f" : "g") == 0 &&
             s->children[0]->n_children == 0 && bb__same_extension(s->children[0], NULL, NULL);
    return s->n_children == 0;
  }
}

static inline int bb__matches_dims(const struct bb_element* e, int dim, const struct ArrowSchema* s) {
  char b[32];
  if (dim == e->ndim) return bb__matches(e->item, s);
  snprintf(b, sizeof b, "+w:%lld", (long long)e->shape[dim]);
  return strcmp(s->format, b) == 0 && bb__same_extension(s, NULL, NULL) && s->n_children == 1 &&
         bb__matches_dims(e, dim + 1, s->children[0]);
}

/* TypeNode.signature of a schema node, cut at the text's cap, for messages. */
static inline void bb__signature_of(struct bb__arena* a, struct bb__text* t, const struct ArrowSchema* s) {
  char b[64];
  const char* ext = bb__extension(s, b, sizeof b);
  int64_t k;
  if (t->len > 300) return;
  bb__text_str(a, t, s->format);
  if (ext != NULL && strcmp(ext, "arrow.fixed_shape_tensor") != 0) {
    bb__text_str(a, t, "{");
    bb__text_str(a, t, ext);
    bb__text_str(a, t, "}");
  }
  if (s->n_children > 0) {
    bb__text_str(a, t, "<");
    for (k = 0; k < s->n_children; k++) {
      if (k > 0) bb__text_str(a, t, ",");
      bb__signature_of(a, t, s->children[k]);
    }
    bb__text_str(a, t, ">");
  }
}

static inline void bb__signature_dims(struct bb__arena* a, struct bb__text* t, const struct bb_element* e, int dim);

/* The signature ElementMapping's type for a mappable element has. */
static inline void bb__signature_expected(struct bb__arena* a, struct bb__text* t, const struct bb_element* e) {
  char b[32];
  const char* ext;
  int64_t k;
  if (t->len > 300) return;
  if (e->kind == BB_ELEMENT_SUBARRAY) {
    bb__signature_dims(a, t, e, 0);
  } else if (e->kind == BB_ELEMENT_RECORD) {
    bb__text_str(a, t, "+s");
    if (e->n_fields > 0) {
      bb__text_str(a, t, "<");
      for (k = 0; k < e->n_fields; k++) {
        if (k > 0) bb__text_str(a, t, ",");
        bb__signature_expected(a, t, e->fields[k].element);
      }
      bb__text_str(a, t, ">");
    }
  } else {
    bb__text_str(a, t, bb__scalar_arrow(e, b, sizeof b, &ext));
    if (ext != NULL) {
      bb__text_str(a, t, "{");
      bb__text_str(a, t, ext);
      bb__text_str(a, t, "}");
    }
    if (e->code[0] == 'Z') bb__text_str(a, t, e->code[1] == 'f' ? "<f>" : "<g>");
  }
}

static inline void bb__signature_dims(struct bb__arena* a, struct bb__text* t, const struct bb_element* e, int dim) {
  if (dim == e->ndim) {
    bb__signature_expected(a, t, e->item);
    return;
  }
  bb__text_str(a, t, "+w:");
  bb__text_int(a, t, e->shape[dim]);
  bb__text_str(a, t, "<");
  bb__signature_dims(a, t, e, dim + 1);
  bb__text_str(a, t, ">");
}

static inline void bb__c_strides(int64_t itemsize, int ndim, const int64_t* shape, int64_t* out) {
  int64_t s = itemsize;
  int k;
  for (k = ndim - 1; k >= 0; k--) {
    out[k] = s;
    /* product × itemsize was checked, but with a 0 axis a partial product may still leave int64:
       it wraps, as Java's Layouts.cStrides does (no element, so no stride is ever used) */
    s = (int64_t)((uint64_t)s * (uint64_t)shape[k]);
  }
}

static inline int bb__same_ints(const int64_t* a, const int64_t* b, int n) {
  int k;
  for (k = 0; k < n; k++) {
    if (a[k] != b[k]) return 0;
  }
  return 1;
}

/* docs/contract.md §3: the view the bufferbridge.* metadata describes, checked against the Arrow type. */
static inline int bb__plan_bufferbridge(struct bb__arena* ar, const struct ArrowSchema* s,
                                        const struct ArrowArray* a, const struct bb__meta* md,
                                        struct bb__plan* p, struct bb_error* e) {
  int64_t count = 1, arrow_count;
  int nstrides = 0, copied = 0, rc, k;
  char* text = bb__strndup(ar, md->format.p, md->format.n);
  struct bb__kind rk;
  if (text == NULL) return bb__fail(e, BB_ENOMEM, "out of memory: bytes=%lld", (long long)md->format.n);
  p->text = text;
  {
    struct bb_error fe;
    if (bb__format_parse_in(ar, md->format.p, md->format.n, &p->format, NULL, &fe) != 0)
      return bb__fail(e, BB_EINVAL, "bufferbridge.format does not parse: path=root format='%.200s' (%s)", text,
                      fe.message);
  }
  if ((rc = bb__longs(md->shape, "bufferbridge.shape", p->shape, BB_MAX_NDIM + 1, &p->ndim, e)) != 0) return rc;
  if ((rc = bb__longs(md->strides, "bufferbridge.strides", p->strides, BB_MAX_NDIM + 1, &nstrides, e)) != 0) return rc;
  if (p->ndim != nstrides || p->ndim > BB_MAX_NDIM) {
    char b1[400], b2[400];
    bb__ints_text(b1, sizeof b1, p->shape, p->ndim);
    bb__ints_text(b2, sizeof b2, p->strides, nstrides);
    return bb__fail(e, BB_EINVAL, "bufferbridge.shape and bufferbridge.strides disagree: path=root shape=%s strides=%s",
                    b1, b2);
  }
  for (k = 0; k < p->ndim; k++) {
    if (p->shape[k] < 0) {
      char b1[400];
      bb__ints_text(b1, sizeof b1, p->shape, p->ndim);
      return bb__fail(e, BB_EINVAL, "bufferbridge.shape has a negative dimension: path=root shape=%s", b1);
    }
  }
  if ((rc = bb__bool(md->readonly, "bufferbridge.readonly", &p->readonly, e)) != 0) return rc;
  if ((rc = bb__bool(md->copied, "bufferbridge.copied", &copied, e)) != 0) return rc;
  if (md->itemsize.present) {
    int n1;
    int64_t v[2];
    if (bb__longs(md->itemsize, "bufferbridge.itemsize", v, 2, &n1, NULL) != 0 || n1 != 1)
      return bb__fail(e, BB_EINVAL, "bufferbridge.itemsize is not one integer: path=root found='%.*s'",
                      (int)(md->itemsize.n > 64 ? 64 : md->itemsize.n), md->itemsize.p);
    p->itemsize = v[0];
  } else {
    p->itemsize = p->format.struct_compatible ? p->format.itemsize : p->format.padded_itemsize;
  }
  if (!bb_format_is_itemsize(&p->format, p->itemsize))
    return bb__fail(e, BB_EINVAL,
                    "bufferbridge.itemsize does not match bufferbridge.format: path=root format='%.200s' itemsize=%lld "
                    "expected=%lld or %lld", text, (long long)p->itemsize, (long long)p->format.itemsize,
                    (long long)p->format.padded_itemsize);
  for (k = 0; k < p->ndim; k++) {
    if (!bb__mul(count, p->shape[k], &count)) {
      char b1[400];
      bb__ints_text(b1, sizeof b1, p->shape, p->ndim);
      return bb__fail(e, BB_EOVERFLOW, "bufferbridge.shape overflows: path=root shape=%s", b1);
    }
  }
  if ((rc = bb__kind_of(s, "root", &rk, e)) != 0) return rc;
  if (p->ndim <= 1) {
    p->es = s;
    p->ea = a;
    arrow_count = a->length;
  } else {
    char b[64];
    const char* ext = bb__extension_of(s, md, b, sizeof b);
    int64_t tshape[64], perm[64], logical[64];
    int nd, rows, whole;
    if (rk.kind != BB__LIST || ext == NULL || strcmp(ext, "arrow.fixed_shape_tensor") != 0)
      return bb__fail(e, BB_EINVAL,
                      "bufferbridge.shape has ndim>=2 but the type is no fixed_shape_tensor: path=root ndim=%d "
                      "format='%.100s' extension=%s", p->ndim, s->format, ext == NULL ? "null" : ext);
    if ((rc = bb__tensor(md->ext_meta, rk.list_size, "root", tshape, perm, &nd, e)) != 0) return rc;
    for (k = 0; k < nd; k++) logical[k] = tshape[perm[k]];
    rows = a->length == p->shape[0] && nd == p->ndim - 1 && bb__same_ints(logical, p->shape + 1, nd);
    whole = a->length == 1 && nd == p->ndim && bb__same_ints(logical, p->shape, nd);
    if (!rows && !whole) {
      char b1[400], b2[400];
      bb__ints_text(b1, sizeof b1, p->shape, p->ndim);
      bb__ints_text(b2, sizeof b2, logical, nd);
      return bb__fail(e, BB_EINVAL,
                      "fixed_shape_tensor contradicts bufferbridge.shape: path=root shape=%s length=%lld "
                      "tensor_logical_shape=%s", b1, (long long)a->length, b2);
    }
    p->es = s->children[0];
    p->ea = a->children[0];
    if (!bb__mul(a->length, rk.list_size, &arrow_count))
      return bb__fail(e, BB_EOVERFLOW, "size overflows: path=root a=%lld b=%lld", (long long)a->length,
                      (long long)rk.list_size);
  }
  if (arrow_count != count) {
    char b1[400];
    bb__ints_text(b1, sizeof b1, p->shape, p->ndim);
    return bb__fail(e, BB_EINVAL,
                    "bufferbridge.shape contradicts the array length: path=root shape=%s product=%lld arrow_elements=%lld",
                    b1, (long long)count, (long long)arrow_count);
  }
  {
    const struct bb__meta* known = p->es == s ? md : NULL;
    int ok = bb__mappable(p->format.element) ? bb__matches_at(p->format.element, p->es, known) : 0;
    if (!bb__mappable(p->format.element)) {
      /* The whole element as w:itemsize + arrow.opaque. */
      char b[40];
      snprintf(b, sizeof b, "w:%lld", (long long)p->itemsize);
      ok = strcmp(p->es->format, b) == 0 && p->es->n_children == 0 && bb__same_extension(p->es, "arrow.opaque", known);
    }
    if (!ok) {
      struct bb__text want, found;
      memset(&want, 0, sizeof want);
      memset(&found, 0, sizeof found);
      if (bb__mappable(p->format.element)) {
        bb__signature_expected(ar, &want, p->format.element);
      } else {
        bb__text_str(ar, &want, "w:");
        bb__text_int(ar, &want, p->itemsize);
        bb__text_str(ar, &want, "{arrow.opaque}");
      }
      bb__signature_of(ar, &found, p->es);
      return bb__fail(e, BB_EINVAL,
                      "bufferbridge.format contradicts the Arrow type: path=%s format='%.200s' expected=%.300s found=%.300s",
                      p->ndim <= 1 ? "root" : "root.0", text, want.p != NULL ? want.p : "?",
                      found.p != NULL ? found.p : "?");
    }
  }
  p->copy = bb__needs_copy(p->es);
  if (p->copy && !copied)
    return bb__fail(e, BB_EINVAL,
                    "bufferbridge.copied=false contradicts a struct type, which is always a copy: path=root format='%.200s'",
                    text);
  p->exporter_copied = copied;
  if (copied) {
    int64_t bytes;
    if (!bb__mul(count, p->itemsize, &bytes))
      return bb__fail(e, BB_EOVERFLOW, "size overflows: path=root elements=%lld itemsize=%lld", (long long)count,
                      (long long)p->itemsize);
    /* docs/contract.md §3: an export that copied holds the view in C order. */
    bb__c_strides(p->itemsize, p->ndim, p->shape, p->strides);
  }
  return 0;
}

/* ViewImport.elementFormat: the PEP 3118 format of one element of a foreign node. */
static inline int bb__element_format(struct bb__arena* ar, struct bb__text* t, const struct ArrowSchema* s,
                                     const char* path, struct bb_error* e) {
  struct bb__kind k;
  int64_t i;
  int rc;
  char b[64];
  if ((rc = bb__kind_of(s, path, &k, e)) != 0) return rc;
  if (k.kind == BB__BITS) {
    bb__text_str(ar, t, "?");
  } else if (k.kind == BB__FIXED) {
    const char* ext = bb__extension(s, b, sizeof b);
    const char* f = s->format;
    if (strcmp(f, "c") == 0) {
      bb__text_str(ar, t, ext != NULL && strcmp(ext, "arrow.bool8") == 0 ? "?" : "b");
    } else if (f[1] == '\0' && strchr("CsSiIlLefg", f[0]) != NULL) {
      static const char from[] = "CsSiIlLefg", to[] = "BhHiIqQefd";
      bb__text_put(ar, t, &to[strchr(from, f[0]) - from], 1);
    } else if (f[0] == 'w' && f[1] == ':') {
      int opaque_name = 0;
      if (ext != NULL && strcmp(ext, "arrow.opaque") == 0) {
        /* A PEP 3118 opaque type keeps its format when it parses with the storage's width. */
        static const char* const keys[] = {"type_name", "vendor_name"};
        struct bb__jspan sp[2];
        struct bb__meta m;
        char vendor[16];
        bb__read_metadata(s->metadata, path, &m, NULL);
        if (m.ext_meta.present && bb__json_members(m.ext_meta.p, m.ext_meta.n, keys, 2, sp) == 0 &&
            sp[0].type == BB__J_STRING && sp[1].type == BB__J_STRING) {
          struct bb__json j;
          int64_t vlen, tlen;
          char* name = (char*)bb__alloc(ar, (size_t)(sp[0].end - sp[0].start));
          j.s = m.ext_meta.p;
          j.n = sp[1].end;
          j.i = sp[1].start;
          j.depth = 0;
          bb__jstring(&j, vendor, sizeof vendor, &vlen);
          j.n = sp[0].end;
          j.i = sp[0].start;
          if (name != NULL && vlen == 8 && strcmp(vendor, "PEP 3118") == 0 &&
              bb__jstring(&j, name, sp[0].end - sp[0].start, &tlen) == 0) {
            struct bb_format pf;
            if (bb__format_parse_in(ar, name, tlen, &pf, NULL, NULL) == 0 && bb_format_is_itemsize(&pf, k.width)) {
              bb__text_put(ar, t, name, tlen);
              opaque_name = 1;
            }
          }
        }
      }
      if (!opaque_name) {
        bb__text_int(ar, t, k.width);
        bb__text_str(ar, t, "s");
      }
    } else if (f[0] == 'd') {
      bb__text_str(ar, t, k.width == 16 ? "16s" : "32s");
    } else {
      bb__text_str(ar, t, k.width == 4 ? "i" : "q");
    }
  } else if (k.kind == BB__LIST) {
    const struct ArrowSchema* c = s;
    struct bb__kind ck = k;
    bb__text_str(ar, t, "(");
    for (i = 0; ck.kind == BB__LIST; i++) {
      if (i > 0) bb__text_str(ar, t, ",");
      bb__text_int(ar, t, ck.list_size);
      c = c->children[0];
      if ((rc = bb__kind_of(c, path, &ck, e)) != 0) return rc;
    }
    bb__text_str(ar, t, ")");
    return bb__element_format(ar, t, c, path, e);
  } else {
    bb__text_str(ar, t, "T{");
    for (i = 0; i < s->n_children; i++) {
      const struct ArrowSchema* c = s->children[i];
      const char* name = c->name != NULL && bb__bounded(c->name) ? c->name : NULL;
      if (name != NULL && strchr(name, ':') != NULL)
        return bb__fail(e, BB_EINVAL, "struct field name contains ':': path=%s.%lld name='%.200s'", path, (long long)i,
                        name);
      if ((rc = bb__element_format(ar, t, c, path, e)) != 0) return rc;
      if (name != NULL && name[0] != '\0') {
        bb__text_str(ar, t, ":");
        bb__text_str(ar, t, name);
        bb__text_str(ar, t, ":");
      }
    }
    bb__text_str(ar, t, "}");
  }
  return t->failed ? bb__fail(e, BB_ENOMEM, "out of memory: path=%s", path) : 0;
}

/* docs/contract.md §2, Arrow to PEP 3118: a foreign producer's pair. */
static inline int bb__plan_foreign(struct bb__arena* ar, const struct ArrowSchema* s, const struct ArrowArray* a,
                                   const struct bb__meta* md, struct bb__plan* p, struct bb_error* e) {
  int64_t phys[BB_MAX_DEPTH + 2], c[BB_MAX_DEPTH + 2], perm[64], total, count = 1;
  memset(c, 0, sizeof c);
  int physn, rc, k;
  int has_perm = 0;
  struct bb__kind rk;
  struct bb__text text;
  char b[64];
  const char* ext = bb__extension_of(s, md, b, sizeof b);
  memset(&text, 0, sizeof text);
  if ((rc = bb__kind_of(s, "root", &rk, e)) != 0) return rc;
  if (ext != NULL && strcmp(ext, "arrow.fixed_shape_tensor") == 0) {
    int64_t tshape[64];
    int nd;
    if (rk.kind != BB__LIST)
      return bb__fail(e, BB_EINVAL, "fixed_shape_tensor storage is not a fixed-size list: path=root format='%.100s'",
                      s->format);
    if ((rc = bb__tensor(md->ext_meta, rk.list_size, "root", tshape, perm, &nd, e)) != 0) return rc;
    p->ndim = nd + 1;
    p->shape[0] = a->length;
    phys[0] = a->length;
    for (k = 0; k < nd; k++) {
      p->shape[k + 1] = tshape[perm[k]];
      phys[k + 1] = tshape[k];
    }
    physn = nd + 1;
    has_perm = 1;
    p->es = s->children[0];
    p->ea = a->children[0];
  } else {
    const struct ArrowSchema* n = s;
    const struct ArrowArray* na = a;
    struct bb__kind nk = rk;
    p->ndim = 1;
    p->shape[0] = a->length;
    while (nk.kind == BB__LIST) {
      if (p->ndim > BB_MAX_NDIM)
        return bb__fail(e, BB_EINVAL, "too many dimensions: ndim=%d max=%d", p->ndim + 1, BB_MAX_NDIM);
      p->shape[p->ndim++] = nk.list_size;
      n = n->children[0];
      na = na->children[0];
      if ((rc = bb__kind_of(n, "root", &nk, e)) != 0) return rc;
    }
    memcpy(phys, p->shape, sizeof(int64_t) * (size_t)p->ndim);
    physn = p->ndim;
    p->es = n;
    p->ea = na;
  }
  if ((rc = bb__element_format(ar, &text, p->es, "root", e)) != 0) return rc;
  p->text = text.p != NULL ? text.p : "";
  {
    struct bb_error fe;
    if (bb__format_parse_in(ar, p->text, text.len, &p->format, NULL, &fe) != 0)
      return bb__fail(e, BB_EINVAL, "struct field names cannot be written as a PEP 3118 format: path=root format='%.200s' (%s)",
                      p->text, fe.message);
  }
  {
    struct bb__kind ek;
    bb__kind_of(p->es, "root", &ek, NULL);
    /* A fixed-width leaf's width is the itemsize: an opaque "ic" has two valid ones. */
    p->itemsize = ek.kind == BB__FIXED ? ek.width
                  : p->format.struct_compatible ? p->format.itemsize : p->format.padded_itemsize;
  }
  for (k = 0; k < p->ndim; k++) {
    if (!bb__mul(count, p->shape[k], &count)) break;
  }
  if (k < p->ndim || !bb__mul(count, p->itemsize, &total)) {
    char b1[400];
    bb__ints_text(b1, sizeof b1, p->shape, p->ndim);
    return bb__fail(e, BB_EOVERFLOW, "array too large: path=root shape=%s", b1);
  }
  bb__c_strides(p->itemsize, physn, phys, c);
  if (has_perm) {
    p->strides[0] = c[0];
    for (k = 0; k + 1 < p->ndim; k++) p->strides[k + 1] = c[perm[k] + 1];
  } else {
    memcpy(p->strides, c, sizeof(int64_t) * (size_t)p->ndim);
  }
  p->readonly = 1;
  p->copy = bb__needs_copy(p->es);
  p->exporter_copied = 0;
  return 0;
}

/*
 * One +w level down: the element each list value is (sub-array dimension dim + 1, or the item
 * after the last dimension; for a complex scalar, one of its two reals) and its size.
 */
static inline int64_t bb__list_item(const struct bb_element* e, int dim, const struct bb_element** inner,
                                    int* inner_dim) {
  int64_t size;
  int d;
  if (e->kind != BB_ELEMENT_SUBARRAY) {
    *inner = e;
    *inner_dim = 0;
    return e->size / 2; /* a complex scalar: two reals */
  }
  size = e->item->size;
  /* within the element's checked size, but for dimensions after a 0 one: wraps, unused then */
  for (d = dim + 1; d < e->ndim; d++) size = (int64_t)((uint64_t)size * (uint64_t)e->shape[d]);
  *inner = dim + 1 == e->ndim ? e->item : e;
  *inner_dim = dim + 1 == e->ndim ? 0 : dim + 1;
  return size;
}

/* Copies element `index` (before the node's offset) of a checked node to dst (the interleaving copy). */
static inline void bb__copy_one(const struct ArrowSchema* s, const struct ArrowArray* a, const struct bb_element* e,
                                int dim, int64_t index, unsigned char* dst) {
  struct bb__kind k;
  int64_t i;
  bb__kind_of(s, "", &k, NULL);
  if (k.kind == BB__FIXED) {
    memcpy(dst, (const unsigned char*)a->buffers[1] + (a->offset + index) * k.width, (size_t)k.width);
  } else if (k.kind == BB__BITS) {
    int64_t bit = a->offset + index;
    *dst = (unsigned char)((((const unsigned char*)a->buffers[1])[bit >> 3] >> (bit & 7)) & 1);
  } else if (k.kind == BB__LIST) {
    const struct bb_element* inner;
    int inner_dim;
    int64_t inner_size = bb__list_item(e, dim, &inner, &inner_dim);
    for (i = 0; i < k.list_size; i++)
      bb__copy_one(s->children[0], a->children[0], inner, inner_dim, (a->offset + index) * k.list_size + i,
                   dst + i * inner_size);
  } else {
    for (i = 0; i < e->n_fields; i++)
      bb__copy_one(s->children[i], a->children[i], e->fields[i].element, 0, a->offset + index,
                   dst + e->fields[i].offset);
  }
}

/* BufferView.of's check: every element inside [0, bytes) of the memory. */
static inline int bb__check_extent(const struct bb__plan* p, int64_t bytes, struct bb_error* e) {
  int64_t lo = 0, hi = 0, top;
  int k;
  char b1[400], b2[400];
  for (k = 0; k < p->ndim; k++) {
    if (p->shape[k] == 0) return 0;
  }
  for (k = 0; k < p->ndim; k++) {
    int64_t span;
    if (!bb__mul(p->shape[k] - 1, p->strides[k], &span) || !(span < 0 ? bb__add(lo, span, &lo) : bb__add(hi, span, &hi)))
      goto overflow;
  }
  if (!bb__add(hi, p->itemsize, &top)) goto overflow;
  if (lo < 0 || top > bytes) {
    bb__ints_text(b1, sizeof b1, p->shape, p->ndim);
    bb__ints_text(b2, sizeof b2, p->strides, p->ndim);
    return bb__fail(e, BB_EINVAL,
                    "element bytes reach outside memory: lowest=%lld highest=%lld memory=%lld offset=0 itemsize=%lld "
                    "shape=%s strides=%s", (long long)lo, (long long)top, (long long)bytes, (long long)p->itemsize, b1, b2);
  }
  return 0;
overflow:
  bb__ints_text(b1, sizeof b1, p->shape, p->ndim);
  bb__ints_text(b2, sizeof b2, p->strides, p->ndim);
  return bb__fail(e, BB_EOVERFLOW,
                  "element offsets overflow a 64-bit integer: offset=0 itemsize=%lld shape=%s strides=%s memory=%lld",
                  (long long)p->itemsize, b1, b2, (long long)bytes);
}

static inline int bb__import_in(struct bb__arena* ar, const struct ArrowSchema* s, const struct ArrowArray* a,
                                struct bb_view* v, struct bb__plan* p, struct bb_error* e) {
  struct bb__walk w;
  const struct bb__meta* md = &w.root;
  int64_t count = 1, bytes, start = 0;
  int rc, k;
  unsigned char* base = NULL;
  w.nodes = 0;
  w.e = e;
  strcpy(w.path, "root");
  if (s == NULL) return bb__fail(e, BB_EINVAL, "ArrowSchema is NULL: path=root");
  if (a == NULL) return bb__fail(e, BB_EINVAL, "ArrowArray is NULL: path=root");
  if ((rc = bb__check_schema(s, &w, 0)) != 0) return rc;
  w.nodes = 0;
  if ((rc = bb__check_array(a, &w, 0)) != 0) return rc;
  w.nodes = 0;
  if ((rc = bb__pair(s, a, &w, 0)) != 0) return rc;
  rc = md->format.present ? bb__plan_bufferbridge(ar, s, a, md, p, e) : bb__plan_foreign(ar, s, a, md, p, e);
  if (rc != 0) return rc;
  if (p->ndim > BB_MAX_NDIM) return bb__fail(e, BB_EINVAL, "too many dimensions: ndim=%d max=%d", p->ndim, BB_MAX_NDIM);
  for (k = 0; k < p->ndim; k++) bb__mul(count, p->shape[k], &count); /* checked by the plans */
  if (!bb__mul(count, p->itemsize, &bytes))
    return bb__fail(e, BB_EOVERFLOW, "size overflows: path=root elements=%lld itemsize=%lld", (long long)count,
                    (long long)p->itemsize);
  /* The index, in the element node's own numbering, of the array's first element. */
  {
    /* Bounded: each child holds (offset + length) × list_size of its parent's values. */
    const struct ArrowSchema* n = s;
    const struct ArrowArray* na = a;
    while (n != p->es) {
      struct bb__kind nk;
      bb__kind_of(n, "root", &nk, NULL);
      start = (na->offset + start) * nk.list_size;
      n = n->children[0];
      na = na->children[0];
    }
  }
  if (!p->copy && bytes > 0) {
    const struct ArrowSchema* n = p->es;
    const struct ArrowArray* na = p->ea;
    struct bb__kind nk;
    int64_t index = start, width_total = 1, extent = 0, first = 0, end = 0;
    bb__kind_of(n, "root", &nk, NULL);
    while (nk.kind == BB__LIST) {
      index = (na->offset + index) * nk.list_size;
      width_total *= nk.list_size;
      n = n->children[0];
      na = na->children[0];
      bb__kind_of(n, "root", &nk, NULL);
    }
    /* The data the structs declare: (offset + length) × width bytes of the leaf buffer. */
    if (!bb__mul(width_total, nk.width, &width_total) || width_total != p->itemsize)
      return bb__fail(e, BB_EINVAL, "element width contradicts the itemsize: path=root itemsize=%lld arrow_width=%lld",
                      (long long)p->itemsize, (long long)width_total);
    first = na->offset + index;
    if (!bb__mul(first, nk.width, &first) || !bb__mul(na->offset + na->length, nk.width, &extent) ||
        !bb__add(first, bytes, &end) || end > extent)
      return bb__fail(e, BB_EINVAL, "view reaches past the declared data: path=root first_byte=%lld bytes=%lld declared=%lld",
                      (long long)first, (long long)bytes, (long long)extent);
    base = (unsigned char*)na->buffers[1] + first;
  } else if (bytes > 0) {
    base = (unsigned char*)bb__alloc(ar, (size_t)bytes);
    if (base == NULL) return bb__fail(e, BB_ENOMEM, "out of memory for the copy: path=root bytes=%lld", (long long)bytes);
    memset(base, 0, (size_t)bytes); /* padding between fields reads as zeros, as in Java */
    {
      int64_t i;
      for (i = 0; i < count; i++) bb__copy_one(p->es, p->ea, p->format.element, 0, start + i, base + i * p->itemsize);
    }
  }
  if ((rc = bb__check_extent(p, bytes, e)) != 0) return rc;
  {
    int64_t* shape = (int64_t*)bb__alloc(ar, sizeof(int64_t) * (size_t)(2 * p->ndim + 1));
    if (shape == NULL) return bb__fail(e, BB_ENOMEM, "out of memory: ndim=%d", p->ndim);
    memcpy(shape, p->shape, sizeof(int64_t) * (size_t)p->ndim);
    memcpy(shape + p->ndim, p->strides, sizeof(int64_t) * (size_t)p->ndim);
    v->buf = base;
    v->len = bytes;
    v->readonly = p->readonly;
    v->itemsize = p->itemsize;
    v->format = p->text;
    v->ndim = p->ndim;
    v->shape = shape;
    v->strides = shape + p->ndim;
    v->suboffsets = NULL;
    v->copied = p->copy || p->exporter_copied;
    v->element = p->format.element;
  }
  return 0;
}

static inline int bb_view_import(const struct ArrowSchema* schema, const struct ArrowArray* array,
                                 struct bb_view* view, struct bb_error* error) {
  struct bb__arena ar;
  struct bb__plan plan;
  struct bb__plan* p = &plan;
  struct bb__arena* keep;
  int rc;
  if (view == NULL) return bb__fail(error, BB_EINVAL, "view is NULL");
  memset(view, 0, sizeof *view);
  ar.head = NULL;
  /* Only the scalars: the shape and stride arrays are written before they are read. */
  memset(&p->format, 0, sizeof p->format);
  p->text = NULL;
  p->itemsize = 0;
  p->ndim = 0;
  p->readonly = p->copy = p->exporter_copied = 0;
  p->es = NULL;
  p->ea = NULL;
  rc = bb__import_in(&ar, schema, array, view, p, error);
  keep = rc == 0 ? (struct bb__arena*)bb__alloc(&ar, sizeof *keep) : NULL;
  if (rc == 0 && keep == NULL) rc = bb__fail(error, BB_ENOMEM, "out of memory");
  if (rc != 0) {
    bb__arena_free(&ar);
    memset(view, 0, sizeof *view);
    return rc;
  }
  *keep = ar;
  view->internal = keep;
  return 0;
}

static inline void bb_view_release(struct bb_view* view) {
  if (view == NULL) return;
  if (view->internal != NULL) {
    struct bb__arena ar = *(struct bb__arena*)view->internal;
    bb__arena_free(&ar);
  }
  memset(view, 0, sizeof *view);
}

/* ------------------------------------------------------------------------------------------ */
/* Export: a strided C buffer as a pair, as io.bufferbridge.arrow.internal.ViewExport writes    */
/* one (docs/contract.md §2 mapping, §3 metadata), so that Java's importer reads it back exactly.           */
/* ------------------------------------------------------------------------------------------ */

/* What a root struct owns: its tree's memory, and for the array the producer's callback. */
struct bb__owner {
  struct bb__arena arena;
  void (*release)(void*);
  void* ctx;
};

static inline void bb__release_child_schema(struct ArrowSchema* s) { s->release = NULL; }

static inline void bb__release_child_array(struct ArrowArray* a) { a->release = NULL; }

static inline void bb__release_root_schema(struct ArrowSchema* s) {
  struct bb__arena ar;
  if (s == NULL || s->release == NULL) return;
  ar = ((struct bb__owner*)s->private_data)->arena;
  s->release = NULL;
  s->private_data = NULL;
  bb__arena_free(&ar); /* the owner lives in the arena: copied out first */
}

static inline void bb__release_root_array(struct ArrowArray* a) {
  struct bb__owner o;
  if (a == NULL || a->release == NULL) return;
  o = *(struct bb__owner*)a->private_data;
  a->release = NULL;
  a->private_data = NULL;
  bb__arena_free(&o.arena);
  if (o.release != NULL) o.release(o.ctx);
}

/* Metadata pairs for one node, encoded as the C data interface blob. */
struct bb__pairs {
  int n;
  const char* key[10];
  const char* value[10];
};

static inline const char* bb__blob(struct bb__arena* ar, const struct bb__pairs* m) {
  int64_t size = 4;
  int k;
  char* blob;
  char* at;
  int32_t v;
  if (m->n == 0) return NULL;
  for (k = 0; k < m->n; k++) size += 8 + (int64_t)strlen(m->key[k]) + (int64_t)strlen(m->value[k]);
  blob = (char*)bb__alloc(ar, (size_t)size);
  if (blob == NULL) return NULL;
  v = m->n;
  memcpy(blob, &v, 4);
  at = blob + 4;
  for (k = 0; k < 2 * m->n; k++) {
    const char* s = k % 2 == 0 ? m->key[k / 2] : m->value[k / 2];
    v = (int32_t)strlen(s);
    memcpy(at, &v, 4);
    memcpy(at + 4, s, (size_t)v);
    at += 4 + v;
  }
  return blob;
}

/* A JSON string literal of s (quotes, backslashes and control characters escaped). */
static inline void bb__json_string(struct bb__arena* ar, struct bb__text* t, const char* s) {
  bb__text_str(ar, t, "\"");
  for (; *s != '\0'; s++) {
    char b[8];
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      b[0] = '\\';
      b[1] = (char)c;
      bb__text_put(ar, t, b, 2);
    } else if (c < 0x20) {
      snprintf(b, sizeof b, "\\u%04x", c);
      bb__text_put(ar, t, b, 6);
    } else {
      bb__text_put(ar, t, s, 1);
    }
  }
  bb__text_str(ar, t, "\"");
}

static inline void bb__json_ints(struct bb__arena* ar, struct bb__text* t, const int64_t* v, int n) {
  int k;
  bb__text_str(ar, t, "[");
  for (k = 0; k < n; k++) {
    if (k > 0) bb__text_str(ar, t, ",");
    bb__text_int(ar, t, v[k]);
  }
  bb__text_str(ar, t, "]");
}

static inline struct ArrowSchema* bb__new_schema(struct bb__arena* ar, const char* format, const char* name,
                                                 int64_t n_children) {
  struct ArrowSchema* s = (struct ArrowSchema*)bb__alloc(ar, sizeof *s);
  if (s == NULL) return NULL;
  memset(s, 0, sizeof *s);
  s->format = bb__strndup(ar, format, (int64_t)strlen(format));
  s->name = name;
  s->n_children = n_children;
  if (n_children > 0) {
    s->children = (struct ArrowSchema**)bb__alloc(ar, sizeof(struct ArrowSchema*) * (size_t)n_children);
    if (s->children == NULL) return NULL;
  }
  s->release = bb__release_child_schema;
  return s->format == NULL ? NULL : s;
}

/* ElementMapping: the Arrow type of a mappable element (from sub-array dimension `dim`). */
static inline struct ArrowSchema* bb__type_of(struct bb__arena* ar, const struct bb_element* e, int dim,
                                              const char* name, struct bb__pairs* md) {
  struct ArrowSchema* s;
  char b[40];
  int64_t k;
  if (e->kind == BB_ELEMENT_SUBARRAY && dim < e->ndim) {
    snprintf(b, sizeof b, "+w:%lld", (long long)e->shape[dim]);
    s = bb__new_schema(ar, b, name, 1);
    if (s == NULL || (s->children[0] = bb__type_of(ar, e, dim + 1, "item", NULL)) == NULL) return NULL;
  } else if (e->kind == BB_ELEMENT_SUBARRAY) {
    return bb__type_of(ar, e->item, 0, name, md);
  } else if (e->kind == BB_ELEMENT_RECORD) {
    s = bb__new_schema(ar, "+s", name, e->n_fields);
    if (s == NULL) return NULL;
    for (k = 0; k < e->n_fields; k++) {
      if ((s->children[k] = bb__type_of(ar, e->fields[k].element, 0, e->fields[k].name, NULL)) == NULL) return NULL;
    }
  } else {
    const char* ext;
    const char* f = bb__scalar_arrow(e, b, sizeof b, &ext);
    s = bb__new_schema(ar, f, name, e->code[0] == 'Z' ? 1 : 0);
    if (s == NULL) return NULL;
    if (e->code[0] == 'Z' && (s->children[0] = bb__new_schema(ar, e->code[1] == 'f' ? "f" : "g", "item", 0)) == NULL)
      return NULL;
    if (ext != NULL) {
      struct bb__pairs own;
      struct bb__pairs* m = md != NULL ? md : &own;
      if (md == NULL) own.n = 0;
      m->key[m->n] = "ARROW:extension:name";
      m->value[m->n++] = ext;
      m->key[m->n] = "ARROW:extension:metadata";
      m->value[m->n++] = "";
      if (md == NULL && (s->metadata = bb__blob(ar, m)) == NULL) return NULL;
    }
  }
  return s;
}

/* Java's ElementMapping.containsStruct of a mappable element. */
static inline int bb__has_record(const struct bb_element* e) {
  if (e->kind == BB_ELEMENT_SUBARRAY) return bb__has_record(e->item);
  return e->kind == BB_ELEMENT_RECORD;
}

/* Leaf write cursors of a gathering export (values interleaved in the source). */
struct bb__leaf {
  unsigned char* data;
  int64_t at;
};

/* The arrays of a type for `count` elements; leaves point into base, or are gathered later. */
static inline struct ArrowArray* bb__array_of(struct bb__arena* ar, const struct ArrowSchema* s, int64_t count,
                                              unsigned char* base, int gather) {
  struct ArrowArray* a = (struct ArrowArray*)bb__alloc(ar, sizeof *a);
  struct bb__kind k;
  int64_t i;
  if (a == NULL) return NULL;
  memset(a, 0, sizeof *a);
  bb__kind_of(s, "", &k, NULL);
  a->length = count;
  a->n_buffers = k.kind == BB__FIXED ? 2 : 1;
  a->buffers = (const void**)bb__alloc(ar, sizeof(void*) * 2);
  a->n_children = s->n_children;
  if (a->buffers == NULL) return NULL;
  a->buffers[0] = NULL;
  a->buffers[1] = NULL;
  a->release = bb__release_child_array;
  if (s->n_children > 0) {
    a->children = (struct ArrowArray**)bb__alloc(ar, sizeof(struct ArrowArray*) * (size_t)s->n_children);
    if (a->children == NULL) return NULL;
  }
  if (k.kind == BB__LIST) {
    int64_t n;
    if (!bb__mul(count, k.list_size, &n) || (a->children[0] = bb__array_of(ar, s->children[0], n, base, gather)) == NULL)
      return NULL;
  } else if (k.kind == BB__STRUCT) {
    for (i = 0; i < s->n_children; i++) {
      if ((a->children[i] = bb__array_of(ar, s->children[i], count, base, 1)) == NULL) return NULL;
    }
  } else if (!gather) {
    a->buffers[1] = base;
  } else {
    struct bb__leaf* leaf = (struct bb__leaf*)bb__alloc(ar, sizeof *leaf);
    int64_t bytes;
    if (leaf == NULL || !bb__mul(count, k.width, &bytes)) return NULL;
    leaf->data = (unsigned char*)bb__alloc(ar, (size_t)(bytes > 0 ? bytes : 1));
    leaf->at = 0;
    if (leaf->data == NULL) return NULL;
    a->buffers[1] = leaf->data;
    a->private_data = leaf; /* the cursor, until bb__gather is done */
  }
  return a;
}

/* Appends one element's values at src to the gathered leaves, in element order. */
static inline void bb__gather(const struct ArrowSchema* s, struct ArrowArray* a, const struct bb_element* e, int dim,
                              const unsigned char* src) {
  struct bb__kind k;
  int64_t i;
  bb__kind_of(s, "", &k, NULL);
  if (k.kind == BB__FIXED) {
    struct bb__leaf* leaf = (struct bb__leaf*)a->private_data;
    if (leaf != NULL) {
      memcpy(leaf->data + leaf->at, src, (size_t)k.width);
      leaf->at += k.width;
    }
  } else if (k.kind == BB__LIST) {
    const struct bb_element* inner;
    int inner_dim;
    int64_t inner_size = bb__list_item(e, dim, &inner, &inner_dim);
    for (i = 0; i < k.list_size; i++) bb__gather(s->children[0], a->children[0], inner, inner_dim, src + i * inner_size);
  } else {
    for (i = 0; i < e->n_fields; i++)
      bb__gather(s->children[i], a->children[i], e->fields[i].element, 0, src + e->fields[i].offset);
  }
}

static inline void bb__clear_cursors(struct ArrowArray* a) {
  int64_t i;
  if (a->n_buffers == 2) a->private_data = NULL;
  for (i = 0; i < a->n_children; i++) bb__clear_cursors(a->children[i]);
}

/* Layouts.denseOrder: phys[j] = the logical axis at physical position j, or 0 when not dense. */
static inline int bb__dense_order(int64_t itemsize, int ndim, const int64_t* shape, const int64_t* strides, int* phys) {
  int big[BB_MAX_NDIM], nbig = 0, i, j, n = 0;
  int64_t expected = itemsize;
  for (i = 0; i < ndim; i++) {
    if (shape[i] == 0) return 0;
    if (shape[i] > 1) {
      /* stable insertion, larger strides first */
      for (j = nbig; j > 0 && strides[big[j - 1]] < strides[i]; j--) big[j] = big[j - 1];
      big[j] = i;
      nbig++;
    }
  }
  for (j = nbig - 1; j >= 0; j--) {
    if (strides[big[j]] != expected || !bb__mul(expected, shape[big[j]], &expected)) return 0;
  }
  for (j = 0; j < nbig; j++) phys[n++] = big[j];
  for (i = 0; i < ndim; i++) {
    if (shape[i] == 1) {
      int at = n, k;
      for (k = 0; k < n; k++) {
        if (phys[k] > i) {
          at = k;
          break;
        }
      }
      for (k = n; k > at; k--) phys[k] = phys[k - 1];
      phys[at] = i;
      n++;
    }
  }
  return 1;
}

static inline int bb__export_in(struct bb__arena* sa, struct bb__arena* aa, const struct bb_view* v,
                                struct ArrowSchema** schema, struct ArrowArray** array, int* copied_out,
                                struct bb_error* e) {
  struct bb_format f;
  int64_t cstrides[BB_MAX_NDIM], count = 1, bytes, k;
  const int64_t* strides;
  int phys[BB_MAX_NDIM], ndim = v->ndim, zero_copy, rc, i;
  unsigned char* base;
  struct bb__pairs md;
  struct ArrowSchema *element, *top;
  struct ArrowArray* top_array;
  struct bb__text shape_text, strides_text;
  char itemsize_text[32];
  if (v->format == NULL) return bb__fail(e, BB_EINVAL, "view format is NULL");
  if (ndim < 0 || ndim > BB_MAX_NDIM) return bb__fail(e, BB_EINVAL, "too many dimensions: ndim=%d max=%d", ndim, BB_MAX_NDIM);
  if (ndim > 0 && v->shape == NULL) return bb__fail(e, BB_EINVAL, "view shape is NULL: ndim=%d", ndim);
  if ((rc = bb__format_parse_in(sa, v->format, (int64_t)strlen(v->format), &f, NULL, e)) != 0) return rc;
  if (!bb_format_is_itemsize(&f, v->itemsize))
    return bb__fail(e, BB_EINVAL, "itemsize does not match the format: format='%.200s' itemsize=%lld expected=%lld or %lld",
                    v->format, (long long)v->itemsize, (long long)f.itemsize, (long long)f.padded_itemsize);
  for (i = 0; i < ndim; i++) {
    if (v->shape[i] < 0) return bb__fail(e, BB_EINVAL, "negative dimension: axis=%d shape=%lld", i, (long long)v->shape[i]);
    if (!bb__mul(count, v->shape[i], &count)) return bb__fail(e, BB_EOVERFLOW, "element count overflows: axis=%d", i);
  }
  if (!bb__mul(count, v->itemsize, &bytes))
    return bb__fail(e, BB_EOVERFLOW, "view too large: elements=%lld itemsize=%lld", (long long)count, (long long)v->itemsize);
  if (bytes > 0 && v->buf == NULL) return bb__fail(e, BB_EINVAL, "view buf is NULL with bytes=%lld", (long long)bytes);
  bb__c_strides(v->itemsize, ndim, v->shape, cstrides);
  strides = v->strides != NULL ? v->strides : cstrides;
  md.n = 0;
  if (bb__mappable(f.element)) {
    element = bb__type_of(sa, f.element, 0, ndim <= 1 ? "" : "item", ndim <= 1 ? &md : NULL);
    zero_copy = !bb__has_record(f.element);
  } else {
    struct bb__text json;
    char w[40];
    memset(&json, 0, sizeof json);
    bb__text_str(sa, &json, "{\"type_name\":");
    bb__json_string(sa, &json, v->format);
    bb__text_str(sa, &json, ",\"vendor_name\":\"PEP 3118\"}");
    snprintf(w, sizeof w, "w:%lld", (long long)v->itemsize);
    element = bb__new_schema(sa, w, ndim <= 1 ? "" : "item", 0);
    if (json.failed || element == NULL) return bb__fail(e, BB_ENOMEM, "out of memory");
    md.key[md.n] = "ARROW:extension:name";
    md.value[md.n++] = "arrow.opaque";
    md.key[md.n] = "ARROW:extension:metadata";
    md.value[md.n++] = json.p;
    if (ndim > 1 && (element->metadata = bb__blob(sa, &md)) == NULL) return bb__fail(e, BB_ENOMEM, "out of memory");
    if (ndim > 1) md.n = 0;
    zero_copy = 1;
  }
  if (element == NULL) return bb__fail(e, BB_ENOMEM, "out of memory");
  zero_copy = zero_copy && bytes > 0 && bb__dense_order(v->itemsize, ndim, v->shape, strides, phys);
  /* A view that is itself a copy (imported from a copied export) stays one when passed on: its
     metadata keeps copied=true, which describes a C-contiguous buffer, so only a C-contiguous
     layout of it is shared and any other is copied into C order. */
  if (v->copied && zero_copy && !bb_view_is_c_contiguous(v)) zero_copy = 0;
  if (zero_copy) {
    base = (unsigned char*)v->buf;
  } else {
    int64_t idx[BB_MAX_NDIM], off = 0, n;
    for (i = 0; i < ndim; i++) {
      phys[i] = i;
      idx[i] = 0;
    }
    base = (unsigned char*)bb__alloc(aa, (size_t)(bytes > 0 ? bytes : 1));
    if (base == NULL) return bb__fail(e, BB_ENOMEM, "out of memory for the copy: bytes=%lld", (long long)bytes);
    for (n = 0; n < count; n++) { /* C-order odometer over the view's strides */
      memcpy(base + n * v->itemsize, (const unsigned char*)v->buf + off, (size_t)v->itemsize);
      for (i = ndim - 1; i >= 0; i--) {
        if (++idx[i] < v->shape[i]) {
          off += strides[i];
          break;
        }
        off -= (idx[i] - 1) * strides[i];
        idx[i] = 0;
      }
    }
  }
  if (ndim <= 1) {
    top = element;
    top_array = bb__array_of(aa, element, count, base, 0);
  } else {
    int64_t pshape[BB_MAX_NDIM], perm[BB_MAX_NDIM], size = 1, length;
    int rest[BB_MAX_NDIM], nt;
    struct bb__text json;
    char fmt[40];
    memset(&json, 0, sizeof json);
    if (phys[0] == 0) { /* rows: axis 0 outermost in memory, each row one tensor of the others */
      for (i = 1; i < ndim; i++) rest[i - 1] = phys[i] - 1;
      nt = ndim - 1;
      for (i = 0; i < nt; i++) pshape[i] = v->shape[rest[i] + 1];
      for (i = 1; i < ndim; i++) size *= v->shape[i];
      length = v->shape[0];
    } else {
      for (i = 0; i < ndim; i++) rest[i] = phys[i];
      nt = ndim;
      for (i = 0; i < nt; i++) pshape[i] = v->shape[rest[i]];
      size = count;
      length = 1;
    }
    for (i = 0; i < nt; i++) perm[rest[i]] = i; /* the inverse of the physical order */
    bb__text_str(sa, &json, "{\"shape\":");
    bb__json_ints(sa, &json, pshape, nt);
    bb__text_str(sa, &json, ",\"permutation\":");
    bb__json_ints(sa, &json, perm, nt);
    bb__text_str(sa, &json, "}");
    snprintf(fmt, sizeof fmt, "+w:%lld", (long long)size);
    top = bb__new_schema(sa, fmt, "", 1);
    if (top == NULL || json.failed) return bb__fail(e, BB_ENOMEM, "out of memory");
    top->children[0] = element;
    md.key[md.n] = "ARROW:extension:name";
    md.value[md.n++] = "arrow.fixed_shape_tensor";
    md.key[md.n] = "ARROW:extension:metadata";
    md.value[md.n++] = json.p;
    top_array = (struct ArrowArray*)bb__alloc(aa, sizeof *top_array);
    if (top_array != NULL) {
      memset(top_array, 0, sizeof *top_array);
      top_array->length = length;
      top_array->n_buffers = 1;
      top_array->n_children = 1;
      top_array->buffers = (const void**)bb__alloc(aa, sizeof(void*));
      top_array->children = (struct ArrowArray**)bb__alloc(aa, sizeof(struct ArrowArray*));
      if (top_array->buffers == NULL || top_array->children == NULL) return bb__fail(e, BB_ENOMEM, "out of memory");
      top_array->buffers[0] = NULL;
      top_array->children[0] = bb__array_of(aa, element, count, base, 0);
      if (top_array->children[0] == NULL) top_array = NULL;
    }
  }
  if (top_array == NULL) return bb__fail(e, BB_ENOMEM, "out of memory");
  if (!bb__mappable(f.element) || !bb__has_record(f.element)) {
    /* leaves point into base */
  } else {
    struct ArrowArray* ea = ndim <= 1 ? top_array : top_array->children[0];
    for (k = 0; k < count; k++) bb__gather(element, ea, f.element, 0, base + k * v->itemsize);
    bb__clear_cursors(ea);
  }
  /* docs/contract.md §3 (and the lead's #12): the strides of the exported buffer, C order after a copy. */
  memset(&shape_text, 0, sizeof shape_text);
  memset(&strides_text, 0, sizeof strides_text);
  bb__text_str(sa, &shape_text, "");
  bb__text_str(sa, &strides_text, "");
  for (i = 0; i < ndim; i++) {
    if (i > 0) {
      bb__text_str(sa, &shape_text, ",");
      bb__text_str(sa, &strides_text, ",");
    }
    bb__text_int(sa, &shape_text, v->shape[i]);
    bb__text_int(sa, &strides_text, zero_copy && !v->copied ? strides[i] : cstrides[i]);
  }
  snprintf(itemsize_text, sizeof itemsize_text, "%lld", (long long)v->itemsize);
  md.key[md.n] = "bufferbridge.format";
  md.value[md.n++] = bb__strndup(sa, v->format, (int64_t)strlen(v->format));
  md.key[md.n] = "bufferbridge.shape";
  md.value[md.n++] = shape_text.p;
  md.key[md.n] = "bufferbridge.strides";
  md.value[md.n++] = strides_text.p;
  md.key[md.n] = "bufferbridge.readonly";
  md.value[md.n++] = v->readonly ? "true" : "false";
  md.key[md.n] = "bufferbridge.copied";
  md.value[md.n++] = zero_copy && !v->copied ? "false" : "true";
  md.key[md.n] = "bufferbridge.itemsize";
  md.value[md.n++] = bb__strndup(sa, itemsize_text, (int64_t)strlen(itemsize_text));
  for (i = 0; i < md.n; i++) {
    if (md.value[i] == NULL) return bb__fail(e, BB_ENOMEM, "out of memory");
  }
  if ((top->metadata = bb__blob(sa, &md)) == NULL) return bb__fail(e, BB_ENOMEM, "out of memory");
  *schema = top;
  *array = top_array;
  *copied_out = !zero_copy;
  return 0;
}

static inline int bb_view_export(const struct bb_view* view, void (*release)(void* ctx), void* ctx,
                                 struct ArrowSchema* schema_out, struct ArrowArray* array_out,
                                 struct bb_error* error) {
  struct bb__arena sa, aa;
  struct ArrowSchema* s = NULL;
  struct ArrowArray* a = NULL;
  struct bb__owner *so, *ao;
  int copied = 0, rc;
  if (view == NULL || schema_out == NULL || array_out == NULL)
    return bb__fail(error, BB_EINVAL, "export argument is NULL: view=%s schema_out=%s array_out=%s",
                    view == NULL ? "NULL" : "set", schema_out == NULL ? "NULL" : "set", array_out == NULL ? "NULL" : "set");
  if (schema_out->release != NULL || array_out->release != NULL)
    return bb__fail(error, BB_EINVAL, "export target still holds a live struct: schema.released=%s array.released=%s",
                    schema_out->release == NULL ? "true" : "false", array_out->release == NULL ? "true" : "false");
  sa.head = NULL;
  aa.head = NULL;
  rc = bb__export_in(&sa, &aa, view, &s, &a, &copied, error);
  so = rc == 0 ? (struct bb__owner*)bb__alloc(&sa, sizeof *so) : NULL;
  ao = rc == 0 ? (struct bb__owner*)bb__alloc(&aa, sizeof *ao) : NULL;
  if (rc == 0 && (so == NULL || ao == NULL)) rc = bb__fail(error, BB_ENOMEM, "out of memory");
  if (rc != 0) {
    bb__arena_free(&sa);
    bb__arena_free(&aa);
    return rc;
  }
  (void)copied;
  so->arena = sa;
  so->release = NULL;
  so->ctx = NULL;
  ao->arena = aa;
  ao->release = release;
  ao->ctx = ctx;
  *schema_out = *s;
  schema_out->private_data = so;
  schema_out->release = bb__release_root_schema;
  *array_out = *a;
  array_out->private_data = ao;
  array_out->release = bb__release_root_array;
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Element access                                                                             */
/* ------------------------------------------------------------------------------------------ */

static inline void* bb_view_ptr(const struct bb_view* view, const int64_t* index) {
  int64_t off = 0;
  int k;
  /* An empty or zero-itemsize view has no memory (buf NULL): no arithmetic on a null pointer. */
  if (view->buf == NULL) return NULL;
  for (k = 0; k < view->ndim; k++) off += index[k] * view->strides[k];
  return (char*)view->buf + off;
}

static inline int bb__contiguous(const struct bb_view* v, int fortran) {
  int64_t sd = v->itemsize;
  int k;
  if (v->strides == NULL) return 1;
  for (k = 0; k < v->ndim; k++) {
    if (v->shape[k] == 0) return 1;
  }
  for (k = 0; k < v->ndim; k++) {
    int axis = fortran ? k : v->ndim - 1 - k;
    if (v->shape[axis] > 1 && v->strides[axis] != sd) return 0;
    sd *= v->shape[axis];
  }
  return 1;
}

static inline int bb_view_is_c_contiguous(const struct bb_view* view) { return bb__contiguous(view, 0); }

static inline int bb_view_is_f_contiguous(const struct bb_view* view) { return bb__contiguous(view, 1); }




#ifdef __cplusplus
}
#endif

#endif /* BUFFERBRIDGE_H */
