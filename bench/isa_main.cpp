// projection_bench_isa: per instruction set, in one process, the library's kernels for
// that set (forced through the dispatch override, as the tests do) against the plain loop
// compiled for that set (plain_isa.cpp), at n = 1e3, 1e4 and 6e4 on the calling thread
// (below the library's parallel threshold, 65,536), for float, double, bf16 and f16.
// Linked against the static library, the only way to reach the override; the measurements
// of one n run round-robin in rounds, as in projection_bench.
//
// Benchmark names: <op>/<f32|f64|bf16|f16>/<projection|plain>@<set>/1/<n>, where <set> is
// sse2, avx2, avx512 or generic (the word PROJECTION_ARCH takes); the context maps each
// word to the kernels' own name ("isa_<set>") and to the plain loop's flags.
// Extra flags (before Google Benchmark's own):
//   --rounds=R    measure everything R times, round-robin per n (default 1)
//   --max_n=N     skip sizes above N
//   --sets=a,b    only these instruction sets (default: every one this CPU runs)
#include <benchmark/benchmark.h>
#include <projection/projection.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "buffers.hpp"
#include "common.hpp"
#include "dispatch.hpp"
#include "plain_isa.hpp"
#include "run_op.hpp"

namespace pbench {
namespace {

namespace pd = projection::detail;
using bf16 = projection_bf16;
using f16 = projection_f16;

struct Set {
  std::string word;  // sse2, avx2, avx512, generic
  const pd::KernelTable *table;
};

template <class T> const char *type_name();
template <> const char *type_name<float>() { return "f32"; }
template <> const char *type_name<double>() { return "f64"; }
template <> const char *type_name<bf16>() { return "bf16"; }
template <> const char *type_name<f16>() { return "f16"; }

template <class T> Impl<T> plain_for(const std::string &word) {
#if defined(__x86_64__)
  if (word == "sse2") return plain_sse2::plain_impl<T>();
  if (word == "avx2") return plain_avx2::plain_impl<T>();
  if (word == "avx512") return plain_avx512::plain_impl<T>();
#endif
  return plain_generic::plain_impl<T>();
}
const char *plain_flags(const std::string &word) {
#if defined(__x86_64__)
  if (word == "sse2") return plain_sse2::compiled_with();
  if (word == "avx2") return plain_avx2::compiled_with();
  if (word == "avx512") return plain_avx512::compiled_with();
#endif
  return plain_generic::compiled_with();
}

std::string word_of(const char *name) {
  for (const char *w : {"avx512", "avx2", "sse2", "neon", "generic"})
    if (std::strstr(name, w)) return w;
  return name;
}

// Small buffers, one set per type and n, kept for the whole run.
template <class T>
Buffers<T> &buffers(std::size_t n) {
  static std::map<std::size_t, std::unique_ptr<Buffers<T>>> m;
  auto &p = m[n];
  if (!p) {
    p = std::make_unique<Buffers<T>>();
    p->fill(n, 0);
  }
  return *p;
}

// The plain loop and the library on one set must agree, else the timing means nothing.
template <class T>
std::string check(const Set &s, std::size_t n, double tol) {
  Buffers<T> &B = buffers<T>(n);
  std::vector<T> ours(n), theirs(n);
  pd::override_kernels_for_testing(s.table);
  const Impl<T> lib = projection_impl<T>(), plain = plain_for<T>(s.word);
  double al = 0, sl = 0, ap = 0, sp = 0;
  int rc = lib.equivalent_alpha(B.a, B.b, n, &al, &sl) |
           lib.alphaless_gradient(B.a, B.b, n, ours.data());
  plain.equivalent_alpha(B.a, B.b, n, &ap, &sp);
  plain.alphaless_gradient(B.a, B.b, n, theirs.data());
  pd::override_kernels_for_testing(nullptr);
  if (rc != 0) return "the library returned an error";
  double diff = 0, big = 0;
  for (std::size_t i = 0; i < n; ++i) {
    diff = std::fmax(diff, std::fabs(to_double(ours[i]) - to_double(theirs[i])));
    big = std::fmax(big, std::fabs(to_double(ours[i])));
  }
  char msg[200];
  if (!(std::fabs(al - ap) <= 1e-9 * std::fabs(al)) || !(diff <= tol * big)) {
    std::snprintf(msg, sizeof msg, "alpha %.17g vs %.17g, output %.3g of max", al, ap,
                  big ? diff / big : diff);
    return msg;
  }
  return "ok";
}

template <class T>
void bm(benchmark::State &st, Impl<T> impl, const pd::KernelTable *table, Op op, std::size_t n) {
  Buffers<T> &B = buffers<T>(n);
  pd::override_kernels_for_testing(table);  // the library's kernels for this set (null: plain)
  run_op(st, impl, op, B, n);
  st.counters["threads"] = 1;
}

template <class T>
void register_type(const Set &s, std::size_t n) {
  const Impl<T> lib = projection_impl<T>(), plain = plain_for<T>(s.word);
  for (Op op : kOps) {
    const std::string stem = std::string(op_name(op)) + "/" + type_name<T>() + "/";
    const std::string tail = "@" + s.word + "/1/" + std::to_string(n);
    benchmark::RegisterBenchmark((stem + "projection" + tail).c_str(),
                                 [=](benchmark::State &st) { bm<T>(st, lib, s.table, op, n); })
        ->UseRealTime()->Unit(benchmark::kNanosecond);
    benchmark::RegisterBenchmark((stem + "plain" + tail).c_str(),
                                 [=](benchmark::State &st) { bm<T>(st, plain, s.table, op, n); })
        ->UseRealTime()->Unit(benchmark::kNanosecond);
  }
}

}  // namespace
}  // namespace pbench

int main(int argc, char **argv) {
  using namespace pbench;
  double max_n = 1e300;
  int rounds = 1;
  std::string only;
  std::vector<char *> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--max_n=", 8) == 0) max_n = std::atof(argv[i] + 8);
    else if (std::strncmp(argv[i], "--rounds=", 9) == 0) rounds = std::atoi(argv[i] + 9);
    else if (std::strncmp(argv[i], "--sets=", 7) == 0) only = std::string(",") + (argv[i] + 7) + ",";
    else rest.push_back(argv[i]);
  }
  int rest_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_argc, rest.data());
  if (benchmark::ReportUnrecognizedArguments(rest_argc, rest.data())) return 1;
  projection_set_num_threads(1);

  const pd::KernelTable *tables[8];
  const int count = pd::supported_kernels(tables, 8);
  std::vector<Set> sets;
  for (int i = 0; i < count; ++i) {
    Set s{word_of(tables[i]->name), tables[i]};
    if (!only.empty() && only.find("," + s.word + ",") == std::string::npos) continue;
    sets.push_back(s);
  }
  std::vector<std::size_t> sizes;
  for (double n : {1e3, 1e4, 6e4})
    if (n <= max_n) sizes.push_back(static_cast<std::size_t>(n));

  int bad = 0;
  std::string list;
  for (const Set &s : sets) {
    list += (list.empty() ? "" : ",") + s.word;
    benchmark::AddCustomContext("isa_" + s.word, s.table->name);
    benchmark::AddCustomContext("plain_flags_" + s.word, plain_flags(s.word));
    const std::pair<const char *, std::string> checks[] = {
        {"f32", check<float>(s, 10000, 1e-6)},
        {"f64", check<double>(s, 10000, 1e-13)},
        {"bf16", check<bf16>(s, 10000, 1.6e-2)},
        {"f16", check<f16>(s, 10000, 2e-3)}};
    for (const auto &[ty, msg] : checks) {
      benchmark::AddCustomContext("check_" + s.word + "_" + ty, msg);
      if (msg != "ok") {
        ++bad;
        std::fprintf(stderr, "projection_bench_isa: %s %s: the plain loop and the library "
                     "disagree: %s\n", s.word.c_str(), ty, msg.c_str());
      }
    }
  }
  benchmark::AddCustomContext("sets", list);
  benchmark::AddCustomContext("projection_version", projection_version_string());
  benchmark::AddCustomContext("compiler", __VERSION__);
  benchmark::AddCustomContext("rounds", std::to_string(rounds));
  for (std::size_t n : sizes)
    for (int r = 0; r < (rounds < 1 ? 1 : rounds); ++r)
      for (const Set &s : sets) {
        register_type<float>(s, n);
        register_type<double>(s, n);
        register_type<bf16>(s, n);
        register_type<f16>(s, n);
      }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  pd::override_kernels_for_testing(nullptr);
  return bad ? 1 : 0;
}
