// The engine: the five operations over one buffer, a list of segments as one
// vector (_list_) and each segment alone (_each_), templated on the element
// type. Each validates its arguments, reports a projection_status and writes
// nothing unless it succeeds. The C ABI (capi/) forwards to these one-to-one.
#pragma once

#include <cstddef>

#include "projection/projection.h"

namespace projection::detail {

// ---------------------------------------------------------------- one buffer

template <class T>
projection_status vector_projection(const T* a, const T* b, std::size_t n, T* out);

template <class T>
projection_status order_by_norm(const T* a, const T* b, std::size_t n, double ord, int* swapped,
                                double* norm_a, double* norm_b);

template <class T>
projection_status project_out_smaller(const T* a, const T* b, std::size_t n, T* out);

template <class T>
projection_status equivalent_alpha(const T* noise, const T* model, std::size_t n, double* alpha,
                                   double* scale);

template <class T>
projection_status alphaless_gradient(const T* noise, const T* model, std::size_t n, T* out);

// ---------------------------------------------------------------- lists

template <class T>
struct List {
  const T* const* a;
  const T* const* b;
  const std::size_t* n;
  std::size_t count;
};

// As one vector.
template <class T>
projection_status vector_projection_list(const List<T>& l, T* const* out);
template <class T>
projection_status order_by_norm_list(const List<T>& l, double ord, int* swapped, double* norm_a,
                                     double* norm_b);
template <class T>
projection_status project_out_smaller_list(const List<T>& l, T* const* out);
template <class T>
projection_status equivalent_alpha_list(const List<T>& l, double* alpha, double* scale);
template <class T>
projection_status alphaless_gradient_list(const List<T>& l, T* const* out);

// Each segment alone; the scalar results are arrays of l.count.
template <class T>
projection_status vector_projection_each(const List<T>& l, T* const* out);
template <class T>
projection_status order_by_norm_each(const List<T>& l, double ord, int* swapped, double* norm_a,
                                     double* norm_b);
template <class T>
projection_status project_out_smaller_each(const List<T>& l, T* const* out);
template <class T>
projection_status equivalent_alpha_each(const List<T>& l, double* alpha, double* scale);
template <class T>
projection_status alphaless_gradient_each(const List<T>& l, T* const* out);

}  // namespace projection::detail
