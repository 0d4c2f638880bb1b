// The library's five operations as Impl<T> (common.hpp), through its C ABI, for the four
// element types. Linked into projection_bench (against the shared library) and into
// projection_bench_isa (against the static library, whose kernels it forces per
// instruction set).
#include <projection/projection.h>

#include "common.hpp"

namespace pbench {
namespace {
using bf16 = projection_bf16;
using f16 = projection_f16;
int pj_vp(const float *a, const float *b, std::size_t n, float *o) { return projection_vector_projection_f32(a, b, n, o); }
int pj_vp(const double *a, const double *b, std::size_t n, double *o) { return projection_vector_projection_f64(a, b, n, o); }
int pj_vp(const bf16 *a, const bf16 *b, std::size_t n, bf16 *o) { return projection_vector_projection_bf16(a, b, n, o); }
int pj_vp(const f16 *a, const f16 *b, std::size_t n, f16 *o) { return projection_vector_projection_f16(a, b, n, o); }
int pj_ob(const float *a, const float *b, std::size_t n, int *s, double *x, double *y) { return projection_order_by_norm_f32(a, b, n, 2.0, s, x, y); }
int pj_ob(const double *a, const double *b, std::size_t n, int *s, double *x, double *y) { return projection_order_by_norm_f64(a, b, n, 2.0, s, x, y); }
int pj_ob(const bf16 *a, const bf16 *b, std::size_t n, int *s, double *x, double *y) { return projection_order_by_norm_bf16(a, b, n, 2.0, s, x, y); }
int pj_ob(const f16 *a, const f16 *b, std::size_t n, int *s, double *x, double *y) { return projection_order_by_norm_f16(a, b, n, 2.0, s, x, y); }
int pj_pos(const float *a, const float *b, std::size_t n, float *o) { return projection_project_out_smaller_f32(a, b, n, o); }
int pj_pos(const double *a, const double *b, std::size_t n, double *o) { return projection_project_out_smaller_f64(a, b, n, o); }
int pj_pos(const bf16 *a, const bf16 *b, std::size_t n, bf16 *o) { return projection_project_out_smaller_bf16(a, b, n, o); }
int pj_pos(const f16 *a, const f16 *b, std::size_t n, f16 *o) { return projection_project_out_smaller_f16(a, b, n, o); }
int pj_ea(const float *a, const float *b, std::size_t n, double *x, double *y) { return projection_equivalent_alpha_f32(a, b, n, x, y); }
int pj_ea(const double *a, const double *b, std::size_t n, double *x, double *y) { return projection_equivalent_alpha_f64(a, b, n, x, y); }
int pj_ea(const bf16 *a, const bf16 *b, std::size_t n, double *x, double *y) { return projection_equivalent_alpha_bf16(a, b, n, x, y); }
int pj_ea(const f16 *a, const f16 *b, std::size_t n, double *x, double *y) { return projection_equivalent_alpha_f16(a, b, n, x, y); }
int pj_ag(const float *a, const float *b, std::size_t n, float *o) { return projection_alphaless_gradient_f32(a, b, n, o); }
int pj_ag(const double *a, const double *b, std::size_t n, double *o) { return projection_alphaless_gradient_f64(a, b, n, o); }
int pj_ag(const bf16 *a, const bf16 *b, std::size_t n, bf16 *o) { return projection_alphaless_gradient_bf16(a, b, n, o); }
int pj_ag(const f16 *a, const f16 *b, std::size_t n, f16 *o) { return projection_alphaless_gradient_f16(a, b, n, o); }
}  // namespace

template <class T> Impl<T> projection_impl() {
  return {"projection",
          static_cast<int (*)(const T *, const T *, std::size_t, T *)>(pj_vp),
          static_cast<int (*)(const T *, const T *, std::size_t, int *, double *, double *)>(pj_ob),
          static_cast<int (*)(const T *, const T *, std::size_t, T *)>(pj_pos),
          static_cast<int (*)(const T *, const T *, std::size_t, double *, double *)>(pj_ea),
          static_cast<int (*)(const T *, const T *, std::size_t, T *)>(pj_ag),
          true,
          projection_set_num_threads};
}
template Impl<float> projection_impl<float>();
template Impl<double> projection_impl<double>();
template Impl<bf16> projection_impl<bf16>();
template Impl<f16> projection_impl<f16>();

}  // namespace pbench
