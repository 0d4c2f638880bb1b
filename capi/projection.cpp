// The C ABI: one-line forwards to the engine (src/ops.hpp, src/partials.hpp),
// plus the library queries. Only the projection_* functions are exported (see
// projection.map).
#include "projection/projection.h"

#include <cstring>

#include "dispatch.hpp"
#include "ops.hpp"
#include "partials.hpp"
#include "threads.hpp"

namespace d = projection::detail;

static_assert(sizeof(projection_status) == sizeof(int), "the status enum is an int in the ABI");
static_assert(sizeof(projection_bf16) == 2 && sizeof(projection_f16) == 2, "16-bit elements");
static_assert(sizeof(projection_partials) == PROJECTION_PARTIALS_SIZE, "partials size");

#define PROJECTION_DEFINE_OPS(sfx, T)                                                          \
  projection_status projection_vector_projection_##sfx(const T* a, const T* b, size_t n,       \
                                                       T* out) {                               \
    return d::vector_projection(a, b, n, out);                                                 \
  }                                                                                            \
  projection_status projection_order_by_norm_##sfx(const T* a, const T* b, size_t n,           \
                                                   double ord, int* swapped, double* norm_a,   \
                                                   double* norm_b) {                           \
    return d::order_by_norm(a, b, n, ord, swapped, norm_a, norm_b);                            \
  }                                                                                            \
  projection_status projection_project_out_smaller_##sfx(const T* a, const T* b, size_t n,     \
                                                         T* out) {                             \
    return d::project_out_smaller(a, b, n, out);                                               \
  }                                                                                            \
  projection_status projection_equivalent_alpha_##sfx(const T* noise_grad,                     \
                                                      const T* model_grad, size_t n,           \
                                                      double* alpha, double* scale) {          \
    return d::equivalent_alpha(noise_grad, model_grad, n, alpha, scale);                       \
  }                                                                                            \
  projection_status projection_alphaless_gradient_##sfx(const T* noise_grad,                   \
                                                        const T* model_grad, size_t n,         \
                                                        T* out) {                              \
    return d::alphaless_gradient(noise_grad, model_grad, n, out);                              \
  }

#define PROJECTION_DEFINE_LIST_OPS(form, sfx, T)                                               \
  projection_status projection_vector_projection_##form##_##sfx(                              \
      const T* const* a, const T* const* b, const size_t* n, size_t count, T* const* out) {    \
    return d::vector_projection_##form(d::List<T>{a, b, n, count}, out);                       \
  }                                                                                            \
  projection_status projection_order_by_norm_##form##_##sfx(                                   \
      const T* const* a, const T* const* b, const size_t* n, size_t count, double ord,         \
      int* swapped, double* norm_a, double* norm_b) {                                          \
    return d::order_by_norm_##form(d::List<T>{a, b, n, count}, ord, swapped, norm_a, norm_b);  \
  }                                                                                            \
  projection_status projection_project_out_smaller_##form##_##sfx(                             \
      const T* const* a, const T* const* b, const size_t* n, size_t count, T* const* out) {    \
    return d::project_out_smaller_##form(d::List<T>{a, b, n, count}, out);                     \
  }                                                                                            \
  projection_status projection_equivalent_alpha_##form##_##sfx(                                \
      const T* const* noise_grad, const T* const* model_grad, const size_t* n, size_t count,   \
      double* alpha, double* scale) {                                                          \
    return d::equivalent_alpha_##form(d::List<T>{noise_grad, model_grad, n, count}, alpha,     \
                                      scale);                                                  \
  }                                                                                            \
  projection_status projection_alphaless_gradient_##form##_##sfx(                              \
      const T* const* noise_grad, const T* const* model_grad, const size_t* n, size_t count,   \
      T* const* out) {                                                                         \
    return d::alphaless_gradient_##form(d::List<T>{noise_grad, model_grad, n, count}, out);    \
  }

#define PROJECTION_DEFINE_PARTIALS(sfx, T)                                                     \
  projection_status projection_partials_add_##sfx(projection_partials* p, const T* a,          \
                                                  const T* b, size_t n, uint64_t offset) {     \
    return d::partials_add(p, a, b, n, offset);                                                \
  }                                                                                            \
  projection_status projection_partials_vector_projection_##sfx(                               \
      const projection_partials* p, const T* a, const T* b, size_t n, T* out) {                \
    return d::partials_vector_op(d::VectorOp::kProjection, p, a, b, n, out);                   \
  }                                                                                            \
  projection_status projection_partials_project_out_smaller_##sfx(                             \
      const projection_partials* p, const T* a, const T* b, size_t n, T* out) {                \
    return d::partials_vector_op(d::VectorOp::kOutSmaller, p, a, b, n, out);                   \
  }                                                                                            \
  projection_status projection_partials_alphaless_gradient_##sfx(                              \
      const projection_partials* p, const T* noise_grad, const T* model_grad, size_t n,        \
      T* out) {                                                                                \
    return d::partials_vector_op(d::VectorOp::kAlphaless, p, noise_grad, model_grad, n, out);  \
  }

#define PROJECTION_DEFINE_TYPE(sfx, T)   \
  PROJECTION_DEFINE_OPS(sfx, T)          \
  PROJECTION_DEFINE_LIST_OPS(list, sfx, T) \
  PROJECTION_DEFINE_LIST_OPS(each, sfx, T) \
  PROJECTION_DEFINE_PARTIALS(sfx, T)

extern "C" {

PROJECTION_DEFINE_TYPE(f32, float)
PROJECTION_DEFINE_TYPE(f64, double)
PROJECTION_DEFINE_TYPE(bf16, projection_bf16)
PROJECTION_DEFINE_TYPE(f16, projection_f16)

void projection_partials_init(projection_partials* p) { d::partials_init(p); }

projection_status projection_partials_merge(projection_partials* into,
                                            const projection_partials* from) {
  return d::partials_merge(into, from);
}

projection_status projection_partials_order_by_norm(const projection_partials* p, int* swapped,
                                                    double* norm_a, double* norm_b) {
  return d::partials_order_by_norm(p, swapped, norm_a, norm_b);
}

projection_status projection_partials_equivalent_alpha(const projection_partials* p,
                                                       double* alpha, double* scale) {
  return d::partials_equivalent_alpha(p, alpha, scale);
}

const char* projection_status_string(projection_status s) {
  // Read as an int: an unknown code is not a valid value of the C++ enum.
  int code;
  std::memcpy(&code, &s, sizeof code);
  switch (code) {
    case PROJECTION_OK: return "success";
    case PROJECTION_ERR_NULL: return "a required pointer is NULL";
    case PROJECTION_ERR_OVERLAP:
      return "an output overlaps an input or another output without being the same buffer";
    case PROJECTION_ERR_ARGUMENT: return "an argument is outside its domain";
    case PROJECTION_ERR_NONFINITE: return "an input holds NaN or Inf";
    case PROJECTION_ERR_PARTIALS:
      return "a partials struct is not valid (not initialized, another layout version, or corrupted)";
  }
  return "unknown projection_status code";
}

const char* projection_version_string(void) { return PROJECTION_VERSION_STRING; }

unsigned projection_version_number(void) { return PROJECTION_VERSION_NUMBER; }

const char* projection_simd_arch(void) { return d::active_kernels().name; }

void projection_set_num_threads(int n) { d::set_num_threads(n); }

int projection_get_num_threads(void) { return d::get_num_threads(); }

}  // extern "C"
