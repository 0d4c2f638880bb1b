// projection_bench: the library's five operations against the memory roofline and
// against the peers (plain loops, Eigen, OpenBLAS), float and double, n from 1e3 to
// 6.4e7, on one thread and on all threads. Throughput is the traffic the operation
// must move (see op_traffic) per second, so every implementation is normalised alike.
//
// Benchmark names: <op or roofline kernel>/<f32|f64>/<implementation>/<threads>/<n>.
// Extra flags (before Google Benchmark's own):
//   --accuracy_out=FILE   run the accuracy/agreement check, write JSON, exit
//   --max_n=N             skip sizes above N (quick runs)
//   --min_n=N             skip sizes below N
//   --threads=1,2,4,...   thread counts to measure (default: 1 and all threads); the
//                         thread-scaling run of the report uses 1,2,4,8,16
//   --rounds=R            measure everything R times, round-robin per n (default 1);
//                         use this rather than --benchmark_repetitions, which would
//                         run the repetitions of one benchmark back to back
//   --extras=LIST         the sections of extras.cpp to run after the tables, of
//                         16bit,partials,lists (default all; "none" for none)
//   --gpt2_width=W        width of the GPT-2 list (768: GPT-2 small; smaller for a smoke run)
//   --partials_n=N        n of the partials measurements (default min(1e7, max_n))
#include <benchmark/benchmark.h>
#include <cblas.h>
#include <omp.h>
#include <projection/projection.h>

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "buffers.hpp"
#include "common.hpp"
#include "extras.hpp"
#include "run_op.hpp"

namespace pbench {

// ------------------------------------------------------------ shared buffers
namespace {
std::unique_ptr<Buffers<float>> g_f32;
std::unique_ptr<Buffers<double>> g_f64;

template <class T> std::unique_ptr<Buffers<T>> &slot();
template <> std::unique_ptr<Buffers<float>> &slot<float>() { return g_f32; }
template <> std::unique_ptr<Buffers<double>> &slot<double>() { return g_f64; }

template <class T>
Buffers<T> &buffers(std::size_t n) {
  auto &s = slot<T>();
  if (!s || s->n != n) {
    g_f32.reset();
    g_f64.reset();
    s = std::make_unique<Buffers<T>>();
    s->fill(n, 0);
    // Give worker threads that spin after their last job (OpenBLAS's, OpenMP's) time
    // to go to sleep, so that they do not steal a core from the next measurement.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  return *s;
}

}  // namespace

void release_main_buffers() {
  g_f32.reset();
  g_f64.reset();
}

namespace {
template <class T> const char *type_name();
template <> const char *type_name<float>() { return "f32"; }
template <> const char *type_name<double>() { return "f64"; }

template <class T>
void bm_op(benchmark::State &st, Impl<T> impl, Op op, std::size_t n, int threads) {
  Buffers<T> &B = buffers<T>(n);
  impl.set_threads(threads);
  run_op(st, impl, op, B, n);
  st.counters["threads"] = threads;
}

template <class T>
void bm_roof(benchmark::State &st, Roof kind, std::size_t n, int threads) {
  run_roof(st, kind, buffers<T>(n), n, threads);
}

// A pause between rounds: worker threads that spin after their last job (OpenBLAS's
// spin for ~0.1 s) go to sleep before the next round's first measurement.
void bm_pause(benchmark::State &st) {
  for (auto _ : st) std::this_thread::sleep_for(std::chrono::milliseconds(150));
}

// Registers, for each n, `rounds` rounds of every measurement at that n, round after
// round. On a shared machine a burst of load then hits every implementation of a round
// alike instead of all the repetitions of one; the report takes the median over rounds.
template <class T>
void register_type(const std::vector<std::size_t> &sizes, const std::vector<int> &thread_counts,
                   int rounds) {
  const Impl<T> lib = projection_impl<T>();
  const Impl<T> peers[] = {scalar_peer<T>(), eigen_peer<T>(), blas_peer<T>()};
  for (std::size_t n : sizes)
  for (int round = 0; round < rounds; ++round) {
    auto reg = [&](const std::string &name, auto &&fn) {
      benchmark::RegisterBenchmark(name.c_str(), fn)->UseRealTime()->Unit(benchmark::kNanosecond);
    };
    auto name = [&](const char *what, const char *impl, int t) {
      return std::string(what) + "/" + type_name<T>() + "/" + impl + "/" + std::to_string(t) + "/" +
             std::to_string(n);
    };
    for (int t : thread_counts)
      for (Roof r : {Roof::read2, Roof::read2_dot, Roof::read1_write1, Roof::read1_write1_nt,
                     Roof::read2_write1, Roof::read2_write1_nt})
        reg(name(roof_name(r), "roofline", t),
            [=](benchmark::State &st) { bm_roof<T>(st, r, n, t); });
    for (int t : thread_counts)
      for (Op op : kOps)
        reg(name(op_name(op), lib.name, t),
            [=](benchmark::State &st) { bm_op<T>(st, lib, op, n, t); });
    for (const Impl<T> &p : peers)
      for (int t : thread_counts) {
        if (!p.threaded && t != 1) continue;
        for (Op op : kOps)
          reg(name(op_name(op), p.name, t),
              [=](benchmark::State &st) { bm_op<T>(st, p, op, n, t); });
      }
    benchmark::RegisterBenchmark(name("pause", "pause", 0).c_str(), bm_pause)->Iterations(1);
  }
}

}  // namespace

// The processor's name, for the report: Google Benchmark's context lacks it, and the
// thread-scaling run is made on another machine than the one that writes the report.
std::string cpu_model() {
  std::FILE *f = std::fopen("/proc/cpuinfo", "r");
  if (!f) return "unknown";
  char line[512];
  std::string model = "unknown";
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, "model name", 10) != 0) continue;
    const char *colon = std::strchr(line, ':');
    if (!colon) continue;
    model = colon + 1 + (colon[1] == ' ');
    while (!model.empty() && (model.back() == '\n' || model.back() == ' ')) model.pop_back();
    break;
  }
  std::fclose(f);
  return model;
}
}  // namespace pbench

int main(int argc, char **argv) {
  std::string accuracy_out;
  double max_n = 1e300, min_n = 0;
  int rounds = 1;
  std::vector<int> thread_counts;
  std::string extras = "16bit,partials,lists";
  int gpt2_width = 768;
  double partials_n = 0;
  std::vector<char *> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--accuracy_out=", 15) == 0) accuracy_out = argv[i] + 15;
    else if (std::strncmp(argv[i], "--max_n=", 8) == 0) max_n = std::atof(argv[i] + 8);
    else if (std::strncmp(argv[i], "--min_n=", 8) == 0) min_n = std::atof(argv[i] + 8);
    else if (std::strncmp(argv[i], "--rounds=", 9) == 0) rounds = std::atoi(argv[i] + 9);
    else if (std::strncmp(argv[i], "--extras=", 9) == 0) extras = argv[i] + 9;
    else if (std::strncmp(argv[i], "--gpt2_width=", 13) == 0) gpt2_width = std::atoi(argv[i] + 13);
    else if (std::strncmp(argv[i], "--partials_n=", 13) == 0) partials_n = std::atof(argv[i] + 13);
    else if (std::strncmp(argv[i], "--threads=", 10) == 0) {
      for (char *p = argv[i] + 10; *p;) {
        char *end = nullptr;
        long t = std::strtol(p, &end, 10);
        if (end == p || t < 1) {
          std::fprintf(stderr, "projection_bench: bad --threads list '%s'\n", argv[i] + 10);
          return 1;
        }
        thread_counts.push_back(static_cast<int>(t));
        p = *end == ',' ? end + 1 : end;
      }
    }
    else rest.push_back(argv[i]);
  }
  if (!accuracy_out.empty()) return pbench::run_accuracy(accuracy_out) == 0 ? 0 : 1;
  int rest_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_argc, rest.data());
  if (benchmark::ReportUnrecognizedArguments(rest_argc, rest.data())) return 1;

  std::vector<std::size_t> sizes;
  for (double n : {1e3, 1e4, 1e5, 1e6, 1e7, 6.4e7})
    if (n <= max_n && n >= min_n) sizes.push_back(static_cast<std::size_t>(n));
  const int all = omp_get_max_threads();
  if (thread_counts.empty()) {
    thread_counts.push_back(1);
    if (all > 1) thread_counts.push_back(all);
  }

  benchmark::AddCustomContext("projection_version", projection_version_string());
  benchmark::AddCustomContext("projection_simd_arch", projection_simd_arch());
  benchmark::AddCustomContext("all_threads", std::to_string(all));
  benchmark::AddCustomContext("openblas_config", openblas_get_config());
  benchmark::AddCustomContext("eigen_version", std::to_string(EIGEN_WORLD_VERSION) + "." +
                                                   std::to_string(EIGEN_MAJOR_VERSION) + "." +
                                                   std::to_string(EIGEN_MINOR_VERSION));
  benchmark::AddCustomContext("compiler", __VERSION__);
  benchmark::AddCustomContext("cpu_model", pbench::cpu_model());

  benchmark::AddCustomContext("rounds", std::to_string(rounds));
  pbench::register_type<float>(sizes, thread_counts, rounds < 1 ? 1 : rounds);
  pbench::register_type<double>(sizes, thread_counts, rounds < 1 ? 1 : rounds);

  pbench::ExtrasOptions x;
  x.threads = thread_counts;
  x.rounds = rounds < 1 ? 1 : rounds;
  for (std::size_t n : sizes)
    if (n >= 100'000) x.sizes16.push_back(n);
  if (x.sizes16.empty() && !sizes.empty()) x.sizes16.push_back(sizes.back());
  x.partials_n = static_cast<std::size_t>(partials_n > 0 ? partials_n : std::min(1e7, max_n));
  x.gpt2_width = gpt2_width > 0 ? gpt2_width : 768;
  const std::string xs = "," + extras + ",";
  x.b16 = xs.find(",16bit,") != std::string::npos && !x.sizes16.empty();
  x.partials = xs.find(",partials,") != std::string::npos;
  x.lists = xs.find(",lists,") != std::string::npos;
  pbench::register_extras(x);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
