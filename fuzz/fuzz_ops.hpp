// The per-operation drivers of the fuzz targets: decode, call, check.
#pragma once

#include "fuzz_common.hpp"

#include <algorithm>

namespace pfuzz {

enum class VecOp { kVectorProjection, kProjectOutSmaller, kAlphalessGradient };

inline const char* vec_op_name(VecOp op) {
  switch (op) {
    case VecOp::kVectorProjection: return "vector_projection";
    case VecOp::kProjectOutSmaller: return "project_out_smaller";
    default: return "alphaless_gradient";
  }
}

inline projection_status call_vec(VecOp op, const float* a, const float* b, size_t n,
                                  float* out) {
  switch (op) {
    case VecOp::kVectorProjection: return projection_vector_projection_f32(a, b, n, out);
    case VecOp::kProjectOutSmaller: return projection_project_out_smaller_f32(a, b, n, out);
    default: return projection_alphaless_gradient_f32(a, b, n, out);
  }
}
inline projection_status call_vec(VecOp op, const double* a, const double* b, size_t n,
                                  double* out) {
  switch (op) {
    case VecOp::kVectorProjection: return projection_vector_projection_f64(a, b, n, out);
    case VecOp::kProjectOutSmaller: return projection_project_out_smaller_f64(a, b, n, out);
    default: return projection_alphaless_gradient_f64(a, b, n, out);
  }
}
inline projection_status call_vec(VecOp op, const bf16* a, const bf16* b, size_t n,
                                  bf16* out) {
  switch (op) {
    case VecOp::kVectorProjection: return projection_vector_projection_bf16(a, b, n, out);
    case VecOp::kProjectOutSmaller: return projection_project_out_smaller_bf16(a, b, n, out);
    default: return projection_alphaless_gradient_bf16(a, b, n, out);
  }
}
inline projection_status call_vec(VecOp op, const f16* a, const f16* b, size_t n, f16* out) {
  switch (op) {
    case VecOp::kVectorProjection: return projection_vector_projection_f16(a, b, n, out);
    case VecOp::kProjectOutSmaller: return projection_project_out_smaller_f16(a, b, n, out);
    default: return projection_alphaless_gradient_f16(a, b, n, out);
  }
}
inline projection_status call_order(const float* a, const float* b, size_t n, double ord,
                                    int* sw, double* na, double* nb) {
  return projection_order_by_norm_f32(a, b, n, ord, sw, na, nb);
}
inline projection_status call_order(const double* a, const double* b, size_t n, double ord,
                                    int* sw, double* na, double* nb) {
  return projection_order_by_norm_f64(a, b, n, ord, sw, na, nb);
}
inline projection_status call_order(const bf16* a, const bf16* b, size_t n, double ord,
                                    int* sw, double* na, double* nb) {
  return projection_order_by_norm_bf16(a, b, n, ord, sw, na, nb);
}
inline projection_status call_order(const f16* a, const f16* b, size_t n, double ord, int* sw,
                                    double* na, double* nb) {
  return projection_order_by_norm_f16(a, b, n, ord, sw, na, nb);
}
inline projection_status call_alpha(const float* a, const float* b, size_t n, double* al,
                                    double* sc) {
  return projection_equivalent_alpha_f32(a, b, n, al, sc);
}
inline projection_status call_alpha(const double* a, const double* b, size_t n, double* al,
                                    double* sc) {
  return projection_equivalent_alpha_f64(a, b, n, al, sc);
}
inline projection_status call_alpha(const bf16* a, const bf16* b, size_t n, double* al,
                                    double* sc) {
  return projection_equivalent_alpha_bf16(a, b, n, al, sc);
}
inline projection_status call_alpha(const f16* a, const f16* b, size_t n, double* al,
                                    double* sc) {
  return projection_equivalent_alpha_f16(a, b, n, al, sc);
}

// Copies of the inputs at an alignment other than the first call's, for the
// determinism re-run.
template <class T>
struct Copies {
  std::vector<T> sa, sb, so;
  T *a, *b, *out;
  Copies(const std::vector<T>& a0, const std::vector<T>& b0, size_t shift) {
    const size_t n = a0.size();
    sa.resize(n + 8);
    sb.resize(n + 8);
    so.resize(n + 8);
    a = sa.data() + shift % 8;
    b = sb.data() + (shift + 3) % 8;
    out = so.data() + (shift + 5) % 8;
    std::copy(a0.begin(), a0.end(), a);
    std::copy(b0.begin(), b0.end(), b);
  }
};

// Bytes of every allocation outside [skip, skip + bytes) equal the snapshot.
PFUZZ_NOCOV inline bool unchanged_except(const Arena& ar, const std::vector<unsigned char>& snap,
                             const void* skip, size_t skip_bytes) {
  const uintptr_t s0 = reinterpret_cast<uintptr_t>(skip), s1 = s0 + skip_bytes;
  size_t off = 0;
  for (auto& al : ar.allocs) {
    const uintptr_t p0 = reinterpret_cast<uintptr_t>(al->p), p1 = p0 + al->bytes;
    // The allocation minus [s0, s1): at most two pieces.
    const uintptr_t cut0 = skip ? std::min(std::max(s0, p0), p1) : p1;
    const uintptr_t cut1 = skip ? std::min(std::max(s1, p0), p1) : p1;
    if (!same_bytes(al->p, snap.data() + off, cut0 - p0)) return false;
    if (!same_bytes(al->p + (cut1 - p0), snap.data() + off + (cut1 - p0), p1 - cut1))
      return false;
    off += al->bytes;
  }
  return true;
}

// ---------------------------------------------------------------- out ops
// out (n = a0.size() elements) against the long double reference of op on
// (a0, b0), for each admissible order (two near exact ties).
struct VecBad {
  size_t i = 0;
  ld ref = 0, tol = 0;
  int orders = 0;
};

template <class T>
PFUZZ_NOCOV bool vec_within_bound(VecOp op, const T* out, const std::vector<T>& a0,
                                  const std::vector<T>& b0, VecBad* bad) {
  Order ord{{false, false}, 1};
  if (op != VecOp::kVectorProjection) ord = order2(a0, b0);
  bool ok = false;
  bad->orders = ord.count;
  for (int k = 0; k < ord.count && !ok; ++k) {
    const bool sw = ord.swap[k];
    switch (op) {
      case VecOp::kVectorProjection: {
        // out = (a.b / b.b) b: S = b, the "L" whose component is taken is a.
        const KRef kr = k_ref(b0, a0);
        ok = check_vector<T>(out, b0, a0, 0, 0, +1, kr, &bad->i, &bad->ref, &bad->tol);
        break;
      }
      case VecOp::kProjectOutSmaller:
      case VecOp::kAlphalessGradient: {
        const std::vector<T>& S = sw ? b0 : a0;
        const std::vector<T>& L = sw ? a0 : b0;
        const KRef kr = k_ref(S, L);
        const ld c0 = op == VecOp::kAlphalessGradient ? 1 : 0;
        ok = check_vector<T>(out, S, L, 1, c0, -1, kr, &bad->i, &bad->ref, &bad->tol);
        break;
      }
    }
  }
  return ok;
}

template <class T>
void run_vec(VecOp op, Reader& r, uint8_t flags) {
  Case<T> c;
  decode(r, flags, /*with_out=*/true, /*with_ord=*/false, c);
  projection_set_num_threads(c.threads);
  const projection_status want = expected_status_out(c);
  const std::vector<unsigned char> snap = c.arena.snapshot();
  const projection_status got = call_vec(op, c.a, c.b, c.n, c.out);
  if (got != want) {
    dump_case(c, vec_op_name(op));
    PFUZZ_CHECK(got == want, "status %d (%s), expected %d (%s)", (int)got, status_name(got),
                (int)want, status_name(want));
  }
  if (got != PROJECTION_OK) {
    if (c.arena.snapshot() != snap) {
      dump_case(c, vec_op_name(op));
      fail("memory written on error");
    }
    return;
  }
  if (!unchanged_except(c.arena, snap, c.out, c.n * sizeof(T))) {
    dump_case(c, vec_op_name(op));
    fail("success wrote outside `out`");
  }
  if (c.n == 0) return;

  VecBad bad;
  if (!vec_within_bound(op, c.out, c.a0, c.b0, &bad)) {
    dump_case(c, vec_op_name(op));
    std::fprintf(stderr, "out[%zu] = %.21Lg, reference %.21Lg, tolerance %.3Lg (orders tried: %d)\n",
                 bad.i, val(c.out[bad.i]), bad.ref, bad.tol, bad.orders);
    fail("result outside the error bound of the long double reference");
  }

  // Determinism: another alignment, out of place, another thread count.
  Copies<T> cp(c.a0, c.b0, 1 + (flags >> 5));
  projection_set_num_threads(1 + c.threads % 3);
  const projection_status g2 = call_vec(op, cp.a, cp.b, c.n, cp.out);
  PFUZZ_CHECK(g2 == PROJECTION_OK, "re-run on copies gave status %d", (int)g2);
  if (!same_bytes(cp.out, c.out, c.n * sizeof(T))) {
    dump_case(c, vec_op_name(op));
    for (size_t i = 0; i < c.n; ++i)
      if (!same_bytes(cp.out + i, c.out + i, sizeof(T))) {
        std::fprintf(stderr, "out[%zu]: first call %.21Lg, re-run %.21Lg\n", i, val(c.out[i]),
                     val(cp.out[i]));
        break;
      }
    fail("not deterministic: same input, other alignment/threads/aliasing, other bits");
  }
}

// ---------------------------------------------------------------- order_by_norm
// The reference p-norm, scaled by the largest (p > 0) or smallest (p < 0)
// magnitude so that no power overflows or underflows, even in long double.
template <class T>
PFUZZ_NOCOV ld ref_norm(const std::vector<T>& x, double p) {
  const size_t n = x.size();
  if (n == 0) return 0;
  if (std::isinf(p)) {
    ld m = std::fabs(val(x[0]));
    for (T v : x) {
      const ld a = std::fabs(val(v));
      if (p > 0 ? a > m : a < m) m = a;
    }
    return m;
  }
  if (p == 0) {
    ld cnt = 0;
    for (T v : x) cnt += val(v) != 0;
    return cnt;
  }
  ld mx = 0, mn = INFINITY;
  for (T v : x) {
    const ld a = std::fabs(val(v));
    if (a > mx) mx = a;
    if (a < mn) mn = a;
  }
  if (p > 0) {
    if (mx == 0) return 0;
    ld s = 0;
    for (T v : x) s += std::pow(std::fabs(val(v)) / mx, (ld)p);
    return mx * std::pow(s, 1 / (ld)p);
  }
  if (mn == 0) return 0;  // |0|^p = inf for p < 0, and inf^(1/p) = 0
  ld s = 0;
  for (T v : x) s += std::pow(std::fabs(val(v)) / mn, (ld)p);
  return mn * std::pow(s, 1 / (ld)p);
}

// Error bound on a computed p-norm, relative to it. Exact for 0 and +-inf;
// summation error (gamma) for 1 and 2; for other p the relative error of the
// sum of powers is divided by |p| by the final root, plus the powers' own
// rounding (a few ulp).
inline ld norm_rel_tol(size_t n, double p) {
  if (p == 0 || std::isinf(p)) return 0;
  const ld g = 2 * gamma_acc(n);
  if (p == 1 || p == 2) return g;
  return (g + 16 * std::ldexp((ld)1, -52)) * (1 + 1 / std::fabs((ld)p));
}

inline bool norm_close(double got, ld ref, ld rel) {
  // Half a subnormal ulp: the rounding of a result in the subnormal range.
  const ld tol = rel * std::fabs(ref) + 0.5000001L * (ld)std::numeric_limits<double>::denorm_min();
  if (rel >= 0.5) return !std::isnan(got) && got >= 0;  // ill-conditioned (p near 0)
  return close<double>(got, ref, tol);
}

struct OrderSlots {
  int swapped;
  double na, nb;
};

template <class T>
void run_order(Reader& r, uint8_t flags) {
  Case<T> c;
  decode(r, flags, /*with_out=*/false, /*with_ord=*/true, c);
  projection_set_num_threads(c.threads);
  OrderSlots slots;
  std::memset(&slots, 0xA5, sizeof slots);
  const OrderSlots sentinel = slots;
  int* sw = (c.layout == kNulls && (c.null_mask & 4)) ? nullptr : &slots.swapped;
  double* na = (c.null_mask & 8) ? nullptr : &slots.na;
  double* nb = (c.null_mask & 16) ? nullptr : &slots.nb;

  projection_status want = PROJECTION_OK;
  if (!sw || (c.n > 0 && (!c.a || !c.b))) want = PROJECTION_ERR_NULL;
  else if (std::isnan(c.ord)) want = PROJECTION_ERR_ARGUMENT;
  else if (!all_finite(c.a0) || !all_finite(c.b0)) want = PROJECTION_ERR_NONFINITE;

  const std::vector<unsigned char> snap = c.arena.snapshot();
  const projection_status got = call_order(c.a, c.b, c.n, c.ord, sw, na, nb);
  if (got != want) {
    dump_case(c, "order_by_norm");
    PFUZZ_CHECK(got == want, "status %d (%s), expected %d (%s)", (int)got, status_name(got),
                (int)want, status_name(want));
  }
  PFUZZ_CHECK(c.arena.snapshot() == snap, "order_by_norm wrote into its inputs");
  if (got != PROJECTION_OK) {
    PFUZZ_CHECK(same_bytes(&slots, &sentinel, sizeof slots), "result written on error");
    return;
  }
  if (!na) PFUZZ_CHECK(same_bytes(&slots.na, &sentinel.na, sizeof(double)), "norm_a written though NULL?");
  PFUZZ_CHECK(slots.swapped == 0 || slots.swapped == 1, "swapped = %d", slots.swapped);

  // The norms against the reference.
  const ld ra = ref_norm(c.a0, c.ord), rb = ref_norm(c.b0, c.ord);
  const ld rel = norm_rel_tol(c.n, c.ord);
  if (na && !norm_close(slots.na, ra, rel)) {
    dump_case(c, "order_by_norm");
    std::fprintf(stderr, "norm_a = %.21g, reference %.21Lg (rel tol %.3Lg)\n", slots.na, ra, rel);
    fail("norm_a outside the error bound");
  }
  if (nb && !norm_close(slots.nb, rb, rel)) {
    dump_case(c, "order_by_norm");
    std::fprintf(stderr, "norm_b = %.21g, reference %.21Lg (rel tol %.3Lg)\n", slots.nb, rb, rel);
    fail("norm_b outside the error bound");
  }
  // The order: must be the reference's unless the norms are within error of each other.
  const ld tie_band = rel * (std::fabs(ra) + std::fabs(rb)) +
                      (ld)std::numeric_limits<double>::denorm_min();
  const bool ambiguous = rel >= 0.5 || std::fabs(ra - rb) <= tie_band ||
                         (std::isinf(ra) && std::isinf(rb));
  if (!ambiguous && slots.swapped != (ra > rb ? 1 : 0)) {
    dump_case(c, "order_by_norm");
    std::fprintf(stderr, "swapped = %d; reference norms %.21Lg, %.21Lg\n", slots.swapped, ra, rb);
    fail("wrong order");
  }
  // Consistency with the norms returned, and stability of ties.
  if (na && nb) {
    if (slots.swapped == 0 && !(slots.na <= slots.nb)) {
      dump_case(c, "order_by_norm");
      fail("swapped = 0 but norm_a > norm_b");
    }
    // (Equal returned norms may still be ordered: the library may compare more
    // precise values than it returns, e.g. two norms that both round to inf.)
    if (slots.swapped == 1 && !(slots.na >= slots.nb)) {
      dump_case(c, "order_by_norm");
      std::fprintf(stderr, "norm_a = %.21g, norm_b = %.21g\n", slots.na, slots.nb);
      fail("swapped = 1 but norm_a < norm_b");
    }
  }

  // Determinism: copies at another alignment, another thread count; then the
  // arguments exchanged, which exchanges the norms bitwise.
  Copies<T> cp(c.a0, c.b0, 1 + (flags >> 5));
  projection_set_num_threads(1 + c.threads % 3);
  OrderSlots s2{}, s3{};
  PFUZZ_CHECK(call_order(cp.a, cp.b, c.n, c.ord, &s2.swapped, &s2.na, &s2.nb) == PROJECTION_OK,
              "re-run failed");
  PFUZZ_CHECK(call_order(cp.b, cp.a, c.n, c.ord, &s3.swapped, &s3.na, &s3.nb) == PROJECTION_OK,
              "exchanged re-run failed");
  if (!same_bytes(&s2.swapped, &slots.swapped, sizeof(int)) ||
      (na && !same_bytes(&s2.na, &slots.na, sizeof(double))) ||
      (nb && !same_bytes(&s2.nb, &slots.nb, sizeof(double)))) {
    dump_case(c, "order_by_norm");
    fail("not deterministic across alignment/threads");
  }
  if (!same_bytes(&s3.na, &s2.nb, sizeof(double)) || !same_bytes(&s3.nb, &s2.na, sizeof(double))) {
    dump_case(c, "order_by_norm");
    std::fprintf(stderr, "(a,b): %.21g %.21g; (b,a): %.21g %.21g\n", s2.na, s2.nb, s3.na, s3.nb);
    fail("norm of a vector depends on its argument position");
  }
  // Exchanged arguments exchange the order; with equal returned norms at
  // least not both "the first is larger".
  const bool exchange_ok =
      s2.na != s2.nb ? s3.swapped == 1 - s2.swapped : !(s3.swapped == 1 && s2.swapped == 1);
  if (!exchange_ok) {
    dump_case(c, "order_by_norm");
    std::fprintf(stderr, "(a,b): swapped %d norms %.21g %.21g; (b,a): swapped %d norms %.21g %.21g\n",
                 s2.swapped, s2.na, s2.nb, s3.swapped, s3.na, s3.nb);
    fail("exchanging the arguments did not exchange the order (or broke a tie)");
  }
}

// ---------------------------------------------------------------- equivalent_alpha
struct AlphaSlots {
  double alpha, scale;
};

// alpha and scale against the reference: (S, L) = order(noise, model);
// c_L = 1, c_S = 1 - k; scale = 2 - k, alpha = c_noise / scale. Interval bounds
// from the error on k.
template <class T>
PFUZZ_NOCOV bool alpha_within_bound(const std::vector<T>& a0, const std::vector<T>& b0,
                                    double alpha, double got_scale, ld* r_alpha, ld* r_scale) {
  const Order ord = order2(a0, b0);
  const ld u = std::ldexp((ld)1, -53);
  bool ok = false;
  for (int i = 0; i < ord.count && !ok; ++i) {
    const bool sw = ord.swap[i];  // false: S = noise
    const KRef kr = k_ref(sw ? b0 : a0, sw ? a0 : b0);
    const ld scale = 2 - kr.k;
    const ld cn = sw ? 1 : 1 - kr.k;
    const ld es = kr.k_err + 4 * u * (std::fabs(scale) + std::fabs(kr.k)) +
                  (ld)std::numeric_limits<double>::denorm_min();
    const ld ec = sw ? 0 : es;
    *r_alpha = cn / scale;
    *r_scale = scale;
    if (!close<double>(got_scale, scale, es)) continue;
    if (std::fabs(scale) <= es) {
      // scale indistinguishable from 0: alpha unbounded; only no NaN.
      ok = !std::isnan(alpha) && (got_scale != 0 || std::isinf(alpha));
      continue;
    }
    ld lo = INFINITY, hi = -INFINITY;
    for (int sc_ = -1; sc_ <= 1; sc_ += 2)
      for (int cc = -1; cc <= 1; cc += 2) {
        const ld q = (cn + cc * ec) / (scale + sc_ * es);
        lo = std::fmin(lo, q);
        hi = std::fmax(hi, q);
      }
    const ld slack = 4 * u * std::fmax(std::fabs(lo), std::fabs(hi)) +
                     (ld)std::numeric_limits<double>::denorm_min();
    ok = close<double>(alpha, (lo + hi) / 2, (hi - lo) / 2 + slack);
  }
  return ok;
}

template <class T>
void run_alpha(Reader& r, uint8_t flags) {
  Case<T> c;
  decode(r, flags, /*with_out=*/false, /*with_ord=*/false, c);
  projection_set_num_threads(c.threads);
  AlphaSlots slots;
  std::memset(&slots, 0xA5, sizeof slots);
  const AlphaSlots sentinel = slots;
  const bool nulls = c.layout == kNulls;
  double* al = (nulls && (c.null_mask & 4)) ? nullptr : &slots.alpha;
  double* sc = (nulls && (c.null_mask & 8)) ? nullptr : &slots.scale;

  projection_status want = PROJECTION_OK;
  if (!al || !sc || (c.n > 0 && (!c.a || !c.b))) want = PROJECTION_ERR_NULL;
  else if (!all_finite(c.a0) || !all_finite(c.b0)) want = PROJECTION_ERR_NONFINITE;

  const std::vector<unsigned char> snap = c.arena.snapshot();
  const projection_status got = call_alpha(c.a, c.b, c.n, al, sc);
  if (got != want) {
    dump_case(c, "equivalent_alpha");
    PFUZZ_CHECK(got == want, "status %d (%s), expected %d (%s)", (int)got, status_name(got),
                (int)want, status_name(want));
  }
  PFUZZ_CHECK(c.arena.snapshot() == snap, "equivalent_alpha wrote into its inputs");
  if (got != PROJECTION_OK) {
    PFUZZ_CHECK(same_bytes(&slots, &sentinel, sizeof slots), "result written on error");
    return;
  }

  ld r_alpha = 0, r_scale = 0;
  const bool ok = alpha_within_bound(c.a0, c.b0, slots.alpha, slots.scale, &r_alpha, &r_scale);
  if (!ok) {
    dump_case(c, "equivalent_alpha");
    std::fprintf(stderr, "alpha = %.21g, scale = %.21g; reference alpha %.21Lg, scale %.21Lg\n",
                 slots.alpha, slots.scale, r_alpha, r_scale);
    fail("alpha/scale outside the error bound of the long double reference");
  }

  Copies<T> cp(c.a0, c.b0, 1 + (flags >> 5));
  projection_set_num_threads(1 + c.threads % 3);
  AlphaSlots s2{};
  PFUZZ_CHECK(call_alpha(cp.a, cp.b, c.n, &s2.alpha, &s2.scale) == PROJECTION_OK, "re-run failed");
  if (!same_bytes(&s2, &slots, sizeof s2)) {
    dump_case(c, "equivalent_alpha");
    fail("not deterministic across alignment/threads");
  }
}

}  // namespace pfuzz
