/* from_c.c: bufferbridge.h both ways (README "From C"). Build: cc -std=c99 -shared -fPIC -Ic/include */
#include <stdlib.h>
#include "bufferbridge.h"

/* Java -> C: the sum of column `col` of a 2-D float64 view. As the consumer, C releases the pair. */
int sum_column(struct ArrowSchema* schema, struct ArrowArray* array, int64_t col, double* sum,
               char* facts, size_t cap) {
  struct bb_view view;
  struct bb_error error;
  int rc = bb_view_import(schema, array, &view, &error);
  if (rc == BB_OK) {
    if (view.ndim == 2 && strcmp(view.format, "d") == 0 && col >= 0 && col < view.shape[1]) {
      int64_t i;
      *sum = 0;
      for (i = 0; i < view.shape[0]; i++) {
        int64_t index[2];
        double x;
        index[0] = i;
        index[1] = col;
        memcpy(&x, bb_view_ptr(&view, index), sizeof x); /* elements need not be aligned */
        *sum += x;
      }
      snprintf(facts, cap, "shape=[%lld, %lld] strides=[%lld, %lld] readonly=%d copied=%d",
               (long long)view.shape[0], (long long)view.shape[1], (long long)view.strides[0],
               (long long)view.strides[1], view.readonly, view.copied);
    } else {
      rc = BB_EINVAL;
      snprintf(facts, cap, "not a 2-D float64 view with column %lld: format='%s' ndim=%d",
               (long long)col, view.format, view.ndim);
    }
    bb_view_release(&view);
  } else {
    snprintf(facts, cap, "%s", error.message);
  }
  if (schema->release != NULL) schema->release(schema);
  if (array->release != NULL) array->release(array);
  return rc;
}

static int64_t matrices_freed;

static void free_matrix(void* matrix) {
  free(matrix);
  matrices_freed++;
}

/* C -> Java: a read-only 3x4 int32 matrix in column-major order (strides 4, 12), zero-copy;
   the matrix is freed when Java releases the array. Element (i, j) is 10 * i + j. */
int export_matrix(struct ArrowSchema* schema, struct ArrowArray* array, char* facts, size_t cap) {
  static const int64_t shape[2] = {3, 4};
  static const int64_t strides[2] = {4, 12};
  int32_t* m = (int32_t*)malloc(12 * sizeof *m);
  struct bb_view view;
  struct bb_error error;
  int i, j, rc;
  if (m == NULL) return BB_ENOMEM;
  for (i = 0; i < 3; i++) {
    for (j = 0; j < 4; j++) m[i + 3 * j] = 10 * i + j;
  }
  memset(&view, 0, sizeof view);
  view.buf = m;
  view.format = "i";
  view.itemsize = 4;
  view.ndim = 2;
  view.shape = shape;
  view.strides = strides;
  view.readonly = 1;
  rc = bb_view_export(&view, free_matrix, m, schema, array, &error);
  if (rc != BB_OK) {
    free(m);
    snprintf(facts, cap, "%s", error.message);
  }
  return rc;
}

int64_t freed_matrices(void) { return matrices_freed; }
