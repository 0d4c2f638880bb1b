// Kernel interface: what each per-instruction-set translation unit provides.
//
// Reductions work on the blocks of the *global* index space (kBlock elements,
// see projection.h): element g of the vector goes to lane g mod kLanes of its
// block's kLanes double accumulators, and a block's lanes are added in one
// fixed tree (step s = 16, 8, 4, 2, 1: lane j += lane j + s). Every instruction
// set makes exactly these additions, in this order; with exact products (float,
// bf16 and f16 data, whose products are exact in double) the block sums are
// therefore bitwise the same on every instruction set. A block may arrive in
// pieces (list segments, shards): its lanes then wait in memory (GramLanes)
// between pieces, so the pieces add up to exactly what one buffer would give.
#pragma once

#include <cstddef>

#include "projection/projection.h"

namespace projection::detail {

inline constexpr std::size_t kLanes = 32;
inline constexpr std::size_t kBlock = PROJECTION_BLOCK;
static_assert(kBlock % kLanes == 0, "a block is a whole number of lane groups");

using bf16 = projection_bf16;
using f16 = projection_f16;

// Sums of a*a, b*b and a*b over a block.
struct Gram {
  double aa, bb, ab;
};

// Which of the Gram sums a caller needs: each one left out saves an FMA per
// element, which matters in cache. Sums left out are 0; the ones computed are
// bitwise the same whichever variant computes them.
enum class GramParts { kAll, kSquares /* aa, bb */, kOntoB /* ab, bb */, kCount };
constexpr bool has_aa(GramParts p) { return p != GramParts::kOntoB; }
constexpr bool has_ab(GramParts p) { return p != GramParts::kSquares; }
constexpr int kGramVariants = static_cast<int>(GramParts::kCount);

// The lanes of a block in progress.
struct GramLanes {
  alignas(64) double aa[kLanes], bb[kLanes], ab[kLanes];
};

// Per-block statistics for norms other than the 2-norm.
struct AbsStats {
  double sum;        // sum |x|
  double max;        // max |x| (meaningful only when nonfinite == 0)
  double min;        // min |x| (+inf for no element)
  double nonzero;    // count of x != 0
  double nonfinite;  // sum of (x - x): 0 when every x is finite, NaN otherwise
};
struct AbsLanes {
  alignas(64) double sum[kLanes], max[kLanes], min[kLanes], nonzero[kLanes], nonfinite[kLanes];
};

// Elementwise output: out = x + c*(y*qy*qy2) for axpy, c*(y*qy*qy2) for scale,
// computed in double (one fused multiply-add where the CPU has one, an exact
// split of c where it has not and the output is 16-bit) and rounded once to the
// output type. qy and qy2 are powers of two (exact), 1 unless c alone would
// leave the range of double.
struct Coeffs {
  double c;
  double qy = 1, qy2 = 1;
  bool stream = false;  // non-temporal stores: the output will not be re-read soon
  bool narrow = false;  // c within float's normal range: float and 16-bit data may compute in float
};

template <class T>
struct TypedKernels {
  // Block sums of whole blocks: a[0..n) starts a block; block j is
  // [j kBlock, (j+1) kBlock) and the last may be short. Writes ceil(n / kBlock)
  // results to out. Same bits as gram_piece over the same elements.
  void (*gram_blocks[kGramVariants])(const T* a, const T* b, std::size_t n, Gram* out);
  // Adds a[0..m), b[0..m) to the lanes of a block in progress, a[0] going to
  // lane `lane0`. With `close`, also returns the block's sums (else zeros).
  Gram (*gram_piece[kGramVariants])(const T* a, const T* b, std::size_t m, std::size_t lane0,
                                    GramLanes& lanes, bool close);
  AbsStats (*abs_piece)(const T* x, std::size_t m, std::size_t lane0, AbsLanes& lanes,
                        bool close);
  void (*scale)(const T* y, std::size_t n, T* out, const Coeffs& c);
  void (*axpy)(const T* x, const T* y, std::size_t n, T* out, const Coeffs& c);
};

struct KernelTable {
  const char* name;  // the instruction set, e.g. "avx512bw", "neon64", "generic"
  TypedKernels<float> f32;
  TypedKernels<double> f64;
  TypedKernels<bf16> bf;
  TypedKernels<f16> h;

  template <class T>
  const TypedKernels<T>& of() const;
};
template <> inline const TypedKernels<float>& KernelTable::of<float>() const { return f32; }
template <> inline const TypedKernels<double>& KernelTable::of<double>() const { return f64; }
template <> inline const TypedKernels<bf16>& KernelTable::of<bf16>() const { return bf; }
template <> inline const TypedKernels<f16>& KernelTable::of<f16>() const { return h; }

// The instruction sets, as tags; kernel_table<Tag>() is defined in kernels_impl.hpp
// and instantiated once per instruction set in kernels_<arch>.cpp, compiled with
// that instruction set's flags. Only the ones this target can run are built.
struct arch_generic {};
struct arch_sse2 {};
struct arch_avx2 {};
struct arch_avx512 {};
struct arch_neon64 {};

template <class Arch>
const KernelTable& kernel_table();

extern template const KernelTable& kernel_table<arch_generic>();
#if defined(__x86_64__)
extern template const KernelTable& kernel_table<arch_avx512>();
extern template const KernelTable& kernel_table<arch_avx2>();
extern template const KernelTable& kernel_table<arch_sse2>();
#elif defined(__aarch64__)
extern template const KernelTable& kernel_table<arch_neon64>();
#endif

}  // namespace projection::detail
