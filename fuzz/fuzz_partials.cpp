// libFuzzer target: partial sums across processes (projection.h section 5),
// for all four element types.
//
// An input decodes to: the element type (byte 0, bits 0 and 2), a global vector
// of 0 to a few blocks of PROJECTION_BLOCK elements (values as in the other
// targets: a pattern tiled, then pokes), a global offset, 1 to 6 shards cut at
// multiples of PROJECTION_BLOCK or anywhere, each added in 1 to 3 pieces, read
// from the vector itself or from copies at other alignments; merge orders; a
// mutation of a struct's raw bytes (a bit flipped, a byte overwritten, zeroed,
// filled with garbage, a fake future layout version, shifted, spliced with
// another partials); misuse (NULLs, an offset whose end passes 2^64, merging a
// partials into itself or an overlapping one, an output over an input). Checks:
//   * every call's status is exactly the documented one, first applicable of
//     NULL, ARGUMENT, OVERLAP, PARTIALS, NONFINITE; on error nothing written
//     (not the partials, not an output, not a result);
//   * any changed byte of a valid struct makes every function that reads it
//     return PROJECTION_ERR_PARTIALS, never a crash (ASan/UBSan);
//   * merging is exact: any merge order, and adding every piece into one
//     partials, give the same bytes;
//   * NaN/Inf in any shard: every finishing call refuses (add succeeds);
//   * shards at multiples of PROJECTION_BLOCK: every result bitwise the single
//     call on the whole vector; at other offsets within the long double
//     reference's error bound (the same bounds as the single-buffer targets).
#include "fuzz_api.hpp"

namespace pfuzz {
namespace {

constexpr size_t kB = PROJECTION_BLOCK;
using P = projection_partials;

bool same_partials(const P& x, const P& y) { return std::memcmp(&x, &y, sizeof x) == 0; }

struct Piece {
  size_t lo, len;  // in the global vector (relative to the base offset)
};

// What a partials-reading call must return, the checks in their order.
projection_status expect(bool null, bool argument, bool overlap, bool valid, bool nonfinite) {
  if (null) return PROJECTION_ERR_NULL;
  if (argument) return PROJECTION_ERR_ARGUMENT;
  if (overlap) return PROJECTION_ERR_OVERLAP;
  if (!valid) return PROJECTION_ERR_PARTIALS;
  if (nonfinite) return PROJECTION_ERR_NONFINITE;
  return PROJECTION_OK;
}

template <class T>
struct PartialsCase {
  uint8_t flags = 0;
  size_t n = 0;
  uint64_t base = 0;
  std::vector<T> a0, b0;  // the global vectors
  bool finite = true;
  std::vector<std::vector<Piece>> shards;
  const char* stage = "";

  void dump(const char* what) const {
    std::fprintf(stderr, "partials %s: type=%s n=%zu base=%" PRIu64 " shards=%zu finite=%d arch=%s\n",
                 stage, type_name<T>(), n, base, shards.size(), (int)finite, projection_simd_arch());
    for (size_t k = 0; k < shards.size(); ++k) {
      std::fprintf(stderr, "  shard %zu:", k);
      for (const Piece& p : shards[k]) std::fprintf(stderr, " [%zu, +%zu)", p.lo, p.len);
      std::fprintf(stderr, "\n");
    }
    fail(what);
  }
};

template <class T>
void status_is(PartialsCase<T>& c, const char* call, projection_status got, projection_status want) {
  if (got == want) return;
  std::fprintf(stderr, "%s: status %d (%s), expected %d (%s)\n", call, (int)got, status_name(got),
               (int)want, status_name(want));
  c.dump("wrong status");
}

// Mutates p's bytes as the input says. The result is a valid partials only if
// the bytes did not change, or became exactly those of `other` (a valid
// partials: its tail spliced in from the first bytes on).
enum class Mutated { kUnchanged, kBecameOther, kChanged };

Mutated mutate(Reader& r, P& p, const P& other) {
  const P before = p;
  auto* bytes = reinterpret_cast<unsigned char*>(&p);
  const uint8_t kind = r.byte() % 8;
  const size_t pos = r.raw<uint16_t>() % sizeof(P);
  switch (kind) {
    case 0: bytes[pos] ^= (unsigned char)(1u << (r.byte() % 8)); break;   // one bit
    case 1: bytes[pos] = r.byte(); break;                                 // one byte
    case 2: std::memset(&p, 0, sizeof p); break;                          // zeroed
    case 3: {                                                             // garbage
      const uint64_t w = r.raw<uint64_t>();
      for (size_t i = 0; i < sizeof p; i += 8) std::memcpy(bytes + i, &w, 8);
      break;
    }
    case 4: {  // a fake future layout: the version word (bytes 4..7) moved on
      uint32_t v;
      std::memcpy(&v, bytes + 4, 4);
      v += 1 + r.byte() % 4;
      std::memcpy(bytes + 4, &v, 4);
      break;
    }
    case 5: {  // shifted by d bytes (a misread buffer)
      const size_t d = 1 + r.byte() % 64;
      if (r.byte() & 1) {
        std::memmove(bytes + d, bytes, sizeof p - d);
        std::memset(bytes, 0, d);
      } else {
        std::memmove(bytes, bytes + d, sizeof p - d);
        std::memset(bytes + sizeof p - d, 0, d);
      }
      break;
    }
    case 6: std::memset(&p, r.byte(), sizeof p); break;  // never initialized
    default:  // the tail from another partials, from byte pos on
      std::memcpy(bytes + pos, reinterpret_cast<const unsigned char*>(&other) + pos, sizeof p - pos);
      break;
  }
  return same_partials(p, before) ? Mutated::kUnchanged
         : same_partials(p, other) ? Mutated::kBecameOther
                                   : Mutated::kChanged;
}

// Every function that reads `q`, with NULL and overlap misuse mixed in: each
// must give the first applicable status and write nothing on error. `valid`:
// q is a struct the library must accept; `nonfinite`: it holds a NaN/Inf shard.
// `good` is a valid partials, (la, lb, m) a local shard to finish.
template <class T>
void exercise(PartialsCase<T>& c, Reader& r, const P& q, bool valid, bool nonfinite,
              const P& good, const T* la, const T* lb, size_t m) {
  const uint8_t misuse = r.byte();
  // Working copies in exactly sized allocations, so that ASan sees any access
  // beyond a struct; their own arena, whose snapshots stay small. The inputs
  // la, lb (the global vectors') are compared once at the end.
  Arena ar;
  const std::vector<T> la0(la, la + m), lb0(lb, lb + m);
  P* into = ar.template make<P>(1);
  P* qq = ar.template make<P>(2);  // qq[0] = q, qq[1] = q: room for an overlapping view
  std::memcpy(into, &good, sizeof(P));
  std::memcpy(&qq[0], &q, sizeof(P));
  std::memcpy(&qq[1], &q, sizeof(P));
  T* out = ar.template make<T>(m);
  for (size_t i = 0; i < m; ++i) out[i] = T{};
  std::memset(out, 0x5A, m * sizeof(T));
  const std::vector<unsigned char> snap0 = ar.snapshot();
  auto untouched = [&](const char* call) {
    if (ar.snapshot() != snap0) {
      std::fprintf(stderr, "%s\n", call);
      c.dump("memory written on error");
    }
  };

  // merge(good copy, q) and merge(q copy, good).
  {
    const projection_status st = projection_partials_merge(into, &qq[0]);
    status_is(c, "merge(good, q)", st, expect(false, false, false, valid, false));
    if (st != PROJECTION_OK) untouched("merge(good, q)");
    std::memcpy(into, &good, sizeof(P));
    const projection_status st2 = projection_partials_merge(&qq[0], into);
    status_is(c, "merge(q, good)", st2, expect(false, false, false, valid, false));
    if (st2 != PROJECTION_OK) untouched("merge(q, good)");
    std::memcpy(&qq[0], &q, sizeof(P));
  }
  // Into itself, or a view overlapping it: OVERLAP, valid or not.
  {
    status_is(c, "merge(q, q)", projection_partials_merge(&qq[0], &qq[0]),
              expect(false, false, true, valid, false));
    const size_t d = 1 + (misuse * 37u) % (sizeof(P) - 1);
    const P* view = reinterpret_cast<const P*>(reinterpret_cast<const unsigned char*>(&qq[0]) + d);
    status_is(c, "merge(q, q + d bytes)", projection_partials_merge(&qq[0], view),
              expect(false, false, true, valid, false));
    status_is(c, "merge(q + d bytes, q)",
              projection_partials_merge(const_cast<P*>(view), &qq[0]),
              expect(false, false, true, valid, false));
    status_is(c, "merge(NULL, q)", projection_partials_merge(nullptr, &qq[0]),
              expect(true, false, false, valid, false));
    status_is(c, "merge(q, NULL)", projection_partials_merge(&qq[0], nullptr),
              expect(true, false, false, valid, false));
    untouched("merge misuse");
  }
  // add: NULL, an end beyond 2^64, then the struct itself.
  {
    status_is(c, "add(NULL)", Api<T>::add(nullptr, la, lb, m, 0), expect(true, false, false, valid, false));
    if (m > 0) {
      status_is(c, "add(q, NULL a)", Api<T>::add(&qq[0], nullptr, lb, m, 0),
                expect(true, false, false, valid, false));
      const uint64_t off = UINT64_MAX - misuse % m;  // offset + m > 2^64 - 1
      status_is(c, "add(q, offset past 2^64)", Api<T>::add(&qq[0], la, lb, m, off),
                expect(false, true, false, valid, false));
    }
    untouched("add misuse");
    // At the very end of the index space: offset + m == 2^64 - 1 is fine.
    const uint64_t off = (misuse & 1) ? UINT64_MAX - m : c.base;
    const projection_status st = Api<T>::add(&qq[0], la, lb, m, off);
    status_is(c, "add(q)", st, expect(false, false, false, valid, false));
    if (st != PROJECTION_OK) untouched("add(q)");
    std::memcpy(&qq[0], &q, sizeof(P));
  }
  // The finishing calls.
  {
    int sw = -7;
    double x = -7, y = -7;
    status_is(c, "order_by_norm(NULL)", projection_partials_order_by_norm(nullptr, &sw, &x, &y),
              expect(true, false, false, valid, nonfinite));
    status_is(c, "order_by_norm(q, swapped NULL)",
              projection_partials_order_by_norm(&qq[0], nullptr, &x, &y),
              expect(true, false, false, valid, nonfinite));
    status_is(c, "equivalent_alpha(q, NULL, scale)",
              projection_partials_equivalent_alpha(&qq[0], nullptr, &y),
              expect(true, false, false, valid, nonfinite));
    status_is(c, "equivalent_alpha(q, alpha, NULL)",
              projection_partials_equivalent_alpha(&qq[0], &x, nullptr),
              expect(true, false, false, valid, nonfinite));
    const projection_status want = expect(false, false, false, valid, nonfinite);
    const projection_status s1 = projection_partials_order_by_norm(
        &qq[0], &sw, (misuse & 2) ? nullptr : &x, (misuse & 4) ? nullptr : &y);
    status_is(c, "order_by_norm(q)", s1, want);
    if (s1 != PROJECTION_OK && (sw != -7 || x != -7 || y != -7)) c.dump("order_by_norm wrote on error");
    if (s1 == PROJECTION_OK) {
      if (sw != 0 && sw != 1) c.dump("swapped not 0 or 1");
      if (!(misuse & 2) && (std::isnan(x) || x < 0)) c.dump("norm_a is NaN or negative");
      if (!(misuse & 4) && (std::isnan(y) || y < 0)) c.dump("norm_b is NaN or negative");
      if (((misuse & 2) && x != -7) || ((misuse & 4) && y != -7)) c.dump("a NULL norm was written?");
    }
    sw = -7, x = -7, y = -7;
    const projection_status s2 = projection_partials_equivalent_alpha(&qq[0], &x, &y);
    status_is(c, "equivalent_alpha(q)", s2, want);
    if (s2 != PROJECTION_OK && (x != -7 || y != -7)) c.dump("equivalent_alpha wrote on error");
    if (s2 == PROJECTION_OK && (std::isnan(x) || std::isnan(y))) c.dump("alpha or scale NaN");
    untouched("scalar finishing calls");
  }
  for (int o = 0; o < 3; ++o) {
    const VecOp op = (VecOp)o;
    const std::vector<unsigned char> snap_misuse = ar.snapshot();
    status_is(c, "vector finishing(NULL)", Api<T>::finish_vec(op, nullptr, la, lb, m, out),
              expect(true, false, false, valid, nonfinite));
    if (m > 0) {
      status_is(c, "vector finishing(q, out NULL)", Api<T>::finish_vec(op, &qq[0], la, lb, m, nullptr),
                expect(true, false, false, valid, nonfinite));
      status_is(c, "vector finishing(q, a NULL)", Api<T>::finish_vec(op, &qq[0], nullptr, lb, m, out),
                expect(true, false, false, valid, nonfinite));
    }
    if (ar.snapshot() != snap_misuse) c.dump("vector finishing wrote on ERR_NULL");
    if (m > 1) {
      // out partly over a copy of the local a: OVERLAP before the struct is read.
      T* two = ar.template make<T>(m + 1);
      std::memcpy(two, la, m * sizeof(T));
      two[m] = la[0];
      const std::vector<unsigned char> snap1 = ar.snapshot();
      status_is(c, "vector finishing(q, out = a + 1)",
                Api<T>::finish_vec(op, &qq[0], two, lb, m, two + 1),
                expect(false, false, true, valid, nonfinite));
      if (ar.snapshot() != snap1) c.dump("vector finishing wrote on OVERLAP");
    }
    const std::vector<unsigned char> snap2 = ar.snapshot();
    const projection_status st = Api<T>::finish_vec(op, &qq[0], la, lb, m, out);
    status_is(c, "vector finishing(q)", st, expect(false, false, false, valid, nonfinite));
    if (st != PROJECTION_OK && ar.snapshot() != snap2) c.dump("vector finishing wrote on error");
    bool local_finite = true;
    for (size_t i = 0; i < m; ++i) local_finite &= fin(la[i]) && fin(lb[i]);
    if (st == PROJECTION_OK && local_finite)
      for (size_t i = 0; i < m; ++i)
        if (std::isnan(val(out[i]))) c.dump("vector finishing wrote NaN");
  }
  if (!same_bytes(la, la0.data(), m * sizeof(T)) || !same_bytes(lb, lb0.data(), m * sizeof(T)))
    c.dump("an input of a finishing call was written");
}

template <class T>
void run_partials(Reader& r, uint8_t flags) {
  PartialsCase<T> c;
  c.flags = flags;
  const bool finite_only = flags & 2;
  const int threads = 1 + ((flags >> 3) & 3);
  const uint8_t sb = r.byte();
  switch (sb % 4) {  // a multi-block vector one time in four
    case 0: case 3: c.n = r.byte() % 100; break;
    case 1: c.n = r.raw<uint16_t>() % 3000; break;
    default: {
      const long m = (long)kB * (1 + r.byte() % 3) + (int16_t)r.raw<uint16_t>() % (long)kB;
      c.n = m < 0 ? 0 : (size_t)m;
    }
  }
  const uint8_t kb = r.byte();
  const size_t nshards = 1 + kb % 6;
  const bool want_aligned = !(kb & 0x40);
  const bool copies = kb & 0x80;
  const uint8_t baseb = r.byte();
  c.base = baseb < 160 ? 0 : baseb < 224 ? (uint64_t)r.raw<uint32_t>() * kB
                                        : (uint64_t)r.raw<uint32_t>() * kB + r.raw<uint16_t>();
  const uint8_t when = r.byte();  // mutation: 0 none, 1 a shard's partials, 2 the merged one

  // The values.
  Arena ar;
  T* ga = ar.template make<T>(c.n);
  T* gb = ar.template make<T>(c.n);
  {
    std::vector<T> pat;
    const size_t plen = 1 + r.byte() % 48;
    for (size_t k = 0; k < plen; ++k) pat.push_back(gen_value<T>(r, finite_only));
    size_t vi = r.byte();
    tile(ga, c.n, pat, vi);
    tile(gb, c.n, pat, vi);
    const int pokes = r.byte() % 6;
    for (int k = 0; k < pokes; ++k) {
      const uint16_t where = r.raw<uint16_t>();
      const T v = gen_value<T>(r, finite_only);
      if (c.n == 0) continue;
      const size_t idx = (where & 3) == 0 ? c.n - 1 : (size_t)(where >> 2) * 131 % c.n;
      ((where & 4) ? gb : ga)[idx] = v;
    }
  }
  c.a0.assign(ga, ga + c.n);
  c.b0.assign(gb, gb + c.n);
  c.finite = all_finite(c.a0) && all_finite(c.b0);

  // Shards and their pieces.
  std::vector<size_t> cut = {0, c.n};
  for (size_t k = 1; k < nshards; ++k) {
    size_t at = c.n ? r.raw<uint16_t>() % (c.n + 1) : 0;
    if (want_aligned) at = at / kB * kB;
    cut.push_back(at);
  }
  std::sort(cut.begin(), cut.end());
  for (size_t k = 0; k + 1 < cut.size(); ++k) {
    std::vector<Piece> ps;
    const size_t lo = cut[k], hi = cut[k + 1];
    size_t at = lo;
    const int pieces = 1 + r.byte() % 3;
    for (int p = 1; p < pieces && at < hi; ++p) {
      size_t e = at + r.raw<uint16_t>() % (hi - at + 1);
      if (want_aligned) e = e / kB * kB;
      if (e <= at) continue;
      ps.push_back({at, e - at});
      at = e;
    }
    ps.push_back({at, hi - at});
    c.shards.push_back(ps);
  }
  // Aligned: every piece with elements starts at a multiple of the block.
  bool aligned = true;
  for (auto& ps : c.shards)
    for (const Piece& p : ps)
      if (p.len && (c.base + p.lo) % kB != 0) aligned = false;

  // Where each piece is read from: the vector itself, or a copy at another
  // alignment in an allocation of exactly its size.
  auto src = [&](const Piece& p, bool of_b) -> const T* {
    const T* g = of_b ? gb : ga;
    if (!copies || p.len == 0) return g + p.lo;
    T* cpy = ar.template make<T>(p.len);
    std::memcpy(cpy, g + p.lo, p.len * sizeof(T));
    return cpy;
  };

  projection_set_num_threads(threads);
  c.stage = "add";
  const size_t S = c.shards.size();
  P* parts = ar.template make<P>(S);
  P* all_in_one = ar.template make<P>(1);
  projection_partials_init(all_in_one);
  projection_partials_init(nullptr);  // does nothing
  for (size_t k = 0; k < S; ++k) {
    projection_partials_init(&parts[k]);
    for (const Piece& p : c.shards[k]) {
      const T* pa = src(p, false);
      const T* pb = src(p, true);
      status_is(c, "add", Api<T>::add(&parts[k], pa, pb, p.len, c.base + p.lo), PROJECTION_OK);
      status_is(c, "add (all in one)", Api<T>::add(all_in_one, pa, pb, p.len, c.base + p.lo),
                PROJECTION_OK);
    }
  }
  // The local shard a process finishes: shard `mine`.
  const size_t mine = S ? r.byte() % S : 0;
  const size_t mlo = cut[mine], mlen = cut[mine + 1] - cut[mine];

  if (when % 4 == 1 && S > 0) {  // a shard's partials damaged (in transit, say)
    c.stage = "mutated shard partials";
    const size_t k = r.byte() % S, k2 = (k + 1) % S;
    P bad = parts[k];
    const Mutated mu = mutate(r, bad, parts[k2]);
    const bool changed = mu == Mutated::kChanged;
    stat(std::string("partials_") + type_name<T>() + (changed ? " mutated" : " mutation kept it valid"));
    auto shard_finite = [&](size_t j) {
      bool f = true;
      for (size_t i = cut[j]; i < cut[j + 1]; ++i) f &= fin(ga[i]) && fin(gb[i]);
      return f;
    };
    const bool nonfinite = !shard_finite(mu == Mutated::kBecameOther ? k2 : k);
    exercise(c, r, bad, !changed, !changed && nonfinite, parts[k2], ga + mlo, gb + mlo, mlen);
    if (changed) return;
  }

  // Merge in a random tree, and again folding in reverse into an empty one:
  // the same bytes, and those of adding every piece into one partials.
  c.stage = "merge";
  std::vector<P> work(parts, parts + S);
  while (work.size() > 1) {
    const size_t i = r.byte() % work.size();
    size_t j = r.byte() % (work.size() - 1);
    if (j >= i) ++j;
    const P from = work[j];
    status_is(c, "merge", projection_partials_merge(&work[i], &work[j]), PROJECTION_OK);
    if (!same_partials(from, work[j])) c.dump("merge wrote into `from`");
    work.erase(work.begin() + (ptrdiff_t)j);
  }
  P m1;
  if (S) m1 = work[0];
  else projection_partials_init(&m1);
  P m2;
  projection_partials_init(&m2);
  for (size_t k = S; k-- > 0;) status_is(c, "merge (fold)", projection_partials_merge(&m2, &parts[k]), PROJECTION_OK);
  if (!same_partials(m1, m2)) c.dump("merge order changed the bytes");
  if (!same_partials(m1, *all_in_one)) c.dump("merged partials differ from all pieces added to one");

  if (when % 4 == 2) {  // the merged partials damaged
    c.stage = "mutated merged partials";
    P bad = m1;
    P other;
    projection_partials_init(&other);
    const Mutated mu = mutate(r, bad, other);  // other: empty, finite
    const bool changed = mu == Mutated::kChanged;
    stat(std::string("partials_") + type_name<T>() + (changed ? " mutated" : " mutation kept it valid"));
    exercise(c, r, bad, !changed, mu == Mutated::kUnchanged && !c.finite, m1, ga + mlo, gb + mlo, mlen);
    if (changed) return;
  }
  c.stage = "finish";
  // Misuse and statuses on the valid merged partials (NONFINITE if a shard held NaN/Inf).
  exercise(c, r, m1, true, !c.finite, m1, ga + mlo, gb + mlo, mlen);
  stat(std::string("partials_") + type_name<T>() + (c.finite ? " finite" : " nonfinite") +
       (aligned ? " aligned" : " unaligned") + (S > 1 ? " sharded" : " one shard"));
  if (!c.finite) return;

  // Results: from the partials, and from the single call on the whole vector.
  projection_set_num_threads(1 + threads % 3);
  Copies<T> whole(c.a0, c.b0, 1 + (flags >> 5));
  int s1, s2;
  double na1, nb1, na2, nb2, al1, sc1, al2, sc2;
  status_is(c, "partials order_by_norm", projection_partials_order_by_norm(&m1, &s1, &na1, &nb1), PROJECTION_OK);
  status_is(c, "partials equivalent_alpha", projection_partials_equivalent_alpha(&m1, &al1, &sc1), PROJECTION_OK);
  status_is(c, "single order_by_norm", call_order(whole.a, whole.b, c.n, 2.0, &s2, &na2, &nb2), PROJECTION_OK);
  status_is(c, "single equivalent_alpha", call_alpha(whole.a, whole.b, c.n, &al2, &sc2), PROJECTION_OK);
  std::vector<T> outs[3];
  for (int o = 0; o < 3; ++o) {
    const VecOp op = (VecOp)o;
    outs[o].resize(c.n);
    // Each process finishes its own shard: out of place, or in place over a
    // copy of its a or b.
    for (size_t k = 0; k < S; ++k) {
      const size_t lo = cut[k], len = cut[k + 1] - lo;
      const uint8_t how = r.byte() % 3;
      T* la = ar.template make<T>(len);
      T* lb = ar.template make<T>(len);
      std::memcpy(la, ga + lo, len * sizeof(T));
      std::memcpy(lb, gb + lo, len * sizeof(T));
      T* out = how == 0 ? ar.template make<T>(len) : how == 1 ? la : lb;
      status_is(c, "partials vector finishing", Api<T>::finish_vec(op, &m1, la, lb, len, out), PROJECTION_OK);
      if (len) std::memcpy(outs[o].data() + lo, out, len * sizeof(T));
    }
  }
  if (aligned) {
    c.stage = "aligned shards against the single call";
    if (s1 != s2 || !same_bytes(&na1, &na2, 8) || !same_bytes(&nb1, &nb2, 8)) {
      std::fprintf(stderr, "partials: swapped %d norms %.17g %.17g; single: %d %.17g %.17g\n", s1, na1,
                   nb1, s2, na2, nb2);
      c.dump("order_by_norm from partials is not the single call's");
    }
    if (!same_bytes(&al1, &al2, 8) || !same_bytes(&sc1, &sc2, 8)) {
      std::fprintf(stderr, "partials: alpha %.17g scale %.17g; single: %.17g %.17g\n", al1, sc1, al2, sc2);
      c.dump("equivalent_alpha from partials is not the single call's");
    }
    for (int o = 0; o < 3; ++o) {
      PFUZZ_CHECK(call_vec((VecOp)o, whole.a, whole.b, c.n, whole.out) == PROJECTION_OK, "single call");
      if (!same_bytes(whole.out, outs[o].data(), c.n * sizeof(T))) {
        std::fprintf(stderr, "op %s\n", vec_op_name((VecOp)o));
        c.dump("output from partials is not the single call's");
      }
    }
    return;
  }
  // Unaligned: within the reference's bounds.
  c.stage = "unaligned shards against the reference";
  {
    const ld ra = ref_norm(c.a0, 2.0), rb = ref_norm(c.b0, 2.0), rel = norm_rel_tol(c.n, 2.0);
    if (!norm_close(na1, ra, rel) || !norm_close(nb1, rb, rel)) {
      std::fprintf(stderr, "norms %.21g %.21g, reference %.21Lg %.21Lg (rel %.3Lg)\n", na1, nb1, ra, rb, rel);
      c.dump("norm from partials outside the error bound");
    }
    const Order ord = order2(c.a0, c.b0);
    if (ord.count == 1 && s1 != (int)ord.swap[0]) c.dump("order from partials is wrong");
    ld r_alpha, r_scale;
    if (!alpha_within_bound(c.a0, c.b0, al1, sc1, &r_alpha, &r_scale)) {
      std::fprintf(stderr, "alpha %.21g scale %.21g, reference %.21Lg %.21Lg\n", al1, sc1, r_alpha, r_scale);
      c.dump("alpha/scale from partials outside the error bound");
    }
    for (int o = 0; o < 3; ++o) {
      VecBad bad;
      if (!vec_within_bound((VecOp)o, outs[o].data(), c.a0, c.b0, &bad)) {
        std::fprintf(stderr, "op %s: out[%zu] = %.21Lg, reference %.21Lg, tolerance %.3Lg\n",
                     vec_op_name((VecOp)o), bad.i, val(outs[o][bad.i]), bad.ref, bad.tol);
        c.dump("output from partials outside the error bound");
      }
    }
  }
}

}  // namespace
}  // namespace pfuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pfuzz::check_arch_once();
  pfuzz::Reader r(data, size);
  const uint8_t flags = r.byte();
  pfuzz::with_type(flags, [&]<class T>() { pfuzz::run_partials<T>(r, flags); });
  return 0;
}
