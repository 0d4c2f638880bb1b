// Partials of shards across processes (projection.h, section 5): the exact sums
// of reduce.hpp in the fixed bytes of a projection_partials.
#pragma once

#include <cstddef>
#include <cstdint>

#include "finish.hpp"
#include "projection/projection.h"

namespace projection::detail {

void partials_init(projection_partials* p);

template <class T>
projection_status partials_add(projection_partials* p, const T* a, const T* b, std::size_t n,
                               std::uint64_t offset);

projection_status partials_merge(projection_partials* into, const projection_partials* from);

projection_status partials_order_by_norm(const projection_partials* p, int* swapped,
                                         double* norm_a, double* norm_b);

projection_status partials_equivalent_alpha(const projection_partials* p, double* alpha,
                                            double* scale);

template <class T>
projection_status partials_vector_op(VectorOp op, const projection_partials* p, const T* a,
                                     const T* b, std::size_t n, T* out);

}  // namespace projection::detail
