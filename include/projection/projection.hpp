// projection — C++ interface (C++20).
//
// The same five operations as projection.h, over std::span, for float and
// double, reporting errors as projection::error exceptions. It is an inline
// layer over the C ABI, so C++ programs share the shared library's stable
// interface (no C++ symbols cross the library boundary) and can use any C++
// standard library. Containers with contiguous storage (std::vector, std::array,
// C arrays) convert to the spans implicitly.
#pragma once

#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>

#include "projection/projection.h"

namespace projection {

enum class status : int {
  ok = PROJECTION_OK,
  null = PROJECTION_ERR_NULL,
  overlap = PROJECTION_ERR_OVERLAP,
  argument = PROJECTION_ERR_ARGUMENT,
  nonfinite = PROJECTION_ERR_NONFINITE,
};

// Thrown for any status other than ok, and for spans of different lengths
// (status::argument).
class error : public std::runtime_error {
 public:
  explicit error(status s, const std::string& what)
      : std::runtime_error(what), status_(s) {}
  explicit error(status s)
      : error(s, projection_status_string(static_cast<projection_status>(s))) {}
  status code() const noexcept { return status_; }

 private:
  status status_;
};

struct ordering {
  bool swapped;   // false: (a, b) is (smaller, larger); true: (b, a)
  double norm_a;  // |a|_ord
  double norm_b;  // |b|_ord
};

struct alpha_and_scale {
  double alpha;
  double scale;
};

namespace detail {

inline void check(projection_status s) {
  if (s != PROJECTION_OK) throw error(static_cast<status>(s));
}

inline void check_sizes(std::size_t a, std::size_t b) {
  if (a != b) throw error(status::argument, "projection: inputs of different lengths");
}

template <class T> struct c_api;
template <> struct c_api<float> {
  static constexpr auto vector_projection = projection_vector_projection_f32;
  static constexpr auto order_by_norm = projection_order_by_norm_f32;
  static constexpr auto project_out_smaller = projection_project_out_smaller_f32;
  static constexpr auto equivalent_alpha = projection_equivalent_alpha_f32;
  static constexpr auto alphaless_gradient = projection_alphaless_gradient_f32;
};
template <> struct c_api<double> {
  static constexpr auto vector_projection = projection_vector_projection_f64;
  static constexpr auto order_by_norm = projection_order_by_norm_f64;
  static constexpr auto project_out_smaller = projection_project_out_smaller_f64;
  static constexpr auto equivalent_alpha = projection_equivalent_alpha_f64;
  static constexpr auto alphaless_gradient = projection_alphaless_gradient_f64;
};

template <class T>
void vector_op(projection_status (*op)(const T*, const T*, size_t, T*), std::span<const T> a,
               std::span<const T> b, std::span<T> out) {
  check_sizes(a.size(), b.size());
  check_sizes(a.size(), out.size());
  check(op(a.data(), b.data(), a.size(), out.data()));
}

}  // namespace detail

// The operations, for T = float and T = double. Each throws projection::error.
#define PROJECTION_CXX_OPS(T)                                                                  \
  /* out = (a.b / b.b) b; out may be a or b. */                                               \
  inline void vector_projection(std::span<const T> a, std::span<const T> b, std::span<T> out) { \
    detail::vector_op(detail::c_api<T>::vector_projection, a, b, out);                          \
  }                                                                                            \
  /* The order of (a, b) by their norm of order ord (see projection.h). */                     \
  inline ordering order_by_norm(std::span<const T> a, std::span<const T> b, double ord = 2) {   \
    detail::check_sizes(a.size(), b.size());                                                   \
    int swapped = 0;                                                                           \
    ordering r{};                                                                              \
    detail::check(detail::c_api<T>::order_by_norm(a.data(), b.data(), a.size(), ord, &swapped,  \
                                                  &r.norm_a, &r.norm_b));                      \
    r.swapped = swapped != 0;                                                                  \
    return r;                                                                                  \
  }                                                                                            \
  /* out = L - proj(L, S) with (S, L) the 2-norm order of (a, b). */                           \
  inline void project_out_smaller(std::span<const T> a, std::span<const T> b,                  \
                                  std::span<T> out) {                                          \
    detail::vector_op(detail::c_api<T>::project_out_smaller, a, b, out);                        \
  }                                                                                            \
  /* alpha and scale with alphaless gradient = scale * (alpha noise + (1 - alpha) model). */   \
  inline alpha_and_scale equivalent_alpha(std::span<const T> noise_grad,                       \
                                          std::span<const T> model_grad) {                     \
    detail::check_sizes(noise_grad.size(), model_grad.size());                                 \
    alpha_and_scale r{};                                                                       \
    detail::check(detail::c_api<T>::equivalent_alpha(noise_grad.data(), model_grad.data(),      \
                                                     noise_grad.size(), &r.alpha, &r.scale));  \
    return r;                                                                                  \
  }                                                                                            \
  /* out = L + (1 - k) S with (S, L) the 2-norm order and k = L.S / S.S. */                    \
  inline void alphaless_gradient(std::span<const T> noise_grad, std::span<const T> model_grad, \
                                 std::span<T> out) {                                           \
    detail::vector_op(detail::c_api<T>::alphaless_gradient, noise_grad, model_grad, out);       \
  }

PROJECTION_CXX_OPS(float)
PROJECTION_CXX_OPS(double)
#undef PROJECTION_CXX_OPS

// The library as loaded.
inline const char* version() noexcept { return projection_version_string(); }
inline const char* simd_arch() noexcept { return projection_simd_arch(); }
inline void set_num_threads(int n) noexcept { projection_set_num_threads(n); }
inline int num_threads() noexcept { return projection_get_num_threads(); }

}  // namespace projection
