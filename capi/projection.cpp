// The C ABI: one-line forwards to the engine (src/ops.hpp), plus the library
// queries. Only the projection_* functions are exported (see projection.map).
#include "projection/projection.h"

#include <cstring>

#include "dispatch.hpp"
#include "ops.hpp"
#include "threads.hpp"

namespace d = projection::detail;

static_assert(sizeof(projection_status) == sizeof(int), "the status enum is an int in the ABI");

#define PROJECTION_DEFINE_OPS(suffix, T)                                                       \
  projection_status projection_vector_projection_##suffix(const T* a, const T* b, size_t n,    \
                                                          T* out) {                            \
    return d::vector_projection(a, b, n, out);                                                 \
  }                                                                                            \
  projection_status projection_order_by_norm_##suffix(const T* a, const T* b, size_t n,        \
                                                      double ord, int* swapped,                \
                                                      double* norm_a, double* norm_b) {        \
    return d::order_by_norm(a, b, n, ord, swapped, norm_a, norm_b);                            \
  }                                                                                            \
  projection_status projection_project_out_smaller_##suffix(const T* a, const T* b, size_t n,  \
                                                            T* out) {                          \
    return d::project_out_smaller(a, b, n, out);                                               \
  }                                                                                            \
  projection_status projection_equivalent_alpha_##suffix(const T* noise_grad,                  \
                                                         const T* model_grad, size_t n,        \
                                                         double* alpha, double* scale) {       \
    return d::equivalent_alpha(noise_grad, model_grad, n, alpha, scale);                       \
  }                                                                                            \
  projection_status projection_alphaless_gradient_##suffix(const T* noise_grad,                \
                                                           const T* model_grad, size_t n,      \
                                                           T* out) {                           \
    return d::alphaless_gradient(noise_grad, model_grad, n, out);                              \
  }

extern "C" {

PROJECTION_DEFINE_OPS(f32, float)
PROJECTION_DEFINE_OPS(f64, double)

const char* projection_status_string(projection_status s) {
  // Read as an int: an unknown code is not a valid value of the C++ enum.
  int code;
  std::memcpy(&code, &s, sizeof code);
  switch (code) {
    case PROJECTION_OK: return "success";
    case PROJECTION_ERR_NULL: return "a required pointer is NULL";
    case PROJECTION_ERR_OVERLAP: return "the output overlaps an input without being the same buffer";
    case PROJECTION_ERR_ARGUMENT: return "an argument is outside its domain (norm order NaN)";
    case PROJECTION_ERR_NONFINITE: return "an input holds NaN or Inf";
  }
  return "unknown projection_status code";
}

const char* projection_version_string(void) { return PROJECTION_VERSION_STRING; }

unsigned projection_version_number(void) { return PROJECTION_VERSION_NUMBER; }

const char* projection_simd_arch(void) { return d::active_kernels().name; }

void projection_set_num_threads(int n) { d::set_num_threads(n); }

int projection_get_num_threads(void) { return d::get_num_threads(); }

}  // extern "C"
