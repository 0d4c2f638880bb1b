#include "reduce.hpp"

#include <cfloat>
#include <cmath>
#include <mutex>
#include <type_traits>

#include "convert.hpp"
#include "dispatch.hpp"
#include "parallel.hpp"

namespace projection::detail {
namespace {

template <class T>
const TypedKernels<T>& kernels() {
  return active_kernels().of<T>();
}

// Runs on_block(cursor, g, e, acc) for every block (fragment) [g, e) of the
// vector, the blocks spread over the threads, each thread with its own Acc,
// merged into `total` with merge(total, mine).
template <class T, class Acc, class OnBlock, class Merge>
void parallel_blocks(const Segments<T>& s, Acc& total, OnBlock&& on_block, Merge&& merge) {
  if (s.total == 0) return;
  const std::uint64_t end = s.offset + s.total;
  const std::uint64_t first = s.offset / kBlock, blocks = (end - 1) / kBlock + 1 - first;
  auto run = [&](std::uint64_t lo, std::uint64_t hi, Acc& acc) {
    std::uint64_t g = (first + lo) * kBlock;
    if (g < s.offset) g = s.offset;
    std::uint64_t stop = (first + hi) * kBlock;
    if (stop > end) stop = end;
    Cursor c = locate(s, g);
    while (g < stop) {
      const std::uint64_t e = (g / kBlock + 1) * kBlock < stop ? (g / kBlock + 1) * kBlock : stop;
      on_block(c, g, e, acc);
      g = e;
    }
  };
  const int threads = blocks > 1 ? threads_for(s.total) : 1;
  std::mutex merging;  // this call's own: the merge order does not matter (exact sums)
  for_each_thread(threads, [&](int t, int T_) {
    const Share sh = share(blocks, t, T_);
    if (sh.lo == sh.hi) return;
    if (T_ == 1) return run(sh.lo, sh.hi, total);
    Acc mine;
    run(sh.lo, sh.hi, mine);
    const std::lock_guard<std::mutex> hold(merging);
    merge(total, mine);
  });
}

// ---------------------------------------------------------------- Gram

// The block's sums from the kernels: one call when the block lies in one
// segment and starts a lane group, else piece by piece through its lanes.
template <class T>
Gram block_gram(const Segments<T>& s, Cursor& c, std::uint64_t g, std::uint64_t e,
                GramParts parts, const TypedKernels<T>& k) {
  const int p = static_cast<int>(parts);
  while (c.idx >= s.n[c.seg]) ++c.seg, c.idx = 0;
  if (g % kLanes == 0 && s.n[c.seg] - c.idx >= e - g) {
    Gram r;
    const std::size_t len = static_cast<std::size_t>(e - g);
    k.gram_blocks[p](s.a[c.seg] + c.idx, s.b[c.seg] + c.idx, len, &r);
    c.idx += len;
    return r;
  }
  GramLanes lanes{};
  Gram r{0, 0, 0};
  walk(s, c, g, e, [&](const Cursor& at, std::size_t len, std::uint64_t pg) {
    prefetch_next_segment(s, at, true);
    r = k.gram_piece[p](s.a[at.seg] + at.idx, s.b[at.seg] + at.idx, len, pg % kLanes, lanes,
                        pg + len == e);
  });
  return r;
}

// Double sums are trusted in [kSafeLow, DBL_MAX]: above, a sum may have
// overflowed; below, products lost to underflow may matter. kSafeLow leaves
// room for a block's worth of underflowed products far below one ulp.
constexpr double kSafeLow = 0x1p-900;
bool suspicious(double sum) { return !(std::fabs(sum) >= kSafeLow && std::fabs(sum) <= DBL_MAX); }

template <class T>
bool all_zero(const Segments<T>& s, Cursor c, std::uint64_t g, std::uint64_t e, bool of_a) {
  bool zero = true;
  walk(s, c, g, e, [&](const Cursor& at, std::size_t len, std::uint64_t) {
    const T* x = (of_a ? s.a : s.b)[at.seg] + at.idx;
    for (std::size_t i = 0; i < len && zero; ++i) zero = widen(x[i]) == 0;
  });
  return zero;
}

// A double block sum that cannot be trusted is summed again with each input
// scaled by a power of two that brings its largest element to [1/2, 1): no
// product overflows, and the squares that underflow are negligible next to the
// largest square (products in a.b may not be: see exact_dot_block). Portable
// scalar code in the same 32 lanes: the same bits on every instruction set.
// Writes the scaled sums and the exponents that undo the scaling; returns false
// for NaN or Inf.
template <class T>
bool rescaled_block(const Segments<T>& s, Cursor c, std::uint64_t g, std::uint64_t e, Gram& r,
                    int& ea, int& eb) {
  double ma = 0, mb = 0;
  {
    Cursor m = c;
    walk(s, m, g, e, [&](const Cursor& at, std::size_t len, std::uint64_t) {
      const T* x = s.a[at.seg] + at.idx;
      const T* y = s.b[at.seg] + at.idx;
      for (std::size_t i = 0; i < len; ++i) {
        const double ax = std::fabs(widen(x[i])), ay = std::fabs(widen(y[i]));
        ma = ma < ax || ax != ax ? ax : ma;
        mb = mb < ay || ay != ay ? ay : mb;
      }
    });
  }
  if (!(ma <= DBL_MAX && mb <= DBL_MAX)) return false;
  ea = ma == 0 ? 0 : std::ilogb(ma) + 1;
  eb = mb == 0 ? 0 : std::ilogb(mb) + 1;
  // 2^-e in two factors, each within double's range.
  const double pa1 = std::ldexp(1.0, -ea / 2), pa2 = std::ldexp(1.0, -ea - (-ea / 2));
  const double pb1 = std::ldexp(1.0, -eb / 2), pb2 = std::ldexp(1.0, -eb - (-eb / 2));
  double laa[kLanes] = {}, lbb[kLanes] = {}, lab[kLanes] = {};
  walk(s, c, g, e, [&](const Cursor& at, std::size_t len, std::uint64_t pg) {
    const T* x = s.a[at.seg] + at.idx;
    const T* y = s.b[at.seg] + at.idx;
    for (std::size_t i = 0; i < len; ++i) {
      const std::size_t lane = (pg + i) % kLanes;
      const double u = widen(x[i]) * pa1 * pa2, w = widen(y[i]) * pb1 * pb2;
      laa[lane] += u * u;
      lbb[lane] += w * w;
      lab[lane] += u * w;
    }
  });
  auto tree = [](double (&l)[kLanes]) {
    for (std::size_t w = kLanes / 2; w > 0; w /= 2)
      for (std::size_t j = 0; j < w; ++j) l[j] += l[j + w];
    return l[0];
  };
  r = {tree(laa), tree(lbb), tree(lab)};
  return true;
}

// The exact a.b of a block into acc, product by product: each product of the
// factors' significands is the exact sum hi + lo of two doubles (fma), added at
// the factors' exponents. For a block whose scaled a.b is itself tiny (below
// kSafeLow): there the products that underflowed after scaling (each below
// 2^-1074, at most a block of them) can be all of the answer. Scalar, so the
// same bits on every instruction set. Inputs finite.
template <class T>
void exact_dot_block(const Segments<T>& s, Cursor c, std::uint64_t g, std::uint64_t e,
                     ExactSum& acc) {
  walk(s, c, g, e, [&](const Cursor& at, std::size_t len, std::uint64_t) {
    const T* x = s.a[at.seg] + at.idx;
    const T* y = s.b[at.seg] + at.idx;
    for (std::size_t i = 0; i < len; ++i) {
      const double u = widen(x[i]), w = widen(y[i]);
      if (u == 0 || w == 0) continue;
      int eu, ew;
      const double fu = std::frexp(u, &eu), fw = std::frexp(w, &ew);
      const double hi = fu * fw, lo = std::fma(fu, fw, -hi);
      acc.add(hi, eu + ew);
      acc.add(lo, eu + ew);
    }
  });
}

// Adds a block's sums to the totals. Narrow types: as they are, unless one is
// not finite (NaN or Inf in the input). Double: each sum on its own is taken
// as it is when it lies in the trusted range or is an exact zero of all-zero
// inputs, and is taken from the rescaled sums otherwise, so that a sum does not
// depend on which other sums were computed with it.
template <class T>
void accept(const Segments<T>& s, Cursor start, std::uint64_t g, std::uint64_t e,
            GramParts parts, const Gram& r, GramTotals& acc) {
  if (acc.nonfinite) return;
  const bool finite = std::isfinite(r.aa) && std::isfinite(r.bb) && std::isfinite(r.ab);
  if constexpr (!std::is_same_v<T, double>) {
    // Products of narrow types are exact in double and cannot overflow or
    // underflow: a non-finite sum means a non-finite input.
    if (!finite) {
      acc.nonfinite = true;
      return;
    }
    if (has_aa(parts)) acc.aa.add(r.aa);
    acc.bb.add(r.bb);
    if (has_ab(parts)) acc.ab.add(r.ab);
  } else {
    bool redo_aa = has_aa(parts) && suspicious(r.aa), redo_bb = suspicious(r.bb),
         redo_ab = has_ab(parts) && suspicious(r.ab);
    if ((redo_aa || redo_bb || redo_ab) && finite) {
      const bool za = (redo_aa || redo_ab) && all_zero(s, start, g, e, true);
      const bool zb = (redo_bb || (redo_ab && !za)) && all_zero(s, start, g, e, false);
      redo_aa &= !za, redo_bb &= !zb, redo_ab &= !(za || zb);
    }
    Gram q{0, 0, 0};
    int ea = 0, eb = 0;
    if ((redo_aa || redo_bb || redo_ab) && !rescaled_block(s, start, g, e, q, ea, eb)) {
      acc.nonfinite = true;
      return;
    }
    if (has_aa(parts)) redo_aa ? acc.aa.add(q.aa, 2 * ea) : acc.aa.add(r.aa);
    redo_bb ? acc.bb.add(q.bb, 2 * eb) : acc.bb.add(r.bb);
    if (has_ab(parts)) {
      if (!redo_ab) acc.ab.add(r.ab);
      else if (std::fabs(q.ab) >= kSafeLow) acc.ab.add(q.ab, ea + eb);
      else exact_dot_block(s, start, g, e, acc.ab);
    }
  }
}

// Whether a block's double sums are the totals as they are (the shortcut for
// a vector of one block).
template <class T>
bool plain(const Gram& r, GramParts parts) {
  if constexpr (!std::is_same_v<T, double>) {
    return std::isfinite(r.aa) && std::isfinite(r.bb) && std::isfinite(r.ab);
  } else {
    return !(has_aa(parts) && suspicious(r.aa)) && !suspicious(r.bb) &&
           !(has_ab(parts) && suspicious(r.ab));
  }
}

// ---------------------------------------------------------------- p-norms

struct AbsTotals {
  ExactSum sum;
  double max = 0, min = HUGE_VAL;
  std::uint64_t nonzero = 0;
  bool nonfinite = false, sum_overflow = false;
  void add(const AbsTotals& o) {
    sum.add(o.sum);
    max = max < o.max ? o.max : max;
    min = o.min < min ? o.min : min;
    nonzero += o.nonzero;
    nonfinite |= o.nonfinite;
    sum_overflow |= o.sum_overflow;
  }
};

struct PowTotals {
  ExactSum sum;
  void add(const PowTotals& o) { sum.add(o.sum); }
};

}  // namespace

void GramTotals::add(const GramTotals& o) {
  aa.add(o.aa);
  bb.add(o.bb);
  ab.add(o.ab);
  nonfinite |= o.nonfinite;
}

Sums finish(const GramTotals& t) { return {t.aa.round(), t.bb.round(), t.ab.round(), compare(t.aa, t.bb) > 0}; }

template <class T>
GramTotals reduce_gram(const Segments<T>& s, GramParts parts) {
  const auto& k = kernels<T>();
  GramTotals total;
  parallel_blocks(
      s, total,
      [&](Cursor& c, std::uint64_t g, std::uint64_t e, GramTotals& acc) {
        while (c.idx >= s.n[c.seg]) ++c.seg, c.idx = 0;
        const Cursor start = c;
        const Gram r = block_gram(s, c, g, e, parts, k);
        accept(s, start, g, e, parts, r, acc);
      },
      [](GramTotals& into, const GramTotals& from) { into.add(from); });
  return total;
}

template <class T>
projection_status gram_sums(const Segments<T>& s, GramParts parts, Sums& out) {
  if (s.total == 0) {
    out = {};
    return PROJECTION_OK;
  }
  if (s.offset % kBlock + s.total <= kBlock) {
    // One block: its double sums are the exact totals, rounded already.
    Cursor c = locate(s, s.offset);
    const Gram r = block_gram(s, c, s.offset, s.offset + s.total, parts, kernels<T>());
    if (plain<T>(r, parts)) {
      out = {Wide::of(r.aa), Wide::of(r.bb), Wide::of(r.ab), r.aa > r.bb};
      return PROJECTION_OK;
    }
  }
  const GramTotals t = reduce_gram(s, parts);
  if (t.nonfinite) return PROJECTION_ERR_NONFINITE;
  out = finish(t);
  return PROJECTION_OK;
}

// m * S^(1/p), S in [1, 2^64]: the root in double where it is a normal
// number, else 2^(log2(S)/p) (tiny |p|; the exponent clamped far beyond any
// double, where only the order of two such norms is left to keep).
Wide times_root(double m, const Wide& sum, double p) {
  const double S = sum.to_double(), r = std::pow(S, 1 / p);
  if (r >= DBL_MIN && r <= DBL_MAX) return wide_mul(Wide::of(m), Wide::of(r));
  double t = std::log2(S) / p;
  t = t > 0x1p24 ? 0x1p24 : t < -0x1p24 ? -0x1p24 : t;
  const double f = std::floor(t);
  Wide w = Wide::of(std::exp2(t - f));  // in [1, 2]
  w.e += static_cast<int>(f);
  return wide_mul(Wide::of(m), w);
}

template <class T>
projection_status norm_p(const Segments<T>& s, double p, Wide& norm) {
  const auto& k = kernels<T>();
  AbsTotals st;
  parallel_blocks(
      s, st,
      [&](Cursor& c, std::uint64_t g, std::uint64_t e, AbsTotals& acc) {
        AbsLanes lanes;
        for (std::size_t j = 0; j < kLanes; ++j)
          lanes.sum[j] = lanes.max[j] = lanes.nonzero[j] = lanes.nonfinite[j] = 0, lanes.min[j] = HUGE_VAL;
        AbsStats r{};
        walk(s, c, g, e, [&](const Cursor& at, std::size_t len, std::uint64_t pg) {
          prefetch_next_segment(s, at, false);
          r = k.abs_piece(s.a[at.seg] + at.idx, len, pg % kLanes, lanes, pg + len == e);
        });
        if (r.nonfinite != 0) acc.nonfinite = true;
        if (std::isinf(r.sum)) acc.sum_overflow = true;
        else acc.sum.add(r.sum);
        acc.max = acc.max < r.max ? r.max : acc.max;
        acc.min = r.min < acc.min ? r.min : acc.min;
        acc.nonzero += static_cast<std::uint64_t>(r.nonzero);
      },
      [](AbsTotals& into, const AbsTotals& from) { into.add(from); });
  if (st.nonfinite) return PROJECTION_ERR_NONFINITE;
  if (s.total == 0) return norm = Wide{}, PROJECTION_OK;
  if (std::isinf(p)) return norm = Wide::of(p > 0 ? st.max : st.min), PROJECTION_OK;
  if (p == 0) return norm = Wide::of(static_cast<double>(st.nonzero)), PROJECTION_OK;
  if (p == 1 && !st.sum_overflow) return norm = st.sum.round(), PROJECTION_OK;
  // (sum |x_i|^p)^(1/p) = m (sum (|x_i|/m)^p)^(1/p) with m the max |x_i| for
  // p > 0 and the min for p < 0: every term is at most 1, so none overflows. A
  // zero element with p < 0 makes m zero, and the norm is zero.
  const double m = p > 0 ? st.max : st.min;
  if (m == 0) return norm = Wide{}, PROJECTION_OK;
  PowTotals pw;
  parallel_blocks(
      s, pw,
      [&](Cursor& c, std::uint64_t g, std::uint64_t e, PowTotals& acc) {
        double sum = 0;
        walk(s, c, g, e, [&](const Cursor& at, std::size_t len, std::uint64_t) {
          const T* x = s.a[at.seg] + at.idx;
          for (std::size_t i = 0; i < len; ++i) sum += std::pow(std::fabs(widen(x[i])) / m, p);
        });
        acc.sum.add(sum);
      },
      [](PowTotals& into, const PowTotals& from) { into.add(from); });
  norm = times_root(m, pw.sum.round(), p);
  return PROJECTION_OK;
}

#define PROJECTION_INSTANTIATE(T)                                                       \
  template GramTotals reduce_gram<T>(const Segments<T>&, GramParts);                    \
  template projection_status gram_sums<T>(const Segments<T>&, GramParts, Sums&);        \
  template projection_status norm_p<T>(const Segments<T>&, double, Wide&);
PROJECTION_INSTANTIATE(float)
PROJECTION_INSTANTIATE(double)
PROJECTION_INSTANTIATE(bf16)
PROJECTION_INSTANTIATE(f16)
#undef PROJECTION_INSTANTIATE

}  // namespace projection::detail
