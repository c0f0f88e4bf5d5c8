/*
 * What a compiled loop gets on benchmark 3's layouts on this machine: the reference for how much
 * of the gap to memcpy is the memory system rather than the JVM (benchmarks/RESULTS.md).
 *
 * The three copies of MaterializeBenchmark, each as plain C loops built with gcc -O2
 * -march=native: the 4096x4096 int32 transpose and the (256,256,64) float32 (2,0,1) permutation
 * as blocked loops (every block size from 8 to 128, the best one reported), every other element
 * of 32 Mi int64 as one strided loop, and memcpy of the same byte count. Best of REPEAT runs of
 * each, after one warm-up run that touches every page. Every memcpy's destination is read back
 * (so none is a dead store), and the blocked loops are first checked, for every block size, on
 * sizes that are a multiple of none. Prints JSON on stdout.
 *
 * With AVX-512 (built with -march=native on such a machine), the same three copies also as the
 * kernels the Java library's vector path uses (src/main/java .../internal/view/VectorCopy.java):
 * 16x16 int32 blocks transposed in registers by four rounds of two-vector permutes, each block
 * row one 64-byte load and each block column one 64-byte store, and [::2] by two loads and one
 * permute per 64 bytes out; each once with ordinary stores (what Java can emit) and once with
 * non-temporal (streaming) stores, which Java cannot: the ceiling a miss is measured against.
 *
 * Build and run: gcc -O3 -march=native -o /tmp/strided_reference strided_reference.c && /tmp/strided_reference
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef __AVX512F__
#include <immintrin.h>
#endif

#define REPEAT 7

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void *checked_alloc(size_t bytes) {
    void *p = aligned_alloc(64, bytes);
    if (p == NULL) {
        fprintf(stderr, "aligned_alloc failed: bytes=%zu\n", bytes);
        exit(2);
    }
    memset(p, 1, bytes);
    return p;
}

static long min_long(long a, long b) {
    return a < b ? a : b;
}

/* dst[j][i] = src[i][j] for an n x n matrix, in b x b blocks; the last block of a row or column
 * is cut at n, so any n and b are right (self_check tries sizes that are no multiple of b). */
static void transpose(const int32_t *src, int32_t *dst, long n, long b) {
    for (long i0 = 0; i0 < n; i0 += b)
        for (long j0 = 0; j0 < n; j0 += b)
            for (long i = i0; i < min_long(i0 + b, n); i++)
                for (long j = j0; j < min_long(j0 + b, n); j++)
                    dst[j * n + i] = src[i * n + j];
}

/* (rows, k) to (k, rows): the (256,256,64) -> (64,256,256) permutation, rows = 256*256; blocks
 * cut at rows and k as in transpose. */
static void permute(const float *src, float *dst, long rows, long k, long b) {
    long bk = b < k ? b : k;
    for (long r0 = 0; r0 < rows; r0 += b)
        for (long k0 = 0; k0 < k; k0 += bk)
            for (long r = r0; r < min_long(r0 + b, rows); r++)
                for (long c = k0; c < min_long(k0 + bk, k); c++)
                    dst[c * rows + r] = src[r * k + c];
}

/* Every block size on sizes that are multiples of none of them, checked element by element. */
static void self_check(void) {
    const long n = 1003, rows = 1001, k = 37;
    int32_t *ts = checked_alloc(n * n * 4), *td = checked_alloc(n * n * 4);
    float *ps = checked_alloc(rows * k * 4), *pd = checked_alloc(rows * k * 4);
    for (long i = 0; i < n * n; i++) ts[i] = (int32_t) i;
    for (long i = 0; i < rows * k; i++) ps[i] = (float) i;
    for (long b = 8; b <= 128; b *= 2) {
        memset(td, 0xff, n * n * 4);
        memset(pd, 0xff, rows * k * 4);
        transpose(ts, td, n, b);
        permute(ps, pd, rows, k, b);
        for (long i = 0; i < n; i++)
            for (long j = 0; j < n; j++)
                if (td[j * n + i] != ts[i * n + j]) {
                    fprintf(stderr, "transpose wrong: n=%ld block=%ld i=%ld j=%ld\n", n, b, i, j);
                    exit(1);
                }
        for (long r = 0; r < rows; r++)
            for (long c = 0; c < k; c++)
                if (pd[c * rows + r] != ps[r * k + c]) {
                    fprintf(stderr, "permute wrong: rows=%ld k=%ld block=%ld r=%ld c=%ld\n", rows, k, b, r, c);
                    exit(1);
                }
    }
    free(ts);
    free(td);
    free(ps);
    free(pd);
}

/* Reads the last byte a timed memcpy wrote through a volatile pointer: the copy's destination is
 * read, so the compiler may not drop the copy as a dead store. */
static long read_back(const char *dst, long bytes) {
    const volatile char *v = dst;
    return v[bytes - 1];
}

static void step2(const int64_t *src, int64_t *dst, long n) {
    for (long i = 0; i < n; i++)
        dst[i] = src[2 * i];
}


#ifdef __AVX512F__
/* One 16x16 int32 block: rows at s + i*si (elements), columns to t + j*tn; stream: NT stores. */
static inline void block16(const int32_t *s, long si, int32_t *t, long tn, int stream) {
    const __m512i lo = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    const __m512i hi = _mm512_set_epi32(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8);
    __m512i r[16], n[16];
    for (int i = 0; i < 16; i++) r[i] = _mm512_loadu_si512((const void *) (s + i * si));
    for (int round = 0; round < 4; round++) {
        for (int j = 0; j < 8; j++) {
            n[2 * j] = _mm512_permutex2var_epi32(r[j], lo, r[j + 8]);
            n[2 * j + 1] = _mm512_permutex2var_epi32(r[j], hi, r[j + 8]);
        }
        for (int j = 0; j < 16; j++) r[j] = n[j];
    }
    if (stream)
        for (int j = 0; j < 16; j++) _mm512_stream_si512((void *) (t + j * tn), r[j]);
    else
        for (int j = 0; j < 16; j++) _mm512_storeu_si512((void *) (t + j * tn), r[j]);
}

/* dst[c][r] = src[r][c] for a rows x cols int32 matrix, both multiples of 16, by 16x16 blocks
 * along c inside (the Java kernel's order). */
static void transpose16(const int32_t *src, int32_t *dst, long rows, long cols, int stream) {
    for (long r0 = 0; r0 < rows; r0 += 16)
        for (long c0 = 0; c0 < cols; c0 += 16)
            block16(src + r0 * cols + c0, cols, dst + c0 * rows + r0, rows, stream);
    if (stream) _mm_sfence();
}

/* [::2] of n int64 (n a multiple of 16), one vector from each half in turn, as the Java kernel
 * does (two read and two write streams in flight). */
static void step2_512(const int64_t *src, int64_t *dst, long n, int stream) {
    const __m512i even = _mm512_set_epi64(14, 12, 10, 8, 6, 4, 2, 0);
    const long half = n / 2;
    for (long i = 0; i < half; i += 8) {
        for (int k = 0; k < 2; k++) {
            const long h = k * half;
            __m512i x = _mm512_loadu_si512((const void *) (src + 2 * (i + h)));
            __m512i y = _mm512_loadu_si512((const void *) (src + 2 * (i + h) + 8));
            __m512i v = _mm512_permutex2var_epi64(x, even, y);
            if (stream) _mm512_stream_si512((void *) (dst + i + h), v);
            else _mm512_storeu_si512((void *) (dst + i + h), v);
        }
    }
    if (stream) _mm_sfence();
}
#endif

int main(void) {
    self_check();
    const long n = 4096, rows = 256L * 256, k = 64, steps = 16L << 20;
    int32_t *ts = checked_alloc(n * n * 4), *td = checked_alloc(n * n * 4);
    float *ps = checked_alloc(rows * k * 4), *pd = checked_alloc(rows * k * 4);
    int64_t *ss = checked_alloc(steps * 2 * 8), *sd = checked_alloc(steps * 8);
    /* memcpy has its own source and target: the loops' results are checked at the end. */
    char *dense = checked_alloc(steps * 8), *copy = checked_alloc(steps * 8);
    for (long i = 0; i < n * n; i++) ts[i] = (int32_t) i;
    for (long i = 0; i < rows * k; i++) ps[i] = (float) i;
    for (long i = 0; i < 2 * steps; i++) ss[i] = i;

    double best_t = 1e30, best_p = 1e30, best_s = 1e30;
    long block_t = 0, block_p = 0;
    double mem_t = 1e30, mem_p = 1e30, mem_s = 1e30;
    long read_sum = 0, want_sum = 0;
    for (int rep = 0; rep <= REPEAT; rep++) {
        for (long b = 8; b <= 128; b *= 2) {
            double t0 = now_ms();
            transpose(ts, td, n, b);
            double t1 = now_ms();
            permute(ps, pd, rows, k, b);
            double t2 = now_ms();
            if (rep > 0 && t1 - t0 < best_t) { best_t = t1 - t0; block_t = b; }
            if (rep > 0 && t2 - t1 < best_p) { best_p = t2 - t1; block_p = b; }
        }
        /* A new last byte per copy, so each copy has something new to move and to read back. */
        dense[n * n * 4 - 1] = (char) (3 * rep);
        dense[rows * k * 4 - 1] = (char) (3 * rep + 1);
        dense[steps * 8 - 1] = (char) (3 * rep + 2);
        double t0 = now_ms();
        step2(ss, sd, steps);
        double t1 = now_ms();
        memcpy(copy, dense, n * n * 4);
        read_sum += read_back(copy, n * n * 4);
        double t2 = now_ms();
        memcpy(copy, dense, rows * k * 4);
        read_sum += read_back(copy, rows * k * 4);
        double t3 = now_ms();
        memcpy(copy, dense, steps * 8);
        read_sum += read_back(copy, steps * 8);
        double t4 = now_ms();
        if (rep > 0) {
            if (t1 - t0 < best_s) best_s = t1 - t0;
            if (t2 - t1 < mem_t) mem_t = t2 - t1;
            if (t3 - t2 < mem_p) mem_p = t3 - t2;
            if (t4 - t3 < mem_s) mem_s = t4 - t3;
        }
    }
    /* The AVX-512 kernels: [0] ordinary stores, [1] streaming stores; checked after timing. */
    double vec_t[2] = {-1, -1}, vec_p[2] = {-1, -1}, vec_s[2] = {-1, -1};
#ifdef __AVX512F__
    for (int nt = 0; nt < 2; nt++) {
        vec_t[nt] = vec_p[nt] = vec_s[nt] = 1e30;
        for (int rep = 0; rep <= REPEAT; rep++) {
            double t0 = now_ms();
            transpose16(ts, td, n, n, nt);
            double t1 = now_ms();
            transpose16((const int32_t *) ps, (int32_t *) pd, rows, k, nt);
            double t2 = now_ms();
            step2_512(ss, sd, steps, nt);
            double t3 = now_ms();
            if (rep > 0) {
                if (t1 - t0 < vec_t[nt]) vec_t[nt] = t1 - t0;
                if (t2 - t1 < vec_p[nt]) vec_p[nt] = t2 - t1;
                if (t3 - t2 < vec_s[nt]) vec_s[nt] = t3 - t2;
            }
        }
        for (long i = 0; i < n; i += 5)
            for (long j = 0; j < n; j += 3)
                if (td[j * n + i] != (int32_t) (i * n + j)) {
                    fprintf(stderr, "avx512 transpose wrong: stream=%d i=%ld j=%ld\n", nt, i, j);
                    return 1;
                }
        for (long r = 0; r < rows; r += 7)
            for (long c = 0; c < k; c++)
                if (pd[c * rows + r] != (float) (r * k + c)) {
                    fprintf(stderr, "avx512 permute wrong: stream=%d r=%ld c=%ld\n", nt, r, c);
                    return 1;
                }
        for (long i = 0; i < steps; i++)
            if (sd[i] != 2 * i) {
                fprintf(stderr, "avx512 step2 wrong: stream=%d i=%ld\n", nt, i);
                return 1;
            }
    }
#endif
    for (int rep = 0; rep <= REPEAT; rep++)
        want_sum += (char) (3 * rep) + (char) (3 * rep + 1) + (char) (3 * rep + 2);
    /* Checks, so the loops cannot be dropped and a wrong loop is caught. */
    if (read_sum != want_sum || memcmp(copy, dense, steps * 8) != 0) {
        fprintf(stderr, "a timed memcpy did not copy: read_sum=%ld expected=%ld\n", read_sum, want_sum);
        return 1;
    }
    if (td[5 * n + 7] != (int32_t) (7 * n + 5) || pd[3 * rows + 1000] != (float) (1000 * k + 3) || sd[12345] != 24690) {
        fprintf(stderr, "a reference loop copied wrong values\n");
        return 1;
    }
    /* avx512_ms / avx512_nt_ms: -1 when not built with AVX-512. */
    printf("{\n  \"compiler\": \"gcc %d.%d -march=native\",\n  \"repeat\": %d,\n  \"layouts\": {\n", __GNUC__,
           __GNUC_MINOR__, REPEAT);
    printf("    \"transpose\": {\"ms\": %.3f, \"block\": %ld, \"memcpy_ms\": %.3f, \"avx512_ms\": %.3f, \"avx512_nt_ms\": %.3f},\n",
           best_t, block_t, mem_t, vec_t[0], vec_t[1]);
    printf("    \"step2\": {\"ms\": %.3f, \"memcpy_ms\": %.3f, \"avx512_ms\": %.3f, \"avx512_nt_ms\": %.3f},\n", best_s,
           mem_s, vec_s[0], vec_s[1]);
    printf("    \"permute201\": {\"ms\": %.3f, \"block\": %ld, \"memcpy_ms\": %.3f, \"avx512_ms\": %.3f, \"avx512_nt_ms\": %.3f}\n  }\n}\n",
           best_p, block_p, mem_p, vec_p[0], vec_p[1]);
    return 0;
}
