// Shared declarations of the benchmark binary: the five operations as function
// pointers, for the library and for each peer, and the roofline kernels.
#pragma once
#include <cstddef>
#include <string>

namespace pbench {

enum class Op { vector_projection, order_by_norm, project_out_smaller, equivalent_alpha, alphaless_gradient };
inline constexpr Op kOps[] = {Op::vector_projection, Op::order_by_norm, Op::project_out_smaller,
                              Op::equivalent_alpha, Op::alphaless_gradient};

inline const char *op_name(Op op) {
  switch (op) {
    case Op::vector_projection: return "vector_projection";
    case Op::order_by_norm: return "order_by_norm";
    case Op::project_out_smaller: return "project_out_smaller";
    case Op::equivalent_alpha: return "equivalent_alpha";
    case Op::alphaless_gradient: return "alphaless_gradient";
  }
  return "?";
}

// Elements of traffic each operation must move, per element of n (the minimum any
// implementation needs, which is what the throughput figures are normalised to):
//   equivalent_alpha, order_by_norm:        read a, b                      -> 2
//   vector_projection:                      read a, b; read b, write out   -> 4
//   project_out_smaller, alphaless_gradient: read a, b; read a, b, write out -> 5
inline int op_traffic(Op op) {
  switch (op) {
    case Op::equivalent_alpha:
    case Op::order_by_norm: return 2;
    case Op::vector_projection: return 4;
    case Op::project_out_smaller:
    case Op::alphaless_gradient: return 5;
  }
  return 0;
}

// Every implementation (the library and each peer) fills one of these; a function
// returns 0 on success (the library: its projection_status).
template <class T>
struct Impl {
  const char *name;
  int (*vector_projection)(const T *a, const T *b, std::size_t n, T *out);
  int (*order_by_norm)(const T *a, const T *b, std::size_t n, int *swapped, double *na, double *nb);
  int (*project_out_smaller)(const T *a, const T *b, std::size_t n, T *out);
  int (*equivalent_alpha)(const T *g_noise, const T *g_model, std::size_t n, double *alpha,
                          double *scale);
  int (*alphaless_gradient)(const T *g_noise, const T *g_model, std::size_t n, T *out);
  // Whether the implementation spreads over threads (and so is run at all thread counts).
  bool threaded;
  void (*set_threads)(int);
};

template <class T> Impl<T> projection_impl();  // the library, through its C ABI
template <class T> Impl<T> scalar_peer();      // plain loops, double accumulator
template <class T> Impl<T> eigen_peer();       // Eigen 3.4 expressions over Map<>
template <class T> Impl<T> blas_peer();        // OpenBLAS CBLAS level 1

// Roofline kernels: simplest OpenMP loops that move exactly the named traffic.
// threads == 1 runs on the calling thread with no parallel region.
template <class T> T roofline_read2(const T *a, const T *b, std::size_t n, int threads);
template <class T> void roofline_read1_write1(const T *a, T *out, std::size_t n, T c, int threads);
template <class T> void roofline_read2_write1(const T *a, const T *b, T *out, std::size_t n, T c,
                                              int threads);

// Variants (see roofline.cpp); a pass's roofline is its fastest variant.
template <class T> double roofline_read2_dot(const T *a, const T *b, std::size_t n, int threads);
template <class T> void roofline_read1_write1_stream(const T *a, T *out, std::size_t n, T c, int threads);
template <class T> void roofline_read2_write1_stream(const T *a, const T *b, T *out, std::size_t n,
                                                     T c, int threads);

// Accuracy and agreement check of every implementation against a __float128
// reference; writes JSON to `path`. Returns the number of disagreements.
int run_accuracy(const std::string &path);

}  // namespace pbench
