// Kernel interface: what each per-instruction-set translation unit provides.
//
// A kernel works on one contiguous chunk of at most a few hundred thousand
// elements. Reductions spread element i of the chunk over kLanes logical
// double accumulators (lane i mod kLanes) and add the lanes up in one fixed
// tree, the same on every instruction set; with exact float products this
// makes float results identical on SSE2, AVX2 and AVX-512.
#pragma once

#include <cstddef>

#include <xsimd/xsimd.hpp>

namespace projection::detail {

inline constexpr std::size_t kLanes = 32;

using arch_list = xsimd::arch_list<xsimd::avx512bw, xsimd::fma3<xsimd::avx2>, xsimd::sse2>;

// Sums of a*a, b*b and a*b over a chunk.
struct Gram {
  double aa, bb, ab;
};

// Which of the Gram sums a caller needs: each one left out saves an FMA per
// element, which matters in cache. Sums left out are 0; the ones computed are
// bitwise the same whichever variant computes them.
enum class GramParts { kAll, kSquares /* aa, bb */, kOntoB /* ab, bb */, kCount };
constexpr bool has_aa(GramParts p) { return p != GramParts::kOntoB; }
constexpr bool has_ab(GramParts p) { return p != GramParts::kSquares; }

// Per-buffer statistics for norms other than the 2-norm and for rescaling.
struct AbsStats {
  double sum;        // sum |x|
  double max;        // max |x| (meaningful only when nonfinite == 0)
  double min;        // min |x| (+inf for an empty chunk)
  double nonzero;    // count of x != 0
  double nonfinite;  // sum of (x - x): 0 when every x is finite, NaN otherwise
};

// Elementwise output: out = x + c*(y*qy*qy2) for axpy, c*(y*qy*qy2) for scale,
// with one fused multiply-add where the CPU has it. qy and qy2 are powers of two
// (exact), 1 unless c alone would leave the range of double.
struct Coeffs {
  double c;
  double qy = 1, qy2 = 1;
  bool stream = false;  // non-temporal stores: the output will not be re-read soon
  bool narrow = false;  // compute in the element type (float data, c within float range)
};

template <class T>
struct TypedKernels {
  Gram (*gram[static_cast<int>(GramParts::kCount)])(const T* a, const T* b, std::size_t n);
  AbsStats (*abs_stats)(const T* x, std::size_t n);
  void (*scale)(const T* y, std::size_t n, T* out, const Coeffs& c);
  void (*axpy)(const T* x, const T* y, std::size_t n, T* out, const Coeffs& c);
};

struct KernelTable {
  const char* name;  // xsimd's name of the instruction set, e.g. "avx512bw"
  TypedKernels<float> f32;
  TypedKernels<double> f64;

  template <class T>
  const TypedKernels<T>& of() const {
    if constexpr (sizeof(T) == sizeof(float)) return f32; else return f64;
  }
};

// Defined in kernels_impl.hpp, instantiated once per instruction set in
// kernels_<arch>.cpp with that instruction set's compiler flags.
template <class Arch>
const KernelTable& kernel_table();

extern template const KernelTable& kernel_table<xsimd::avx512bw>();
extern template const KernelTable& kernel_table<xsimd::fma3<xsimd::avx2>>();
extern template const KernelTable& kernel_table<xsimd::sse2>();

}  // namespace projection::detail
