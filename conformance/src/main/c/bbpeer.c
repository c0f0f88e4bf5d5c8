/*
 * bbpeer: the native conformance peer of bufferbridge, a consumer of the Arrow C data interface
 * written on bufferbridge.h alone (c/include/): it parses nothing by itself.
 *
 * bbpeer_check imports an exported pair with bb_view_import (which checks every struct, count,
 * length, offset and the bufferbridge.* metadata), rebuilds the view's logical bytes (C order)
 * from buf, shape and strides and compares them with the bytes the corpus case expects, records
 * included (their field offsets come from the header's layout reader). Then it reads the same pair
 * as a consumer that knows only Arrow would (the bufferbridge.* keys removed: docs/contract.md §2's canonical
 * mapping) and checks that it sees the same values, element by element and field by field.
 * bbpeer_reexport moves a pair into the peer and hands back a re-exported pair whose release
 * callbacks call the original release exactly once; every release is counted.
 * bbpeer_format_signature describes how the header parses a format, for the comparison with the
 * Java grammar; bbpeer_struct_sizes gives the struct sizes this compiler uses.
 *
 * Compiled by the Maven build with -std=c99 -Wall -Wextra -Werror -O2 -fPIC and loaded by
 * io.bufferbridge.conformance.peer.NativePeer through the FFM API (no JNI).
 */
#include "bufferbridge.h"

#define BBPEER_API __attribute__((visibility("default")))

enum { PEER_OK = 0, PEER_MISMATCH = 1, PEER_UNSUPPORTED = 2 };

struct errbuf {
    char *buf;
    int64_t len;
};

static int report(struct errbuf *e, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int report(struct errbuf *e, int status, const char *fmt, ...) {
    if (e->buf != NULL && e->len > 0) {
        size_t n = e->len > (int64_t)INT32_MAX ? (size_t)INT32_MAX : (size_t)e->len;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->buf, n, fmt, ap);
        va_end(ap);
    }
    return status;
}

/* ------------------------------------------------------------------------------------------ */
/* Logical bytes                                                                              */
/* ------------------------------------------------------------------------------------------ */

/* Marks the bytes of one element that hold data (not padding between or after fields). */
static void mark_data(const struct bb_element *e, unsigned char *mask, int64_t at) {
    int64_t k, n = 1;
    int d;
    if (e->kind == BB_ELEMENT_SCALAR) {
        if (strcmp(e->code, "x") != 0) memset(mask + at, 1, (size_t)e->size);
    } else if (e->kind == BB_ELEMENT_SUBARRAY) {
        for (d = 0; d < e->ndim; d++) n *= e->shape[d];
        for (k = 0; k < n; k++) mark_data(e->item, mask, at + k * e->item->size);
    } else {
        for (k = 0; k < e->n_fields; k++) mark_data(e->fields[k].element, mask, at + e->fields[k].offset);
    }
}

/* C-order odometer: advances idx over shape; returns 0 after the last element. */
static int next_index(int ndim, const int64_t *shape, int64_t *idx) {
    int d;
    for (d = ndim - 1; d >= 0; d--) {
        if (++idx[d] < shape[d]) return 1;
        idx[d] = 0;
    }
    return 0;
}

static int64_t element_count(const struct bb_view *v) {
    int64_t n = 1;
    int d;
    for (d = 0; d < v->ndim; d++) n *= v->shape[d]; /* the import checked it */
    return n;
}

/* The view's bytes in C order against the expected ones, data bytes only. */
static int compare_logical(const struct bb_view *v, const uint8_t *expected, int64_t expected_len,
                           struct errbuf *e) {
    int64_t idx[BB_MAX_NDIM] = {0}, n = element_count(v), k, b;
    unsigned char *mask;
    int status = PEER_OK;
    if (v->len != expected_len)
        return report(e, PEER_MISMATCH, "logical length differs: expected=%lld found=%lld", (long long)expected_len,
                      (long long)v->len);
    if (n == 0) return PEER_OK;
    mask = (unsigned char *)calloc((size_t)v->itemsize + 1, 1);
    if (mask == NULL) return report(e, PEER_MISMATCH, "out of memory: itemsize=%lld", (long long)v->itemsize);
    mark_data(v->element, mask, 0);
    for (k = 0; k < n && status == PEER_OK; k++) {
        const uint8_t *src = (const uint8_t *)bb_view_ptr(v, idx);
        for (b = 0; b < v->itemsize; b++) {
            int64_t pos = k * v->itemsize + b;
            if (mask[b] && src[b] != expected[pos]) {
                status = report(e, PEER_MISMATCH, "logical bytes differ: byte=%lld element=%lld expected=0x%02x found=0x%02x",
                                (long long)pos, (long long)k, expected[pos], src[b]);
                break;
            }
        }
        next_index(v->ndim, v->shape, idx);
    }
    free(mask);
    return status;
}

/*
 * Appends the data bytes of one element in value order: records field by field (padding between
 * and after fields left out), sub-arrays item by item. Two layouts of the same values (the
 * bufferbridge one and docs/contract.md §2's canonical one, which may pad records differently or read a
 * sub-array as more dimensions) give the same stream.
 */
static int64_t append_values(const struct bb_element *e, const uint8_t *p, uint8_t *out, int64_t at) {
    int64_t k, n = 1;
    int d;
    if (e->kind == BB_ELEMENT_SCALAR) {
        if (strcmp(e->code, "x") == 0) return at;
        memcpy(out + at, p, (size_t)e->size);
        return at + e->size;
    }
    if (e->kind == BB_ELEMENT_SUBARRAY) {
        for (d = 0; d < e->ndim; d++) n *= e->shape[d];
        for (k = 0; k < n; k++) at = append_values(e->item, p + k * e->item->size, out, at);
        return at;
    }
    for (k = 0; k < e->n_fields; k++) at = append_values(e->fields[k].element, p + e->fields[k].offset, out, at);
    return at;
}

/* The data bytes of every element in C order (malloc'd, at most len bytes). */
static uint8_t *value_stream(const struct bb_view *v, int64_t *n_out) {
    int64_t idx[BB_MAX_NDIM] = {0}, n = element_count(v), k, at = 0;
    uint8_t *out = (uint8_t *)malloc((size_t)v->len + 1);
    if (out == NULL) return NULL;
    for (k = 0; k < n; k++) {
        at = append_values(v->element, (const uint8_t *)bb_view_ptr(v, idx), out, at);
        next_index(v->ndim, v->shape, idx);
    }
    *n_out = at;
    return out;
}

/* A copy of the root's metadata blob without the bufferbridge.* keys (malloc'd), or NULL for none. */
static char *without_bufferbridge(const char *blob) {
    int32_t n, k, kept = 0, len;
    const char *p = blob + 4;
    char *out, *w;
    size_t total = 4;
    memcpy(&n, blob, 4);
    for (k = 0; k < n; k++) { /* the import already bounded every length */
        int32_t kl, vl;
        memcpy(&kl, p, 4);
        memcpy(&vl, p + 4 + kl, 4);
        total += 8 + (size_t)kl + (size_t)vl;
        p += 8 + kl + vl;
    }
    out = (char *)malloc(total);
    if (out == NULL) return NULL;
    p = blob + 4;
    w = out + 4;
    for (k = 0; k < n; k++) {
        int32_t kl, vl;
        memcpy(&kl, p, 4);
        memcpy(&vl, p + 4 + kl, 4);
        len = 8 + kl + vl;
        if (!(kl >= 13 && memcmp(p + 4, "bufferbridge.", 13) == 0)) {
            memcpy(w, p, (size_t)len);
            w += len;
            kept++;
        }
        p += len;
    }
    memcpy(out, &kept, 4);
    return out;
}

/* docs/contract.md §2 promises a consumer that reads the Arrow type alone the same values. */
static int check_canonical(const struct ArrowSchema *s, const struct ArrowArray *a, const struct bb_view *v,
                           struct errbuf *e) {
    struct ArrowSchema plain = *s;
    struct bb_view c;
    struct bb_error err;
    char *blob = without_bufferbridge(s->metadata);
    uint8_t *want = NULL, *got = NULL;
    int64_t nw = 0, ng = 0, k;
    int rc;
    if (blob == NULL) return report(e, PEER_MISMATCH, "out of memory");
    plain.metadata = blob;
    rc = bb_view_import(&plain, a, &c, &err);
    free(blob);
    if (rc != 0)
        return report(e, PEER_MISMATCH, "read as Arrow alone (no bufferbridge metadata): refused: %s", err.message);
    want = value_stream(v, &nw);
    got = value_stream(&c, &ng);
    if (want == NULL || got == NULL) {
        rc = report(e, PEER_MISMATCH, "out of memory: bytes=%lld", (long long)v->len);
    } else if (nw != ng) {
        rc = report(e, PEER_MISMATCH, "read as Arrow alone (format '%.100s'): value bytes: expected=%lld found=%lld",
                    c.format, (long long)nw, (long long)ng);
    } else {
        for (k = 0; k < nw; k++) {
            if (want[k] != got[k]) {
                rc = report(e, PEER_MISMATCH, "read as Arrow alone (format '%.100s'): value byte %lld differs: "
                            "expected=0x%02x found=0x%02x", c.format, (long long)k, want[k], got[k]);
                break;
            }
        }
    }
    free(want);
    free(got);
    bb_view_release(&c);
    return rc;
}

BBPEER_API int bbpeer_check(const struct ArrowSchema *s, const struct ArrowArray *a, const uint8_t *expected,
                            int64_t expected_len, char *err, int64_t errlen) {
    struct errbuf e;
    struct bb_view v;
    struct bb_error error;
    int rc;
    e.buf = err;
    e.len = errlen;
    if (err != NULL && errlen > 0) err[0] = '\0';
    if (expected_len < 0 || (expected_len > 0 && expected == NULL))
        return report(&e, PEER_MISMATCH, "expected bytes: length=%lld pointer=%s", (long long)expected_len,
                      expected == NULL ? "NULL" : "set");
    rc = bb_view_import(s, a, &v, &error);
    if (rc != 0) return report(&e, rc == BB_ENOTSUP ? PEER_UNSUPPORTED : PEER_MISMATCH, "%s", error.message);
    rc = compare_logical(&v, expected, expected_len, &e);
    if (rc == PEER_OK && s->metadata != NULL) rc = check_canonical(s, a, &v, &e);
    if (rc == PEER_OK)
        rc = report(&e, PEER_OK, "ok: %lld logical bytes, format '%.100s', ndim %d, itemsize %lld%s", (long long)v.len,
                    v.format, v.ndim, (long long)v.itemsize, v.copied ? ", copied" : "");
    bb_view_release(&v);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Move and re-export                                                                         */
/* ------------------------------------------------------------------------------------------ */

static int64_t schema_releases;
static int64_t array_releases;
static int64_t original_releases;

struct schema_holder {
    struct ArrowSchema original;
};

struct array_holder {
    struct ArrowArray original;
};

static void reexported_schema_release(struct ArrowSchema *s) {
    struct schema_holder *h;
    if (s == NULL || s->release == NULL) return;
    h = (struct schema_holder *)s->private_data;
    if (h != NULL) {
        if (h->original.release != NULL) {
            h->original.release(&h->original);
            __atomic_fetch_add(&original_releases, 1, __ATOMIC_SEQ_CST);
        }
        free(h);
    }
    s->release = NULL;
    s->private_data = NULL;
    __atomic_fetch_add(&schema_releases, 1, __ATOMIC_SEQ_CST);
}

static void reexported_array_release(struct ArrowArray *a) {
    struct array_holder *h;
    if (a == NULL || a->release == NULL) return;
    h = (struct array_holder *)a->private_data;
    if (h != NULL) {
        if (h->original.release != NULL) {
            h->original.release(&h->original);
            __atomic_fetch_add(&original_releases, 1, __ATOMIC_SEQ_CST);
        }
        free(h);
    }
    a->release = NULL;
    a->private_data = NULL;
    __atomic_fetch_add(&array_releases, 1, __ATOMIC_SEQ_CST);
}

BBPEER_API int bbpeer_reexport(struct ArrowSchema *s, struct ArrowArray *a, struct ArrowSchema *out_s,
                               struct ArrowArray *out_a, char *err, int64_t errlen) {
    struct errbuf e;
    struct schema_holder *hs;
    struct array_holder *ha;
    e.buf = err;
    e.len = errlen;
    if (err != NULL && errlen > 0) err[0] = '\0';
    if (s == NULL) return report(&e, PEER_MISMATCH, "schema pointer is NULL");
    if (a == NULL) return report(&e, PEER_MISMATCH, "array pointer is NULL");
    if (out_s == NULL) return report(&e, PEER_MISMATCH, "output schema pointer is NULL");
    if (out_a == NULL) return report(&e, PEER_MISMATCH, "output array pointer is NULL");
    if (s->release == NULL) return report(&e, PEER_MISMATCH, "schema is released (release == NULL)");
    if (a->release == NULL) return report(&e, PEER_MISMATCH, "array is released (release == NULL)");
    hs = (struct schema_holder *)malloc(sizeof *hs);
    ha = (struct array_holder *)malloc(sizeof *ha);
    if (hs == NULL || ha == NULL) {
        free(hs);
        free(ha);
        return report(&e, PEER_MISMATCH, "out of memory");
    }
    /* Move: the peer now owns the originals; the producer's structs are marked released. */
    memcpy(&hs->original, s, sizeof *s);
    memcpy(&ha->original, a, sizeof *a);
    s->release = NULL;
    a->release = NULL;
    /* Re-export: the same format, name, metadata, buffers and children, owned by the peer. */
    *out_s = hs->original;
    out_s->release = reexported_schema_release;
    out_s->private_data = hs;
    *out_a = ha->original;
    out_a->release = reexported_array_release;
    out_a->private_data = ha;
    return PEER_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Import and export again through bufferbridge.h (C hands a strided buffer to Java)          */
/* ------------------------------------------------------------------------------------------ */

static int64_t view_releases;

/* The moved originals and the view over them, alive until the consumer releases the export. */
struct view_holder {
    struct ArrowSchema schema;
    struct ArrowArray array;
    struct bb_view view;
};

static void release_holder(void *ctx) {
    struct view_holder *h = (struct view_holder *)ctx;
    bb_view_release(&h->view);
    if (h->schema.release != NULL) h->schema.release(&h->schema);
    if (h->array.release != NULL) h->array.release(&h->array);
    free(h);
    __atomic_fetch_add(&view_releases, 1, __ATOMIC_SEQ_CST);
}

/*
 * Moves a pair into the peer, imports it with bb_view_import and exports that view with
 * bb_view_export into out_s/out_a: the consumer of the export sees C's own export of the data.
 * Releasing the exported array releases the view and the moved originals (counted by
 * bbpeer_view_releases). *view_copied is the imported view's copied flag.
 */
BBPEER_API int bbpeer_reexport_view(struct ArrowSchema *s, struct ArrowArray *a, struct ArrowSchema *out_s,
                                    struct ArrowArray *out_a, int32_t *view_copied, char *err, int64_t errlen) {
    struct errbuf e;
    struct bb_error error;
    struct view_holder *h;
    e.buf = err;
    e.len = errlen;
    if (err != NULL && errlen > 0) err[0] = '\0';
    if (s == NULL || a == NULL || out_s == NULL || out_a == NULL || view_copied == NULL)
        return report(&e, PEER_MISMATCH, "a pointer argument is NULL");
    if (s->release == NULL || a->release == NULL) return report(&e, PEER_MISMATCH, "input is released");
    h = (struct view_holder *)malloc(sizeof *h);
    if (h == NULL) return report(&e, PEER_MISMATCH, "out of memory");
    h->schema = *s;
    h->array = *a;
    s->release = NULL;
    a->release = NULL;
    if (bb_view_import(&h->schema, &h->array, &h->view, &error) != 0 ||
        bb_view_export(&h->view, release_holder, h, out_s, out_a, &error) != 0) {
        bb_view_release(&h->view);
        h->schema.release(&h->schema);
        h->array.release(&h->array);
        free(h);
        return report(&e, PEER_MISMATCH, "%s", error.message);
    }
    *view_copied = h->view.copied;
    return PEER_OK;
}

BBPEER_API int64_t bbpeer_view_releases(void) { return __atomic_load_n(&view_releases, __ATOMIC_SEQ_CST); }

BBPEER_API int64_t bbpeer_schema_releases(void) { return __atomic_load_n(&schema_releases, __ATOMIC_SEQ_CST); }
BBPEER_API int64_t bbpeer_array_releases(void) { return __atomic_load_n(&array_releases, __ATOMIC_SEQ_CST); }
BBPEER_API int64_t bbpeer_original_releases(void) { return __atomic_load_n(&original_releases, __ATOMIC_SEQ_CST); }

BBPEER_API void bbpeer_reset_counts(void) {
    __atomic_store_n(&schema_releases, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&array_releases, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&original_releases, 0, __ATOMIC_SEQ_CST);
}

/* ------------------------------------------------------------------------------------------ */
/* The layout reader, described for the Java comparison; the struct sizes of this compiler     */
/* ------------------------------------------------------------------------------------------ */

static size_t put(char *out, size_t cap, size_t at, const char *s) {
    size_t n = strlen(s);
    if (at >= cap || at + n + 1 > cap) return cap;
    memcpy(out + at, s, n + 1);
    return at + n;
}

static size_t describe_element(const struct bb_element *e, char *out, size_t cap, size_t at) {
    char b[128];
    int64_t k;
    switch (e->kind) {
    case BB_ELEMENT_SCALAR:
        snprintf(b, sizeof b, "%s#%lld/%lld@%lld%c", e->code, (long long)e->count, (long long)e->size,
                 (long long)e->alignment, e->byte_order);
        return put(out, cap, at, b);
    case BB_ELEMENT_SUBARRAY:
        at = put(out, cap, at, "(");
        for (k = 0; k < e->ndim; k++) {
            snprintf(b, sizeof b, "%s%lld", k == 0 ? "" : ",", (long long)e->shape[k]);
            at = put(out, cap, at, b);
        }
        snprintf(b, sizeof b, ")%lld", (long long)e->size);
        return describe_element(e->item, out, cap, put(out, cap, at, b));
    default:
        snprintf(b, sizeof b, "{%lld/%lld@%lld:", (long long)e->size, (long long)e->content_size,
                 (long long)e->alignment);
        at = put(out, cap, at, b);
        for (k = 0; k < e->n_fields; k++) {
            const struct bb_field *f = &e->fields[k];
            at = put(out, cap, at, k == 0 ? "" : ",");
            at = put(out, cap, at, f->named ? "" : "~");
            at = put(out, cap, at, f->name);
            snprintf(b, sizeof b, "+%lld=", (long long)f->offset);
            at = describe_element(f->element, out, cap, put(out, cap, at, b));
        }
        return put(out, cap, at, "}");
    }
}

/*
 * "error <position>" for a refused format, else "<itemsize> <padded itemsize> <alignment> <S|N>
 * <element>": S when struct accepts the string; the element as code#count/size@alignment<order,
 * (dims)size<item>, {size/content@alignment:[~]name+offset=<element>,…} (~: an unnamed field).
 * Returns 0, or -1 when out is too small.
 */
BBPEER_API int bbpeer_format_signature(const char *text, int64_t length, char *out, int64_t cap) {
    struct bb_format f;
    struct bb_error e;
    int64_t pos = -1;
    char b[128];
    size_t at;
    if (cap < 64) return -1;
    if (bb_format_parse(text, length, &f, &pos, &e) != 0) {
        snprintf(out, (size_t)cap, "error %lld", (long long)pos);
        return 0;
    }
    snprintf(b, sizeof b, "%lld %lld %lld %c ", (long long)f.itemsize, (long long)f.padded_itemsize,
             (long long)f.alignment, f.struct_compatible ? 'S' : 'N');
    at = describe_element(f.element, out, (size_t)cap, put(out, (size_t)cap, 0, b));
    bb_format_release(&f);
    return at >= (size_t)cap ? -1 : 0;
}

/* sizeof(struct ArrowSchema) and sizeof(struct ArrowArray), so that Java restates neither. */
BBPEER_API void bbpeer_struct_sizes(int64_t *out) {
    out[0] = (int64_t)sizeof(struct ArrowSchema);
    out[1] = (int64_t)sizeof(struct ArrowArray);
}
