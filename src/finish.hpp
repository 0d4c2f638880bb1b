// From the sums to the results: the scalar algebra (in Wide, so the same bits on
// every CPU) and the elementwise output pass. Shared by the operations on one
// buffer, on lists, and by the partials' finishing calls, so that all of them
// compute every result from the same sums in the same way.
#pragma once

#include <cstddef>

#include "kernels.hpp"
#include "reduce.hpp"

namespace projection::detail {

enum class VectorOp { kProjection, kOutSmaller, kAlphaless };

// The sums each vector operation needs.
constexpr GramParts parts_of(VectorOp op) {
  return op == VectorOp::kProjection ? GramParts::kOntoB : GramParts::kAll;
}

// out = x + c*y (with_x) or c*y, with x and y each a or b.
struct OutputPlan {
  Coeffs co;
  bool with_x;
  bool y_is_b;
};

template <class T>
OutputPlan plan_output(VectorOp op, const Sums& s, std::size_t n);

// Writes out over the whole of s (segment i into out[i]), threads by n.
template <class T>
void output_pass(const Segments<T>& s, T* const* out, const OutputPlan& p);

// The 2-norms and their order; alpha and scale.
void norms2(const Sums& s, int* swapped, double* norm_a, double* norm_b);
void alpha_scale(const Sums& s, double* alpha, double* scale);

}  // namespace projection::detail
