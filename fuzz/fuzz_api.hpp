// The list, each and partials entry points of projection.h 1.1 for one element
// type, as overloads the harness templates can call (fuzz_lists.cpp,
// fuzz_partials.cpp).
#pragma once

#include "fuzz_ops.hpp"

namespace pfuzz {

template <class T>
struct Api;

#define PFUZZ_API(T, S)                                                                          \
  template <>                                                                                    \
  struct Api<T> {                                                                                \
    using Vec = projection_status (*)(const T* const*, const T* const*, const size_t*, size_t,  \
                                      T* const*);                                                \
    static Vec vec(VecOp op, bool each) {                                                       \
      switch (op) {                                                                              \
        case VecOp::kVectorProjection:                                                           \
          return each ? projection_vector_projection_each_##S : projection_vector_projection_list_##S; \
        case VecOp::kProjectOutSmaller:                                                          \
          return each ? projection_project_out_smaller_each_##S                                  \
                      : projection_project_out_smaller_list_##S;                                 \
        default:                                                                                 \
          return each ? projection_alphaless_gradient_each_##S                                   \
                      : projection_alphaless_gradient_list_##S;                                  \
      }                                                                                          \
    }                                                                                            \
    static projection_status order(bool each, const T* const* a, const T* const* b,             \
                                   const size_t* n, size_t c, double ord, int* sw, double* na,   \
                                   double* nb) {                                                 \
      return each ? projection_order_by_norm_each_##S(a, b, n, c, ord, sw, na, nb)               \
                  : projection_order_by_norm_list_##S(a, b, n, c, ord, sw, na, nb);              \
    }                                                                                            \
    static projection_status alpha(bool each, const T* const* a, const T* const* b,             \
                                   const size_t* n, size_t c, double* al, double* sc) {          \
      return each ? projection_equivalent_alpha_each_##S(a, b, n, c, al, sc)                     \
                  : projection_equivalent_alpha_list_##S(a, b, n, c, al, sc);                    \
    }                                                                                            \
    static projection_status add(projection_partials* p, const T* a, const T* b, size_t n,      \
                                 uint64_t offset) {                                              \
      return projection_partials_add_##S(p, a, b, n, offset);                                   \
    }                                                                                            \
    static projection_status finish_vec(VecOp op, const projection_partials* p, const T* a,     \
                                        const T* b, size_t n, T* out) {                          \
      switch (op) {                                                                              \
        case VecOp::kVectorProjection:                                                           \
          return projection_partials_vector_projection_##S(p, a, b, n, out);                    \
        case VecOp::kProjectOutSmaller:                                                          \
          return projection_partials_project_out_smaller_##S(p, a, b, n, out);                  \
        default:                                                                                 \
          return projection_partials_alphaless_gradient_##S(p, a, b, n, out);                   \
      }                                                                                          \
    }                                                                                            \
  };
PFUZZ_API(float, f32)
PFUZZ_API(double, f64)
PFUZZ_API(bf16, bf16)
PFUZZ_API(f16, f16)
#undef PFUZZ_API

// Bytes of every allocation of the arena outside the given spans equal the
// snapshot (the spans: what a successful call may write).
struct Span {
  const void* p;
  size_t bytes;
};

PFUZZ_NOCOV inline bool unchanged_except_spans(const Arena& ar,
                                               const std::vector<unsigned char>& snap,
                                               const std::vector<Span>& spans) {
  // The snapshot with every span's current bytes copied in, against the arena.
  std::vector<unsigned char> want = snap;
  for (const Span& s : spans) {
    if (!s.p || s.bytes == 0) continue;
    const uintptr_t s0 = reinterpret_cast<uintptr_t>(s.p), s1 = s0 + s.bytes;
    size_t off = 0;
    for (auto& al : ar.allocs) {
      const uintptr_t p0 = reinterpret_cast<uintptr_t>(al->p), p1 = p0 + al->bytes;
      const uintptr_t lo = s0 > p0 ? s0 : p0, hi = s1 < p1 ? s1 : p1;
      if (lo < hi) std::memcpy(want.data() + off + (lo - p0), al->p + (lo - p0), hi - lo);
      off += al->bytes;
    }
  }
  return ar.snapshot() == want;
}

}  // namespace pfuzz
