/*
 * libFuzzer target over bb_view_import, in the manner of the Java ImportFuzzTest: the input
 * drives the building of an ArrowSchema/ArrowArray tree in memory (formats, n_buffers, children
 * and their counts, lengths, offsets, null counts, validity bitmaps, metadata with extension types
 * and bufferbridge.* keys whose shapes and strides may claim anything). Every buffer is a heap
 * allocation exactly as large as its struct's declared offset and length need, so AddressSanitizer
 * reports any read past what the structs declare. The import gives a view whose every element is
 * read (and must lie inside the view's declared buffers), or a refusal with a message; the header
 * never calls a release callback (it borrows) and frees all it allocated (LeakSanitizer).
 *
 * A metadata blob carries no length of its own, so the blobs built here are well formed up to
 * their counts, which may be negative or past the caps (a lying count inside a short blob cannot
 * be detected by any consumer).
 *
 * Built with clang -fsanitize=fuzzer,address,undefined by .ci/fuzz; replayed over the committed
 * inputs (c/fuzz/corpus/) with gcc and the sanitizers by `mvn verify` (bb_fuzz_replay.c).
 */
#include "bufferbridge.h"

struct input {
    const uint8_t *p;
    size_t n;
};

static unsigned take(struct input *in, unsigned below) {
    unsigned v;
    if (in->n == 0 || below <= 1) return 0;
    v = *in->p++;
    in->n--;
    return v % below;
}

/* Mostly small, sometimes huge or negative. */
static int64_t take_count(struct input *in) {
    switch (take(in, 16)) {
    case 0: return -1 - (int64_t)take(in, 4);
    case 1: return INT64_MAX - (int64_t)take(in, 4);
    case 2: return ((int64_t)1 << (40 + take(in, 22)));
    default: return (int64_t)take(in, 12);
    }
}

#define MAX_NODES 64

struct pool {
    struct ArrowSchema s[MAX_NODES];
    struct ArrowArray a[MAX_NODES];
    struct ArrowSchema *sk[MAX_NODES][4];
    struct ArrowArray *ak[MAX_NODES][4];
    const void *buffers[MAX_NODES][3];
    void *owned[MAX_NODES * 4];
    int n_owned;
    int used;
    int releases;
};

static struct pool *current;

static void schema_release(struct ArrowSchema *s) {
    current->releases++;
    s->release = NULL;
}

static void array_release(struct ArrowArray *a) {
    current->releases++;
    a->release = NULL;
}

static void *own(struct pool *p, size_t n) {
    void *m = malloc(n == 0 ? 1 : n);
    if (m != NULL) {
        memset(m, 0xA5, n == 0 ? 1 : n);
        p->owned[p->n_owned++] = m;
    }
    return m;
}

static const char *const arrow_formats[] = {"c", "C", "s", "S", "i", "I", "l", "L", "e", "f", "g", "b", "n", "w:1",
    "w:3", "w:16", "w:0", "tdD", "tdm", "tts", "ttn", "tsu:UTC", "tDs", "d:10,2", "d:40,2,256", "d:5,1,32", "+w:0",
    "+w:1", "+w:3", "+w:2", "+s", "+s", "+l", "z", "u", "w:", "w:-1", "+w:", "+w:99999999999"};
static const char *const pep_formats[] = {"i", "b", "B", "?", "h", "<i", ">i", "q", "d", "Zf", "Zd", "3s", "2i",
    "(2,3)h", "T{i:a:B:b:}", "hd", "g", "p", "c", "e", "x", "T{(2)d:m:?:f:}", "ii", "(2)Zd", "T{", "i(", "3"};
static const char *const small_lists[] = {"", "0", "1", "2", "3", "4", "8", "2,3", "3,2", "6", "-4", "0,0", "1,1,1",
    "16", "12", "24", "2,2", "4,8", "8,4", "9223372036854775807", "x", "1,", "2,3,4"};
static const char *const tensor_meta[] = {"{\"shape\":[2],\"permutation\":[0]}", "{\"shape\":[3]}",
    "{\"shape\":[1,3],\"permutation\":[1,0]}", "{\"shape\":[3,1]}", "{\"shape\":[2,1],\"permutation\":[0,0]}",
    "{\"shape\":[-1]}", "{\"shape\":[1.5]}", "{\"shape\":", "[]", "{}", "{\"shape\":[0]}",
    "{\"x\":{\"shape\":[3]},\"shape\":[1,2]}"};

static int64_t width_of(const char *f) {
    struct bb__kind k;
    struct ArrowSchema s;
    memset(&s, 0, sizeof s);
    s.format = f;
    if (bb__kind_of(&s, "", &k, NULL) != 0) return 1;
    return k.kind == BB__FIXED ? k.width : 0;
}

/* One metadata blob: n pairs chosen by the input, the count sometimes a lie. */
static const char *build_metadata(struct pool *p, struct input *in, int root) {
    const char *keys[8], *values[8];
    int n = 0, k;
    size_t size = 4;
    char *blob, *at;
    int32_t v;
    int choice = take(in, 4);
    if (choice == 0) return NULL;
    if (root && take(in, 2)) {
        static const char *const bb_keys[] = {"bufferbridge.format", "bufferbridge.shape", "bufferbridge.strides",
            "bufferbridge.readonly", "bufferbridge.copied", "bufferbridge.itemsize"};
        for (k = 0; k < 6; k++) {
            if (k > 0 && take(in, 8) == 0) continue; /* sometimes a key is missing */
            keys[n] = bb_keys[k];
            values[n] = k == 0 ? pep_formats[take(in, sizeof pep_formats / sizeof pep_formats[0])]
                      : k == 3 || k == 4 ? (take(in, 5) == 0 ? "maybe" : take(in, 2) ? "true" : "false")
                                         : small_lists[take(in, sizeof small_lists / sizeof small_lists[0])];
            n++;
        }
    }
    switch (take(in, 5)) {
    case 1:
        keys[n] = "ARROW:extension:name";
        values[n++] = "arrow.bool8";
        break;
    case 2:
        keys[n] = "ARROW:extension:name";
        values[n++] = "arrow.fixed_shape_tensor";
        keys[n] = "ARROW:extension:metadata";
        values[n++] = tensor_meta[take(in, sizeof tensor_meta / sizeof tensor_meta[0])];
        break;
    case 3:
        keys[n] = "ARROW:extension:name";
        values[n++] = "arrow.opaque";
        keys[n] = "ARROW:extension:metadata";
        values[n++] = take(in, 2) ? "{\"type_name\":\"ic\",\"vendor_name\":\"PEP 3118\"}" : "{\"type_name\":1}";
        break;
    default:
        break;
    }
    for (k = 0; k < n; k++) size += 8 + strlen(keys[k]) + strlen(values[k]);
    blob = (char *)own(p, size);
    if (blob == NULL) return NULL;
    v = choice == 1 ? -1 - (int32_t)take(in, 3) : choice == 2 && n == 0 ? (1 << 16) + 1 : n;
    memcpy(blob, &v, 4);
    at = blob + 4;
    for (k = 0; k < 2 * n; k++) {
        const char *s = k % 2 == 0 ? keys[k / 2] : values[k / 2];
        v = (int32_t)strlen(s);
        memcpy(at, &v, 4);
        memcpy(at + 4, s, (size_t)v);
        at += 4 + v;
    }
    return blob;
}

static int build(struct pool *p, struct input *in, int depth, int root) {
    int id = p->used++, k, nchildren;
    struct ArrowSchema *s = &p->s[id];
    struct ArrowArray *a = &p->a[id];
    const char *f = arrow_formats[take(in, sizeof arrow_formats / sizeof arrow_formats[0])];
    int64_t width = width_of(f), need;
    memset(s, 0, sizeof *s);
    memset(a, 0, sizeof *a);
    s->format = f;
    s->name = take(in, 4) == 0 ? NULL : (const char *[]){"a", "b", "", "x:y"}[take(in, 4)];
    s->release = take(in, 32) == 0 ? NULL : schema_release;
    a->release = take(in, 32) == 0 ? NULL : array_release;
    s->metadata = build_metadata(p, in, root);
    a->length = take_count(in);
    a->offset = take(in, 6) == 0 ? take_count(in) : (int64_t)take(in, 3);
    a->null_count = take(in, 4) == 0 ? -1 - (int64_t)take(in, 2) : take(in, 6) == 0 ? 1 : 0;
    a->n_buffers = (f[0] == '+') ? 1 : 2;
    if (take(in, 16) == 0) a->n_buffers = (int64_t)take(in, 4);
    a->buffers = p->buffers[id];
    p->buffers[id][0] = p->buffers[id][1] = p->buffers[id][2] = NULL;
    /* Buffers exactly as large as the struct claims, when that is small enough to allocate. */
    if (a->length >= 0 && a->offset >= 0 && a->length <= 4096 && a->offset <= 4096) {
        int64_t end = a->offset + a->length;
        if (a->null_count != 0 && take(in, 2)) {
            uint8_t *bits = (uint8_t *)own(p, (size_t)((end + 7) / 8));
            if (bits != NULL) {
                for (k = 0; k < (end + 7) / 8; k++) bits[k] = take(in, 3) ? 0xFF : (uint8_t)take(in, 256);
            }
            p->buffers[id][0] = bits;
        }
        need = strcmp(f, "b") == 0 ? (end + 7) / 8 : end * width;
        if (width > 0 || strcmp(f, "b") == 0) p->buffers[id][1] = take(in, 16) == 0 ? NULL : own(p, (size_t)need);
    }
    nchildren = f[0] == '+' ? (f[1] == 's' ? 1 + (int)take(in, 3) : 1) : 0;
    if (take(in, 16) == 0) nchildren = (int)take(in, 4);
    s->children = p->sk[id];
    a->children = p->ak[id];
    s->n_children = a->n_children = nchildren;
    for (k = 0; k < nchildren; k++) {
        if (depth >= 6 || p->used >= MAX_NODES || in->n == 0) {
            s->n_children = a->n_children = k;
            break;
        }
        /* a child shared with the previous one: a DAG */
        if (k > 0 && take(in, 8) == 0) {
            p->sk[id][k] = p->sk[id][k - 1];
            p->ak[id][k] = p->ak[id][k - 1];
            continue;
        }
        {
            int c = build(p, in, depth + 1, 0);
            p->sk[id][k] = &p->s[c];
            p->ak[id][k] = &p->a[c];
        }
    }
    if (take(in, 32) == 0) a->n_children = (int64_t)take(in, 4) > s->n_children ? s->n_children : (int64_t)take(in, 4);
    return id;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static struct pool p;
    struct input in;
    struct bb_view v;
    struct bb_error err;
    int rc, k;
    in.p = data;
    in.n = size;
    memset(&p, 0, sizeof p);
    current = &p;
    build(&p, &in, 0, 1);
    rc = bb_view_import(&p.s[0], &p.a[0], &v, &err);
    if (rc == 0) {
        /* Read every byte of every element; ASan stops at any byte outside the buffers. */
        int64_t idx[BB_MAX_NDIM] = {0}, n = 1, e, sum = 0;
        int d;
        for (d = 0; d < v.ndim; d++) n *= v.shape[d];
        for (e = 0; e < n && n <= (1 << 20); e++) {
            const volatile uint8_t *q = (const uint8_t *)bb_view_ptr(&v, idx);
            if (q == NULL && v.itemsize > 0) __builtin_trap(); /* elements with bytes have memory */
            for (k = 0; k < v.itemsize; k++) sum += q[k];
            for (d = v.ndim - 1; d >= 0; d--) {
                if (++idx[d] < v.shape[d]) break;
                idx[d] = 0;
            }
        }
        (void)sum;
        if (v.format == NULL || v.itemsize < 0 || v.ndim < 0 || v.ndim > BB_MAX_NDIM || v.element == NULL) __builtin_trap();
        bb_view_release(&v);
    } else if (err.message[0] == '\0' || v.internal != NULL || v.buf != NULL) {
        __builtin_trap(); /* a refusal names its problem and leaves nothing behind */
    }
    if (p.releases != 0) __builtin_trap(); /* the header borrows: it never releases */
    for (k = 0; k < p.n_owned; k++) free(p.owned[k]);
    return 0;
}
