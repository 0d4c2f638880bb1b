// libFuzzer target: the `_list_` and `_each_` entry points (projection.h
// sections 3 and 4), all ten of them, for all four element types.
//
// An input decodes to: the element type (byte 0, bits 0 and 2), which function,
// a list of 0..40 segments (rarely 65..134, where the library's overlap check
// sorts the spans), their lengths (0, a few, a few thousand, around a block of
// PROJECTION_BLOCK elements), where the segments lie (consecutive views of one
// buffer, separate buffers each exactly as large as the segment, inputs or
// everything at input-chosen places in one pool), per-segment changes (an
// output exactly its own a[i] or b[i], an output over another segment's input
// or another output or partly over its own input, inputs shared or overlapping
// freely, NULL segments), NULL arrays and result pointers, rarely lengths whose
// total overflows size_t, the values (a pattern tiled over the buffers, then
// values poked anywhere: a NaN in the last element of a segment, say), the norm
// order and the thread count. Checks:
//   * the status is exactly the documented one, in the documented order (NULL,
//     ARGUMENT, OVERLAP, NONFINITE), computed here from the list;
//   * on error not one byte changed anywhere: inputs, outputs, result arrays;
//   * on success nothing but the outputs and result slots was written;
//   * `_list_` is bitwise the single call on the concatenation of the segments
//     (built here), `_each_` bitwise the single call on each segment, the single
//     calls run on copies out of place with another thread count (so in place
//     equals out of place, and the thread count changes nothing).
#include "fuzz_api.hpp"

namespace pfuzz {
namespace {

constexpr size_t kBlockElems = PROJECTION_BLOCK;

enum class Fn { kVec, kOrder, kAlpha };

// A pointer into one of the case's buffers: region and element offset.
struct Ptr {
  int reg = -1;  // -1: NULL
  size_t off = 0;
};

template <class T>
struct ListCase {
  Arena arena;
  std::vector<T*> regions;
  std::vector<size_t> region_n;
  size_t count = 0;
  std::vector<size_t> n;
  std::vector<Ptr> pa, pb, po;
  T* at(const Ptr& p) const { return p.reg < 0 ? nullptr : regions[p.reg] + p.off; }
  int add_region(size_t elems) {
    regions.push_back(arena.template make<T>(elems));
    region_n.push_back(elems);
    return (int)regions.size() - 1;
  }
  // A pointer in the region of `near`, shifted by d elements, with room for
  // len elements; `fallback` where that region is too small.
  Ptr shifted(const Ptr& near, ptrdiff_t d, size_t len, const Ptr& fallback) const {
    if (near.reg < 0 || region_n[near.reg] < len) return fallback;
    const ptrdiff_t room = (ptrdiff_t)(region_n[near.reg] - len);
    ptrdiff_t o = (ptrdiff_t)near.off + d;
    o = o < 0 ? 0 : o > room ? room : o;
    return {near.reg, (size_t)o};
  }
};

size_t gen_length(Reader& r, bool big) {
  const uint8_t lb = r.byte();
  if (big) return lb % 8 == 0 ? 0 : 1000 + r.raw<uint16_t>() % 9000;
  switch (lb % 16) {
    case 0: case 1: return 0;
    case 2: case 3: case 4: case 5: case 6: case 7: return 1 + r.byte() % 48;
    case 8: case 9: return 48 + r.raw<uint16_t>() % 1000;
    case 10: case 11: return 1000 + r.raw<uint16_t>() % 4000;  // a few thousand
    case 12: return kBlockElems - 40 + r.byte() % 80;            // around a block
    case 13: return 31 + r.byte() % 3;
    case 14: return 1;
    default: return kBlockElems * (1 + r.byte() % 2) + (int8_t)r.byte();
  }
}

template <class T>
PFUZZ_NOCOV bool ranges_overlap_elems(const T* x, size_t nx, const T* y, size_t ny) {
  const uintptr_t a = reinterpret_cast<uintptr_t>(x), b = reinterpret_cast<uintptr_t>(y);
  return a < b + ny * sizeof(T) && b < a + nx * sizeof(T);
}

template <class T>
void run_lists(Reader& r, uint8_t flags) {
  const bool finite_only = flags & 2;
  const int threads = 1 + ((flags >> 3) & 3);
  const uint8_t fb = r.byte();
  const int which = fb % 10;
  const bool each = (which >= 3 && which <= 5) || which == 7 || which == 9;
  const Fn fn = which <= 5 ? Fn::kVec : which <= 7 ? Fn::kOrder : Fn::kAlpha;
  const VecOp op = (VecOp)(which % 3);
  const uint8_t cb = r.byte();
  const uint8_t mb = r.byte();
  const uint8_t null_arrays = r.byte();
  const uint8_t null_results = r.byte();
  const uint8_t huge = r.byte();
  const double ord = fn == Fn::kOrder ? gen_ord(r) : 2.0;
  const bool big = (flags & 0xE0) == 0xE0 && (mb & 0x80) && (cb & 1);
  const int mode = mb % 4;  // 0 views, 1 separate, 2 inputs in a pool, 3 all in a pool

  ListCase<T> c;
  c.count = cb < 232 ? cb % 41 : 65 + (size_t)(cb - 232) * 3;
  const size_t kMaxTotal = big ? 200000 : 24000;
  size_t total = 0;
  for (size_t i = 0; i < c.count; ++i) {
    size_t len = gen_length(r, big);
    if (total + len > kMaxTotal) len = kMaxTotal - total;
    c.n.push_back(len);
    total += len;
  }
  // Rarely: two segments of 2^63 bytes or more, whose total overflows size_t
  // (the library must refuse before touching them: ERR_ARGUMENT).
  const bool overflow = c.count >= 2 && huge == 0xA7;
  std::vector<size_t> offs(c.count);
  {
    size_t at = 0;
    for (size_t i = 0; i < c.count; ++i) offs[i] = at, at += c.n[i];
  }

  // Where the segments lie.
  auto pool_ptr = [&](int reg, size_t len) {
    const size_t room = c.region_n[reg] - len;
    return Ptr{reg, room ? r.raw<uint16_t>() % (room + 1) : 0};
  };
  c.pa.resize(c.count), c.pb.resize(c.count), c.po.resize(c.count);
  if (mode == 1) {
    for (size_t i = 0; i < c.count; ++i) {
      c.pa[i] = {c.add_region(c.n[i]), 0};
      c.pb[i] = {c.add_region(c.n[i]), 0};
      c.po[i] = {c.add_region(c.n[i]), 0};
    }
  } else {
    const int ra = c.add_region(total), rb = c.add_region(total), ro = c.add_region(total);
    const int pool = mode >= 2 ? c.add_region(total + 1 + r.byte() % 64) : -1;
    for (size_t i = 0; i < c.count; ++i) {
      c.pa[i] = mode >= 2 ? pool_ptr(pool, c.n[i]) : Ptr{ra, offs[i]};
      c.pb[i] = mode >= 2 ? pool_ptr(pool, c.n[i]) : Ptr{rb, offs[i]};
      c.po[i] = mode == 3 ? pool_ptr(pool, c.n[i]) : Ptr{ro, offs[i]};
    }
  }
  // Per-segment changes.
  for (size_t i = 0; i < c.count; ++i) {
    const uint8_t pbyte = r.byte();
    if (pbyte % 32 < 20) continue;
    const size_t j = c.count ? r.byte() % c.count : 0;
    const ptrdiff_t d = (int8_t)r.byte();
    const size_t len = c.n[i];
    switch (pbyte % 32) {
      case 20: c.po[i] = c.pa[i]; break;
      case 21: c.po[i] = c.pb[i]; break;
      case 22: c.pb[i] = c.pa[i], c.po[i] = c.pa[i]; break;
      case 23: c.po[i] = c.shifted(c.pa[j], d % 4 == 0 ? 0 : d, len, c.po[i]); break;
      case 24: c.po[i] = c.shifted(c.po[j], j == i ? d : d % 4 == 0 ? 0 : d, len, c.po[i]); break;
      case 25: c.po[i] = c.shifted(c.pa[i], d, len, c.po[i]); break;
      case 26: c.pb[i] = c.shifted(c.pa[j], d, len, c.pb[i]); break;
      case 27: c.pa[i] = Ptr{}; break;
      case 28: c.pb[i] = Ptr{}; break;
      case 29: c.po[i] = Ptr{}; break;
      case 30:
        c.pb[i] = c.shifted(c.pa[i], d == 0 ? 1 : d, len, c.pb[i]);
        c.po[i] = c.pa[i];
        break;
      default: c.pa[i] = c.shifted(c.pa[j], 0, len, c.pa[i]); break;
    }
  }

  // The values: a pattern tiled over every buffer, then pokes anywhere.
  {
    std::vector<T> pat;
    const size_t plen = 1 + r.byte() % 64;
    for (size_t k = 0; k < plen; ++k) pat.push_back(gen_value<T>(r, finite_only));
    size_t vi = r.byte();
    for (size_t g = 0; g < c.regions.size(); ++g) tile(c.regions[g], c.region_n[g], pat, vi);
    const int pokes = r.byte() % 8;
    for (int k = 0; k < pokes && !c.regions.empty(); ++k) {
      const size_t seg = c.count ? r.byte() % c.count : 0;
      const uint8_t where = r.byte();
      const T v = gen_value<T>(r, finite_only);
      if (c.count == 0 || c.n[seg] == 0) continue;
      const Ptr& p = (where & 1) ? c.pb[seg] : c.pa[seg];
      if (p.reg < 0) continue;
      // first, last, or anywhere in the segment
      const size_t idx = (where & 6) == 0 ? 0 : (where & 6) == 2 ? c.n[seg] - 1 : (where >> 3) * 977 % c.n[seg];
      c.at(p)[idx] = v;
    }
  }

  // The arrays the library reads, each an allocation of exactly `count` entries.
  const T** arr_a = c.arena.template make<const T*>(c.count);
  const T** arr_b = c.arena.template make<const T*>(c.count);
  size_t* arr_n = c.arena.template make<size_t>(c.count);
  T** arr_o = c.arena.template make<T*>(c.count);
  for (size_t i = 0; i < c.count; ++i) {
    arr_a[i] = c.at(c.pa[i]);
    arr_b[i] = c.at(c.pb[i]);
    arr_o[i] = c.at(c.po[i]);
    arr_n[i] = c.n[i];
  }
  if (overflow) {
    // Two segments of SIZE_MAX / sizeof(T) / 2 + 1 elements: each alone fits in
    // size_t bytes, together they do not. Non-NULL pointers, never read.
    const size_t i1 = huge % c.count, i2 = (i1 + 1) % c.count;
    for (size_t i : {i1, i2}) {
      arr_n[i] = SIZE_MAX / sizeof(T) / 2 + 1;
      if (!arr_a[i]) arr_a[i] = c.regions[0];
      if (!arr_b[i]) arr_b[i] = c.regions[0];
      if (!arr_o[i]) arr_o[i] = c.regions[0];
    }
  }
  const bool arrays_nulls = null_arrays >= 224;
  const T* const* A = arrays_nulls && (null_arrays & 1) ? nullptr : arr_a;
  const T* const* B = arrays_nulls && (null_arrays & 2) ? nullptr : arr_b;
  const size_t* N = arrays_nulls && (null_arrays & 4) ? nullptr : arr_n;
  T* const* O = arrays_nulls && (null_arrays & 8) ? nullptr : arr_o;

  // Result slots: one each (_list_) or `count` each (_each_), sentinel-filled,
  // allocated exactly, some NULL.
  const size_t slots = each ? c.count : 1;
  int* sw = c.arena.template make<int>(slots);
  double* na = c.arena.template make<double>(slots);
  double* nb = c.arena.template make<double>(slots);
  double* al = c.arena.template make<double>(slots);
  double* sc = c.arena.template make<double>(slots);
  for (size_t i = 0; i < slots; ++i) {
    std::memset(&sw[i], 0xA5, sizeof(int));
    std::memset(&na[i], 0xA5, sizeof(double));
    std::memset(&nb[i], 0xA5, sizeof(double));
    std::memset(&al[i], 0xA5, sizeof(double));
    std::memset(&sc[i], 0xA5, sizeof(double));
  }
  if (null_results % 16 == 0) sw = nullptr;
  if (null_results % 16 == 1) al = nullptr;
  if (null_results % 16 == 2) sc = nullptr;
  if (null_results & 16) na = nullptr;
  if (null_results & 32) nb = nullptr;

  // The segments' values as the call sees them.
  std::vector<std::vector<T>> a0(c.count), b0(c.count);
  if (!overflow)
    for (size_t i = 0; i < c.count; ++i) {
      if (arr_n[i] && arr_a[i]) a0[i].assign(arr_a[i], arr_a[i] + arr_n[i]);
      if (arr_n[i] && arr_b[i]) b0[i].assign(arr_b[i], arr_b[i] + arr_n[i]);
    }

  // ---------------------------------------------------------- expected status
  projection_status want = PROJECTION_OK;
  {
    const bool vec = fn == Fn::kVec;
    if (fn == Fn::kOrder && !sw && (!each || c.count > 0)) want = PROJECTION_ERR_NULL;
    if (fn == Fn::kAlpha && (!al || !sc) && (!each || c.count > 0)) want = PROJECTION_ERR_NULL;
    if (!want && c.count > 0 && (!A || !B || !N || (vec && !O))) want = PROJECTION_ERR_NULL;
    if (!want && c.count > 0)
      for (size_t i = 0; i < c.count; ++i)
        if (arr_n[i] && (!arr_a[i] || !arr_b[i] || (vec && !arr_o[i]))) want = PROJECTION_ERR_NULL;
    if (!want && (overflow || (fn == Fn::kOrder && std::isnan(ord)))) want = PROJECTION_ERR_ARGUMENT;
    if (!want && vec)
      for (size_t i = 0; i < c.count && !want; ++i) {
        if (!arr_n[i]) continue;
        for (size_t j = 0; j < c.count && !want; ++j) {
          if (!arr_n[j]) continue;
          for (const T* in : {arr_a[j], arr_b[j]})
            if (ranges_overlap_elems<T>(arr_o[i], arr_n[i], in, arr_n[j]) && !(i == j && in == arr_o[i]))
              want = PROJECTION_ERR_OVERLAP;
          if (j != i && ranges_overlap_elems<T>(arr_o[i], arr_n[i], arr_o[j], arr_n[j]))
            want = PROJECTION_ERR_OVERLAP;
        }
      }
    if (!want)
      for (size_t i = 0; i < c.count; ++i)
        if (!all_finite(a0[i]) || !all_finite(b0[i])) want = PROJECTION_ERR_NONFINITE;
  }

  const char* fname[] = {"vector_projection_list", "project_out_smaller_list",
                         "alphaless_gradient_list", "vector_projection_each",
                         "project_out_smaller_each", "alphaless_gradient_each",
                         "order_by_norm_list", "order_by_norm_each",
                         "equivalent_alpha_list", "equivalent_alpha_each"};
  auto describe = [&]() {
    std::fprintf(stderr, "fn=%s_%s count=%zu total=%zu mode=%d threads=%d ord=%.17g arch=%s%s\n",
                 fname[which], type_name<T>(), c.count, total, mode, threads, ord,
                 projection_simd_arch(), overflow ? " (overflowing lengths)" : "");
    std::fprintf(stderr, "arrays: a=%p b=%p n=%p out=%p; results: sw=%p na=%p nb=%p al=%p sc=%p\n",
                 (const void*)A, (const void*)B, (const void*)N, (const void*)O, (void*)sw,
                 (void*)na, (void*)nb, (void*)al, (void*)sc);
    for (size_t i = 0; i < c.count && i < 48; ++i)
      std::fprintf(stderr, "  [%zu] n=%zu a=%p b=%p out=%p%s\n", i, arr_n[i], (const void*)arr_a[i],
                   (const void*)arr_b[i], (void*)arr_o[i],
                   (!overflow && (!all_finite(a0[i]) || !all_finite(b0[i]))) ? " (NaN/Inf)" : "");
  };

  // ---------------------------------------------------------- the call
  projection_set_num_threads(threads);
  const std::vector<unsigned char> snap = c.arena.snapshot();
  projection_status got;
  switch (fn) {
    case Fn::kVec: got = Api<T>::vec(op, each)(A, B, N, c.count, O); break;
    case Fn::kOrder: got = Api<T>::order(each, A, B, N, c.count, ord, sw, na, nb); break;
    default: got = Api<T>::alpha(each, A, B, N, c.count, al, sc); break;
  }
  stat(std::string(fname[which]) + "_" + type_name<T>() + " " + status_name(got) +
       (mode == 1 ? " separate" : mode == 0 ? " views" : " pool") + (c.count > 64 ? " >64" : ""));
  if (std::getenv("PFUZZ_VERBOSE")) {  // every case, for looking at what the inputs decode to
    std::fprintf(stderr, "status %s: ", status_name(got));
    describe();
  }
  if (got != want) {
    describe();
    PFUZZ_CHECK(got == want, "status %d (%s), expected %d (%s)", (int)got, status_name(got),
                (int)want, status_name(want));
  }
  if (got != PROJECTION_OK) {
    if (c.arena.snapshot() != snap) {
      describe();
      fail("memory written on error (inputs, outputs or result slots)");
    }
    return;
  }
  std::vector<Span> may_write;
  if (fn == Fn::kVec)
    for (size_t i = 0; i < c.count; ++i) may_write.push_back({arr_o[i], arr_n[i] * sizeof(T)});
  if (fn == Fn::kOrder) {
    may_write.push_back({sw, slots * sizeof(int)});
    may_write.push_back({na, slots * sizeof(double)});
    may_write.push_back({nb, slots * sizeof(double)});
  }
  if (fn == Fn::kAlpha) {
    may_write.push_back({al, slots * sizeof(double)});
    may_write.push_back({sc, slots * sizeof(double)});
  }
  if (!unchanged_except_spans(c.arena, snap, may_write)) {
    describe();
    fail("success wrote outside the outputs and result slots");
  }

  // ---------------------------------------------------------- against single calls
  projection_set_num_threads(1 + threads % 3);
  auto mismatch = [&](const char* what, size_t seg) {
    describe();
    std::fprintf(stderr, "mismatch: %s (segment %zu)\n", what, seg);
    fail(each ? "_each_ differs from the single call on the segment"
              : "_list_ differs from the single call on the concatenation");
  };
  if (!each) {
    std::vector<T> ca, cb2;
    ca.reserve(total), cb2.reserve(total);
    for (size_t i = 0; i < c.count; ++i) {
      ca.insert(ca.end(), a0[i].begin(), a0[i].end());
      cb2.insert(cb2.end(), b0[i].begin(), b0[i].end());
    }
    Copies<T> cp(ca, cb2, 1 + (flags >> 5));
    if (fn == Fn::kVec) {
      PFUZZ_CHECK(call_vec(op, cp.a, cp.b, total, cp.out) == PROJECTION_OK, "single call failed");
      for (size_t i = 0; i < c.count; ++i)
        if (!same_bytes(arr_o[i], cp.out + offs[i], c.n[i] * sizeof(T))) mismatch("output", i);
    } else if (fn == Fn::kOrder) {
      int s1;
      double x1, y1;
      PFUZZ_CHECK(call_order(cp.a, cp.b, total, ord, &s1, &x1, &y1) == PROJECTION_OK, "single call failed");
      if (s1 != *sw) mismatch("swapped", 0);
      if (na && !same_bytes(na, &x1, sizeof x1)) mismatch("norm_a", 0);
      if (nb && !same_bytes(nb, &y1, sizeof y1)) mismatch("norm_b", 0);
    } else {
      double x1, y1;
      PFUZZ_CHECK(call_alpha(cp.a, cp.b, total, &x1, &y1) == PROJECTION_OK, "single call failed");
      if (!same_bytes(al, &x1, sizeof x1)) mismatch("alpha", 0);
      if (!same_bytes(sc, &y1, sizeof y1)) mismatch("scale", 0);
    }
    return;
  }
  for (size_t i = 0; i < c.count; ++i) {
    Copies<T> cp(a0[i], b0[i], i + (flags >> 5));
    const size_t m = c.n[i];
    if (fn == Fn::kVec) {
      if (m == 0) continue;
      PFUZZ_CHECK(call_vec(op, cp.a, cp.b, m, cp.out) == PROJECTION_OK, "single call failed");
      if (!same_bytes(arr_o[i], cp.out, m * sizeof(T))) mismatch("output", i);
    } else if (fn == Fn::kOrder) {
      int s1;
      double x1, y1;
      PFUZZ_CHECK(call_order(cp.a, cp.b, m, ord, &s1, &x1, &y1) == PROJECTION_OK, "single call failed");
      if (s1 != sw[i]) mismatch("swapped", i);
      if (na && !same_bytes(&na[i], &x1, sizeof x1)) mismatch("norm_a", i);
      if (nb && !same_bytes(&nb[i], &y1, sizeof y1)) mismatch("norm_b", i);
    } else {
      double x1, y1;
      PFUZZ_CHECK(call_alpha(cp.a, cp.b, m, &x1, &y1) == PROJECTION_OK, "single call failed");
      if (!same_bytes(&al[i], &x1, sizeof x1)) mismatch("alpha", i);
      if (!same_bytes(&sc[i], &y1, sizeof y1)) mismatch("scale", i);
    }
  }
}

}  // namespace
}  // namespace pfuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pfuzz::check_arch_once();
  pfuzz::Reader r(data, size);
  const uint8_t flags = r.byte();
  pfuzz::with_type(flags, [&]<class T>() { pfuzz::run_lists<T>(r, flags); });
  return 0;
}
