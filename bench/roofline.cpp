// Roofline kernels: the simplest loops that move a given traffic, as fast as the
// compiler makes them (-O3 -march=native, OpenMP `parallel for simd`). An operation's
// roofline time is the sum of the kernels' times for the passes it cannot avoid.
#include <immintrin.h>

#include <cstddef>

#include "common.hpp"

namespace pbench {

template <class T>
T roofline_read2(const T *a, const T *b, std::size_t n, int threads) {
  T s = 0;
  if (threads <= 1) {
#pragma omp simd reduction(+ : s)
    for (std::size_t i = 0; i < n; ++i) s += a[i] + b[i];
  } else {
#pragma omp parallel for simd reduction(+ : s) num_threads(threads) schedule(static)
    for (std::size_t i = 0; i < n; ++i) s += a[i] + b[i];
  }
  return s;
}

template <class T>
void roofline_read1_write1(const T *a, T *out, std::size_t n, T c, int threads) {
  if (threads <= 1) {
#pragma omp simd
    for (std::size_t i = 0; i < n; ++i) out[i] = c * a[i];
  } else {
#pragma omp parallel for simd num_threads(threads) schedule(static)
    for (std::size_t i = 0; i < n; ++i) out[i] = c * a[i];
  }
}

template <class T>
void roofline_read2_write1(const T *a, const T *b, T *out, std::size_t n, T c, int threads) {
  if (threads <= 1) {
#pragma omp simd
    for (std::size_t i = 0; i < n; ++i) out[i] = a[i] + c * b[i];
  } else {
#pragma omp parallel for simd num_threads(threads) schedule(static)
    for (std::size_t i = 0; i < n; ++i) out[i] = a[i] + c * b[i];
  }
}

// Variants, so that the roofline is the best a simple kernel does, not one compiler's
// luck: the read-two pass as a double-accumulated dot (on some machines faster than the
// plain sum), and the writing passes with streaming (non-temporal) stores, which skip
// the read-for-ownership of the output that ordinary stores cost.
template <class T>
double roofline_read2_dot(const T *a, const T *b, std::size_t n, int threads) {
  double s = 0;
  if (threads <= 1) {
#pragma omp simd reduction(+ : s)
    for (std::size_t i = 0; i < n; ++i) s += double(a[i]) * double(b[i]);
  } else {
#pragma omp parallel for simd reduction(+ : s) num_threads(threads) schedule(static)
    for (std::size_t i = 0; i < n; ++i) s += double(a[i]) * double(b[i]);
  }
  return s;
}

namespace {
#if defined(__AVX512F__)
constexpr std::size_t kBlockBytes = 64;
inline void stream_block(float *p, const float *x, const float *y, float c, bool axpy) {
  __m512 v = _mm512_mul_ps(_mm512_set1_ps(c), _mm512_load_ps(y));
  if (axpy) v = _mm512_add_ps(_mm512_load_ps(x), v);
  _mm512_stream_ps(p, v);
}
inline void stream_block(double *p, const double *x, const double *y, double c, bool axpy) {
  __m512d v = _mm512_mul_pd(_mm512_set1_pd(c), _mm512_load_pd(y));
  if (axpy) v = _mm512_add_pd(_mm512_load_pd(x), v);
  _mm512_stream_pd(p, v);
}
#elif defined(__AVX__)
constexpr std::size_t kBlockBytes = 32;
inline void stream_block(float *p, const float *x, const float *y, float c, bool axpy) {
  __m256 v = _mm256_mul_ps(_mm256_set1_ps(c), _mm256_load_ps(y));
  if (axpy) v = _mm256_add_ps(_mm256_load_ps(x), v);
  _mm256_stream_ps(p, v);
}
inline void stream_block(double *p, const double *x, const double *y, double c, bool axpy) {
  __m256d v = _mm256_mul_pd(_mm256_set1_pd(c), _mm256_load_pd(y));
  if (axpy) v = _mm256_add_pd(_mm256_load_pd(x), v);
  _mm256_stream_pd(p, v);
}
#else
constexpr std::size_t kBlockBytes = 16;
inline void stream_block(float *p, const float *x, const float *y, float c, bool axpy) {
  __m128 v = _mm_mul_ps(_mm_set1_ps(c), _mm_load_ps(y));
  if (axpy) v = _mm_add_ps(_mm_load_ps(x), v);
  _mm_stream_ps(p, v);
}
inline void stream_block(double *p, const double *x, const double *y, double c, bool axpy) {
  __m128d v = _mm_mul_pd(_mm_set1_pd(c), _mm_load_pd(y));
  if (axpy) v = _mm_add_pd(_mm_load_pd(x), v);
  _mm_stream_pd(p, v);
}
#endif

// out = c*y (axpy false) or x + c*y, streaming; the buffers are 64-byte aligned.
template <class T>
void stream_pass(const T *x, const T *y, T *out, std::size_t n, T c, bool axpy, int threads) {
  constexpr std::size_t W = kBlockBytes / sizeof(T);
  const std::size_t blocks = n / W;
  if (threads <= 1) {
    for (std::size_t k = 0; k < blocks; ++k)
      stream_block(out + k * W, axpy ? x + k * W : nullptr, y + k * W, c, axpy);
  } else {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (std::size_t k = 0; k < blocks; ++k)
      stream_block(out + k * W, axpy ? x + k * W : nullptr, y + k * W, c, axpy);
  }
  for (std::size_t i = blocks * W; i < n; ++i) out[i] = axpy ? x[i] + c * y[i] : c * y[i];
  _mm_sfence();
}
}  // namespace

template <class T>
void roofline_read1_write1_stream(const T *a, T *out, std::size_t n, T c, int threads) {
  stream_pass<T>(nullptr, a, out, n, c, false, threads);
}
template <class T>
void roofline_read2_write1_stream(const T *a, const T *b, T *out, std::size_t n, T c, int threads) {
  stream_pass<T>(a, b, out, n, c, true, threads);
}

template double roofline_read2_dot<float>(const float *, const float *, std::size_t, int);
template double roofline_read2_dot<double>(const double *, const double *, std::size_t, int);
template void roofline_read1_write1_stream<float>(const float *, float *, std::size_t, float, int);
template void roofline_read1_write1_stream<double>(const double *, double *, std::size_t, double, int);
template void roofline_read2_write1_stream<float>(const float *, const float *, float *, std::size_t, float, int);
template void roofline_read2_write1_stream<double>(const double *, const double *, double *, std::size_t, double, int);

template float roofline_read2<float>(const float *, const float *, std::size_t, int);
template double roofline_read2<double>(const double *, const double *, std::size_t, int);
template void roofline_read1_write1<float>(const float *, float *, std::size_t, float, int);
template void roofline_read1_write1<double>(const double *, double *, std::size_t, double, int);
template void roofline_read2_write1<float>(const float *, const float *, float *, std::size_t, float, int);
template void roofline_read2_write1<double>(const double *, const double *, double *, std::size_t, double, int);

}  // namespace pbench
