// Partial sums of shards: the exact totals of reduce.hpp, packed into the fixed
// bytes of a projection_partials with a magic, a layout version and a checksum,
// so that a struct that travelled between processes is checked before use.
#include "partials.hpp"

#include <cstring>
#include <initializer_list>
#include <type_traits>

#include "finish.hpp"
#include "reduce.hpp"

namespace projection::detail {
namespace {

constexpr std::uint32_t kMagic = 0x504a5031;  // "PJP1"
constexpr std::uint32_t kLayout = 1;
constexpr std::uint32_t kFlagNonfinite = 1;

using Digits = std::uint32_t[ExactSum::kDigits];

// The bytes of a projection_partials (native byte order).
struct Layout {
  std::uint32_t magic, layout, flags, reserved;
  std::uint64_t elements;  // elements added, all shards together (informative)
  std::uint64_t checksum;  // of every other byte of the struct
  Digits aa, bb, ab;       // ExactSum canonical digits
};
static_assert(sizeof(Layout) <= sizeof(projection_partials), "the layout fits the ABI size");
static_assert(std::is_trivially_copyable_v<Layout>);
constexpr std::size_t kChecksumWord = offsetof(Layout, checksum) / 8;

// A multiply-xorshift hash of every word but the checksum's own, in four
// interleaved streams (independent chains: a fraction of a microsecond).
std::uint64_t checksum(const projection_partials& p) {
  std::uint64_t h[4] = {0x243f6a8885a308d3u, 0x13198a2e03707344u, 0xa4093822299f31d0u,
                        0x082efa98ec4e6c89u};
  constexpr std::size_t kWords = PROJECTION_PARTIALS_SIZE / 8;
  static_assert(kWords % 4 == 0);
  for (std::size_t i = 0; i < kWords; i += 4)
    for (std::size_t j = 0; j < 4; ++j) {
      const std::uint64_t w = i + j == kChecksumWord ? 0 : p.opaque_[i + j];
      h[j] = (h[j] ^ w) * 0x9e3779b97f4a7c15u;
      h[j] ^= h[j] >> 29;
    }
  return ((h[0] * 31 + h[1]) * 31 + h[2]) * 31 + h[3];
}

bool top_negative(const Digits& d) { return d[ExactSum::kDigits - 1] >> 31; }

// Unpacks a valid struct; false for one that is not.
bool unpack(const projection_partials& p, GramTotals& t, std::uint64_t& elements) {
  Layout l;
  std::memcpy(&l, &p, sizeof l);
  if (l.magic != kMagic || l.layout != kLayout || l.reserved != 0 || (l.flags & ~kFlagNonfinite))
    return false;
  if (l.checksum != checksum(p)) return false;
  for (std::size_t i = sizeof l; i < sizeof p; ++i)
    if (reinterpret_cast<const unsigned char*>(&p)[i] != 0) return false;
  if (top_negative(l.aa) || top_negative(l.bb)) return false;  // sums of squares
  t.aa.load(l.aa);
  t.bb.load(l.bb);
  t.ab.load(l.ab);
  t.nonfinite = l.flags & kFlagNonfinite;
  elements = l.elements;
  return true;
}

void pack(const GramTotals& t, std::uint64_t elements, projection_partials& p) {
  Layout l{};
  l.magic = kMagic;
  l.layout = kLayout;
  l.flags = t.nonfinite ? kFlagNonfinite : 0;
  l.elements = elements;
  t.aa.store(l.aa);
  t.bb.store(l.bb);
  t.ab.store(l.ab);
  std::memset(&p, 0, sizeof p);
  std::memcpy(&p, &l, sizeof l);
  l.checksum = checksum(p);
  std::memcpy(&p, &l, sizeof l);
}

bool overlapping(const void* x, const void* y, std::size_t bytes) {
  const auto a = reinterpret_cast<std::uintptr_t>(x), b = reinterpret_cast<std::uintptr_t>(y);
  return a < b + bytes && b < a + bytes;
}

// Unpacked and checked: the sums, or the status a finishing call returns.
projection_status finished(const projection_partials* p, Sums& sums) {
  GramTotals t;
  std::uint64_t elements;
  if (!unpack(*p, t, elements)) return PROJECTION_ERR_PARTIALS;
  if (t.nonfinite) return PROJECTION_ERR_NONFINITE;
  sums = finish(t);
  return PROJECTION_OK;
}

}  // namespace

void partials_init(projection_partials* p) {
  if (p) pack(GramTotals{}, 0, *p);
}

template <class T>
projection_status partials_add(projection_partials* p, const T* a, const T* b, std::size_t n,
                               std::uint64_t offset) {
  if (!p || (n > 0 && (!a || !b))) return PROJECTION_ERR_NULL;
  if (offset > UINT64_MAX - n) return PROJECTION_ERR_ARGUMENT;
  GramTotals t;
  std::uint64_t elements;
  if (!unpack(*p, t, elements)) return PROJECTION_ERR_PARTIALS;
  // The sums depend only on where the shard sits within a block (blocks and lanes are
  // by global index, both periodic in PROJECTION_BLOCK), so reduce it at offset mod
  // PROJECTION_BLOCK: the same bits, and no block end beyond 2^64 - 1 to wrap around
  // (a shard reaching the last block of the 64-bit index space lost it).
  const Segments<T> s{&a, &b, &n, 1, n, offset % PROJECTION_BLOCK};
  t.add(reduce_gram(s, GramParts::kAll));
  pack(t, elements + n, *p);
  return PROJECTION_OK;
}

projection_status partials_merge(projection_partials* into, const projection_partials* from) {
  if (!into || !from) return PROJECTION_ERR_NULL;
  if (overlapping(into, from, sizeof *into)) return PROJECTION_ERR_OVERLAP;
  GramTotals t, u;
  std::uint64_t et, eu;
  if (!unpack(*into, t, et) || !unpack(*from, u, eu)) return PROJECTION_ERR_PARTIALS;
  t.add(u);
  pack(t, et + eu, *into);
  return PROJECTION_OK;
}

projection_status partials_order_by_norm(const projection_partials* p, int* swapped,
                                         double* norm_a, double* norm_b) {
  if (!p || !swapped) return PROJECTION_ERR_NULL;
  Sums sums;
  if (auto st = finished(p, sums)) return st;
  norms2(sums, swapped, norm_a, norm_b);
  return PROJECTION_OK;
}

projection_status partials_equivalent_alpha(const projection_partials* p, double* alpha,
                                            double* scale) {
  if (!p || !alpha || !scale) return PROJECTION_ERR_NULL;
  Sums sums;
  if (auto st = finished(p, sums)) return st;
  alpha_scale(sums, alpha, scale);
  return PROJECTION_OK;
}

template <class T>
projection_status partials_vector_op(VectorOp op, const projection_partials* p, const T* a,
                                     const T* b, std::size_t n, T* out) {
  if (!p || (n > 0 && (!a || !b || !out))) return PROJECTION_ERR_NULL;
  if (n > 0) {
    const auto o = reinterpret_cast<std::uintptr_t>(out);
    for (const T* in : {a, b}) {
      const auto i = reinterpret_cast<std::uintptr_t>(in);
      if (out != in && o < i + n * sizeof(T) && i < o + n * sizeof(T)) return PROJECTION_ERR_OVERLAP;
    }
  }
  Sums sums;
  if (auto st = finished(p, sums)) return st;
  if (n == 0) return PROJECTION_OK;
  // The coefficient comes from the global sums; the output pass is the single
  // call's, over the local shard.
  const Segments<T> s{&a, &b, &n, 1, n, 0};
  output_pass(s, &out, plan_output<T>(op, sums, n));
  return PROJECTION_OK;
}

#define PROJECTION_INSTANTIATE(T)                                                              \
  template projection_status partials_add<T>(projection_partials*, const T*, const T*,          \
                                             std::size_t, std::uint64_t);                       \
  template projection_status partials_vector_op<T>(VectorOp, const projection_partials*,        \
                                                   const T*, const T*, std::size_t, T*);
PROJECTION_INSTANTIATE(float)
PROJECTION_INSTANTIATE(double)
PROJECTION_INSTANTIATE(bf16)
PROJECTION_INSTANTIATE(f16)
#undef PROJECTION_INSTANTIATE

}  // namespace projection::detail
