/*
 * The C tests of bufferbridge.h (built by `mvn verify` with -std=c99 -pedantic -Werror and the
 * address and undefined-behaviour sanitizers): valid pairs of every docs/contract.md §2 kind from a foreign
 * producer, round trips through bb_view_export and bb_view_import, and every hostile input the
 * Java importer refuses. Prints "N checks, N failed" and exits 1 on a failure.
 */
#include <time.h>

#include "bb_test_support.h"

static struct bb_view v;
static struct bb_error err;

/* ------------------------------------------------------------------ foreign producers (§2) */

static void primitives(void) {
    static const struct {
        const char *arrow, *pep;
        int64_t width;
    } table[] = {{"c", "b", 1}, {"C", "B", 1}, {"s", "h", 2}, {"S", "H", 2}, {"i", "i", 4}, {"I", "I", 4},
                 {"l", "q", 8}, {"L", "Q", 8}, {"e", "e", 2}, {"f", "f", 4}, {"g", "d", 8}, {"tdD", "i", 4},
                 {"tts", "i", 4}, {"tdm", "q", 8}, {"tsu:UTC", "q", 8}, {"tDn", "q", 8}, {"w:3", "3s", 3},
                 {"d:10,2", "16s", 16}, {"d:40,2,256", "32s", 32}};
    static unsigned char data[32 * 8];
    size_t k;
    for (k = 0; k < sizeof table / sizeof table[0]; k++) {
        struct node n;
        node_init(&n, table[k].arrow, 5, 2, data);
        CHECK_INT(bb_view_import(&n.s, &n.a, &v, &err), 0);
        CHECK_STR(v.format, table[k].pep);
        CHECK_INT(v.itemsize, table[k].width);
        CHECK_INTS(v.shape, v.ndim, 5);
        CHECK_INTS(v.strides, v.ndim, table[k].width);
        /* a non-zero offset is honoured: element 0 is value 2 */
        CHECK(v.buf == data + 2 * table[k].width);
        CHECK_INT(v.len, 5 * table[k].width);
        CHECK_INT(v.readonly, 1);
        CHECK_INT(v.copied, 0);
        CHECK(v.suboffsets == NULL);
        CHECK(bb_view_is_c_contiguous(&v) && bb_view_is_f_contiguous(&v));
        bb_view_release(&v);
        /* borrowing: nothing released */
        CHECK(n.s.release != NULL && n.a.release != NULL);
    }
}

static void bool8_and_opaque(void) {
    static unsigned char data[64];
    struct node n;
    node_init(&n, "c", 4, 0, data);
    node_meta(&n, "ARROW:extension:name", "arrow.bool8");
    node_meta(&n, "ARROW:extension:metadata", "");
    CHECK_INT(bb_view_import(&n.s, &n.a, &v, &err), 0);
    CHECK_STR(v.format, "?");
    CHECK_INT(v.element->kind, BB_ELEMENT_SCALAR);
    CHECK_STR(v.element->code, "?");
    bb_view_release(&v);

    /* An opaque PEP 3118 type keeps its format when it parses with the storage's width. */
    node_init(&n, "w:16", 2, 1, data);
    node_meta(&n, "ARROW:extension:name", "arrow.opaque");
    node_meta(&n, "ARROW:extension:metadata", "{\"type_name\": \"T{i:a:c:b:}\", \"vendor_name\": \"PEP 3118\"}");
    CHECK_INT(bb_view_import(&n.s, &n.a, &v, &err), 16 == 16 ? BB_OK : 1);
    CHECK_STR(v.format, "16s"); /* T{i:a:c:b:} is 5 or 8 bytes, not 16: plain bytes */
    bb_view_release(&v);
    node_init(&n, "w:8", 2, 1, data);
    node_meta(&n, "ARROW:extension:name", "arrow.opaque");
    node_meta(&n, "ARROW:extension:metadata", "{\"vendor_name\":\"PEP 3118\",\"type_name\":\"T{i:a:c:b:}\"}");
    CHECK_INT(bb_view_import(&n.s, &n.a, &v, &err), 0);
    CHECK_STR(v.format, "T{i:a:c:b:}");
    CHECK_INT(v.itemsize, 8);
    CHECK(v.buf == data + 8);
    CHECK_INT(v.element->n_fields, 2);
    CHECK_STR(v.element->fields[1].name, "b");
    CHECK_INT(v.element->fields[1].offset, 4);
    bb_view_release(&v);
    /* another vendor: bytes */
    node_init(&n, "w:8", 2, 0, data);
    node_meta(&n, "ARROW:extension:name", "arrow.opaque");
    node_meta(&n, "ARROW:extension:metadata", "{\"vendor_name\":\"someone\",\"type_name\":\"d\"}");
    CHECK_INT(bb_view_import(&n.s, &n.a, &v, &err), 0);
    CHECK_STR(v.format, "8s");
    bb_view_release(&v);
}

static void nested_lists_with_offsets(void) {
    static int32_t data[64];
    struct node root, mid, leaf;
    int k;
    for (k = 0; k < 64; k++) data[k] = k;
    /* +w:2 of +w:3 of i, offsets 1, 2 and 3 at the three levels */
    node_init(&root, "+w:2", 2, 1, NULL);
    node_init(&mid, "+w:3", 6, 2, NULL);
    node_init(&leaf, "i", 30, 3, data);
    node_child(&root, &mid);
    node_child(&mid, &leaf);
    CHECK_INT(bb_view_import(&root.s, &root.a, &v, &err), 0);
    CHECK_STR(v.format, "i");
    CHECK_INTS(v.shape, v.ndim, 2, 2, 3);
    CHECK_INTS(v.strides, v.ndim, 24, 12, 4);
    /* first value: leaf index 3 + ((2 + 1 * 2) * 3) = 15 */
    CHECK_INT(*(int32_t *)v.buf, 15);
    {
        int64_t idx[3] = {1, 1, 2};
        CHECK_INT(*(int32_t *)bb_view_ptr(&v, idx), 15 + 6 + 3 + 2);
    }
    bb_view_release(&v);
    /* the child one value too short for the parent's offset and length */
    leaf.a.length = 23;
    CHECK_REFUSED(bb_view_import(&root.s, &root.a, &v, &err), BB_EINVAL, err,
                  "child too short for its parent's offset and length: path=root.0.0 length=23 expected>=24 "
                  "parent.offset=2 parent.length=6 list_size=3");
    CHECK(v.buf == NULL && v.internal == NULL);
}

static void tensor_with_permutation(void) {
    static unsigned char data[48];
    struct node root, leaf;
    node_init(&root, "+w:24", 2, 0, NULL);
    node_init(&leaf, "c", 48, 0, data);
    node_child(&root, &leaf);
    node_meta(&root, "ARROW:extension:name", "arrow.fixed_shape_tensor");
    node_meta(&root, "ARROW:extension:metadata", "{\"shape\": [2, 3, 4], \"permutation\": [1, 2, 0]}");
    CHECK_INT(bb_view_import(&root.s, &root.a, &v, &err), 0);
    CHECK_STR(v.format, "b");
    /* logical axis i is physical axis permutation[i] */
    CHECK_INTS(v.shape, v.ndim, 2, 3, 4, 2);
    CHECK_INTS(v.strides, v.ndim, 24, 4, 1, 12);
    CHECK(!bb_view_is_c_contiguous(&v) && !bb_view_is_f_contiguous(&v));
    bb_view_release(&v);
    /* a key in a nested object is not the tensor's: the old peer's substring scan took it */
    node_init(&root, "+w:24", 2, 0, NULL);
    node_child(&root, &leaf);
    node_meta(&root, "ARROW:extension:name", "arrow.fixed_shape_tensor");
    node_meta(&root, "ARROW:extension:metadata", "{\"x\": {\"shape\": [24]}, \"shape\": [4, 6], \"dim_names\": [\"a\", \"b\"]}");
    CHECK_INT(bb_view_import(&root.s, &root.a, &v, &err), 0);
    CHECK_INTS(v.shape, v.ndim, 2, 4, 6);
    CHECK_INTS(v.strides, v.ndim, 24, 6, 1);
    bb_view_release(&v);
    node_init(&root, "+w:24", 2, 0, NULL);
    node_child(&root, &leaf);
    node_meta(&root, "ARROW:extension:name", "arrow.fixed_shape_tensor");
    node_meta(&root, "ARROW:extension:metadata", "{\"shape\": [2, 3, 4], \"permutation\": [1, 1, 0]}");
    CHECK_REFUSED(bb_view_import(&root.s, &root.a, &v, &err), BB_EINVAL, err,
                  "fixed_shape_tensor permutation is not a permutation of 0..2: path=root permutation=[1, 1, 0]");
    node_init(&root, "+w:24", 2, 0, NULL);
    node_child(&root, &leaf);
    node_meta(&root, "ARROW:extension:name", "arrow.fixed_shape_tensor");
    node_meta(&root, "ARROW:extension:metadata", "{\"shape\": [2, 3, 5]}");
    CHECK_REFUSED(bb_view_import(&root.s, &root.a, &v, &err), BB_EINVAL, err,
                  "fixed_shape_tensor shape does not match the list size: path=root shape=[2, 3, 5] product=30 "
                  "list_size=24");
    node_init(&root, "+w:24", 2, 0, NULL);
    node_child(&root, &leaf);
    node_meta(&root, "ARROW:extension:name", "arrow.fixed_shape_tensor");
    node_meta(&root, "ARROW:extension:metadata", "{\"shape\": [2, 3, 4]");
    CHECK_REFUSED(bb_view_import(&root.s, &root.a, &v, &err), BB_EINVAL, err,
                  "fixed_shape_tensor metadata is not JSON: path=root");
}

static void struct_and_bits(void) {
    static int32_t ints[4] = {10, 11, 12, 13};
    static unsigned char chars[4] = {1, 2, 3, 4};
    static unsigned char bits[1] = {0xA5}; /* 1 0 1 0 0 1 0 1 from bit 0 */
    struct node root, a, b, bools;
    node_init(&root, "+s", 2, 1, NULL);
    node_init(&a, "i", 3, 1, ints);
    node_init(&b, "c", 4, 0, chars);
    a.s.name = "a";
    b.s.name = "b";
    node_child(&root, &a);
    node_child(&root, &b);
    CHECK_INT(bb_view_import(&root.s, &root.a, &v, &err), 0);
    CHECK_STR(v.format, "T{i:a:b:b:}");
    CHECK_INT(v.itemsize, 8);
    CHECK_INT(v.copied, 1);
    CHECK_INTS(v.shape, v.ndim, 2);
    CHECK_INTS(v.strides, v.ndim, 8);
    /* row k: a = ints[1 + 1 + k], b = chars[1 + k] */
    CHECK_INT(*(int32_t *)v.buf, 12);
    CHECK_INT(((unsigned char *)v.buf)[4], 2);
    CHECK_INT(*(int32_t *)((char *)v.buf + 8), 13);
    CHECK_INT(((unsigned char *)v.buf)[12], 3);
    CHECK_INT(v.element->n_fields, 2);
    CHECK_STR(v.element->fields[0].name, "a");
    bb_view_release(&v);
    /* unnamed children get NumPy's names */
    a.s.name = NULL;
    b.s.name = "";
    CHECK_INT(bb_view_import(&root.s, &root.a, &v, &err), 0);
    CHECK_STR(v.format, "T{ib}");
    CHECK_STR(v.element->fields[1].name, "f1");
    bb_view_release(&v);
    a.s.name = "x:y";
    CHECK_REFUSED(bb_view_import(&root.s, &root.a, &v, &err), BB_EINVAL, err,
                  "struct field name contains ':': path=root.0 name='x:y'");

    node_init(&bools, "b", 5, 2, bits);
    CHECK_INT(bb_view_import(&bools.s, &bools.a, &v, &err), 0);
    CHECK_STR(v.format, "?");
    CHECK_INT(v.copied, 1);
    {
        const unsigned char want[5] = {1, 0, 0, 1, 0};
        CHECK(memcmp(v.buf, want, 5) == 0);
    }
    bb_view_release(&v);
}

/* ------------------------------------------------------------------ bufferbridge round trips */

static int producer_releases;
static void producer_release(void *ctx) {
    producer_releases++;
    *(int *)ctx += 1;
}

/* Exports `in`, imports it back, checks docs/contract.md §3's promises, releases both sides. */
static void round_trip(const char *format, int64_t itemsize, int ndim, const int64_t *shape, const int64_t *strides,
                       void *buf, int readonly, int expect_zero_copy, const char *expect_top_format) {
    struct bb_view in, out;
    struct ArrowSchema s;
    struct ArrowArray a;
    unsigned char want[4096], got[4096];
    int released = 0, d, rc;
    int64_t wn, gn;
    memset(&in, 0, sizeof in);
    memset(&s, 0, sizeof s);
    memset(&a, 0, sizeof a);
    in.buf = buf;
    in.format = format;
    in.itemsize = itemsize;
    in.ndim = ndim;
    in.shape = shape;
    in.strides = strides;
    in.readonly = readonly;
    rc = bb_view_export(&in, producer_release, &released, &s, &a, &err);
    CHECK_INT(rc, 0);
    if (rc != 0) {
        fprintf(stderr, "  export of '%s': %s\n", format, err.message);
        return;
    }
    CHECK_STR(s.format, expect_top_format);
    rc = bb_view_import(&s, &a, &out, &err);
    CHECK_INT(rc, 0);
    if (rc != 0) {
        fprintf(stderr, "  import of '%s': %s\n", format, err.message);
    } else {
        CHECK_STR(out.format, format);
        CHECK_INT(out.itemsize, itemsize);
        CHECK_INT(out.ndim, ndim);
        CHECK_INT(out.readonly, readonly);
        CHECK_INT(out.copied, !expect_zero_copy);
        check_ints(__FILE__, __LINE__, out.shape, shape, ndim);
        if (expect_zero_copy) {
            CHECK(out.buf == buf);
            check_ints(__FILE__, __LINE__, out.strides, strides, ndim);
        } else {
            int64_t c = itemsize;
            for (d = ndim - 1; d >= 0; d--) {
                CHECK_INT(out.strides[d], c);
                c *= shape[d];
            }
        }
        in.strides = strides;
        wn = logical_bytes(&in, want, sizeof want);
        gn = logical_bytes(&out, got, sizeof got);
        CHECK(wn >= 0 && wn == gn && same_data(out.element, itemsize, want, got, wn));
        if (wn < 0 || wn != gn || !same_data(out.element, itemsize, want, got, wn))
            fprintf(stderr, "  logical bytes of '%s' differ: %lld vs %lld bytes\n", format, (long long)wn, (long long)gn);
        bb_view_release(&out);
    }
    CHECK_INT(released, 0);
    s.release(&s);
    CHECK_INT(released, 0);
    a.release(&a);
    CHECK_INT(released, 1);
    CHECK(s.release == NULL && a.release == NULL);
}

static void round_trips(void) {
    static int32_t ints[24];
    static double doubles[24];
    static unsigned char bytes[256];
    int k;
    int64_t s1[] = {6}, st1[] = {4}, sneg[] = {-8}, shape2[] = {2, 3}, c2[] = {12, 4}, f2[] = {4, 8};
    int64_t shape3[] = {2, 3, 4}, perm3[] = {4, 32, 8}, recs[] = {3}, recst[] = {16};
    for (k = 0; k < 24; k++) {
        ints[k] = k * 7 - 3;
        doubles[k] = k * 0.5;
    }
    for (k = 0; k < 256; k++) bytes[k] = (unsigned char)(k * 13 + 1);
    round_trip("i", 4, 1, s1, st1, ints, 1, 1, "i");
    round_trip("<i", 4, 1, s1, st1, ints, 0, 1, "i");
    round_trip(">i", 4, 1, s1, st1, ints, 0, 1, "w:4"); /* non-native order: opaque */
    round_trip("i", 4, 1, s1, sneg, ints + 20, 1, 0, "i"); /* ints[::-2] backwards: a copy */
    round_trip("i", 4, 2, shape2, c2, ints, 0, 1, "+w:3");
    round_trip("i", 4, 2, shape2, f2, ints, 1, 1, "+w:6"); /* Fortran: one tensor, permuted */
    round_trip("b", 1, 3, shape3, perm3, bytes, 0, 0, "+w:12"); /* gaps: copied into C order, rows */
    {
        int64_t p3[] = {1, 8, 2}; /* [2,3,4] with axis order 1, 2, 0 in memory */
        round_trip("b", 1, 3, shape3, p3, bytes, 1, 1, "+w:24");
    }
    round_trip("d", 8, 0, NULL, NULL, doubles, 1, 1, "g");
    {
        int64_t zero[] = {0}, zst[] = {8};
        round_trip("d", 8, 1, zero, zst, doubles, 0, 0, "g");
    }
    round_trip("T{i:a:d:b:}", 16, 1, recs, recst, doubles, 1, 0, "+s");
    round_trip("ic", 5, 1, recs, (int64_t[]){8}, doubles, 0, 0, "+s"); /* struct's itemsize rule */
    {
        int64_t sh[] = {2}, st[] = {12};
        round_trip("(2,3)h", 12, 1, sh, st, ints, 0, 1, "+w:2");
        round_trip("Zd", 16, 1, sh, recst, doubles, 1, 1, "+w:2");
        round_trip("?", 1, 1, s1, (int64_t[]){1}, bytes, 0, 1, "c");
        round_trip("3s", 3, 1, sh, (int64_t[]){3}, bytes, 1, 1, "w:3");
        round_trip("g", 16, 1, sh, (int64_t[]){16}, bytes, 1, 1, "w:16");
        round_trip("T{(2)h:p:?:q:}", 6, 1, sh, (int64_t[]){6}, bytes, 0, 0, "+s");
    }
    CHECK_INT(producer_releases, 18);
}

/* ------------------------------------------------------------------ hostile input */

static void refusals(void) {
    static int32_t data[8];
    struct node n, root, leaf;
    node_init(&n, "i", 3, 0, data);
    CHECK_REFUSED(bb_view_import(NULL, &n.a, &v, &err), BB_EINVAL, err, "ArrowSchema is NULL: path=root");
    CHECK_REFUSED(bb_view_import(&n.s, NULL, &v, &err), BB_EINVAL, err, "ArrowArray is NULL: path=root");
    n.s.release = NULL;
    CHECK_REFUSED(bb_view_import(&n.s, &n.a, &v, &err), BB_EINVAL, err,
                  "ArrowSchema already released: path=root release=NULL");
    node_init(&n, "i", 3, 0, data);
    n.a.release = NULL;
    CHECK_REFUSED(bb_view_import(&n.s, &n.a, &v, &err), BB_EINVAL, err,
                  "ArrowArray already released: path=root release=NULL");
    node_init(&n, "i", 3, 0, data);
    n.s.format = NULL;
    CHECK_REFUSED(bb_view_import(&n.s, &n.a, &v, &err), BB_EINVAL, err, "ArrowSchema format is NULL: path=root");
    node_init(&n, "+m", 3, 0, data);
    CHECK_REFUSED(bb_view_import(&n.s, &n.a, &v, &err), BB_ENOTSUP, err,
                  "unsupported Arrow format: path=root format='+m'");
    node_init(&n, "i", 3, 0, data);
    n.a.n_buffers = 3;
    CHECK_REFUSED(bb_view_import(&n.s, &n.a, &v, &err), BB_EINVAL, err,
                  "n_buffers does not match the type: path=root format='i' expected=2 found=3");
    node_init(&n, "i", 3, 0, NULL);
    CHECK_REFUSED(bb_view_import(&n.s, &n.a, &v, &err), BB_EINVAL, err,
                  "data buffer is NULL: path=root format='i' length=3");
    node_init(&n, "i", -1, 0, data);
    CHECK_REFUSED(bb_view_import(&n.s, &n.a, &v, &err), BB_EINVAL, err,
                  "negative length or offset: path=root format='i' length=-1 offset=0");
    node_init(&n, "i", 3, -2, data);
    CHECK_REFUSED(bb_view_import(&n.s, &n.a, &v, &err), BB_EINVAL, err,
                  "negative length or offset: path=root format='i' length=3 offset=-2");
    node_init(&n, "i", INT64_MAX, 1, data);
    CHECK_REFUSED(bb_view_import(&n.s, &n.a, &v, &err), BB_EOVERFLOW, err, "offset + length overflows: path=root");
    node_init(&n, "l", INT64_MAX / 4, 0, data);
    CHECK_REFUSED(bb_view_import(&n.s, &n.a, &v, &err), BB_EOVERFLOW, err, "size overflows: path=root format='l'");
    node_init(&n, "i", 3, 0, data);
    n.a.null_count = 1;
    n.buffers[0] = data;
    CHECK_REFUSED(bb_view_import(&n.s, &n.a, &v, &err), BB_EINVAL, err,
                  "nulls cannot be represented in a buffer view: path=root format='i' null_count=1");
    {
        static unsigned char bitmap[1] = {0xFB}; /* value 2 is null */
        node_init(&n, "i", 3, 0, data);
        n.a.null_count = -1;
        n.buffers[0] = bitmap;
        CHECK_REFUSED(bb_view_import(&n.s, &n.a, &v, &err), BB_EINVAL, err,
                      "nulls cannot be represented in a buffer view: path=root format='i' null_count=-1 nulls=1");
        bitmap[0] = 0xFF;
        CHECK_INT(bb_view_import(&n.s, &n.a, &v, &err), 0);
        bb_view_release(&v);
    }
    node_init(&n, "i", 3, 0, data);
    n.s.dictionary = &root.s;
    CHECK_REFUSED(bb_view_import(&n.s, &n.a, &v, &err), BB_ENOTSUP, err,
                  "dictionary-encoded arrays are not supported: path=root format='i'");
    node_init(&n, "i", 3, 0, data);
    {
        int32_t pairs = -5;
        memcpy(n.meta, &pairs, 4);
        n.s.metadata = n.meta;
    }
    CHECK_REFUSED(bb_view_import(&n.s, &n.a, &v, &err), BB_EINVAL, err,
                  "metadata blob truncated or malformed: path=root pairs=-5 expected=0..65536");
    node_init(&n, "i", 3, 0, data);
    node_meta(&n, "ARROW:extension:name", "x");
    {
        int32_t huge = 1 << 30;
        memcpy(n.meta + 4, &huge, 4);
    }
    CHECK_REFUSED(bb_view_import(&n.s, &n.a, &v, &err), BB_EINVAL, err,
                  "metadata blob truncated or malformed: path=root pair=0 key length=1073741824 expected=0..16777216");

    /* bufferbridge metadata that lies */
    node_init(&n, "i", 3, 0, data);
    node_bb(&n, "i", "4", "5", "4", "true", "false");
    CHECK_REFUSED(bb_view_import(&n.s, &n.a, &v, &err), BB_EINVAL, err,
                  "bufferbridge.shape contradicts the array length: path=root shape=[5] product=5 arrow_elements=3");
    node_init(&n, "i", 3, 0, data);
    node_bb(&n, "i", "4", "3", "8", "true", "false");
    CHECK_REFUSED(bb_view_import(&n.s, &n.a, &v, &err), BB_EINVAL, err,
                  "element bytes reach outside memory: lowest=0 highest=20 memory=12 offset=0 itemsize=4 shape=[3] "
                  "strides=[8]");
    node_init(&n, "i", 3, 0, data);
    node_bb(&n, "i", "4", "3", "-4", "true", "false");
    CHECK_REFUSED(bb_view_import(&n.s, &n.a, &v, &err), BB_EINVAL, err, "element bytes reach outside memory: lowest=-8");
    node_init(&n, "i", 3, 0, data);
    node_bb(&n, "i", "4", "3", "4611686018427387904", "true", "false");
    CHECK_REFUSED(bb_view_import(&n.s, &n.a, &v, &err), BB_EOVERFLOW, err, "element offsets overflow a 64-bit integer");
    node_init(&n, "i", 3, 0, data);
    node_bb(&n, "i(", "4", "3", "4", "true", "false");
    CHECK_REFUSED(bb_view_import(&n.s, &n.a, &v, &err), BB_EINVAL, err,
                  "bufferbridge.format does not parse: path=root format='i(' (sub-array shape started at 1 expects a "
                  "decimal dimension, found the end at 2 in format 'i(')");
    node_init(&n, "i", 3, 0, data);
    node_bb(&n, "i", "8", "3", "4", "true", "false");
    CHECK_REFUSED(bb_view_import(&n.s, &n.a, &v, &err), BB_EINVAL, err,
                  "bufferbridge.itemsize does not match bufferbridge.format: path=root format='i' itemsize=8 expected=4 or 4");
    node_init(&n, "i", 3, 0, data);
    node_bb(&n, "i", "4", "3", "4", "maybe", "false");
    CHECK_REFUSED(bb_view_import(&n.s, &n.a, &v, &err), BB_EINVAL, err,
                  "bufferbridge metadata is not true/false: path=root key=bufferbridge.readonly found='maybe'");
    node_init(&n, "i", 3, 0, data);
    node_bb(&n, "h", "2", "3", "2", "true", "false");
    CHECK_REFUSED(bb_view_import(&n.s, &n.a, &v, &err), BB_EINVAL, err,
                  "bufferbridge.format contradicts the Arrow type: path=root format='h' expected=s found=i");
    node_init(&n, "i", 3, 0, data);
    node_bb(&n, "i", "4", "3,1", "4", "true", "false");
    CHECK_REFUSED(bb_view_import(&n.s, &n.a, &v, &err), BB_EINVAL, err,
                  "bufferbridge.shape and bufferbridge.strides disagree: path=root shape=[3, 1] strides=[4]");
    node_init(&n, "i", 3, 0, data);
    node_bb(&n, "i", "4", "3,x", "4,4", "true", "false");
    CHECK_REFUSED(bb_view_import(&n.s, &n.a, &v, &err), BB_EINVAL, err,
                  "bufferbridge metadata is not a list of integers: path=root key=bufferbridge.shape found='3,x'");
    node_init(&n, "i", 3, 0, data);
    node_bb(&n, "i", "4", "3", "4", "true", "false");
    CHECK_INT(bb_view_import(&n.s, &n.a, &v, &err), 0);
    CHECK_INT(v.readonly, 1);
    CHECK(v.buf == data);
    bb_view_release(&v);
    node_init(&n, "i", 3, 0, data);
    node_bb(&n, "i", "4", "3", "4", "false", "false");
    CHECK_INT(bb_view_import(&n.s, &n.a, &v, &err), 0);
    CHECK_INT(v.readonly, 0);
    bb_view_release(&v);
    /* 2-D without a tensor type */
    node_init(&n, "i", 6, 0, data);
    node_bb(&n, "i", "4", "2,3", "12,4", "true", "false");
    CHECK_REFUSED(bb_view_import(&n.s, &n.a, &v, &err), BB_EINVAL, err,
                  "bufferbridge.shape has ndim>=2 but the type is no fixed_shape_tensor: path=root ndim=2");
    /* a struct type that claims no copy */
    node_init(&root, "+s", 2, 0, NULL);
    node_init(&leaf, "i", 2, 0, data);
    node_child(&root, &leaf);
    node_bb(&root, "T{i:a:}", "4", "2", "4", "true", "false");
    CHECK_REFUSED(bb_view_import(&root.s, &root.a, &v, &err), BB_EINVAL, err,
                  "bufferbridge.copied=false contradicts a struct type, which is always a copy: path=root");
    /* schema and array disagree */
    node_init(&root, "+w:2", 2, 0, NULL);
    node_init(&leaf, "i", 4, 0, data);
    node_child(&root, &leaf);
    root.a.n_children = 0;
    CHECK_REFUSED(bb_view_import(&root.s, &root.a, &v, &err), BB_EINVAL, err,
                  "array n_children does not match the schema: path=root format='+w:2' expected=1 found=0");
    CHECK(v.internal == NULL && v.buf == NULL);
}

/* ------------------------------------------------------------------ docs/contract.md §3 hostile trees */

static struct ArrowSchema chain_s[70];
static struct ArrowArray chain_a[70];
static struct ArrowSchema *chain_sk[70];
static struct ArrowArray *chain_ak[70];
static const void *chain_buf[70][2];

/* depth+1 nodes: depth nested single-child structs, then a 'c' leaf of 2 values. */
static void build_chain(int depth, const void *data) {
    int k;
    for (k = 0; k <= depth; k++) {
        memset(&chain_s[k], 0, sizeof chain_s[k]);
        memset(&chain_a[k], 0, sizeof chain_a[k]);
        chain_s[k].format = k == depth ? "c" : "+s";
        chain_s[k].release = count_schema_release;
        chain_a[k].release = count_array_release;
        chain_a[k].length = 2;
        chain_a[k].n_buffers = k == depth ? 2 : 1;
        chain_buf[k][0] = NULL;
        chain_buf[k][1] = data;
        chain_a[k].buffers = chain_buf[k];
        if (k < depth) {
            chain_sk[k] = &chain_s[k + 1];
            chain_ak[k] = &chain_a[k + 1];
            chain_s[k].n_children = chain_a[k].n_children = 1;
            chain_s[k].children = &chain_sk[k];
            chain_a[k].children = &chain_ak[k];
        }
    }
}

static void hostile_trees(void) {
    static unsigned char data[4] = {7, 8, 9, 10};
    clock_t t0;
    double seconds;
    int k;
    /* depth 64 accepted (64 nested records), 65 refused */
    build_chain(64, data);
    CHECK_INT(bb_view_import(&chain_s[0], &chain_a[0], &v, &err), 0);
    CHECK_INT(v.itemsize, 1);
    CHECK_INT(((unsigned char *)v.buf)[1], 8);
    bb_view_release(&v);
    build_chain(65, data);
    CHECK_REFUSED(bb_view_import(&chain_s[0], &chain_a[0], &v, &err), BB_EINVAL, err,
                  "schema nested too deeply: path=root.0.0.0");
    CHECK(strstr(err.message, "depth=65 expected=0..64") != NULL);

    /* A DAG 40 deep, every node's two children the same node: 2^41 nodes as visited. */
    build_chain(40, data);
    for (k = 0; k < 40; k++) {
        static struct ArrowSchema *two_s[40][2];
        static struct ArrowArray *two_a[40][2];
        two_s[k][0] = two_s[k][1] = &chain_s[k + 1];
        two_a[k][0] = two_a[k][1] = &chain_a[k + 1];
        chain_s[k].children = two_s[k];
        chain_a[k].children = two_a[k];
        chain_s[k].n_children = chain_a[k].n_children = 2;
    }
    t0 = clock();
    CHECK_REFUSED(bb_view_import(&chain_s[0], &chain_a[0], &v, &err), BB_EINVAL, err,
                  "schema tree has too many nodes: path=root");
    CHECK(strstr(err.message, "nodes>65536 expected<=65536") != NULL);
    seconds = (double)(clock() - t0) / CLOCKS_PER_SEC;
    CHECK(seconds < 1.0);

    /* 65,536 nodes accepted: a struct of 65,535 one-byte fields; one more is refused. */
    {
        static struct ArrowSchema kids_s[65536];
        static struct ArrowArray kids_a[65536];
        static struct ArrowSchema *ks[65536];
        static struct ArrowArray *ka[65536];
        static const void *kb[2] = {NULL, NULL};
        static const void *rb[1] = {NULL};
        static unsigned char one[1] = {42};
        struct ArrowSchema rs;
        struct ArrowArray ra;
        kb[1] = one;
        for (k = 0; k < 65536; k++) {
            memset(&kids_s[k], 0, sizeof kids_s[k]);
            memset(&kids_a[k], 0, sizeof kids_a[k]);
            kids_s[k].format = "C";
            kids_s[k].release = count_schema_release;
            kids_a[k].release = count_array_release;
            kids_a[k].length = 1;
            kids_a[k].n_buffers = 2;
            kids_a[k].buffers = kb;
            ks[k] = &kids_s[k];
            ka[k] = &kids_a[k];
        }
        memset(&rs, 0, sizeof rs);
        memset(&ra, 0, sizeof ra);
        rs.format = "+s";
        rs.release = count_schema_release;
        rs.children = ks;
        ra.release = count_array_release;
        ra.length = 1;
        ra.n_buffers = 1;
        ra.buffers = rb;
        ra.children = ka;
        rs.n_children = ra.n_children = 65535;
        t0 = clock();
        CHECK_INT(bb_view_import(&rs, &ra, &v, &err), 0);
        CHECK_INT(v.itemsize, 65535);
        CHECK_INT(v.element->n_fields, 65535);
        CHECK_STR(v.element->fields[65534].name, "f65534");
        CHECK_INT(((unsigned char *)v.buf)[65534], 42);
        bb_view_release(&v);
        rs.n_children = ra.n_children = 65536;
        CHECK_REFUSED(bb_view_import(&rs, &ra, &v, &err), BB_EINVAL, err,
                      "schema tree has too many nodes: path=root.65535 nodes>65536");
        seconds = (double)(clock() - t0) / CLOCKS_PER_SEC;
        CHECK(seconds < 2.0);
    }
}

/* ------------------------------------------------------------------ export refusals */

static void export_refusals(void) {
    struct bb_view in;
    struct ArrowSchema s;
    struct ArrowArray a;
    int64_t shape[] = {2}, strides[] = {4};
    int released = 0;
    static int32_t data[2];
    memset(&in, 0, sizeof in);
    memset(&s, 0, sizeof s);
    memset(&a, 0, sizeof a);
    in.buf = data;
    in.format = "i";
    in.itemsize = 8;
    in.ndim = 1;
    in.shape = shape;
    in.strides = strides;
    CHECK_REFUSED(bb_view_export(&in, producer_release, &released, &s, &a, &err), BB_EINVAL, err,
                  "itemsize does not match the format: format='i' itemsize=8 expected=4 or 4");
    in.itemsize = 4;
    in.format = "T{";
    CHECK_REFUSED(bb_view_export(&in, producer_release, &released, &s, &a, &err), BB_EINVAL, err,
                  "unterminated record started at 0 in format 'T{'");
    in.format = "i";
    in.ndim = 65;
    CHECK_REFUSED(bb_view_export(&in, producer_release, &released, &s, &a, &err), BB_EINVAL, err,
                  "too many dimensions: ndim=65 max=64");
    in.ndim = 1;
    shape[0] = -1;
    CHECK_REFUSED(bb_view_export(&in, producer_release, &released, &s, &a, &err), BB_EINVAL, err,
                  "negative dimension: axis=0 shape=-1");
    shape[0] = 2;
    s.release = count_schema_release;
    CHECK_REFUSED(bb_view_export(&in, producer_release, &released, &s, &a, &err), BB_EINVAL, err,
                  "export target still holds a live struct: schema.released=false array.released=true");
    CHECK_INT(released, 0);
    CHECK(a.release == NULL);
}

int main(void) {
    primitives();
    bool8_and_opaque();
    nested_lists_with_offsets();
    tensor_with_permutation();
    struct_and_bits();
    round_trips();
    refusals();
    hostile_trees();
    export_refusals();
    printf("%d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
