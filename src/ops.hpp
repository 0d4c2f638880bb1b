// The engine: the five operations over raw buffers, templated on the element
// type. Each validates its arguments, reports a projection_status and writes
// nothing unless it succeeds. The C ABI (capi/) forwards to these one-to-one.
#pragma once

#include <cstddef>

#include "projection/projection.h"

namespace projection::detail {

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

}  // namespace projection::detail
