// Concurrency stress (issue 5): 16 caller threads, each looping over every
// operation of both element types, on its own buffers and on inputs shared
// read-only by all, with inputs large enough that every call opens an OpenMP
// region; one more thread keeps changing projection_set_num_threads meanwhile.
// Every result must be bitwise equal to the serial run computed beforehand with
// projection_set_num_threads(1): the library promises determinism for any
// thread count, and calls from many threads at once.
//
// Catch2 assertions are not thread-safe, so the workers count and describe
// mismatches and the main thread asserts on them.
#include <catch2/catch.hpp>

#include <projection/projection.hpp>

#include "scale.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

// Above the parallel threshold (65536); 70000 with PROJECTION_TEST_SCALE=small.
const std::size_t kN = test::scaled(200000, 70000);
constexpr int kCallers = 16;
constexpr double kOrds[] = {2.0, 1.0, INFINITY, -INFINITY, 0.0, 3.0, 0.5};

int rounds_from_env(int dflt) {
  const char* e = std::getenv("PROJECTION_STRESS_ROUNDS");
  const int r = e ? std::atoi(e) : 0;
  return r > 0 ? r : dflt;
}

// The C functions by element type, from the C++ header.
template <class T>
using C = projection::detail::c_api<T>;

// Every result of every operation on one pair of inputs.
template <class T>
struct Results {
  std::vector<T> proj, pos, grad;  // out-of-place vector results
  int swapped[std::size(kOrds)];
  double na[std::size(kOrds)], nb[std::size(kOrds)];
  double alpha, scale;
};

template <class T>
std::vector<T> make_vec(std::uint64_t seed, double scale) {
  std::mt19937_64 g(seed);
  std::normal_distribution<double> d(0, 1);
  std::vector<T> v(kN);
  for (auto& x : v) x = static_cast<T>(scale * d(g));
  // A few exact zeros and magnitudes far apart, so that norm order 0 and the
  // double rescaling see something.
  for (std::size_t i = 0; i < kN; i += 9973) v[i] = 0;
  return v;
}

// Runs every operation; `st` collects any status other than OK.
template <class T>
void compute(const std::vector<T>& a, const std::vector<T>& b, Results<T>& r, int& bad_status) {
  const std::size_t n = a.size();
  r.proj.resize(n);
  r.pos.resize(n);
  r.grad.resize(n);
  auto ok = [&](projection_status s) { if (s != PROJECTION_OK) ++bad_status; };
  ok(C<T>::vector_projection(a.data(), b.data(), n, r.proj.data()));
  ok(C<T>::project_out_smaller(a.data(), b.data(), n, r.pos.data()));
  ok(C<T>::alphaless_gradient(a.data(), b.data(), n, r.grad.data()));
  for (std::size_t k = 0; k < std::size(kOrds); ++k)
    ok(C<T>::order_by_norm(a.data(), b.data(), n, kOrds[k], &r.swapped[k], &r.na[k], &r.nb[k]));
  ok(C<T>::equivalent_alpha(a.data(), b.data(), n, &r.alpha, &r.scale));
}

template <class T>
bool same(const std::vector<T>& x, const std::vector<T>& y) {
  return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(T)) == 0;
}
inline bool same_d(double x, double y) { return std::memcmp(&x, &y, sizeof x) == 0; }

// Compares every result bitwise; returns a description of the first mismatch.
template <class T>
std::string diff(const Results<T>& got, const Results<T>& want) {
  if (!same(got.proj, want.proj)) return "vector_projection";
  if (!same(got.pos, want.pos)) return "project_out_smaller";
  if (!same(got.grad, want.grad)) return "alphaless_gradient";
  for (std::size_t k = 0; k < std::size(kOrds); ++k)
    if (got.swapped[k] != want.swapped[k] || !same_d(got.na[k], want.na[k]) ||
        !same_d(got.nb[k], want.nb[k]))
      return "order_by_norm ord=" + std::to_string(kOrds[k]);
  if (!same_d(got.alpha, want.alpha) || !same_d(got.scale, want.scale)) return "equivalent_alpha";
  return "";
}

// In place: out == a and out == b must give the out-of-place bits.
template <class T>
std::string in_place(const std::vector<T>& a, const std::vector<T>& b, const Results<T>& want,
                     std::vector<T>& work) {
  const std::size_t n = a.size();
  work = a;
  if (C<T>::alphaless_gradient(work.data(), b.data(), n, work.data()) != PROJECTION_OK || !same(work, want.grad))
    return "alphaless_gradient out==noise";
  work = b;
  if (C<T>::project_out_smaller(a.data(), work.data(), n, work.data()) != PROJECTION_OK || !same(work, want.pos))
    return "project_out_smaller out==b";
  work = a;
  if (C<T>::vector_projection(work.data(), b.data(), n, work.data()) != PROJECTION_OK || !same(work, want.proj))
    return "vector_projection out==a";
  return "";
}

struct Shared {
  std::vector<float> af, bf;
  std::vector<double> ad, bd;
  Results<float> rf;
  Results<double> rd;
};

struct Own {
  std::vector<float> af, bf;
  std::vector<double> ad, bd;
  Results<float> rf;
  Results<double> rd;
};

}  // namespace

TEST_CASE("16 threads, every operation, shared and own inputs, thread count changing: "
          "bitwise equal to the serial run", "[stress]") {
  // ~8 s on 2 cores (Release); PROJECTION_TEST_SCALE=small (qemu): 2 rounds.
  const int rounds = rounds_from_env(test::small_scale() ? 2 : 15);
  Shared sh;
  sh.af = make_vec<float>(1, 1.0);
  sh.bf = make_vec<float>(2, 3.0);
  sh.ad = make_vec<double>(3, 1e-3);
  sh.bd = make_vec<double>(4, 1e160);  // squares of b overflow: the rescaling path
  std::vector<Own> own(kCallers);
  for (int t = 0; t < kCallers; ++t) {
    own[t].af = make_vec<float>(100 + t, 1.0 + t);
    own[t].bf = make_vec<float>(200 + t, 2.0);
    own[t].ad = make_vec<double>(300 + t, 1e-160);  // squares underflow: rescaled
    own[t].bd = make_vec<double>(400 + t, 0.5 + t);
  }

  // The serial reference.
  projection_set_num_threads(1);
  REQUIRE(projection_get_num_threads() == 1);
  int bad = 0;
  compute(sh.af, sh.bf, sh.rf, bad);
  compute(sh.ad, sh.bd, sh.rd, bad);
  for (auto& o : own) {
    compute(o.af, o.bf, o.rf, bad);
    compute(o.ad, o.bd, o.rd, bad);
  }
  REQUIRE(bad == 0);
  // The rescaled double inputs must give finite results (else the test would
  // compare nothing meaningful).
  REQUIRE(std::isfinite(sh.rd.na[0]));
  REQUIRE(std::isfinite(sh.rd.nb[0]));
  REQUIRE(std::isfinite(own[0].rd.na[0]));
  REQUIRE(sh.rd.nb[0] > 1e150);

  // The workers start with 2 threads per call; the changer then varies it.
  projection_set_num_threads(2);
  REQUIRE(projection_get_num_threads() == 2);

  std::atomic<bool> stop{false};
  std::atomic<long> calls{0}, mismatches{0}, errors{0}, bad_counts{0};
  std::mutex mu;
  std::vector<std::string> reports;
  auto report = [&](const std::string& s) {
    std::lock_guard<std::mutex> lock(mu);
    if (reports.size() < 20) reports.push_back(s);
  };

  // Changes the thread count all the time, to every kind of value.
  std::thread changer([&] {
    const int counts[] = {1, 2, 3, 4, 0, -1, 8, 2};
    unsigned i = 0;
    while (!stop.load()) {
      projection_set_num_threads(counts[i++ % std::size(counts)]);
      if (projection_get_num_threads() < 1) ++bad_counts;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });

  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < kCallers; ++t) {
    workers.emplace_back([&, t] {
      Results<float> rf;
      Results<double> rd;
      std::vector<float> wf;
      std::vector<double> wd;
      for (int r = 0; r < rounds; ++r) {
        int st = 0;
        // Alternate the order so that different operations overlap in time.
        const bool shared_first = (t + r) % 2 == 0;
        for (int half = 0; half < 2; ++half) {
          const bool use_shared = (half == 0) == shared_first;
          const auto& af = use_shared ? sh.af : own[t].af;
          const auto& bf = use_shared ? sh.bf : own[t].bf;
          const auto& ad = use_shared ? sh.ad : own[t].ad;
          const auto& bd = use_shared ? sh.bd : own[t].bd;
          const auto& wantf = use_shared ? sh.rf : own[t].rf;
          const auto& wantd = use_shared ? sh.rd : own[t].rd;
          const char* which = use_shared ? "shared" : "own";
          compute(af, bf, rf, st);
          compute(ad, bd, rd, st);
          calls += 2 * (4 + std::size(kOrds));
          std::string d = diff(rf, wantf);
          if (!d.empty()) { ++mismatches; report("float " + d + " (" + which + ")"); }
          d = diff(rd, wantd);
          if (!d.empty()) { ++mismatches; report("double " + d + " (" + which + ")"); }
          if (!use_shared) {  // in place needs writable inputs: own only
            d = in_place(af, bf, wantf, wf);
            if (!d.empty()) { ++mismatches; report("float in place " + d); }
            d = in_place(ad, bd, wantd, wd);
            if (!d.empty()) { ++mismatches; report("double in place " + d); }
            calls += 6;
          }
        }
        errors += st;
      }
    });
  }
  for (auto& w : workers) w.join();
  stop = true;
  changer.join();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  projection_set_num_threads(0);

  std::string mism;
  for (auto& r : reports) mism += "\n  mismatch: " + r;
  INFO("calls: " << calls.load() << " in " << secs << " s" << mism);
  CHECK(errors.load() == 0);
  CHECK(bad_counts.load() == 0);
  CHECK(mismatches.load() == 0);
  // The shared inputs are still intact (read-only use).
  CHECK(same(sh.af, make_vec<float>(1, 1.0)));
  CHECK(same(sh.bd, make_vec<double>(4, 1e160)));
  WARN("stress: " << calls.load() << " calls on " << kN << " elements in " << secs << " s");
}

TEST_CASE("many threads hitting the error paths at once get their own statuses", "[stress]") {
  // Small inputs (no OpenMP region), each thread with a different error; the
  // statuses and untouched outputs must not leak between threads.
  constexpr int kThreads = 16, kIters = 2000;
  std::atomic<long> wrong{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&, t] {
      double a[64], b[64], out[64];
      for (int i = 0; i < 64; ++i) { a[i] = i + t; b[i] = 2.0 * i - t; }
      for (int it = 0; it < kIters; ++it) {
        const int kind = (t + it) % 4;
        for (int i = 0; i < 64; ++i) out[i] = -7.0;
        projection_status want = PROJECTION_OK, got;
        switch (kind) {
          case 0:
            got = projection_alphaless_gradient_f64(a, b, 64, out);
            break;
          case 1:
            want = PROJECTION_ERR_NULL;
            got = projection_alphaless_gradient_f64(a, nullptr, 64, out);
            break;
          case 2:
            want = PROJECTION_ERR_OVERLAP;
            got = projection_alphaless_gradient_f64(a, b, 32, a + 1);
            break;
          default: {
            want = PROJECTION_ERR_NONFINITE;
            double c[64];
            std::memcpy(c, b, sizeof c);
            c[63] = NAN;
            got = projection_alphaless_gradient_f64(a, c, 64, out);
            break;
          }
        }
        if (got != want) ++wrong;
        if (want != PROJECTION_OK)
          for (int i = 0; i < 64; ++i)
            if (out[i] != -7.0) { ++wrong; break; }
        if (kind == 2)  // the overlap error left `a` as it was
          for (int i = 0; i < 64; ++i)
            if (a[i] != i + t) { ++wrong; break; }
      }
    });
  }
  for (auto& th : ts) th.join();
  CHECK(wrong.load() == 0);
}
