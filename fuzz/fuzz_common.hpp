// Shared machinery of the libFuzzer targets (issue 5, "Reliability"; the 16-bit
// types, lists and partials of version 1.1: issues 10 and 11).
//
// Each target decodes its input into: the element type (f32, f64, bf16, f16:
// bits 0 and 2 of the first byte), n, the element values (NaN in every
// encoding, +-Inf, subnormals, values at and near the type's largest, -0.0
// strongly represented), how the
// buffers alias or overlap, NULL pointers, the norm order and the thread
// count. It then calls the C entry point and checks:
//   * the status is exactly the one the contract gives (errors are checked in
//     the order NULL, ARGUMENT, OVERLAP, NONFINITE);
//   * on error, nothing was written: every buffer and result slot is
//     byte-identical to before the call;
//   * on success, nothing but `out` was written, and the results agree with a
//     `long double` reference within a sound error bound (see tolerance notes
//     next to each check; bf16 and f16 outputs within 1 ulp of the exact
//     x + c*y for the library's coefficient, and +-inf exactly where that
//     value rounds beyond the type's largest);
//   * determinism: the same inputs copied to buffers of another alignment, run
//     out of place with another thread count, give bitwise the same results.
// Any violation prints a diagnosis and aborts, which libFuzzer reports as a
// crash (and so do ASan and UBSan for memory errors and undefined behaviour).
#pragma once

#include <projection/projection.h>

#include <cfloat>
#include <cinttypes>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

// The harness's own per-element loops (reference, checks) need no coverage
// feedback; uninstrumented they run several times faster.
#if defined(__clang__)
#define PFUZZ_NOCOV __attribute__((no_sanitize("coverage")))
#else
#define PFUZZ_NOCOV
#endif

namespace pfuzz {

using ld = long double;

[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "\n*** projection fuzz check failed: %s\n", what);
  std::fflush(stderr);
  std::abort();
}

#define PFUZZ_CHECK(cond, ...)                                                    \
  do {                                                                            \
    if (!(cond)) {                                                                \
      std::fprintf(stderr, "\n*** %s:%d: check `%s` failed: ", __FILE__, __LINE__, \
                   #cond);                                                        \
      std::fprintf(stderr, __VA_ARGS__);                                          \
      std::fprintf(stderr, "\n");                                                 \
      std::fflush(stderr);                                                        \
      std::abort();                                                               \
    }                                                                             \
  } while (0)

// ------------------------------------------------------------ statistics
// With PFUZZ_STATS=1 in the environment, counts of what the inputs exercised
// (say, each function's statuses) are printed when the process exits: a check
// that the decoders reach every case. Off by default (no cost but a branch).
struct Stats {
  std::vector<std::pair<std::string, unsigned long>> counts;
  ~Stats() {
    for (auto& [k, v] : counts) std::fprintf(stderr, "pfuzz-stat %-48s %lu\n", k.c_str(), v);
  }
};
inline void stat(const std::string& key) {
  static const bool on = std::getenv("PFUZZ_STATS") != nullptr;
  if (!on) return;
  static Stats st;
  for (auto& [k, v] : st.counts)
    if (k == key) return (void)++v;
  st.counts.emplace_back(key, 1);
}

// ------------------------------------------------------------ input reader
// Reads the fuzz input front to back; past the end it yields zeros, so every
// input, however short, decodes to something.
class Reader {
 public:
  Reader(const uint8_t* d, size_t n) : d_(d), n_(n) {}
  uint8_t byte() { return pos_ < n_ ? d_[pos_++] : 0; }
  template <class U>
  U raw() {
    unsigned char buf[sizeof(U)] = {};
    for (size_t i = 0; i < sizeof(U); ++i) buf[i] = byte();
    U u;
    std::memcpy(&u, buf, sizeof(U));
    return u;
  }
  bool done() const { return pos_ >= n_; }

 private:
  const uint8_t* d_;
  size_t n_;
  size_t pos_ = 0;
};

// ------------------------------------------------------------ element types
// float, double, and bfloat16 / IEEE binary16 as raw bit patterns. The harness
// decodes the 16-bit types itself, independently of the library, into long
// double (which holds every value of all four types exactly).
using bf16 = projection_bf16;
using f16 = projection_f16;

template <class T>
inline constexpr bool is_half_v = std::is_same_v<T, bf16> || std::is_same_v<T, f16>;

template <class H>
struct HalfFormat;
template <>
struct HalfFormat<bf16> {
  static constexpr int kExp = 8, kFrac = 7;
};
template <>
struct HalfFormat<f16> {
  static constexpr int kExp = 5, kFrac = 10;
};

template <class H>
constexpr int half_bias() {
  return (1 << (HalfFormat<H>::kExp - 1)) - 1;
}
template <class H>
constexpr uint16_t half_exp_mask() {
  return uint16_t(((1u << HalfFormat<H>::kExp) - 1) << HalfFormat<H>::kFrac);
}
template <class H>
constexpr uint16_t half_frac_mask() {
  return uint16_t((1u << HalfFormat<H>::kFrac) - 1);
}
template <class H>
bool half_finite(H h) {
  return (h.bits & half_exp_mask<H>()) != half_exp_mask<H>();
}
template <class H>
ld half_value(H h) {
  constexpr int F = HalfFormat<H>::kFrac;
  const int e = (h.bits & half_exp_mask<H>()) >> F, f = h.bits & half_frac_mask<H>();
  const ld sign = (h.bits & 0x8000) ? -1 : 1;
  if ((h.bits & half_exp_mask<H>()) == half_exp_mask<H>())
    return f ? std::numeric_limits<ld>::quiet_NaN() : sign * HUGE_VALL;
  if (e == 0) return sign * std::ldexp((ld)f, 1 - half_bias<H>() - F);
  return sign * std::ldexp((ld)(f + (1 << F)), e - half_bias<H>() - F);
}
// The spacing of the format's values at magnitude |x| (the subnormal spacing
// below the normal range, the top binade's spacing beyond the largest value).
template <class H>
ld half_ulp(ld x) {
  constexpr int F = HalfFormat<H>::kFrac;
  const int min_exp = 1 - half_bias<H>(), max_exp = half_bias<H>();
  x = std::fabs(x);
  int e = (x == 0 || !std::isfinite(x)) ? min_exp : (int)std::ilogb(x);
  e = e < min_exp ? min_exp : e > max_exp ? max_exp : e;
  return std::ldexp((ld)1, e - F);
}
template <class H>
ld half_max() {
  constexpr int F = HalfFormat<H>::kFrac;
  return std::ldexp((ld)((1 << (F + 1)) - 1), half_bias<H>() - F);
}
// The magnitude from which round-to-nearest-even gives inf: the largest value
// plus half its ulp (a tie there rounds to inf: the largest is odd).
template <class H>
ld half_overflow() {
  return half_max<H>() + half_ulp<H>(half_max<H>()) / 2;
}
// v / 8 for |v| <= 128, exactly (at most 8 significant bits).
template <class H>
H half_from_eighths(int v) {
  constexpr int F = HalfFormat<H>::kFrac;
  H h{0};
  if (v == 0) return h;
  const int m = v < 0 ? -v : v;
  int e = 0;
  while ((2 << e) <= m) ++e;  // 2^e <= m < 2^(e+1), e <= 7 <= F
  h.bits = uint16_t((v < 0 ? 0x8000 : 0) | ((e - 3 + half_bias<H>()) << F) |
                    ((m - (1 << e)) << (F - e)));
  return h;
}

inline ld val(float x) { return x; }
inline ld val(double x) { return x; }
inline ld val(bf16 x) { return half_value(x); }
inline ld val(f16 x) { return half_value(x); }

template <class T>
bool fin(T x) {
  if constexpr (is_half_v<T>) return half_finite(x);
  else return std::isfinite(x);
}

template <class T>
constexpr const char* type_name() {
  if constexpr (std::is_same_v<T, float>) return "f32";
  else if constexpr (std::is_same_v<T, double>) return "f64";
  else if constexpr (std::is_same_v<T, bf16>) return "bf16";
  else return "f16";
}

// The element type an input asks for: bits 0 and 2 of its first byte (bit 2
// clear: f32 / f64 as in the inputs written before the 16-bit types).
enum ElemType { kF32 = 0, kF64 = 1, kBF16 = 2, kF16 = 3 };
inline int elem_type(uint8_t flags) { return (flags & 1) | ((flags >> 1) & 2); }

// Inputs run per element type, printed when the process exits as
//   projection-fuzz: executions by type: f32 N, f64 N, bf16 N, f16 N
// (scripts/test-reliability adds them up: the fuzzing of the 16-bit types).
struct TypeCounts {
  unsigned long n[4] = {0, 0, 0, 0};
  ~TypeCounts() {
    std::fprintf(stderr, "projection-fuzz: executions by type: f32 %lu, f64 %lu, bf16 %lu, f16 %lu\n",
                 n[kF32], n[kF64], n[kBF16], n[kF16]);
  }
};
inline TypeCounts& type_counts() {
  static TypeCounts c;
  return c;
}

// f.template operator()<T>() for the element type of `flags`.
template <class F>
void with_type(uint8_t flags, F&& f) {
  ++type_counts().n[elem_type(flags)];
  switch (elem_type(flags)) {
    case kF32: f.template operator()<float>(); break;
    case kF64: f.template operator()<double>(); break;
    case kBF16: f.template operator()<bf16>(); break;
    default: f.template operator()<f16>(); break;
  }
}

// ------------------------------------------------------------ values
template <class T>
T scaled(int mant, int exp) {
  return std::ldexp(static_cast<T>(mant), exp);
}

// One element. `finite_only` maps the non-finite categories to finite values,
// so that inputs without NaN/Inf (the success path) are common too.
template <class T>
T gen_float(Reader& r, bool finite_only) {
  using L = std::numeric_limits<T>;
  const uint8_t cat = r.byte() % 32;
  const T sgn = (r.byte() & 1) ? T(-1) : T(1);
  T v = 0;
  switch (cat) {
    case 0: v = T(0); break;
    case 1: v = -T(0); break;
    case 2: v = L::quiet_NaN(); break;
    case 3: v = -L::quiet_NaN(); break;
    case 4: v = L::signaling_NaN(); break;
    case 5: v = L::infinity(); break;
    case 6: v = -L::infinity(); break;
    case 7: v = sgn * L::denorm_min(); break;
    case 8: v = sgn * (L::min() - L::denorm_min()); break;  // largest subnormal
    case 9: v = sgn * L::min(); break;
    case 10: v = sgn * L::max(); break;
    case 11: v = sgn * std::nextafter(L::max(), T(0)); break;
    case 12: v = sgn; break;
    case 13: {  // huge: within 16 binades of the top
      const int e = L::max_exponent - 1 - (r.byte() % 16);
      v = sgn * std::ldexp(T(1) + T(r.byte()) / T(256), e);
      break;
    }
    case 14: {  // tiny: near or below the smallest normal
      const int e = L::min_exponent - 1 - (r.byte() % (L::digits + 4));
      v = sgn * std::ldexp(T(1) + T(r.byte()) / T(256), e);
      break;
    }
    case 15:
    case 16: {  // raw bit pattern (may be NaN/Inf/subnormal)
      v = r.raw<T>();
      break;
    }
    case 17:
    case 18:
    case 19:
    case 20: {  // a 16-bit mantissa at any exponent of the type's range
      const int lo = L::min_exponent - L::digits - 16, hi = L::max_exponent - 16;
      const int e = lo + (int)((long)r.byte() * (hi - lo) / 255);
      v = scaled<T>((int16_t)r.raw<uint16_t>(), e);
      break;
    }
    default: {  // ordinary small values
      v = static_cast<T>((int8_t)r.byte()) / T(8);
      break;
    }
  }
  if (finite_only && !std::isfinite(v)) v = sgn * T(1.5);
  return v;
}

// One bf16 or f16 element, as bits: the same categories, with every NaN
// encoding reachable (quiet and signalling, any payload, both signs).
template <class H>
H gen_half(Reader& r, bool finite_only) {
  constexpr int F = HalfFormat<H>::kFrac, E = HalfFormat<H>::kExp;
  constexpr uint16_t EM = half_exp_mask<H>(), FM = half_frac_mask<H>();
  constexpr uint16_t kQuiet = uint16_t(1u << (F - 1));
  constexpr int kTopExp = (1 << E) - 2;  // exponent field of the largest binade
  const uint8_t cat = r.byte() % 32;
  const uint16_t sign = (r.byte() & 1) ? 0x8000 : 0;
  uint16_t bits = 0;
  switch (cat) {
    case 0: bits = 0; break;
    case 1: bits = 0x8000; break;
    case 2: bits = uint16_t(sign | EM | kQuiet | (r.raw<uint16_t>() & (kQuiet - 1))); break;
    case 3: {  // signalling: quiet bit clear, payload not zero
      uint16_t pl = r.raw<uint16_t>() & (kQuiet - 1);
      bits = uint16_t(sign | EM | (pl ? pl : 1));
      break;
    }
    case 4: bits = uint16_t(sign | EM | kQuiet); break;  // the canonical quiet NaN
    case 5: bits = EM; break;
    case 6: bits = uint16_t(0x8000 | EM); break;
    case 7: bits = uint16_t(sign | 1); break;                                   // smallest subnormal
    case 8: bits = uint16_t(sign | FM); break;                                  // largest subnormal
    case 9: bits = uint16_t(sign | (1u << F)); break;                           // smallest normal
    case 10: bits = uint16_t(sign | (kTopExp << F) | FM); break;                // largest
    case 11: bits = uint16_t(sign | (kTopExp << F) | (FM - 1)); break;          // next below
    case 12: bits = uint16_t(sign | (half_bias<H>() << F)); break;              // +-1
    case 13:  // the top four binades
      bits = uint16_t(sign | ((kTopExp - r.byte() % 4) << F) | (r.raw<uint16_t>() & FM));
      break;
    case 14: bits = uint16_t(sign | (r.raw<uint16_t>() & FM)); break;           // any subnormal
    case 15:
    case 16: bits = r.raw<uint16_t>(); break;                                   // any pattern
    case 17:
    case 18:
    case 19:
    case 20:  // any finite value
      bits = uint16_t(sign | ((r.byte() % (kTopExp + 1)) << F) | (r.raw<uint16_t>() & FM));
      break;
    default: return half_from_eighths<H>((int8_t)r.byte());  // ordinary small values
  }
  H h{bits};
  if (finite_only && !half_finite(h)) h = half_from_eighths<H>(sign ? -12 : 12);  // +-1.5
  return h;
}

template <class T>
T gen_value(Reader& r, bool finite_only) {
  if constexpr (is_half_v<T>) return gen_half<T>(r, finite_only);
  else return gen_float<T>(r, finite_only);
}

// ------------------------------------------------------------ buffers
// Every allocation is exactly as large as the elements it holds, so ASan sees
// any read or write beyond them.
struct Alloc {
  unsigned char* p = nullptr;
  size_t bytes = 0;
  ~Alloc() { std::free(p); }
};

struct Arena {
  std::vector<std::unique_ptr<Alloc>> allocs;
  template <class T>
  T* make(size_t elems) {
    auto a = std::make_unique<Alloc>();
    a->bytes = elems * sizeof(T);
    a->p = static_cast<unsigned char*>(std::malloc(a->bytes ? a->bytes : 1));
    if (!a->p) fail("out of memory");
    T* t = reinterpret_cast<T*>(a->p);
    allocs.push_back(std::move(a));
    return t;
  }
  std::vector<unsigned char> snapshot() const {
    std::vector<unsigned char> s;
    for (auto& a : allocs) s.insert(s.end(), a->p, a->p + a->bytes);
    return s;
  }
};

inline bool ranges_overlap(const void* x, const void* y, size_t bytes) {
  if (!x || !y || bytes == 0) return false;
  const uintptr_t a = reinterpret_cast<uintptr_t>(x), b = reinterpret_cast<uintptr_t>(y);
  return a < b + bytes && b < a + bytes;
}

// How the fuzz input lays out the buffers a, b and (for the operations that
// write a vector) out.
enum Layout : int {
  kSeparate = 0,
  kOutIsA,
  kOutIsB,
  kAIsB,          // a == b, out separate
  kAllSame,       // a == b == out
  kOutOverA,      // out partially overlaps a
  kOutOverB,      // out partially overlaps b
  kAOverB,        // a and b partially overlap, out separate
  kAOverBOutIsA,  // a and b partially overlap, out == a (so out partially overlaps b)
  kAOverBOutIsB,
  kNulls,         // some pointers NULL (mask from the input)
  kMisaligned,    // separate, each at an odd element offset inside its allocation
  kLayouts
};

inline const char* layout_name(int l) {
  static const char* names[] = {"separate",  "out==a",   "out==b",     "a==b",
                                "a==b==out", "out~a",    "out~b",      "a~b",
                                "a~b,out==a", "a~b,out==b", "nulls", "misaligned"};
  return (l >= 0 && l < kLayouts) ? names[l] : "?";
}

template <class T>
struct Case {
  bool big = false;
  size_t n = 0;
  int layout = kSeparate;
  uint8_t null_mask = 0;  // bit0 a, bit1 b, bit2 out / first result, bit3.. more results
  int threads = 1;
  double ord = 2.0;
  Arena arena;
  T* a = nullptr;
  T* b = nullptr;
  T* out = nullptr;
  std::vector<T> a0, b0;  // the inputs' values before the call
};

inline double gen_ord(Reader& r) {
  const uint8_t c = r.byte() % 24;
  switch (c) {
    case 0: case 1: case 2: case 3: return 2.0;
    case 4: return 1.0;
    case 5: return INFINITY;
    case 6: return -INFINITY;
    case 7: return 0.0;
    case 8: return -0.0;
    case 9: return NAN;
    case 10: return -NAN;
    case 11: return 0.5;
    case 12: return -1.0;
    case 13: return -2.0;
    case 14: return 3.0;
    case 15: return 1e300;
    case 16: return 1e-300;
    case 17: return -1e-300;
    case 18: return r.raw<double>();                    // anything, NaN included
    case 19: return (int8_t)r.byte() / 4.0;             // small p, either sign
    case 20: {  // (read in this order: mantissa, then exponent)
      const int m = (int8_t)r.byte();
      return std::ldexp(m, (int8_t)r.byte() / 4);
    }
    case 21: return 1e-9;
    case 22: return 64.0;
    default: return 4.0;
  }
}

template <class T>
PFUZZ_NOCOV void tile(T* p, size_t m, const std::vector<T>& pat, size_t& vi) {
  for (size_t i = 0; i < m; ++i) p[i] = pat[vi++ % pat.size()];
}

// Decodes everything but the element type (byte 0, read by the caller).
// with_out: the operation writes a vector `out`.
template <class T>
void decode(Reader& r, uint8_t flags, bool with_out, bool with_ord, Case<T>& c) {
  const bool finite_only = flags & 2;
  c.threads = 1 + ((flags >> 3) & 3);
  c.layout = r.byte() % kLayouts;
  if (!with_out) {
    switch (c.layout) {
      case kOutIsA: case kOutIsB: case kOutOverA: case kOutOverB: case kMisaligned:
        c.layout = kSeparate; break;
      case kAllSame: c.layout = kAIsB; break;
      case kAOverBOutIsA: case kAOverBOutIsB: c.layout = kAOverB; break;
      default: break;
    }
  }
  const uint8_t nb = r.byte();
  // Big (parallel) inputs cost a millisecond or more each: one input in 16.
  c.big = (flags & 0xE0) == 0xE0 && (nb & 0x80);
  const uint8_t shift_byte = r.byte();
  c.null_mask = r.byte();
  if (with_ord) c.ord = gen_ord(r);

  // The values: a pattern; in big mode tiled over more than the parallel
  // threshold (65536), with the last element chosen separately (a NaN at the
  // very end of a parallel buffer, say).
  std::vector<T> pat;
  size_t n;
  if (c.big) {
    const size_t plen = 1 + nb % 61;
    const uint8_t extra = r.byte();
    n = 65536 + (size_t)extra * 61 + plen;
    // Enough distinct values for two vectors plus partial-overlap slack.
    for (size_t i = 0; i < 2 * plen + 3; ++i) pat.push_back(gen_value<T>(r, finite_only));
    // Tie-breaking on huge inputs: only the simple layouts.
    if (c.layout != kSeparate && c.layout != kOutIsA && c.layout != kOutIsB &&
        c.layout != kAIsB)
      c.layout = kSeparate;
  } else {
    n = nb % 80;
  }
  c.n = n;
  const bool can_shift = n >= 2;
  if (!can_shift && (c.layout == kOutOverA || c.layout == kOutOverB || c.layout == kAOverB ||
                     c.layout == kAOverBOutIsA || c.layout == kAOverBOutIsB))
    c.layout = kSeparate;
  // Partial-overlap shift in elements: 1 <= |d| <= n-1.
  ptrdiff_t d = 0;
  if (can_shift) {
    d = 1 + (ptrdiff_t)(shift_byte >> 1) % (ptrdiff_t)(n - 1);
    if (shift_byte & 1) d = -d;
  }

  size_t vi = 0;
  const T last = c.big ? gen_value<T>(r, finite_only) : T{};
  auto fill = [&](T* p, size_t m) {
    if (c.big) {
      tile(p, m, pat, vi);
    } else {
      for (size_t i = 0; i < m; ++i) p[i] = gen_value<T>(r, finite_only);
    }
  };

  // Lays out two partially overlapping n-element windows x, y = x + d in one
  // allocation of n + |d| elements.
  auto two_overlapping = [&](T*& x, T*& y) {
    const size_t span = n + (size_t)(d < 0 ? -d : d);
    T* base = c.arena.template make<T>(span);
    fill(base, span);
    x = d >= 0 ? base : base - d;
    y = x + d;
  };
  auto single = [&](size_t offset) {
    T* base = c.arena.template make<T>(n + offset);
    fill(base, n + offset);
    return base + offset;
  };

  switch (c.layout) {
    case kSeparate:
    case kNulls:
      c.a = single(0); c.b = single(0); if (with_out) c.out = single(0);
      break;
    case kMisaligned:
      c.a = single(1); c.b = single(3); c.out = single(2);
      break;
    case kOutIsA: c.a = single(0); c.b = single(0); c.out = c.a; break;
    case kOutIsB: c.a = single(0); c.b = single(0); c.out = c.b; break;
    case kAIsB: c.a = single(0); c.b = c.a; if (with_out) c.out = single(0); break;
    case kAllSame: c.a = single(0); c.b = c.a; c.out = c.a; break;
    case kOutOverA: two_overlapping(c.a, c.out); c.b = single(0); break;
    case kOutOverB: two_overlapping(c.b, c.out); c.a = single(0); break;
    case kAOverB: two_overlapping(c.a, c.b); if (with_out) c.out = single(0); break;
    case kAOverBOutIsA: two_overlapping(c.a, c.b); c.out = c.a; break;
    case kAOverBOutIsB: two_overlapping(c.a, c.b); c.out = c.b; break;
    default: fail("bad layout");
  }
  // The last element of each input, in big mode: chosen by the input.
  if (c.big && n > 0) {
    if (r.byte() & 1) c.a[n - 1] = last; else c.b[n - 1] = last;
  }
  c.a0.assign(c.a, c.a + n);
  c.b0.assign(c.b, c.b + n);
  if (c.layout == kNulls) {
    if (c.null_mask & 1) c.a = nullptr;
    if (c.null_mask & 2) c.b = nullptr;
    if (with_out && (c.null_mask & 4)) c.out = nullptr;
  }
}

template <class T>
PFUZZ_NOCOV bool all_finite(const std::vector<T>& v) {
  for (T x : v)
    if (!fin(x)) return false;
  return true;
}

// Status the contract gives, for operations that write `out`.
template <class T>
projection_status expected_status_out(const Case<T>& c) {
  const size_t bytes = c.n * sizeof(T);
  if (c.n > 0 && (!c.a || !c.b || !c.out)) return PROJECTION_ERR_NULL;
  if (c.n > 0) {
    if (c.out != c.a && ranges_overlap(c.out, c.a, bytes)) return PROJECTION_ERR_OVERLAP;
    if (c.out != c.b && ranges_overlap(c.out, c.b, bytes)) return PROJECTION_ERR_OVERLAP;
  }
  if (!all_finite(c.a0) || !all_finite(c.b0)) return PROJECTION_ERR_NONFINITE;
  return PROJECTION_OK;
}

inline const char* status_name(int s) {
  switch (s) {
    case PROJECTION_OK: return "OK";
    case PROJECTION_ERR_NULL: return "ERR_NULL";
    case PROJECTION_ERR_OVERLAP: return "ERR_OVERLAP";
    case PROJECTION_ERR_ARGUMENT: return "ERR_ARGUMENT";
    case PROJECTION_ERR_NONFINITE: return "ERR_NONFINITE";
    case PROJECTION_ERR_PARTIALS: return "ERR_PARTIALS";
    default: return "INVALID";
  }
}

// ------------------------------------------------------------ reference
template <class T>
constexpr ld unit_roundoff() {
  return std::ldexp((ld)1, -std::numeric_limits<T>::digits);
}

// Reductions accumulate in double (float input) or in double with rescaling
// (double input): a forward error of at most gamma * sum|terms| with
// gamma = (n + 16) * 2^-52 covers any summation order, blocked or not, and the
// rounding of the final divisions (a generous bound: recursive summation is
// (n-1) u with u = 2^-53).
inline ld gamma_acc(size_t n) { return (ld)(n + 16) * std::ldexp((ld)1, -52); }

// The 2-norm order (S, L) of (x, y): swap == false means S = x. Two
// candidates when the squared norms are so close that a correctly working
// library may order them either way (within gamma); exact ties keep (x, y).
struct Order {
  bool swap[2];
  int count;
};

template <class T>
PFUZZ_NOCOV Order order2(const std::vector<T>& x, const std::vector<T>& y) {
  ld nx = 0, ny = 0;
  for (T v : x) nx += val(v) * val(v);
  for (T v : y) ny += val(v) * val(v);
  const ld band = 2 * gamma_acc(x.size()) * (nx > ny ? nx : ny);
  if (std::fabs(nx - ny) <= band) return {{false, true}, 2};
  return {{nx > ny, false}, 1};
}

// k = L.S / S.S (0 when S = 0) and the error bound on a computed k.
struct KRef {
  ld k = 0, k_err = 0, ss = 0, abs_ls_over_ss = 0;
};

template <class T>
PFUZZ_NOCOV KRef k_ref(const std::vector<T>& S, const std::vector<T>& L) {
  ld ls = 0, ss = 0, abs_ls = 0;
  for (size_t i = 0; i < S.size(); ++i) {
    ls += val(L[i]) * val(S[i]);
    abs_ls += std::fabs(val(L[i]) * val(S[i]));
    ss += val(S[i]) * val(S[i]);
  }
  KRef r;
  r.ss = ss;
  if (ss == 0) return r;  // k = 0 exactly
  r.k = ls / ss;
  r.abs_ls_over_ss = abs_ls / ss;
  const ld g = gamma_acc(S.size());
  r.k_err = g * (std::fabs(r.k) + r.abs_ls_over_ss);
  return r;
}

// |got - ref| <= tol, where an infinite `got` is right when the exact value
// lies beyond the largest finite T (the correctly rounded result is then inf).
template <class T>
bool close(T got, ld ref, ld tol) {
  if (std::isnan(got)) return false;
  if (std::isinf(got)) {
    return (got > 0) == (ref > 0) &&
           std::fabs(ref) + tol >= (ld)std::numeric_limits<T>::max();
  }
  return std::fabs((ld)got - ref) <= tol;
}

// The absolute slack for results that round into (or below) the subnormal range.
template <class T>
ld abs_slack() {
  return 4 * (ld)std::numeric_limits<T>::denorm_min();
}

// Elementwise: out_i = coef_L * L_i + (c0 + ks * k) * S_i: the projection onto
// S is (0, 0, +1), project_out_smaller (1, 0, -1), the alphaless gradient
// (1, 1, -1).
// Tolerance: C u_T (|L_i| + |S_i| + |k||S_i|) for the roundings of the
// elementwise step, plus |S_i| times the bound on the computed k.
//
// bf16 and f16 (computed in double, rounded once): 1 ulp of the output type at
// the exact value, where "exact" allows the coefficient's own error (the same
// 2 |S_i| k_err) and the double evaluation before the one rounding (2^-50 of
// the terms). A value beyond the type's range by half an ulp or more must be
// +-inf; inf is accepted only where the value may be that far out.
template <class H>
PFUZZ_NOCOV bool half_close(H got, ld ref, ld err, ld* tol_out) {
  const ld g = val(got), top = half_overflow<H>();
  *tol_out = half_ulp<H>(std::fabs(ref) + err) + err;
  if (std::isnan(g)) return false;
  if (std::isinf(g)) return (g > 0) == (ref > 0) && std::fabs(ref) + err >= top;
  if (std::fabs(ref) - err > top) return false;  // must have been +-inf
  return std::fabs(g - ref) <= *tol_out;
}

template <class T>
PFUZZ_NOCOV bool check_vector(const T* out, const std::vector<T>& S, const std::vector<T>& L,
                  ld coef_L, ld c0, ld ks, const KRef& kr, size_t* bad_index, ld* bad_ref,
                  ld* bad_tol) {
  if constexpr (is_half_v<T>) {
    for (size_t i = 0; i < S.size(); ++i) {
      const ld s = val(S[i]), l = coef_L != 0 ? val(L[i]) : 0;
      const ld c = c0 + ks * kr.k;
      const ld ref = coef_L * l + c * s;
      const ld err = std::fabs(s) * kr.k_err * 2 +
                     std::ldexp((ld)1, -50) * (std::fabs(l) + std::fabs(c * s));
      ld tol;
      if (!half_close<T>(out[i], ref, err, &tol)) {
        *bad_index = i;
        *bad_ref = ref;
        *bad_tol = tol;
        return false;
      }
    }
    return true;
  } else {
  const ld u = unit_roundoff<T>();
  for (size_t i = 0; i < S.size(); ++i) {
    const ld s = val(S[i]), l = coef_L != 0 ? val(L[i]) : 0;
    const ld ref = coef_L * l + (c0 + ks * kr.k) * s;
    const ld tol = 4 * u * (std::fabs(l) + std::fabs(c0 * s) + std::fabs(kr.k * s)) +
                   std::fabs(s) * kr.k_err * 2 + abs_slack<T>();
    if (!close<T>(out[i], ref, tol)) {
      *bad_index = i;
      *bad_ref = ref;
      *bad_tol = tol;
      return false;
    }
  }
  return true;
  }
}

template <class T>
void dump_case(const Case<T>& c, const char* op) {
  std::fprintf(stderr,
               "op=%s type=%s n=%zu layout=%s threads=%d ord=%.17g big=%d arch=%s\n", op,
               type_name<T>(), c.n, layout_name(c.layout), c.threads, c.ord,
               (int)c.big, projection_simd_arch());
  const size_t show = c.n < 24 ? c.n : 24;
  for (size_t i = 0; i < show; ++i)
    std::fprintf(stderr, "  [%zu] a=%-24.17Lg b=%-24.17Lg\n", i, val(c.a0[i]), val(c.b0[i]));
  if (show < c.n) {
    std::fprintf(stderr, "  ... [%zu] a=%.17Lg b=%.17Lg\n", c.n - 1, val(c.a0[c.n - 1]),
                 val(c.b0[c.n - 1]));
  }
}

// Bitwise equality of two scalars or buffers.
inline bool same_bytes(const void* x, const void* y, size_t bytes) {
  return bytes == 0 || std::memcmp(x, y, bytes) == 0;
}

// Checks, once per process, that PROJECTION_ARCH really selected the kernels
// it names (when the CPU can run them), so that the runs with each value do
// exercise each instruction set, and prints the kernels in use on one line,
//   projection-fuzz: kernels <name> (PROJECTION_ARCH=<value>)
// which scripts/test-reliability reads to label each run with the instruction
// set that really ran (a value the CPU cannot run falls back to another).
inline void check_arch_once() {
  static bool done = false;
  if (done) return;
  done = true;
  const char* arch = projection_simd_arch();
  PFUZZ_CHECK(arch != nullptr, "projection_simd_arch() returned NULL");
  const char* want = std::getenv("PROJECTION_ARCH");
  std::fprintf(stderr, "projection-fuzz: kernels %s (PROJECTION_ARCH=%s)\n", arch,
               want ? want : "unset");
  std::fflush(stderr);
  if (!want) return;
  // Every library has the generic kernels; sse2 is the x86-64 baseline.
  if (!std::strcmp(want, "generic")) {
    PFUZZ_CHECK(!std::strcmp(arch, "generic"), "PROJECTION_ARCH=generic gave %s", arch);
  }
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (!std::strcmp(want, "sse2")) {
    PFUZZ_CHECK(std::strstr(arch, "sse2") != nullptr, "PROJECTION_ARCH=sse2 gave %s", arch);
  } else if (!std::strcmp(want, "avx2") && __builtin_cpu_supports("avx2") &&
             __builtin_cpu_supports("fma")) {
    PFUZZ_CHECK(std::strstr(arch, "avx2") != nullptr, "PROJECTION_ARCH=avx2 gave %s", arch);
  } else if (!std::strcmp(want, "avx512") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512cd")) {
    PFUZZ_CHECK(std::strstr(arch, "avx512") != nullptr, "PROJECTION_ARCH=avx512 gave %s",
                arch);
  }
#endif
}

}  // namespace pfuzz

// Runs before the first input: the kernels line above appears once per run,
// also for -runs=0 (which the reliability script uses to ask each binary what
// PROJECTION_ARCH=<word> selects on this CPU).
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  pfuzz::check_arch_once();
  return 0;
}
