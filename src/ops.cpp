// The operations: argument checks, the reduction (reduce.hpp), the scalar
// algebra and at most one elementwise pass (finish.hpp). One buffer is a list
// of one segment; _each_ runs the one-buffer operation on every segment.
#include "ops.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <new>

#include "finish.hpp"
#include "parallel.hpp"
#include "reduce.hpp"

namespace projection::detail {
namespace {

// ---------------------------------------------------------------- scratch

// A per-thread scratch area for lists of many segments, grown as needed and
// kept: a list call allocates only when it meets a longer list than before.
// nullptr when memory is short; callers then take a path that needs none.
void* scratch(std::size_t bytes) {
  struct Area {
    void* p = nullptr;
    std::size_t size = 0;
    ~Area() { std::free(p); }
  };
  thread_local Area area;
  if (bytes > area.size) {
    void* p = std::malloc(bytes);
    if (!p) return nullptr;
    std::free(area.p);
    area.p = p, area.size = bytes;
  }
  return area.p;
}

// ---------------------------------------------------------------- checks

struct Span {
  std::uintptr_t lo, hi;  // [lo, hi) bytes
};

Span span_of(const void* p, std::size_t bytes) {
  const auto lo = reinterpret_cast<std::uintptr_t>(p);
  return {lo, lo + bytes};
}

bool overlap(Span x, Span y) { return x.lo < y.hi && y.lo < x.hi; }

// out overlaps an input without being exactly it.
bool bad_overlap(const void* out, const void* in, std::size_t bytes) {
  return out != in && overlap(span_of(out, bytes), span_of(in, bytes));
}

template <class T>
projection_status check_vector_args(const T* a, const T* b, std::size_t n, const T* out) {
  if (n == 0) return PROJECTION_OK;
  if (!a || !b || !out) return PROJECTION_ERR_NULL;
  if (bad_overlap(out, a, n * sizeof(T)) || bad_overlap(out, b, n * sizeof(T)))
    return PROJECTION_ERR_OVERLAP;
  return PROJECTION_OK;
}

// NULL arrays or segments, and the total length (ARGUMENT if it overflows).
template <class T>
projection_status check_list_pointers(const List<T>& l, T* const* out, bool vector,
                                      std::size_t& total) {
  total = 0;
  if (l.count == 0) return PROJECTION_OK;
  if (!l.a || !l.b || !l.n || (vector && !out)) return PROJECTION_ERR_NULL;
  bool overflow = false;
  for (std::size_t i = 0; i < l.count; ++i) {
    if (l.n[i] == 0) continue;
    if (!l.a[i] || !l.b[i] || (vector && !out[i])) return PROJECTION_ERR_NULL;
    overflow |= l.n[i] > SIZE_MAX / sizeof(T) - total;
    total += overflow ? 0 : l.n[i];
  }
  return overflow ? PROJECTION_ERR_ARGUMENT : PROJECTION_OK;
}

// An output segment may be exactly its own a[i] or b[i]; any other overlap of an
// output with an input or another output is refused.
template <class T>
bool list_overlap_pairwise(const List<T>& l, T* const* out) {
  for (std::size_t i = 0; i < l.count; ++i) {
    if (l.n[i] == 0) continue;
    const Span o = span_of(out[i], l.n[i] * sizeof(T));
    for (std::size_t j = 0; j < l.count; ++j) {
      if (l.n[j] == 0) continue;
      const std::size_t bytes = l.n[j] * sizeof(T);
      for (const void* in : {static_cast<const void*>(l.a[j]), static_cast<const void*>(l.b[j])})
        if (overlap(o, span_of(in, bytes)) && !(i == j && in == out[i])) return true;
      if (j != i && overlap(o, span_of(out[j], bytes))) return true;
    }
  }
  return false;
}

// The same, in O(count log count). The output spans, sorted by start, must be
// disjoint: each from the next. Then every input span meets at most the
// outputs of one run of that order, found by binary search: none, or exactly
// its own segment's output, the very same bytes.
struct Tagged {
  Span s;
  std::size_t seg;
};

template <class T>
bool list_overlap_sorted(const List<T>& l, T* const* out, void* area) {
  auto* o = static_cast<Tagged*>(area);
  std::size_t m = 0;
  for (std::size_t i = 0; i < l.count; ++i)
    if (l.n[i]) o[m++] = {span_of(out[i], l.n[i] * sizeof(T)), i};
  std::sort(o, o + m, [](const Tagged& x, const Tagged& y) { return x.s.lo < y.s.lo; });
  for (std::size_t k = 1; k < m; ++k)
    if (o[k].s.lo < o[k - 1].s.hi) return true;
  auto* ends = reinterpret_cast<std::uintptr_t*>(o + m);  // the sorted ends, for the search
  for (std::size_t k = 0; k < m; ++k) ends[k] = o[k].s.hi;
  // k is the first output ending after the input starts: ends[k - 1] <= lo < ends[k].
  auto first_after = [&](std::size_t k, std::uintptr_t lo) {
    return (k == 0 || ends[k - 1] <= lo) && (k == m || lo < ends[k]);
  };
  std::size_t hint = 0;  // the last answer: inputs allocated in order search near it
  for (std::size_t i = 0; i < l.count; ++i) {
    if (l.n[i] == 0) continue;
    for (const void* in : {static_cast<const void*>(l.a[i]), static_cast<const void*>(l.b[i])}) {
      if (in == out[i]) continue;  // its own output, which meets no other one
      const Span s = span_of(in, l.n[i] * sizeof(T));
      std::size_t k;
      if (first_after(hint, s.lo)) {
        k = hint;
      } else if (hint < m && first_after(hint + 1, s.lo)) {
        k = hint + 1;
      } else {  // binary search, without branches
        const std::uintptr_t* base = ends;
        for (std::size_t len = m; len > 1; len -= len / 2)
          base = base[len / 2 - 1] <= s.lo ? base + len / 2 : base;
        k = static_cast<std::size_t>(base - ends) + (m && *base <= s.lo ? 1 : 0);
      }
      hint = k;
      if (k < m && o[k].s.lo < s.hi) return true;  // meets an output that is not its own in place
    }
  }
  return false;
}

constexpr std::size_t kPairwiseMax = 64;

template <class T>
projection_status check_list_overlap(const List<T>& l, T* const* out) {
  if (l.count <= kPairwiseMax) return list_overlap_pairwise(l, out) ? PROJECTION_ERR_OVERLAP : PROJECTION_OK;
  void* area = scratch(l.count * (sizeof(Tagged) + sizeof(std::uintptr_t)));
  const bool bad = area ? list_overlap_sorted(l, out, area) : list_overlap_pairwise(l, out);
  return bad ? PROJECTION_ERR_OVERLAP : PROJECTION_OK;
}

template <class T>
projection_status check_list(const List<T>& l, T* const* out, std::size_t& total) {
  if (auto st = check_list_pointers(l, out, true, total)) return st;
  return check_list_overlap(l, out);
}

// ---------------------------------------------------------------- views

template <class T>
Segments<T> one_buffer(const T* const& a, const T* const& b, const std::size_t& n) {
  return {&a, &b, &n, 1, n, 0};
}

template <class T>
Segments<T> as_vector(const List<T>& l, std::size_t total) {
  return {l.a, l.b, l.n, l.count, total, 0};
}

template <class T>
Segments<T> segment(const List<T>& l, std::size_t i) {
  return {l.a + i, l.b + i, l.n + i, 1, l.n[i], 0};
}

// The b side of s as the a side (a p-norm reads one input).
template <class T>
Segments<T> b_side(const Segments<T>& s) {
  return {s.b, s.b, s.n, s.count, s.total, s.offset};
}

// ---------------------------------------------------------------- the operations on a view

template <class T>
projection_status vector_op(VectorOp op, const Segments<T>& s, T* const* out) {
  if (s.total == 0) return PROJECTION_OK;
  Sums sums;
  if (auto st = gram_sums(s, parts_of(op), sums)) return st;
  output_pass(s, out, plan_output<T>(op, sums, s.total));
  return PROJECTION_OK;
}

template <class T>
projection_status order_op(const Segments<T>& s, double ord, int* swapped, double* norm_a,
                           double* norm_b) {
  if (ord == 2) {
    Sums sums;
    if (auto st = gram_sums(s, GramParts::kSquares, sums)) return st;
    norms2(sums, swapped, norm_a, norm_b);
    return PROJECTION_OK;
  }
  Wide na, nb;
  if (auto st = norm_p(s, ord, na)) return st;
  if (auto st = norm_p(b_side(s), ord, nb)) return st;
  // Compared before rounding to double: two norms beyond its range still order.
  *swapped = wide_greater(na, nb) ? 1 : 0;
  if (norm_a) *norm_a = na.to_double();
  if (norm_b) *norm_b = nb.to_double();
  return PROJECTION_OK;
}

template <class T>
projection_status alpha_op(const Segments<T>& s, double* alpha, double* scale) {
  Sums sums;
  if (auto st = gram_sums(s, GramParts::kAll, sums)) return st;
  alpha_scale(sums, alpha, scale);
  return PROJECTION_OK;
}

// ---------------------------------------------------------------- _each_

// Runs f(i) for every segment: the large ones one after the other (each
// split over the threads as a single call would), the small ones spread over
// the threads in one parallel region.
template <class F>
void each_segment(const std::size_t* n, std::size_t count, F&& f) {
  std::size_t small_total = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (n[i] >= kParallelMin) f(i);
    else small_total += n[i];
  }
  for_each_item(count, threads_for(small_total), [&](std::size_t i) {
    if (n[i] < kParallelMin) f(i);
  });
}

// Two phases: every segment's sums first (any NaN/Inf anywhere stops the
// call before a result is written), then the results. The sums wait in the
// scratch area; without one, phase two computes them again.
struct Slot {
  Sums sums;
  double na = 0, nb = 0;
  int swapped = 0;
};

template <class T, class Reduce, class Write>
projection_status each_run(const List<T>& l, Reduce&& reduce, Write&& write) {
  auto* slots = static_cast<Slot*>(scratch(l.count * sizeof(Slot)));
  std::atomic<bool> nonfinite{false};
  each_segment(l.n, l.count, [&](std::size_t i) {
    Slot tmp;
    if (reduce(i, slots ? slots[i] : tmp) != PROJECTION_OK)
      nonfinite.store(true, std::memory_order_relaxed);
  });
  if (nonfinite.load()) return PROJECTION_ERR_NONFINITE;
  each_segment(l.n, l.count, [&](std::size_t i) {
    Slot tmp;
    if (!slots) reduce(i, tmp);
    write(i, slots ? slots[i] : tmp);
  });
  return PROJECTION_OK;
}

template <class T>
projection_status vector_each(VectorOp op, const List<T>& l, T* const* out) {
  std::size_t total;
  if (auto st = check_list(l, out, total)) return st;
  return each_run(
      l,
      [&](std::size_t i, Slot& s) {
        return l.n[i] == 0 ? PROJECTION_OK : gram_sums(segment(l, i), parts_of(op), s.sums);
      },
      [&](std::size_t i, const Slot& s) {
        if (l.n[i] == 0) return;
        output_pass(segment(l, i), out + i, plan_output<T>(op, s.sums, l.n[i]));
      });
}

template <class T>
projection_status vector_list(VectorOp op, const List<T>& l, T* const* out) {
  std::size_t total;
  if (auto st = check_list(l, out, total)) return st;
  return vector_op(op, as_vector(l, total), out);
}

}  // namespace

// ---------------------------------------------------------------- one buffer

template <class T>
projection_status vector_projection(const T* a, const T* b, std::size_t n, T* out) {
  if (auto st = check_vector_args(a, b, n, out)) return st;
  return vector_op(VectorOp::kProjection, one_buffer(a, b, n), &out);
}

template <class T>
projection_status project_out_smaller(const T* a, const T* b, std::size_t n, T* out) {
  if (auto st = check_vector_args(a, b, n, out)) return st;
  return vector_op(VectorOp::kOutSmaller, one_buffer(a, b, n), &out);
}

template <class T>
projection_status alphaless_gradient(const T* noise, const T* model, std::size_t n, T* out) {
  if (auto st = check_vector_args(noise, model, n, out)) return st;
  return vector_op(VectorOp::kAlphaless, one_buffer(noise, model, n), &out);
}

template <class T>
projection_status order_by_norm(const T* a, const T* b, std::size_t n, double ord, int* swapped,
                                double* norm_a, double* norm_b) {
  if (!swapped || (n > 0 && (!a || !b))) return PROJECTION_ERR_NULL;
  if (std::isnan(ord)) return PROJECTION_ERR_ARGUMENT;
  return order_op(one_buffer(a, b, n), ord, swapped, norm_a, norm_b);
}

template <class T>
projection_status equivalent_alpha(const T* noise, const T* model, std::size_t n, double* alpha,
                                   double* scale) {
  if (!alpha || !scale || (n > 0 && (!noise || !model))) return PROJECTION_ERR_NULL;
  return alpha_op(one_buffer(noise, model, n), alpha, scale);
}

// ---------------------------------------------------------------- lists as one vector

template <class T>
projection_status vector_projection_list(const List<T>& l, T* const* out) {
  return vector_list(VectorOp::kProjection, l, out);
}

template <class T>
projection_status project_out_smaller_list(const List<T>& l, T* const* out) {
  return vector_list(VectorOp::kOutSmaller, l, out);
}

template <class T>
projection_status alphaless_gradient_list(const List<T>& l, T* const* out) {
  return vector_list(VectorOp::kAlphaless, l, out);
}

template <class T>
projection_status order_by_norm_list(const List<T>& l, double ord, int* swapped, double* norm_a,
                                     double* norm_b) {
  if (!swapped) return PROJECTION_ERR_NULL;
  std::size_t total;
  if (auto st = check_list_pointers(l, static_cast<T* const*>(nullptr), false, total)) return st;
  if (std::isnan(ord)) return PROJECTION_ERR_ARGUMENT;
  return order_op(as_vector(l, total), ord, swapped, norm_a, norm_b);
}

template <class T>
projection_status equivalent_alpha_list(const List<T>& l, double* alpha, double* scale) {
  if (!alpha || !scale) return PROJECTION_ERR_NULL;
  std::size_t total;
  if (auto st = check_list_pointers(l, static_cast<T* const*>(nullptr), false, total)) return st;
  return alpha_op(as_vector(l, total), alpha, scale);
}

// ---------------------------------------------------------------- each segment alone

template <class T>
projection_status vector_projection_each(const List<T>& l, T* const* out) {
  return vector_each(VectorOp::kProjection, l, out);
}

template <class T>
projection_status project_out_smaller_each(const List<T>& l, T* const* out) {
  return vector_each(VectorOp::kOutSmaller, l, out);
}

template <class T>
projection_status alphaless_gradient_each(const List<T>& l, T* const* out) {
  return vector_each(VectorOp::kAlphaless, l, out);
}

template <class T>
projection_status order_by_norm_each(const List<T>& l, double ord, int* swapped, double* norm_a,
                                     double* norm_b) {
  if (l.count > 0 && !swapped) return PROJECTION_ERR_NULL;
  std::size_t total;
  if (auto st = check_list_pointers(l, static_cast<T* const*>(nullptr), false, total)) return st;
  if (std::isnan(ord)) return PROJECTION_ERR_ARGUMENT;
  return each_run(
      l,
      [&](std::size_t i, Slot& s) {
        return order_op(segment(l, i), ord, &s.swapped, &s.na, &s.nb);
      },
      [&](std::size_t i, const Slot& s) {
        swapped[i] = s.swapped;
        if (norm_a) norm_a[i] = s.na;
        if (norm_b) norm_b[i] = s.nb;
      });
}

template <class T>
projection_status equivalent_alpha_each(const List<T>& l, double* alpha, double* scale) {
  if (l.count > 0 && (!alpha || !scale)) return PROJECTION_ERR_NULL;
  std::size_t total;
  if (auto st = check_list_pointers(l, static_cast<T* const*>(nullptr), false, total)) return st;
  return each_run(
      l,
      [&](std::size_t i, Slot& s) { return gram_sums(segment(l, i), GramParts::kAll, s.sums); },
      [&](std::size_t i, const Slot& s) { alpha_scale(s.sums, alpha + i, scale + i); });
}

#define PROJECTION_INSTANTIATE(T)                                                              \
  template projection_status vector_projection<T>(const T*, const T*, std::size_t, T*);        \
  template projection_status order_by_norm<T>(const T*, const T*, std::size_t, double, int*,   \
                                              double*, double*);                               \
  template projection_status project_out_smaller<T>(const T*, const T*, std::size_t, T*);      \
  template projection_status equivalent_alpha<T>(const T*, const T*, std::size_t, double*,     \
                                                 double*);                                     \
  template projection_status alphaless_gradient<T>(const T*, const T*, std::size_t, T*);       \
  template projection_status vector_projection_list<T>(const List<T>&, T* const*);            \
  template projection_status order_by_norm_list<T>(const List<T>&, double, int*, double*,      \
                                                   double*);                                   \
  template projection_status project_out_smaller_list<T>(const List<T>&, T* const*);          \
  template projection_status equivalent_alpha_list<T>(const List<T>&, double*, double*);       \
  template projection_status alphaless_gradient_list<T>(const List<T>&, T* const*);           \
  template projection_status vector_projection_each<T>(const List<T>&, T* const*);            \
  template projection_status order_by_norm_each<T>(const List<T>&, double, int*, double*,      \
                                                   double*);                                   \
  template projection_status project_out_smaller_each<T>(const List<T>&, T* const*);          \
  template projection_status equivalent_alpha_each<T>(const List<T>&, double*, double*);       \
  template projection_status alphaless_gradient_each<T>(const List<T>&, T* const*);
PROJECTION_INSTANTIATE(float)
PROJECTION_INSTANTIATE(double)
PROJECTION_INSTANTIATE(bf16)
PROJECTION_INSTANTIATE(f16)
#undef PROJECTION_INSTANTIATE

}  // namespace projection::detail
