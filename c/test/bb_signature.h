/*
 * A one-line description of a parsed format, written the same way by the Java side of the
 * comparison (HeaderFormatTest): itemsize, padded itemsize, alignment, struct compatibility and
 * the element tree (codes, counts, sizes, alignments, byte orders, shapes, field names, offsets).
 */
#ifndef BB_SIGNATURE_H
#define BB_SIGNATURE_H
#include "bufferbridge.h"

static size_t bb_sig_put(char *out, size_t cap, size_t at, const char *s) {
    size_t n = strlen(s);
    if (at + n + 1 > cap) return cap;
    memcpy(out + at, s, n + 1);
    return at + n;
}

static size_t bb_sig_element(const struct bb_element *e, char *out, size_t cap, size_t at) {
    char b[128];
    int64_t k;
    if (at >= cap) return cap;
    switch (e->kind) {
    case BB_ELEMENT_SCALAR:
        snprintf(b, sizeof b, "%s#%lld/%lld@%lld%c", e->code, (long long)e->count, (long long)e->size,
                 (long long)e->alignment, e->byte_order);
        return bb_sig_put(out, cap, at, b);
    case BB_ELEMENT_SUBARRAY:
        at = bb_sig_put(out, cap, at, "(");
        for (k = 0; k < e->ndim; k++) {
            snprintf(b, sizeof b, "%s%lld", k == 0 ? "" : ",", (long long)e->shape[k]);
            at = bb_sig_put(out, cap, at, b);
        }
        snprintf(b, sizeof b, ")%lld", (long long)e->size);
        at = bb_sig_put(out, cap, at, b);
        return bb_sig_element(e->item, out, cap, at);
    default:
        snprintf(b, sizeof b, "{%lld/%lld@%lld:", (long long)e->size, (long long)e->content_size,
                 (long long)e->alignment);
        at = bb_sig_put(out, cap, at, b);
        for (k = 0; k < e->n_fields; k++) {
            const struct bb_field *f = &e->fields[k];
            at = bb_sig_put(out, cap, at, k == 0 ? "" : ",");
            at = bb_sig_put(out, cap, at, f->named ? "" : "~");
            at = bb_sig_put(out, cap, at, f->name);
            snprintf(b, sizeof b, "+%lld=", (long long)f->offset);
            at = bb_sig_put(out, cap, at, b);
            at = bb_sig_element(f->element, out, cap, at);
        }
        return bb_sig_put(out, cap, at, "}");
    }
}

/* "error <position>" or "<itemsize> <padded> <alignment> <S|N> <element>"; 0 when it fits. */
static int bb_signature(const char *text, int64_t len, char *out, size_t cap) {
    struct bb_format f;
    struct bb_error e;
    int64_t pos = -1;
    char b[128];
    size_t at;
    if (bb_format_parse(text, len, &f, &pos, &e) != 0) {
        snprintf(out, cap, "error %lld", (long long)pos);
        return 0;
    }
    snprintf(b, sizeof b, "%lld %lld %lld %c ", (long long)f.itemsize, (long long)f.padded_itemsize,
             (long long)f.alignment, f.struct_compatible ? 'S' : 'N');
    at = bb_sig_put(out, cap, 0, b);
    at = bb_sig_element(f.element, out, cap, at);
    bb_format_release(&f);
    return at >= cap ? -1 : 0;
}
#endif
