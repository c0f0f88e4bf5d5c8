// bufferbridge.h from C++17 (built by `mvn verify` with -std=c++17 -pedantic -Werror): the header
// compiles as C++ and an export/import round trip works from C++ code.
#include <cstdio>
#include <cstring>

#include "bufferbridge.h"

static int releases = 0;

int main() {
    double data[6] = {0, 1, 2, 3, 4, 5};
    int64_t shape[2] = {2, 3};
    int64_t strides[2] = {8, 16};  // Fortran order: exported zero-copy as one permuted tensor
    bb_view in{};
    in.buf = data;
    in.format = "d";
    in.itemsize = 8;
    in.ndim = 2;
    in.shape = shape;
    in.strides = strides;
    in.readonly = 1;
    ArrowSchema schema{};
    ArrowArray array{};
    bb_error error{};
    if (bb_view_export(&in, [](void*) { releases++; }, nullptr, &schema, &array, &error) != BB_OK) {
        std::fprintf(stderr, "export: %s\n", error.message);
        return 1;
    }
    bb_view out{};
    int rc = bb_view_import(&schema, &array, &out, &error);
    int ok = rc == BB_OK && out.buf == data && out.ndim == 2 && out.strides[0] == 8 && out.strides[1] == 16 &&
             out.readonly == 1 && out.copied == 0 && std::strcmp(out.format, "d") == 0 &&
             bb_view_is_f_contiguous(&out) && !bb_view_is_c_contiguous(&out);
    const int64_t index[2] = {1, 2};
    ok = ok && *static_cast<double*>(bb_view_ptr(&out, index)) == 5.0;
    bb_view_release(&out);
    schema.release(&schema);
    array.release(&array);
    ok = ok && releases == 1;
    std::printf("C++17: %s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
