/*
 * A conformance peer on bufferbridge.h (bin/conformance --peer echo=libecho_peer.so): it reads the
 * exported pair as a bb_view, as a C consumer does, and exports that view again as a pair of its
 * own. Zero-copy where the layout allows: the new pair points at the memory of the first, which it
 * keeps until the consumer releases the new one.
 */
#include <stdlib.h>
#include <string.h>

#include "bufferbridge.h"

#if defined(__GNUC__)
#define ECHO_EXPORT __attribute__((visibility("default")))
#else
#define ECHO_EXPORT
#endif

/* What the re-export keeps alive: the pair it was handed, and the view read from it. */
struct held {
  struct ArrowSchema schema;
  struct ArrowArray array;
  struct bb_view view;
};

static void release_held(void* ctx) {
  struct held* h = (struct held*)ctx;
  bb_view_release(&h->view);
  if (h->array.release != NULL) h->array.release(&h->array);
  if (h->schema.release != NULL) h->schema.release(&h->schema);
  free(h);
}

ECHO_EXPORT int bb_conformance_peer(struct ArrowSchema* schema, struct ArrowArray* array,
                                    struct ArrowSchema* schema_out, struct ArrowArray* array_out,
                                    struct bb_error* error) {
  struct held* h = (struct held*)calloc(1, sizeof *h);
  int rc;
  if (h == NULL) {
    schema->release(schema);
    array->release(array);
    return BB_ENOMEM;
  }
  /* Move both structs in, as the C data interface allows a consumer to. */
  memcpy(&h->schema, schema, sizeof *schema);
  schema->release = NULL;
  memcpy(&h->array, array, sizeof *array);
  array->release = NULL;
  rc = bb_view_import(&h->schema, &h->array, &h->view, error);
  if (rc == 0) rc = bb_view_export(&h->view, release_held, h, schema_out, array_out, error);
  if (rc != 0) release_held(h);
  return rc;
}
