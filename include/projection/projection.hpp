// projection — C++ interface (C++20).
//
// The same operations as projection.h, over std::span, for float, double,
// projection_bf16 and projection_f16, reporting errors as projection::error
// exceptions; lists of tensors as spans of spans; partials as a value class. It is an inline
// layer over the C ABI, so C++ programs share the shared library's stable
// interface (no C++ symbols cross the library boundary) and can use any C++
// standard library. Containers with contiguous storage (std::vector, std::array,
// C arrays) convert to the spans implicitly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "projection/projection.h"

namespace projection {

enum class status : int {
  ok = PROJECTION_OK,
  null = PROJECTION_ERR_NULL,
  overlap = PROJECTION_ERR_OVERLAP,
  argument = PROJECTION_ERR_ARGUMENT,
  nonfinite = PROJECTION_ERR_NONFINITE,
  partials = PROJECTION_ERR_PARTIALS,
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

// The C functions of one element type, by name.
template <class T> struct c_api;
#define PROJECTION_CXX_C_API(T, sfx)                                                        \
  template <> struct c_api<T> {                                                             \
    static constexpr auto vector_projection = projection_vector_projection_##sfx;           \
    static constexpr auto order_by_norm = projection_order_by_norm_##sfx;                   \
    static constexpr auto project_out_smaller = projection_project_out_smaller_##sfx;       \
    static constexpr auto equivalent_alpha = projection_equivalent_alpha_##sfx;             \
    static constexpr auto alphaless_gradient = projection_alphaless_gradient_##sfx;         \
    static constexpr auto vector_projection_list = projection_vector_projection_list_##sfx; \
    static constexpr auto order_by_norm_list = projection_order_by_norm_list_##sfx;         \
    static constexpr auto project_out_smaller_list = projection_project_out_smaller_list_##sfx; \
    static constexpr auto equivalent_alpha_list = projection_equivalent_alpha_list_##sfx;   \
    static constexpr auto alphaless_gradient_list = projection_alphaless_gradient_list_##sfx; \
    static constexpr auto vector_projection_each = projection_vector_projection_each_##sfx; \
    static constexpr auto order_by_norm_each = projection_order_by_norm_each_##sfx;         \
    static constexpr auto project_out_smaller_each = projection_project_out_smaller_each_##sfx; \
    static constexpr auto equivalent_alpha_each = projection_equivalent_alpha_each_##sfx;   \
    static constexpr auto alphaless_gradient_each = projection_alphaless_gradient_each_##sfx; \
    static constexpr auto partials_add = projection_partials_add_##sfx;                     \
    static constexpr auto partials_vector_projection = projection_partials_vector_projection_##sfx; \
    static constexpr auto partials_project_out_smaller =                                    \
        projection_partials_project_out_smaller_##sfx;                                      \
    static constexpr auto partials_alphaless_gradient = projection_partials_alphaless_gradient_##sfx; \
  };
PROJECTION_CXX_C_API(float, f32)
PROJECTION_CXX_C_API(double, f64)
PROJECTION_CXX_C_API(projection_bf16, bf16)
PROJECTION_CXX_C_API(projection_f16, f16)
#undef PROJECTION_CXX_C_API

template <class T>
void vector_op(projection_status (*op)(const T*, const T*, size_t, T*), std::span<const T> a,
               std::span<const T> b, std::span<T> out) {
  check_sizes(a.size(), b.size());
  check_sizes(a.size(), out.size());
  check(op(a.data(), b.data(), a.size(), out.data()));
}

}  // namespace detail

// The operations, for T = float, double, projection_bf16 and projection_f16.
// Each throws projection::error.
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
PROJECTION_CXX_OPS(projection_bf16)
PROJECTION_CXX_OPS(projection_f16)
#undef PROJECTION_CXX_OPS

// ------------------------------------------------------------------ lists
// A list of tensors as one vector: a[i], b[i] (and out[i]) are the segments.
// The pointer arrays are built on each call (the C functions take them as
// arrays); keep the C functions for a hot loop over a fixed list.
namespace detail {
template <class T>
struct pointers {
  std::vector<const T*> a, b;
  std::vector<std::size_t> n;
  pointers(std::span<const std::span<const T>> as, std::span<const std::span<const T>> bs) {
    check_sizes(as.size(), bs.size());
    for (std::size_t i = 0; i < as.size(); ++i) {
      check_sizes(as[i].size(), bs[i].size());
      a.push_back(as[i].data());
      b.push_back(bs[i].data());
      n.push_back(as[i].size());
    }
  }
};
template <class T>
std::vector<T*> out_pointers(std::span<const std::span<T>> out, const std::vector<std::size_t>& n) {
  check_sizes(out.size(), n.size());
  std::vector<T*> o;
  for (std::size_t i = 0; i < out.size(); ++i) {
    check_sizes(out[i].size(), n[i]);
    o.push_back(out[i].data());
  }
  return o;
}
}  // namespace detail

template <class T>
ordering order_by_norm_list(std::span<const std::span<const T>> a,
                            std::span<const std::span<const T>> b, double ord = 2) {
  const detail::pointers<T> p(a, b);
  int swapped = 0;
  ordering r{};
  detail::check(detail::c_api<T>::order_by_norm_list(p.a.data(), p.b.data(), p.n.data(),
                                                      p.n.size(), ord, &swapped, &r.norm_a,
                                                      &r.norm_b));
  r.swapped = swapped != 0;
  return r;
}

template <class T>
alpha_and_scale equivalent_alpha_list(std::span<const std::span<const T>> noise_grad,
                                      std::span<const std::span<const T>> model_grad) {
  const detail::pointers<T> p(noise_grad, model_grad);
  alpha_and_scale r{};
  detail::check(detail::c_api<T>::equivalent_alpha_list(p.a.data(), p.b.data(), p.n.data(),
                                                         p.n.size(), &r.alpha, &r.scale));
  return r;
}

template <class T>
void alphaless_gradient_list(std::span<const std::span<const T>> noise_grad,
                             std::span<const std::span<const T>> model_grad,
                             std::span<const std::span<T>> out) {
  const detail::pointers<T> p(noise_grad, model_grad);
  const std::vector<T*> o = detail::out_pointers(out, p.n);
  detail::check(detail::c_api<T>::alphaless_gradient_list(p.a.data(), p.b.data(), p.n.data(),
                                                           p.n.size(), o.data()));
}

// ------------------------------------------------------------------ partials
// The sums of a shard of a vector sharded across processes (projection.h,
// section 5). Trivially copyable: send bytes() anywhere, merge on arrival.
class partials {
 public:
  partials() noexcept { projection_partials_init(&p_); }

  // Adds the local part a, b whose first element is element `offset` of the
  // global vectors.
  template <class T>
  void add(std::span<const T> a, std::span<const T> b, std::uint64_t offset) {
    detail::check_sizes(a.size(), b.size());
    detail::check(detail::c_api<T>::partials_add(&p_, a.data(), b.data(), a.size(), offset));
  }
  void merge(const partials& other) { detail::check(projection_partials_merge(&p_, &other.p_)); }

  ordering order_by_norm() const {
    int swapped = 0;
    ordering r{};
    detail::check(projection_partials_order_by_norm(&p_, &swapped, &r.norm_a, &r.norm_b));
    r.swapped = swapped != 0;
    return r;
  }
  alpha_and_scale equivalent_alpha() const {
    alpha_and_scale r{};
    detail::check(projection_partials_equivalent_alpha(&p_, &r.alpha, &r.scale));
    return r;
  }
  // The alphaless gradient of the local shard, with the global coefficient.
  template <class T>
  void alphaless_gradient(std::span<const T> noise_grad, std::span<const T> model_grad,
                          std::span<T> out) const {
    detail::check_sizes(noise_grad.size(), model_grad.size());
    detail::check_sizes(noise_grad.size(), out.size());
    detail::check(detail::c_api<T>::partials_alphaless_gradient(
        &p_, noise_grad.data(), model_grad.data(), noise_grad.size(), out.data()));
  }

  projection_partials& raw() noexcept { return p_; }
  const projection_partials& raw() const noexcept { return p_; }
  std::span<const unsigned char, PROJECTION_PARTIALS_SIZE> bytes() const noexcept {
    return std::span<const unsigned char, PROJECTION_PARTIALS_SIZE>(
        reinterpret_cast<const unsigned char*>(&p_), PROJECTION_PARTIALS_SIZE);
  }

 private:
  projection_partials p_;
};

// The library as loaded.
inline const char* version() noexcept { return projection_version_string(); }
inline const char* simd_arch() noexcept { return projection_simd_arch(); }
inline void set_num_threads(int n) noexcept { projection_set_num_threads(n); }
inline int num_threads() noexcept { return projection_get_num_threads(); }

}  // namespace projection
