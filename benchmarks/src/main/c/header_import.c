/*
 * Benchmark 7 (benchmarks/RESULTS.md): bb_view_import of bufferbridge.h, in ns per call, for a
 * 1-D pair (1,024 int64) and a 3-D permuted tensor pair ((4,8,16) float32 whose axes lie in
 * memory in the order 2, 0, 1: one arrow.fixed_shape_tensor with a permutation), both written by
 * bb_view_export exactly as the Java exporter writes them (bufferbridge.* metadata included), each
 * import followed by bb_view_release. Beside each: the floor, reading the same struct fields the
 * import reads (format strings, the metadata blob's lengths and bytes, counts, buffers, children)
 * with no parsing and no validation. Best of REPEAT runs of CALLS calls. Prints JSON on stdout.
 *
 * Build and run: gcc -O2 -march=native -Ic/include -o /tmp/header_import benchmarks/src/main/c/header_import.c && /tmp/header_import
 */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <time.h>

#include "bufferbridge.h"

#define CALLS 1000000
#define REPEAT 7

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static volatile uint64_t sink;

/* The floor: every field the import reads, summed so that nothing is optimized away. */
static uint64_t touch(const struct ArrowSchema *s, const struct ArrowArray *a) {
    uint64_t x = (uint64_t)(uintptr_t)s->format[0] + (uint64_t)s->n_children + (uint64_t)a->length +
                 (uint64_t)a->offset + (uint64_t)a->n_buffers + (uint64_t)a->null_count +
                 (uint64_t)(uintptr_t)a->buffers[0] + (uint64_t)(uintptr_t)a->dictionary;
    int64_t k;
    if (a->n_buffers > 1) x += (uint64_t)(uintptr_t)a->buffers[1];
    if (s->metadata != NULL) {
        int32_t n, len, i;
        const char *p = s->metadata + 4;
        memcpy(&n, s->metadata, 4);
        for (i = 0; i < 2 * n; i++) {
            memcpy(&len, p, 4);
            x += (uint64_t)(unsigned char)p[4] + (uint64_t)len;
            p += 4 + len;
        }
    }
    for (k = 0; k < s->n_children; k++) x += touch(s->children[k], a->children[k]);
    return x;
}

static void release_nothing(void *ctx) { (void)ctx; }

static void run(const char *name, const char *format, int64_t itemsize, int ndim, const int64_t *shape,
                const int64_t *strides, void *data) {
    struct bb_view in, v;
    struct ArrowSchema s;
    struct ArrowArray a;
    struct bb_error err;
    double best_import = 1e300, best_floor = 1e300;
    int r, k;
    memset(&in, 0, sizeof in);
    memset(&s, 0, sizeof s);
    memset(&a, 0, sizeof a);
    in.buf = data;
    in.format = format;
    in.itemsize = itemsize;
    in.ndim = ndim;
    in.shape = shape;
    in.strides = strides;
    in.readonly = 1;
    if (bb_view_export(&in, release_nothing, NULL, &s, &a, &err) != 0 || bb_view_import(&s, &a, &v, &err) != 0) {
        fprintf(stderr, "%s: %s\n", name, err.message);
        exit(2);
    }
    if (v.copied || v.buf != data) {
        fprintf(stderr, "%s: not zero-copy\n", name);
        exit(2);
    }
    bb_view_release(&v);
    for (r = 0; r < REPEAT; r++) {
        double t0 = now_ns(), t1;
        for (k = 0; k < CALLS; k++) {
            if (bb_view_import(&s, &a, &v, &err) != 0) exit(3);
            sink += (uint64_t)v.ndim;
            bb_view_release(&v);
        }
        t1 = now_ns();
        if ((t1 - t0) / CALLS < best_import) best_import = (t1 - t0) / CALLS;
        t0 = now_ns();
        for (k = 0; k < CALLS; k++) sink += touch(&s, &a);
        t1 = now_ns();
        if ((t1 - t0) / CALLS < best_floor) best_floor = (t1 - t0) / CALLS;
    }
    printf("  {\"benchmark\": \"%s\", \"import_ns\": %.1f, \"floor_ns\": %.1f, \"ratio\": %.1f}", name, best_import,
           best_floor, best_import / best_floor);
    s.release(&s);
    a.release(&a);
}

int main(void) {
    static int64_t ints[1024];
    static float floats[4 * 8 * 16];
    const int64_t shape1[1] = {1024}, strides1[1] = {8};
    /* axes in memory in the order 2, 0, 1: axis 1 innermost, then axis 0, then axis 2 */
    const int64_t shape3[3] = {4, 8, 16}, strides3[3] = {32, 4, 128};
    printf("{\"compiler\": \"%s\", \"calls\": %d, \"repeat\": %d, \"results\": [\n", __VERSION__, CALLS, REPEAT);
    run("1-D int64 [1024]", "q", 8, 1, shape1, strides1, ints);
    printf(",\n");
    run("3-D float32 (4,8,16) permuted (2,0,1)", "f", 4, 3, shape3, strides3, floats);
    printf("\n]}\n");
    return 0;
}
