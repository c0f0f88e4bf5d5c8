/*
 * Test support for the C tests of bufferbridge.h: a counter of failed checks, and hand-built
 * Arrow pairs (a "foreign producer") whose nodes, buffers and metadata live in static storage and
 * whose release callbacks are counted.
 */
#ifndef BB_TEST_SUPPORT_H
#define BB_TEST_SUPPORT_H
#include "bufferbridge.h"

static int failures;
static int checks;

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        checks++;                                                                        \
        if (!(cond)) {                                                                   \
            failures++;                                                                  \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);     \
        }                                                                                \
    } while (0)

#define CHECK_INT(got, want)                                                             \
    do {                                                                                 \
        long long g_ = (long long)(got), w_ = (long long)(want);                         \
        checks++;                                                                        \
        if (g_ != w_) {                                                                  \
            failures++;                                                                  \
            fprintf(stderr, "%s:%d: %s: expected=%lld found=%lld\n", __FILE__, __LINE__, \
                    #got, w_, g_);                                                       \
        }                                                                                \
    } while (0)

#define CHECK_STR(got, want)                                                               \
    do {                                                                                   \
        const char *g_ = (got), *w_ = (want);                                              \
        checks++;                                                                          \
        if (g_ == NULL || strcmp(g_, w_) != 0) {                                           \
            failures++;                                                                    \
            fprintf(stderr, "%s:%d: %s: expected='%s' found='%s'\n", __FILE__, __LINE__,   \
                    #got, w_, g_ == NULL ? "(null)" : g_);                                 \
        }                                                                                  \
    } while (0)

/* The call failed with `code` and a message that contains `part`. */
#define CHECK_REFUSED(rc, code, err, part)                                                  \
    do {                                                                                    \
        int r_ = (rc);                                                                      \
        checks++;                                                                           \
        if (r_ != (code) || strstr((err).message, (part)) == NULL) {                        \
            failures++;                                                                     \
            fprintf(stderr, "%s:%d: expected code %d with '%s', found code %d: %s\n",       \
                    __FILE__, __LINE__, (code), (part), r_, (err).message);                 \
        }                                                                                   \
    } while (0)

static void check_ints(const char *file, int line, const int64_t *got, const int64_t *want, int n) {
    int k;
    checks++;
    for (k = 0; k < n; k++) {
        if (got[k] != want[k]) {
            failures++;
            fprintf(stderr, "%s:%d: entry %d: expected=%lld found=%lld\n", file, line, k,
                    (long long)want[k], (long long)got[k]);
            return;
        }
    }
}
#define CHECK_INTS(got, n, ...)                                     \
    do {                                                            \
        const int64_t want_[] = {__VA_ARGS__};                      \
        CHECK_INT((n), (int)(sizeof want_ / sizeof want_[0]));      \
        check_ints(__FILE__, __LINE__, (got), want_, (int)(n));     \
    } while (0)

/* ---------------------------------------------------------------- hand-built pairs */

#define MAX_KIDS 4

struct node {
    struct ArrowSchema s;
    struct ArrowArray a;
    struct ArrowSchema *skids[MAX_KIDS];
    struct ArrowArray *akids[MAX_KIDS];
    const void *buffers[3];
    char meta[1024];
    int32_t meta_pairs;
    size_t meta_len;
};

static int schema_releases, array_releases;

static void count_schema_release(struct ArrowSchema *s) {
    schema_releases++;
    s->release = NULL;
}

static void count_array_release(struct ArrowArray *a) {
    array_releases++;
    a->release = NULL;
}

/* A leaf or parent node: format, length, offset, data (buffers[1]; NULL for +w / +s). */
static void node_init(struct node *n, const char *format, int64_t length, int64_t offset, const void *data) {
    int fixed = format[0] != '+';
    memset(n, 0, sizeof *n);
    n->s.format = format;
    n->s.name = "";
    n->s.release = count_schema_release;
    n->s.children = n->skids;
    n->a.length = length;
    n->a.offset = offset;
    n->a.n_buffers = fixed ? 2 : 1;
    n->a.buffers = n->buffers;
    n->buffers[1] = data;
    n->a.children = n->akids;
    n->a.release = count_array_release;
}

static void node_child(struct node *parent, struct node *child) {
    parent->skids[parent->s.n_children++] = &child->s;
    parent->akids[parent->a.n_children++] = &child->a;
}

static void node_meta(struct node *n, const char *key, const char *value) {
    int32_t kl = (int32_t)strlen(key), vl = (int32_t)strlen(value);
    if (n->meta_len == 0) n->meta_len = 4;
    memcpy(n->meta + n->meta_len, &kl, 4);
    memcpy(n->meta + n->meta_len + 4, key, (size_t)kl);
    n->meta_len += 4 + (size_t)kl;
    memcpy(n->meta + n->meta_len, &vl, 4);
    memcpy(n->meta + n->meta_len + 4, value, (size_t)vl);
    n->meta_len += 4 + (size_t)vl;
    n->meta_pairs++;
    memcpy(n->meta, &n->meta_pairs, 4);
    n->s.metadata = n->meta;
}

/* bufferbridge.* metadata, as the Java exporter writes it. */
static void node_bb(struct node *n, const char *format, const char *itemsize, const char *shape,
                    const char *strides, const char *readonly, const char *copied) {
    node_meta(n, "bufferbridge.format", format);
    node_meta(n, "bufferbridge.shape", shape);
    node_meta(n, "bufferbridge.strides", strides);
    node_meta(n, "bufferbridge.readonly", readonly);
    node_meta(n, "bufferbridge.copied", copied);
    node_meta(n, "bufferbridge.itemsize", itemsize);
}

/* The view's bytes in C order, walked with shape and strides. */
static int64_t logical_bytes(const struct bb_view *v, unsigned char *out, int64_t cap) {
    int64_t idx[BB_MAX_NDIM] = {0}, n = 1, k, at = 0;
    int d;
    for (d = 0; d < v->ndim; d++) n *= v->shape[d];
    for (k = 0; k < n; k++) {
        const unsigned char *p = (const unsigned char *)bb_view_ptr(v, idx);
        if (at + v->itemsize > cap) return -1;
        memcpy(out + at, p, (size_t)v->itemsize);
        at += v->itemsize;
        for (d = v->ndim - 1; d >= 0; d--) {
            if (++idx[d] < v->shape[d]) break;
            idx[d] = 0;
        }
    }
    return at;
}

/* Marks in mask the bytes of one element that are data (not padding between or after fields). */
static void mark_data(const struct bb_element *e, unsigned char *mask, int64_t at) {
    int64_t k, n = 1;
    int d;
    if (e->kind == BB_ELEMENT_SCALAR) {
        memset(mask + at, 1, (size_t)e->size);
    } else if (e->kind == BB_ELEMENT_SUBARRAY) {
        for (d = 0; d < e->ndim; d++) n *= e->shape[d];
        for (k = 0; k < n; k++) mark_data(e->item, mask, at + k * e->item->size);
    } else {
        for (k = 0; k < e->n_fields; k++) mark_data(e->fields[k].element, mask, at + e->fields[k].offset);
    }
}

/* Whether two C-order byte runs of elements agree on every data byte. */
static int same_data(const struct bb_element *e, int64_t itemsize, const unsigned char *a, const unsigned char *b,
                     int64_t n) {
    unsigned char mask[4096];
    int64_t k;
    if (itemsize > (int64_t)sizeof mask) return 0;
    memset(mask, 0, sizeof mask);
    mark_data(e, mask, 0);
    for (k = 0; k < n; k++) {
        if (mask[k % itemsize] && a[k] != b[k]) return 0;
    }
    return 1;
}

#endif
