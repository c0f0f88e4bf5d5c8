/*
 * bbpeer: the native conformance peer of bufferbridge.
 *
 * A consumer of the Arrow C data interface written without any Java: it receives the
 * ArrowSchema/ArrowArray pair that bufferbridge exported, parses the Arrow format strings and the
 * bufferbridge.* field metadata itself (SPEC §2, §3), validates the structure (buffer counts,
 * lengths, offsets, children), rebuilds the view's logical bytes (C order) from the leaf data
 * buffer, the shape and the strides, and compares them with the bytes the corpus case expects.
 * It can also take ownership of a pair (the C data interface "move") and hand back a re-exported
 * pair whose release callbacks call the original release exactly once; it counts every release.
 *
 * Nothing here trusts the input: NULL pointers, released structs, negative lengths, wrong buffer
 * counts, missing children and corrupt metadata are reported, not dereferenced. (A pointer that is
 * non-NULL but points at unmapped memory cannot be detected by any C code; that is the one thing
 * the peer has to take on trust.) Metadata parsing is bounded by the lengths the blob claims and
 * by sanity limits, since the C data interface gives the blob no total length.
 *
 * C11, libc only. Compiled by the Maven build with -Wall -Wextra -Werror -O2 -fPIC and loaded by
 * io.bufferbridge.conformance.peer.NativePeer through the FFM API (no JNI).
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BBPEER_API __attribute__((visibility("default")))

#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE
struct ArrowSchema {
    const char *format;
    const char *name;
    const char *metadata;
    int64_t flags;
    int64_t n_children;
    struct ArrowSchema **children;
    struct ArrowSchema *dictionary;
    void (*release)(struct ArrowSchema *);
    void *private_data;
};

struct ArrowArray {
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void **buffers;
    struct ArrowArray **children;
    struct ArrowArray *dictionary;
    void (*release)(struct ArrowArray *);
    void *private_data;
};
#endif

/* Status codes of bbpeer_check. */
enum { BB_OK = 0, BB_INVALID = 1, BB_UNSUPPORTED = 2 };

/* Sanity limits: far above anything bufferbridge exports, far below what could hurt. */
#define MAX_DEPTH 64              /* nesting of +w / +s levels */
#define MAX_NDIM 64               /* SPEC §1: ndim <= 64 */
#define MAX_FORMAT_LEN 256        /* an Arrow format string */
#define MAX_CHILDREN 65536        /* fields of a struct */
#define MAX_META_PAIRS 1024       /* key/value pairs in one metadata blob */
#define MAX_META_KEY (64 * 1024)  /* bytes of one key */
#define MAX_META_VALUE (16 * 1024 * 1024) /* bytes of one value */
#define MAX_PATH 800 /* ".children[N]" per level, MAX_DEPTH levels */

/* ------------------------------------------------------------------------------------------ */
/* Errors                                                                                     */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    char *buf;
    int64_t len;
} errbuf;

__attribute__((format(printf, 3, 4)))
static int report(errbuf *e, int status, const char *fmt, ...) {
    if (e->buf != NULL && e->len > 0) {
        size_t n = e->len > (int64_t)INT32_MAX ? (size_t)INT32_MAX : (size_t)e->len;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->buf, n, fmt, ap);
        va_end(ap);
    }
    return status;
}

static void clear(errbuf *e) {
    if (e->buf != NULL && e->len > 0) e->buf[0] = '\0';
}

/* ------------------------------------------------------------------------------------------ */
/* Overflow-safe arithmetic                                                                   */
/* ------------------------------------------------------------------------------------------ */

static int mul_ok(int64_t a, int64_t b, int64_t *out) { return !__builtin_mul_overflow(a, b, out); }
static int add_ok(int64_t a, int64_t b, int64_t *out) { return !__builtin_add_overflow(a, b, out); }

/* ------------------------------------------------------------------------------------------ */
/* Arrow format strings                                                                       */
/* ------------------------------------------------------------------------------------------ */

typedef enum {
    T_PRIMITIVE, /* c C s S i I l L e f g: fixed width, two buffers */
    T_FIXED_BINARY, /* w:N: N bytes per value, two buffers */
    T_FIXED_LIST, /* +w:N: one child, one buffer */
    T_STRUCT, /* +s: any number of children, one buffer */
} type_kind;

typedef struct {
    type_kind kind;
    int64_t width; /* bytes per value: primitive width, or N of w:N */
    int64_t list_size; /* N of +w:N */
} arrow_type;

/* Parses a positive decimal that fills the rest of the string; 0 allowed when allow_zero. */
static int parse_size(const char *p, int allow_zero, int64_t *out) {
    int64_t v = 0;
    if (*p == '\0') return 0;
    for (; *p != '\0'; p++) {
        if (*p < '0' || *p > '9') return 0;
        if (!mul_ok(v, 10, &v) || !add_ok(v, *p - '0', &v)) return 0;
        if (v > INT32_MAX) return 0; /* Arrow sizes of fixed-size types are int32 */
    }
    if (v == 0 && !allow_zero) return 0;
    *out = v;
    return 1;
}

/*
 * Returns BB_OK with *t filled, BB_INVALID for a format that is not a valid Arrow format of any
 * kind we know, BB_UNSUPPORTED for a valid Arrow format the peer does not rebuild.
 */
static int parse_format(const char *f, const char *where, arrow_type *t, errbuf *e) {
    size_t len = 0; /* strnlen is POSIX, not C11 */
    while (len <= MAX_FORMAT_LEN && f[len] != '\0') len++;
    if (len > MAX_FORMAT_LEN)
        return report(e, BB_INVALID, "%s: format longer than %d bytes (no NUL terminator?)", where,
                      MAX_FORMAT_LEN);
    if (len == 0) return report(e, BB_INVALID, "%s: format is empty", where);
    memset(t, 0, sizeof *t);
    if (len == 1) {
        switch (f[0]) {
        case 'c': case 'C': t->width = 1; break;
        case 's': case 'S': case 'e': t->width = 2; break;
        case 'i': case 'I': case 'f': t->width = 4; break;
        case 'l': case 'L': case 'g': t->width = 8; break;
        case 'b':
            return report(e, BB_INVALID,
                          "%s: format 'b' (bit-packed boolean) is not expected: bufferbridge exports "
                          "'?' as 'c' with extension arrow.bool8", where);
        case 'n': case 'z': case 'Z': case 'u': case 'U': case 'v': case 'V':
            return report(e, BB_UNSUPPORTED, "%s: format '%s' (variable-size or null) is not rebuilt "
                          "by the peer", where, f);
        default:
            return report(e, BB_INVALID, "%s: unknown Arrow format '%s'", where, f);
        }
        t->kind = T_PRIMITIVE;
        return BB_OK;
    }
    if (strncmp(f, "w:", 2) == 0) {
        if (!parse_size(f + 2, 0, &t->width))
            return report(e, BB_INVALID, "%s: format '%s': fixed-size binary width must be a decimal "
                          "in 1..2147483647", where, f);
        t->kind = T_FIXED_BINARY;
        return BB_OK;
    }
    if (strncmp(f, "+w:", 3) == 0) {
        if (!parse_size(f + 3, 1, &t->list_size))
            return report(e, BB_INVALID, "%s: format '%s': fixed-size list size must be a decimal "
                          "in 0..2147483647", where, f);
        t->kind = T_FIXED_LIST;
        return BB_OK;
    }
    if (strcmp(f, "+s") == 0) {
        t->kind = T_STRUCT;
        return BB_OK;
    }
    return report(e, BB_UNSUPPORTED, "%s: format '%s' is not rebuilt by the peer (it rebuilds "
                  "c C s S i I l L e f g, w:N, +w:N and +s)", where, f);
}

/* ------------------------------------------------------------------------------------------ */
/* Metadata blob: int32 n, then n × (int32 keylen, key, int32 vallen, value), native endian    */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    const char *ptr;
    int32_t len;
    int present;
} text;

typedef struct {
    text ext_name, ext_meta;
    text bb_format, bb_itemsize, bb_shape, bb_strides, bb_readonly, bb_copied;
    int any_bb; /* some bufferbridge.* key is present */
} field_meta;

static int text_is(text t, const char *s) {
    size_t n = strlen(s);
    return t.present && (size_t)t.len == n && memcmp(t.ptr, s, n) == 0;
}

static int key_is(const char *k, int32_t klen, const char *s) {
    size_t n = strlen(s);
    return (size_t)klen == n && memcmp(k, s, n) == 0;
}

static int set_once(text *slot, const char *v, int32_t vlen, const char *where, const char *key,
                    errbuf *e) {
    if (slot->present) return report(e, BB_INVALID, "%s: metadata key '%s' appears twice", where, key);
    slot->ptr = v;
    slot->len = vlen;
    slot->present = 1;
    return BB_OK;
}

static int parse_metadata(const char *blob, const char *where, field_meta *m, errbuf *e) {
    memset(m, 0, sizeof *m);
    if (blob == NULL) return BB_OK;
    int32_t n;
    memcpy(&n, blob, 4);
    if (n < 0 || n > MAX_META_PAIRS)
        return report(e, BB_INVALID, "%s: metadata truncated or corrupt: pair count %d is outside "
                      "0..%d", where, n, MAX_META_PAIRS);
    const char *p = blob + 4;
    for (int32_t i = 0; i < n; i++) {
        int32_t klen, vlen;
        memcpy(&klen, p, 4);
        if (klen < 0 || klen > MAX_META_KEY)
            return report(e, BB_INVALID, "%s: metadata truncated or corrupt: key %d claims length %d "
                          "(limit %d)", where, i, klen, MAX_META_KEY);
        const char *k = p + 4;
        p = k + klen;
        memcpy(&vlen, p, 4);
        if (vlen < 0 || vlen > MAX_META_VALUE)
            return report(e, BB_INVALID, "%s: metadata truncated or corrupt: value %d claims length "
                          "%d (limit %d)", where, i, vlen, MAX_META_VALUE);
        const char *v = p + 4;
        p = v + vlen;
        int r = BB_OK;
        if (key_is(k, klen, "ARROW:extension:name"))
            r = set_once(&m->ext_name, v, vlen, where, "ARROW:extension:name", e);
        else if (key_is(k, klen, "ARROW:extension:metadata"))
            r = set_once(&m->ext_meta, v, vlen, where, "ARROW:extension:metadata", e);
        else if (key_is(k, klen, "bufferbridge.format"))
            r = set_once(&m->bb_format, v, vlen, where, "bufferbridge.format", e);
        else if (key_is(k, klen, "bufferbridge.shape"))
            r = set_once(&m->bb_shape, v, vlen, where, "bufferbridge.shape", e);
        else if (key_is(k, klen, "bufferbridge.strides"))
            r = set_once(&m->bb_strides, v, vlen, where, "bufferbridge.strides", e);
        else if (key_is(k, klen, "bufferbridge.readonly"))
            r = set_once(&m->bb_readonly, v, vlen, where, "bufferbridge.readonly", e);
        else if (key_is(k, klen, "bufferbridge.copied"))
            r = set_once(&m->bb_copied, v, vlen, where, "bufferbridge.copied", e);
        else if (key_is(k, klen, "bufferbridge.itemsize"))
            r = set_once(&m->bb_itemsize, v, vlen, where, "bufferbridge.itemsize", e);
        /* Other keys, bufferbridge.* ones SPEC §3 does not name included, are not the peer's. */
        if (r != BB_OK) return r;
        if (klen >= 13 && memcmp(k, "bufferbridge.", 13) == 0) m->any_bb = 1;
    }
    return BB_OK;
}

/* Decimal comma-separated list ("" = no element). Returns count, or -1 when malformed. */
static int parse_int_list(text t, int allow_negative, int64_t *out, int max) {
    if (t.len == 0) return 0;
    int n = 0;
    int32_t i = 0;
    for (;;) {
        if (n >= max) return -1;
        int neg = 0;
        if (i < t.len && t.ptr[i] == '-' && allow_negative) {
            neg = 1;
            i++;
        }
        if (i >= t.len || t.ptr[i] < '0' || t.ptr[i] > '9') return -1;
        int64_t v = 0;
        while (i < t.len && t.ptr[i] >= '0' && t.ptr[i] <= '9') {
            int d = t.ptr[i] - '0';
            if (!mul_ok(v, 10, &v) || !add_ok(v, neg ? -d : d, &v)) return -1;
            i++;
        }
        out[n++] = v;
        if (i == t.len) return n;
        if (t.ptr[i] != ',') return -1;
        i++;
    }
}

/*
 * The integer array under "key" in a small JSON object (the fixed_shape_tensor extension
 * metadata), bounded by the text's length. Returns the count, 0 with *found = 0 when the key is
 * absent, -1 when malformed.
 */
static int json_int_array(text t, const char *key, int64_t *out, int max, int *found) {
    *found = 0;
    size_t kl = strlen(key);
    for (int32_t i = 0; i + (int32_t)kl + 2 <= t.len; i++) {
        if (t.ptr[i] != '"' || memcmp(t.ptr + i + 1, key, kl) != 0 || t.ptr[i + 1 + kl] != '"')
            continue;
        int32_t j = i + (int32_t)kl + 2;
        while (j < t.len && (t.ptr[j] == ' ' || t.ptr[j] == '\t' || t.ptr[j] == '\n' || t.ptr[j] == '\r')) j++;
        if (j >= t.len || t.ptr[j] != ':') continue; /* the key text inside some other string */
        j++;
        *found = 1;
        while (j < t.len && t.ptr[j] == ' ') j++;
        if (j >= t.len || t.ptr[j] != '[') return -1;
        j++;
        int n = 0;
        for (;;) {
            while (j < t.len && t.ptr[j] == ' ') j++;
            if (j < t.len && t.ptr[j] == ']' && n == 0) return 0;
            if (j >= t.len || t.ptr[j] < '0' || t.ptr[j] > '9' || n >= max) return -1;
            int64_t v = 0;
            while (j < t.len && t.ptr[j] >= '0' && t.ptr[j] <= '9') {
                if (!mul_ok(v, 10, &v) || !add_ok(v, t.ptr[j] - '0', &v)) return -1;
                j++;
            }
            out[n++] = v;
            while (j < t.len && t.ptr[j] == ' ') j++;
            if (j < t.len && t.ptr[j] == ']') return n;
            if (j >= t.len || t.ptr[j] != ',') return -1;
            j++;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Structure validation                                                                       */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    const char *struct_path; /* first +s met, for the "cannot check" message */
    char struct_path_buf[MAX_PATH + 16];
} walk_state;

static int check_extension(const arrow_type *t, const struct ArrowSchema *s, const field_meta *m,
                           const char *where, errbuf *e) {
    if (!m->ext_name.present) return BB_OK;
    if (text_is(m->ext_name, "arrow.bool8")) {
        if (strcmp(s->format, "c") != 0)
            return report(e, BB_INVALID, "%s: arrow.bool8 needs storage format 'c', found '%s'",
                          where, s->format);
    } else if (text_is(m->ext_name, "arrow.fixed_shape_tensor")) {
        if (t->kind != T_FIXED_LIST)
            return report(e, BB_INVALID, "%s: arrow.fixed_shape_tensor needs a fixed-size list "
                          "storage (+w:N), found '%s'", where, s->format);
        int64_t shape[MAX_NDIM], perm[MAX_NDIM];
        int found_shape, found_perm;
        int nd = json_int_array(m->ext_meta, "shape", shape, MAX_NDIM, &found_shape);
        if (nd < 0 || !found_shape)
            return report(e, BB_INVALID, "%s: arrow.fixed_shape_tensor metadata has no valid "
                          "\"shape\" array", where);
        int64_t prod = 1;
        for (int i = 0; i < nd; i++)
            if (!mul_ok(prod, shape[i], &prod))
                return report(e, BB_INVALID, "%s: arrow.fixed_shape_tensor shape product overflows",
                              where);
        if (prod != t->list_size)
            return report(e, BB_INVALID, "%s: arrow.fixed_shape_tensor shape product: "
                          "expected=%lld (list size) found=%lld", where,
                          (long long)t->list_size, (long long)prod);
        int np = json_int_array(m->ext_meta, "permutation", perm, MAX_NDIM, &found_perm);
        if (found_perm) {
            if (np != nd)
                return report(e, BB_INVALID, "%s: arrow.fixed_shape_tensor permutation has %d "
                              "entries for %d dimensions", where, np, nd);
            int seen[MAX_NDIM] = {0};
            for (int i = 0; i < np; i++) {
                if (perm[i] < 0 || perm[i] >= nd || seen[perm[i]])
                    return report(e, BB_INVALID, "%s: arrow.fixed_shape_tensor permutation is not "
                                  "a permutation of 0..%d", where, nd - 1);
                seen[perm[i]] = 1;
            }
        }
    } else if (text_is(m->ext_name, "arrow.opaque")) {
        if (t->kind == T_STRUCT || t->kind == T_FIXED_LIST)
            return report(e, BB_INVALID, "%s: arrow.opaque from bufferbridge has storage w:N, found "
                          "'%s'", where, s->format);
    }
    /* Any other extension: its storage type is checked like any other type. */
    return BB_OK;
}

static int check_node(const struct ArrowSchema *s, const struct ArrowArray *a, const char *path,
                      int depth, walk_state *w, errbuf *e) {
    char ws[MAX_PATH + 16]; /* "schema<path>"; array messages print "array<path>" directly */
    snprintf(ws, sizeof ws, "schema%s", path);
    if (depth > MAX_DEPTH) return report(e, BB_INVALID, "%s: nested deeper than %d", ws, MAX_DEPTH);
    if (s == NULL) return report(e, BB_INVALID, "%s: pointer is NULL", ws);
    if (a == NULL) return report(e, BB_INVALID, "array%s: pointer is NULL", path);
    if (s->release == NULL) return report(e, BB_INVALID, "%s: released (release == NULL)", ws);
    if (a->release == NULL) return report(e, BB_INVALID, "array%s: released (release == NULL)", path);
    if (s->format == NULL) return report(e, BB_INVALID, "%s: format is NULL", ws);

    arrow_type t;
    int r = parse_format(s->format, ws, &t, e);
    if (r != BB_OK) return r;
    field_meta m;
    r = parse_metadata(s->metadata, ws, &m, e);
    if (r != BB_OK) return r;
    r = check_extension(&t, s, &m, ws, e);
    if (r != BB_OK) return r;
    if (s->dictionary != NULL)
        return report(e, BB_UNSUPPORTED, "%s: dictionary-encoded arrays are not rebuilt by the peer",
                      ws);

    int64_t want_children = t.kind == T_FIXED_LIST ? 1 : t.kind == T_STRUCT ? -1 : 0;
    if (s->n_children < 0 || s->n_children > MAX_CHILDREN)
        return report(e, BB_INVALID, "%s: n_children %lld is outside 0..%d", ws,
                      (long long)s->n_children, MAX_CHILDREN);
    if (want_children >= 0 && s->n_children != want_children)
        return report(e, BB_INVALID, "%s: n_children for '%s': expected=%lld found=%lld", ws,
                      s->format, (long long)want_children, (long long)s->n_children);
    if (s->n_children > 0 && s->children == NULL)
        return report(e, BB_INVALID, "%s: children is NULL with n_children=%lld", ws,
                      (long long)s->n_children);

    /* The array against its type. */
    if (a->length < 0) return report(e, BB_INVALID, "array%s: length is negative (%lld)", path, (long long)a->length);
    if (a->offset < 0) return report(e, BB_INVALID, "array%s: offset is negative (%lld)", path, (long long)a->offset);
    int64_t end;
    if (!add_ok(a->offset, a->length, &end))
        return report(e, BB_INVALID, "array%s: offset + length overflows", path);
    if (a->null_count < -1)
        return report(e, BB_INVALID, "array%s: null_count is %lld (only -1 means unknown)", path,
                      (long long)a->null_count);
    int64_t want_buffers = (t.kind == T_PRIMITIVE || t.kind == T_FIXED_BINARY) ? 2 : 1;
    if (a->n_buffers != want_buffers)
        return report(e, BB_INVALID, "array%s: n_buffers for '%s': expected=%lld found=%lld", path,
                      s->format, (long long)want_buffers, (long long)a->n_buffers);
    if (a->buffers == NULL) return report(e, BB_INVALID, "array%s: buffers is NULL with n_buffers=%lld", path,
                                          (long long)a->n_buffers);
    if (a->null_count > 0)
        return report(e, BB_INVALID, "array%s: nulls are not expected (null_count=%lld)", path,
                      (long long)a->null_count);
    if (a->null_count == -1 && a->buffers[0] != NULL)
        return report(e, BB_INVALID, "array%s: nulls are not expected (null_count unknown with a validity "
                      "buffer)", path);
    if (want_buffers == 2 && a->buffers[1] == NULL && a->length > 0)
        return report(e, BB_INVALID, "array%s: data buffer (buffers[1]) is NULL with length=%lld", path,
                      (long long)a->length);
    if (a->n_children != s->n_children)
        return report(e, BB_INVALID, "array%s: n_children: expected=%lld (schema) found=%lld", path,
                      (long long)s->n_children, (long long)a->n_children);
    if (a->n_children > 0 && a->children == NULL)
        return report(e, BB_INVALID, "array%s: children is NULL with n_children=%lld", path,
                      (long long)a->n_children);
    if (a->dictionary != NULL)
        return report(e, BB_INVALID, "array%s: dictionary is set but the schema has none", path);

    if (t.kind == T_STRUCT && w->struct_path == NULL) {
        snprintf(w->struct_path_buf, sizeof w->struct_path_buf, "%s", ws);
        w->struct_path = w->struct_path_buf;
    }
    /* Children: presence, coverage of the parent's slots, then their own structure. */
    for (int64_t i = 0; i < s->n_children; i++) {
        char cp[MAX_PATH];
        int n = snprintf(cp, sizeof cp, "%s.children[%lld]", path, (long long)i);
        if (n < 0 || n >= (int)sizeof cp) return report(e, BB_INVALID, "%s: path too long", ws);
        const struct ArrowSchema *cs = s->children[i];
        const struct ArrowArray *ca = a->children[i];
        if (cs == NULL) return report(e, BB_INVALID, "schema%s: child pointer is NULL", cp);
        if (ca == NULL) return report(e, BB_INVALID, "array%s: child pointer is NULL", cp);
        r = check_node(cs, ca, cp, depth + 1, w, e);
        if (r != BB_OK) return r;
        int64_t need = end;
        if (t.kind == T_FIXED_LIST && !mul_ok(end, t.list_size, &need))
            return report(e, BB_INVALID, "array%s: (offset + length) × %lld overflows", path,
                          (long long)t.list_size);
        if (ca->length < need) {
            if (t.kind == T_FIXED_LIST)
                return report(e, BB_INVALID, "array%s: length: expected>=%lld ((offset %lld + length "
                              "%lld) × %lld) found=%lld", cp, (long long)need, (long long)a->offset,
                              (long long)a->length, (long long)t.list_size, (long long)ca->length);
            return report(e, BB_INVALID, "array%s: length: expected>=%lld (offset %lld + length %lld) "
                          "found=%lld", cp, (long long)need, (long long)a->offset,
                          (long long)a->length, (long long)ca->length);
        }
    }
    return BB_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Logical rebuild                                                                            */
/* ------------------------------------------------------------------------------------------ */

static int compare_logical(const uint8_t *base, int64_t total_bytes, int ndim, const int64_t *shape,
                           const int64_t *strides, int64_t itemsize, int64_t n,
                           const uint8_t *expected, int64_t expected_len, const char *pre, errbuf *e) {
    int64_t logical_len;
    if (!mul_ok(n, itemsize, &logical_len))
        return report(e, BB_INVALID, "%slogical length overflows", pre);
    if (logical_len != expected_len)
        return report(e, BB_INVALID, "%slogical length differs: expected=%lld found=%lld", pre,
                      (long long)expected_len, (long long)logical_len);
    if (n == 0) return BB_OK;
    /* Every element inside [base, base + total_bytes): check the extremes of Σ i_j × strides_j. */
    int64_t lo = 0, hi = 0;
    for (int d = 0; d < ndim; d++) {
        int64_t span;
        if (!mul_ok(shape[d] - 1, strides[d], &span))
            return report(e, BB_INVALID, "%sstrides reach outside the buffer (overflow on axis %d)", pre, d);
        if (span < 0 ? !add_ok(lo, span, &lo) : !add_ok(hi, span, &hi))
            return report(e, BB_INVALID, "%sstrides reach outside the buffer (overflow on axis %d)", pre, d);
    }
    int64_t top;
    if (lo < 0 || !add_ok(hi, itemsize, &top) || top > total_bytes)
        return report(e, BB_INVALID, "%sstrides reach outside the buffer: elements span bytes "
                      "[%lld, %lld) of a %lld-byte buffer", pre, (long long)lo,
                      (long long)(add_ok(hi, itemsize, &top) ? top : INT64_MAX), (long long)total_bytes);
    if (base == NULL) return report(e, BB_INVALID, "%sdata buffer is NULL with %lld logical bytes", pre,
                                    (long long)logical_len);
    if (expected == NULL) return report(e, BB_INVALID, "%sexpected bytes are NULL with length %lld", pre,
                                        (long long)expected_len);
    int64_t idx[MAX_NDIM + 1] = {0};
    int64_t off = 0, pos = 0;
    for (int64_t k = 0; k < n; k++) {
        const uint8_t *src = base + off;
        for (int64_t b = 0; b < itemsize; b++, pos++) {
            if (src[b] != expected[pos])
                return report(e, BB_INVALID, "%slogical bytes differ at byte %lld: expected=0x%02x "
                              "found=0x%02x", pre, (long long)pos, expected[pos], src[b]);
        }
        for (int d = ndim - 1; d >= 0; d--) { /* C-order odometer */
            if (++idx[d] < shape[d]) {
                off += strides[d];
                break;
            }
            off -= (idx[d] - 1) * strides[d];
            idx[d] = 0;
        }
    }
    return BB_OK;
}

/* A view over the leaf bytes: C-order elements at Σ index × stride from the first leaf byte. */
typedef struct {
    int ndim;
    int64_t n; /* product of shape */
    int64_t shape[MAX_NDIM + 1];
    int64_t strides[MAX_NDIM + 1];
} layout;

/* The view the bufferbridge.shape / bufferbridge.strides metadata describes. */
static int metadata_layout(const field_meta *top, layout *l, errbuf *e) {
    if (!top->bb_shape.present || !top->bb_strides.present)
        return report(e, BB_INVALID, "schema: metadata has bufferbridge.%s without bufferbridge.%s",
                      top->bb_shape.present ? "shape" : "strides",
                      top->bb_shape.present ? "strides" : "shape");
    l->ndim = parse_int_list(top->bb_shape, 0, l->shape, MAX_NDIM);
    if (l->ndim < 0)
        return report(e, BB_INVALID, "schema: bufferbridge.shape '%.*s' is not a list of at most %d "
                      "non-negative decimals", top->bb_shape.len > 200 ? 200 : top->bb_shape.len,
                      top->bb_shape.ptr, MAX_NDIM);
    int ns = parse_int_list(top->bb_strides, 1, l->strides, MAX_NDIM);
    if (ns < 0)
        return report(e, BB_INVALID, "schema: bufferbridge.strides '%.*s' is not a list of at most %d "
                      "decimals", top->bb_strides.len > 200 ? 200 : top->bb_strides.len,
                      top->bb_strides.ptr, MAX_NDIM);
    if (ns != l->ndim)
        return report(e, BB_INVALID, "schema: bufferbridge.strides has %d entries for %d dimensions",
                      ns, l->ndim);
    l->n = 1;
    for (int d = 0; d < l->ndim; d++)
        if (!mul_ok(l->n, l->shape[d], &l->n))
            return report(e, BB_INVALID, "schema: bufferbridge.shape product overflows");
    return BB_OK;
}

/*
 * The view a consumer that knows only Arrow sees (SPEC §2, Arrow to PEP 3118): the top array's
 * rows in order, each an arrow.fixed_shape_tensor in its logical order when the type says so
 * (physical row-major shape, logical axis i = physical axis permutation[i]), else contiguous.
 */
static int arrow_layout(const struct ArrowArray *a, const field_meta *top, int64_t total_bytes,
                        layout *l, errbuf *e) {
    l->ndim = 1;
    l->shape[0] = a->length;
    l->n = a->length;
    l->strides[0] = 0;
    if (!text_is(top->ext_name, "arrow.fixed_shape_tensor")) {
        if (l->n > 0) l->strides[0] = total_bytes / l->n;
        return BB_OK;
    }
    int64_t perm[MAX_NDIM];
    int found_shape = 0, found_perm = 0;
    int nd = json_int_array(top->ext_meta, "shape", l->shape + 1, MAX_NDIM, &found_shape);
    int np = json_int_array(top->ext_meta, "permutation", perm, MAX_NDIM, &found_perm);
    if (nd < 0 || !found_shape || (found_perm && np != nd))
        return report(e, BB_INVALID, "schema: arrow.fixed_shape_tensor metadata malformed");
    if (!found_perm)
        for (int i = 0; i < nd; i++) perm[i] = i;
    l->ndim = 1 + nd;
    for (int d = 1; d < l->ndim; d++)
        if (!mul_ok(l->n, l->shape[d], &l->n))
            return report(e, BB_INVALID, "schema: tensor shape product overflows");
    if (l->n > 0 && total_bytes % l->n == 0) {
        int64_t phys[MAX_NDIM], pstride[MAX_NDIM];
        int64_t acc = total_bytes / l->n; /* bytes of one tensor element */
        memcpy(phys, l->shape + 1, sizeof(int64_t) * (size_t)nd);
        for (int d = nd - 1; d >= 0; d--) {
            pstride[d] = acc;
            acc *= phys[d]; /* bounded by total_bytes */
        }
        for (int i = 0; i < nd; i++) {
            l->shape[1 + i] = phys[perm[i]];
            l->strides[1 + i] = pstride[perm[i]];
        }
        l->strides[0] = acc;
    }
    return BB_OK;
}

/* Rebuilds the logical bytes of a layout over [base, base + total_bytes) and compares them. */
static int rebuild(const uint8_t *base, int64_t total_bytes, layout *l, int c_order,
                   const uint8_t *expected, int64_t expected_len, const char *pre, int64_t *itemsize,
                   errbuf *e) {
    *itemsize = 0;
    if (l->n == 0) {
        if (total_bytes != 0)
            return report(e, BB_INVALID, "%sshape has no element but the arrays hold %lld bytes", pre,
                          (long long)total_bytes);
        return compare_logical(base, total_bytes, l->ndim, l->shape, l->strides, 0, 0, expected,
                               expected_len, pre, e);
    }
    if (total_bytes % l->n != 0)
        return report(e, BB_INVALID, "%sitemsize: %lld bytes in the arrays are not a multiple of %lld "
                      "elements (shape product)", pre, (long long)total_bytes, (long long)l->n);
    *itemsize = total_bytes / l->n;
    if (*itemsize == 0)
        return report(e, BB_INVALID, "%sitemsize: %lld elements (shape product) in 0 bytes", pre,
                      (long long)l->n);
    if (c_order) {
        /* SPEC §3: an export that copied holds the view in C order whatever strides it reports. */
        int64_t acc = *itemsize;
        for (int d = l->ndim - 1; d >= 0; d--) {
            l->strides[d] = acc;
            acc *= l->shape[d]; /* n × itemsize did not overflow, neither does this */
        }
    }
    return compare_logical(base, total_bytes, l->ndim, l->shape, l->strides, *itemsize, l->n,
                           expected, expected_len, pre, e);
}

BBPEER_API int bbpeer_check(const struct ArrowSchema *s, const struct ArrowArray *a,
                            const uint8_t *expected, int64_t expected_len, char *err,
                            int64_t errlen) {
    errbuf e = {err, errlen};
    clear(&e);
    if (expected_len < 0)
        return report(&e, BB_INVALID, "expected length is negative (%lld)", (long long)expected_len);
    walk_state w = {0};
    int r = check_node(s, a, "", 0, &w, &e);
    if (r != BB_OK) return r;
    if (w.struct_path != NULL)
        return report(&e, BB_UNSUPPORTED, "struct: logical bytes are interleaved by field offsets the "
                      "Arrow type does not carry (+s at %s)", w.struct_path);

    /* Down the +w:N chain to the leaf; start = physical index of the first leaf value. */
    field_meta top;
    parse_metadata(s->metadata, "schema", &top, &e); /* already validated */
    arrow_type t;
    parse_format(s->format, "schema", &t, &e);
    int64_t count = a->length, start = a->offset;
    const struct ArrowSchema *ls = s;
    const struct ArrowArray *la = a;
    while (t.kind == T_FIXED_LIST) {
        const struct ArrowArray *ca = la->children[0];
        if (!mul_ok(count, t.list_size, &count) || !mul_ok(start, t.list_size, &start) ||
            !add_ok(start, ca->offset, &start))
            return report(&e, BB_INVALID, "leaf element count overflows");
        ls = ls->children[0];
        la = ca;
        parse_format(ls->format, "schema", &t, &e);
    }
    int64_t width = t.width, total_bytes, start_byte;
    if (!mul_ok(count, width, &total_bytes) || !mul_ok(start, width, &start_byte))
        return report(&e, BB_INVALID, "leaf byte count overflows");
    const uint8_t *base = la->buffers[1] == NULL ? NULL : (const uint8_t *)la->buffers[1] + start_byte;
    clear(&e);

    if (top.bb_readonly.present && !text_is(top.bb_readonly, "true") && !text_is(top.bb_readonly, "false"))
        return report(&e, BB_INVALID, "schema: bufferbridge.readonly: expected=true|false found='%.*s'",
                      top.bb_readonly.len > 64 ? 64 : top.bb_readonly.len, top.bb_readonly.ptr);
    if (top.bb_copied.present && !text_is(top.bb_copied, "true") && !text_is(top.bb_copied, "false"))
        return report(&e, BB_INVALID, "schema: bufferbridge.copied: expected=true|false found='%.*s'",
                      top.bb_copied.len > 64 ? 64 : top.bb_copied.len, top.bb_copied.ptr);
    layout meta, arrow;
    int has_meta = top.bb_shape.present || top.bb_strides.present;
    if (!has_meta && top.any_bb)
        return report(&e, BB_INVALID, "schema: bufferbridge metadata without bufferbridge.shape and "
                      "bufferbridge.strides");
    if (has_meta) {
        r = metadata_layout(&top, &meta, &e);
        if (r != BB_OK) return r;
    }
    r = arrow_layout(a, &top, total_bytes, &arrow, &e);
    if (r != BB_OK) return r;
    int64_t itemsize;
    layout *primary = has_meta ? &meta : &arrow;
    r = rebuild(base, total_bytes, primary, text_is(top.bb_copied, "true"), expected, expected_len, "",
                &itemsize, &e);
    if (r != BB_OK) return r;
    if (has_meta) {
        /* SPEC §2 promises a consumer that reads the Arrow type alone the same logical bytes. */
        int64_t ignored;
        r = rebuild(base, total_bytes, &arrow, 0, expected, expected_len,
                    "read as Arrow alone (no bufferbridge metadata): ", &ignored, &e);
        if (r != BB_OK) return r;
    }
    if (top.bb_itemsize.present && primary->n > 0) {
        int64_t declared;
        if (parse_int_list(top.bb_itemsize, 0, &declared, 1) != 1)
            return report(&e, BB_INVALID, "schema: bufferbridge.itemsize '%.*s' is not a decimal",
                          top.bb_itemsize.len > 64 ? 64 : top.bb_itemsize.len, top.bb_itemsize.ptr);
        if (declared != itemsize)
            return report(&e, BB_INVALID, "schema: bufferbridge.itemsize: expected=%lld (bytes per "
                          "element in the arrays) found=%lld", (long long)itemsize, (long long)declared);
    }
    if (primary->n == 0)
        return report(&e, BB_OK, "ok: 0 logical bytes, ndim %d, no element", primary->ndim);
    return report(&e, BB_OK, "ok: %lld logical bytes, ndim %d, itemsize %lld",
                  (long long)(primary->n * itemsize), primary->ndim, (long long)itemsize);
}

/* ------------------------------------------------------------------------------------------ */
/* Move and re-export                                                                         */
/* ------------------------------------------------------------------------------------------ */

static _Atomic int64_t schema_releases;
static _Atomic int64_t array_releases;
static _Atomic int64_t original_releases;

typedef struct {
    struct ArrowSchema original;
} schema_holder;

typedef struct {
    struct ArrowArray original;
} array_holder;

static void reexported_schema_release(struct ArrowSchema *s) {
    if (s == NULL || s->release == NULL) return;
    schema_holder *h = (schema_holder *)s->private_data;
    if (h != NULL) {
        if (h->original.release != NULL) {
            h->original.release(&h->original);
            atomic_fetch_add(&original_releases, 1);
        }
        free(h);
    }
    s->release = NULL;
    s->private_data = NULL;
    atomic_fetch_add(&schema_releases, 1);
}

static void reexported_array_release(struct ArrowArray *a) {
    if (a == NULL || a->release == NULL) return;
    array_holder *h = (array_holder *)a->private_data;
    if (h != NULL) {
        if (h->original.release != NULL) {
            h->original.release(&h->original);
            atomic_fetch_add(&original_releases, 1);
        }
        free(h);
    }
    a->release = NULL;
    a->private_data = NULL;
    atomic_fetch_add(&array_releases, 1);
}

BBPEER_API int bbpeer_reexport(struct ArrowSchema *s, struct ArrowArray *a,
                               struct ArrowSchema *out_s, struct ArrowArray *out_a, char *err,
                               int64_t errlen) {
    errbuf e = {err, errlen};
    clear(&e);
    if (s == NULL) return report(&e, BB_INVALID, "schema pointer is NULL");
    if (a == NULL) return report(&e, BB_INVALID, "array pointer is NULL");
    if (out_s == NULL) return report(&e, BB_INVALID, "output schema pointer is NULL");
    if (out_a == NULL) return report(&e, BB_INVALID, "output array pointer is NULL");
    if (s->release == NULL) return report(&e, BB_INVALID, "schema is released (release == NULL)");
    if (a->release == NULL) return report(&e, BB_INVALID, "array is released (release == NULL)");
    schema_holder *hs = malloc(sizeof *hs);
    array_holder *ha = malloc(sizeof *ha);
    if (hs == NULL || ha == NULL) {
        free(hs);
        free(ha);
        return report(&e, BB_INVALID, "out of memory");
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
    return BB_OK;
}

BBPEER_API int64_t bbpeer_schema_releases(void) { return atomic_load(&schema_releases); }
BBPEER_API int64_t bbpeer_array_releases(void) { return atomic_load(&array_releases); }
BBPEER_API int64_t bbpeer_original_releases(void) { return atomic_load(&original_releases); }

BBPEER_API void bbpeer_reset_counts(void) {
    atomic_store(&schema_releases, 0);
    atomic_store(&array_releases, 0);
    atomic_store(&original_releases, 0);
}
