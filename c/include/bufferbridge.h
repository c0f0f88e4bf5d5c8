/*
 * bufferbridge.h: the C side of bufferbridge (SPEC.md §6). One header, C99, nothing but the C
 * standard library, usable from C and C++.
 *
 *   struct bb_view      CPython's Py_buffer for a C consumer: buf, len, readonly, itemsize, format,
 *                       ndim, shape, strides (suboffsets always NULL), plus copied.
 *   bb_view_import      an exported ArrowSchema/ArrowArray pair read as a bb_view: the
 *                       bufferbridge.* field metadata when present, else SPEC §2's canonical
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
 * buffers the structs declare. Limits of SPEC §3: trees at most 64 deep and 65,536 nodes counted
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

/** SPEC §1 and §3. */
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
/** Frees what bb_view_import or bb_view_init allocated; the view is zeroed. Idempotent. */
static inline void bb_view_release(struct bb_view* view);

/**
 * Exports a view (buf, itemsize, format, ndim, shape, strides — NULL strides for C order —,
 * readonly) as a pair into two released structs. A dense layout of non-record elements is shared
 * (zero-copy); any other is copied into C order. `release(ctx)` runs exactly once, when the
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
  if ((b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b)) return 0;
  *out = a + b;
  return 1;
}

static inline int bb__mul(int64_t a, int64_t b, int64_t* out) {
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
  size_t k;
  for (k = 0; k < sizeof codes / sizeof codes[0]; k++) {
    if (codes[k].code[0] == c && codes[k].code[1] == z) return &codes[k];
  }
  return NULL;
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
  int64_t* offsets = NULL;
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
  (void)offsets;
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
  memset(&p, 0, sizeof p);
  p.s = text;
  p.n = n;
  p.arena = arena;
  if (n < 0 || (n > 0 && text == NULL))
    return bb__fail(error, BB_EINVAL, "format text is NULL or has a negative length: length=%lld",
                    (long long)n);
  nul = n > 0 ? (const char*)memchr(text, '\0', (size_t)n) : NULL;
  if (nul != NULL) {
    p.err_pos = nul - text;
    snprintf(p.err, sizeof p.err, "embedded NUL character");
    goto refused;
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

/*@@IMPORT@@*/

#ifdef __cplusplus
}
#endif

#endif /* BUFFERBRIDGE_H */
