// The peers: what a user would write instead of calling the library, each doing the
// same five operations on the same buffers.
//
//  scalar  plain loops as a user would write them; reductions accumulate in double
//          (also for float input), no pragmas, no intrinsics. GCC does not vectorise
//          an ordered floating-point reduction without -ffast-math, so these run at
//          scalar speed - which is what such code gets.
//  eigen   Eigen 3.4 expressions over Map<>; float input is reduced IN FLOAT
//          (a.dot(b), squaredNorm() and norm() accumulate in the scalar type).
//  blas    OpenBLAS CBLAS level 1 (dot, nrm2, copy, scal, axpy); float input is reduced
//          IN FLOAT by sdot (snrm2 on x86-64 happens to accumulate in double). OpenBLAS
//          threads its level-1 calls itself above ~10k elements; it is run with the same
//          thread count as the library it is compared with.
#include <cblas.h>

#include <Eigen/Core>
#include <cmath>
#include <cstddef>

#include "common.hpp"

namespace pbench {
namespace {

// alpha and scale from the squared norms of noise (nn) and model (mm) and their dot (nm):
// (S, L) = (noise, model) when |noise| <= |model|, k = L.S / S.S, coefficients 1 for L
// and 1 - k for S, scale = their sum, alpha = noise coefficient / scale.
inline void alpha_from(double nn, double mm, double nm, double *alpha, double *scale) {
  const bool swapped = nn > mm;
  const double ss = swapped ? mm : nn;
  const double k = ss == 0 ? 0.0 : nm / ss;
  const double c_noise = swapped ? 1.0 : 1.0 - k;
  const double c_model = swapped ? 1.0 - k : 1.0;
  *scale = c_noise + c_model;
  *alpha = c_noise / *scale;
}

// ------------------------------------------------------------------ scalar loops
template <class T>
int sc_vector_projection(const T *a, const T *b, std::size_t n, T *out) {
  double ab = 0, bb = 0;
  for (std::size_t i = 0; i < n; ++i) {
    ab += double(a[i]) * double(b[i]);
    bb += double(b[i]) * double(b[i]);
  }
  const T c = bb == 0 ? T(0) : T(ab / bb);
  for (std::size_t i = 0; i < n; ++i) out[i] = c * b[i];
  return 0;
}

template <class T>
int sc_order_by_norm(const T *a, const T *b, std::size_t n, int *swapped, double *na, double *nb) {
  double aa = 0, bb = 0;
  for (std::size_t i = 0; i < n; ++i) {
    aa += double(a[i]) * double(a[i]);
    bb += double(b[i]) * double(b[i]);
  }
  *na = std::sqrt(aa);
  *nb = std::sqrt(bb);
  *swapped = *na > *nb;
  return 0;
}

template <class T>
void sc_sums(const T *a, const T *b, std::size_t n, double &aa, double &bb, double &ab) {
  aa = 0, bb = 0, ab = 0;
  for (std::size_t i = 0; i < n; ++i) {
    aa += double(a[i]) * double(a[i]);
    bb += double(b[i]) * double(b[i]);
    ab += double(a[i]) * double(b[i]);
  }
}

template <class T>
int sc_project_out_smaller(const T *a, const T *b, std::size_t n, T *out) {
  double aa, bb, ab;
  sc_sums(a, b, n, aa, bb, ab);
  const bool sw = aa > bb;
  const T *S = sw ? b : a, *L = sw ? a : b;
  const double ss = sw ? bb : aa;
  const T k = ss == 0 ? T(0) : T(ab / ss);
  for (std::size_t i = 0; i < n; ++i) out[i] = L[i] - k * S[i];
  return 0;
}

template <class T>
int sc_equivalent_alpha(const T *g_noise, const T *g_model, std::size_t n, double *alpha,
                        double *scale) {
  double nn, mm, nm;
  sc_sums(g_noise, g_model, n, nn, mm, nm);
  alpha_from(nn, mm, nm, alpha, scale);
  return 0;
}

template <class T>
int sc_alphaless_gradient(const T *g_noise, const T *g_model, std::size_t n, T *out) {
  double nn, mm, nm;
  sc_sums(g_noise, g_model, n, nn, mm, nm);
  const bool sw = nn > mm;
  const T *S = sw ? g_model : g_noise, *L = sw ? g_noise : g_model;
  const double ss = sw ? mm : nn;
  const T c = T(1.0 - (ss == 0 ? 0.0 : nm / ss));
  for (std::size_t i = 0; i < n; ++i) out[i] = L[i] + c * S[i];
  return 0;
}

void no_threads(int) {}

// ------------------------------------------------------------------ Eigen
template <class T> using CVec = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>>;
template <class T> using Vec = Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, 1>>;
inline Eigen::Index ei(std::size_t n) { return static_cast<Eigen::Index>(n); }

template <class T>
int eg_vector_projection(const T *a, const T *b, std::size_t n, T *out) {
  CVec<T> A(a, ei(n)), B(b, ei(n));
  Vec<T> O(out, ei(n));
  const T bb = B.squaredNorm();
  const T c = bb == 0 ? T(0) : A.dot(B) / bb;
  O.noalias() = c * B;
  return 0;
}

template <class T>
int eg_order_by_norm(const T *a, const T *b, std::size_t n, int *swapped, double *na, double *nb) {
  CVec<T> A(a, ei(n)), B(b, ei(n));
  *na = A.norm();
  *nb = B.norm();
  *swapped = *na > *nb;
  return 0;
}

template <class T>
int eg_project_out_smaller(const T *a, const T *b, std::size_t n, T *out) {
  CVec<T> A(a, ei(n)), B(b, ei(n));
  Vec<T> O(out, ei(n));
  const T aa = A.squaredNorm(), bb = B.squaredNorm();
  const bool sw = aa > bb;
  const T ss = sw ? bb : aa;
  const T k = ss == 0 ? T(0) : A.dot(B) / ss;
  if (sw) O.noalias() = A - k * B;
  else O.noalias() = B - k * A;
  return 0;
}

template <class T>
int eg_equivalent_alpha(const T *g_noise, const T *g_model, std::size_t n, double *alpha,
                        double *scale) {
  CVec<T> N(g_noise, ei(n)), M(g_model, ei(n));
  alpha_from(N.squaredNorm(), M.squaredNorm(), N.dot(M), alpha, scale);
  return 0;
}

template <class T>
int eg_alphaless_gradient(const T *g_noise, const T *g_model, std::size_t n, T *out) {
  CVec<T> N(g_noise, ei(n)), M(g_model, ei(n));
  Vec<T> O(out, ei(n));
  const T nn = N.squaredNorm(), mm = M.squaredNorm();
  const bool sw = nn > mm;
  const T ss = sw ? mm : nn;
  const T c = T(1) - (ss == 0 ? T(0) : N.dot(M) / ss);
  if (sw) O.noalias() = N + c * M;
  else O.noalias() = M + c * N;
  return 0;
}

// ------------------------------------------------------------------ OpenBLAS
inline blasint bi(std::size_t n) { return static_cast<blasint>(n); }
inline float dot(const float *x, const float *y, std::size_t n) { return cblas_sdot(bi(n), x, 1, y, 1); }
inline double dot(const double *x, const double *y, std::size_t n) { return cblas_ddot(bi(n), x, 1, y, 1); }
inline float nrm2(const float *x, std::size_t n) { return cblas_snrm2(bi(n), x, 1); }
inline double nrm2(const double *x, std::size_t n) { return cblas_dnrm2(bi(n), x, 1); }
inline void copy(const float *x, float *y, std::size_t n) { cblas_scopy(bi(n), x, 1, y, 1); }
inline void copy(const double *x, double *y, std::size_t n) { cblas_dcopy(bi(n), x, 1, y, 1); }
inline void scal(float c, float *x, std::size_t n) { cblas_sscal(bi(n), c, x, 1); }
inline void scal(double c, double *x, std::size_t n) { cblas_dscal(bi(n), c, x, 1); }
inline void axpy(float c, const float *x, float *y, std::size_t n) { cblas_saxpy(bi(n), c, x, 1, y, 1); }
inline void axpy(double c, const double *x, double *y, std::size_t n) { cblas_daxpy(bi(n), c, x, 1, y, 1); }

template <class T>
int bl_vector_projection(const T *a, const T *b, std::size_t n, T *out) {
  const T bb = dot(b, b, n);
  const T c = bb == 0 ? T(0) : dot(a, b, n) / bb;
  copy(b, out, n);
  scal(c, out, n);
  return 0;
}

template <class T>
int bl_order_by_norm(const T *a, const T *b, std::size_t n, int *swapped, double *na, double *nb) {
  *na = nrm2(a, n);
  *nb = nrm2(b, n);
  *swapped = *na > *nb;
  return 0;
}

template <class T>
int bl_project_out_smaller(const T *a, const T *b, std::size_t n, T *out) {
  const T aa = dot(a, a, n), bb = dot(b, b, n);
  const bool sw = aa > bb;
  const T *S = sw ? b : a, *L = sw ? a : b;
  const T ss = sw ? bb : aa;
  const T k = ss == 0 ? T(0) : dot(a, b, n) / ss;
  copy(L, out, n);
  axpy(-k, S, out, n);
  return 0;
}

template <class T>
int bl_equivalent_alpha(const T *g_noise, const T *g_model, std::size_t n, double *alpha,
                        double *scale) {
  alpha_from(dot(g_noise, g_noise, n), dot(g_model, g_model, n), dot(g_noise, g_model, n), alpha,
             scale);
  return 0;
}

template <class T>
int bl_alphaless_gradient(const T *g_noise, const T *g_model, std::size_t n, T *out) {
  const T nn = dot(g_noise, g_noise, n), mm = dot(g_model, g_model, n);
  const bool sw = nn > mm;
  const T *S = sw ? g_model : g_noise, *L = sw ? g_noise : g_model;
  const T ss = sw ? mm : nn;
  const T c = T(1) - (ss == 0 ? T(0) : dot(g_noise, g_model, n) / ss);
  copy(L, out, n);
  axpy(c, S, out, n);
  return 0;
}

void blas_threads(int n) { openblas_set_num_threads(n); }

}  // namespace

template <class T> Impl<T> scalar_peer() {
  return {"scalar", sc_vector_projection<T>, sc_order_by_norm<T>, sc_project_out_smaller<T>,
          sc_equivalent_alpha<T>, sc_alphaless_gradient<T>, false, no_threads};
}
template <class T> Impl<T> eigen_peer() {
  return {"eigen", eg_vector_projection<T>, eg_order_by_norm<T>, eg_project_out_smaller<T>,
          eg_equivalent_alpha<T>, eg_alphaless_gradient<T>, false, no_threads};
}
template <class T> Impl<T> blas_peer() {
  return {"openblas", bl_vector_projection<T>, bl_order_by_norm<T>, bl_project_out_smaller<T>,
          bl_equivalent_alpha<T>, bl_alphaless_gradient<T>, true, blas_threads};
}

template Impl<float> scalar_peer<float>();
template Impl<double> scalar_peer<double>();
template Impl<float> eigen_peer<float>();
template Impl<double> eigen_peer<double>();
template Impl<float> blas_peer<float>();
template Impl<double> blas_peer<double>();

}  // namespace pbench
