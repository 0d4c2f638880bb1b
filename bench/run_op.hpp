// One operation of an Impl<T>, or one roofline kernel, timed by Google Benchmark on
// buffers of n elements.
#pragma once
#include <benchmark/benchmark.h>

#include <cstdint>

#include "buffers.hpp"
#include "common.hpp"

namespace pbench {

template <class T>
void run_op(benchmark::State &st, const Impl<T> &impl, Op op, Buffers<T> &B, std::size_t n) {
  int rc = 0, swapped = 0;
  double x = 0, y = 0;
  switch (op) {
    case Op::vector_projection:
      for (auto _ : st) {
        rc |= impl.vector_projection(B.a, B.b, n, B.out);
        benchmark::ClobberMemory();
      }
      break;
    case Op::order_by_norm:
      for (auto _ : st) {
        rc |= impl.order_by_norm(B.a, B.b, n, &swapped, &x, &y);
        benchmark::DoNotOptimize(swapped);
        benchmark::DoNotOptimize(x);
        benchmark::DoNotOptimize(y);
      }
      break;
    case Op::project_out_smaller:
      for (auto _ : st) {
        rc |= impl.project_out_smaller(B.a, B.b, n, B.out);
        benchmark::ClobberMemory();
      }
      break;
    case Op::equivalent_alpha:
      for (auto _ : st) {
        rc |= impl.equivalent_alpha(B.a, B.b, n, &x, &y);
        benchmark::DoNotOptimize(x);
        benchmark::DoNotOptimize(y);
      }
      break;
    case Op::alphaless_gradient:
      for (auto _ : st) {
        rc |= impl.alphaless_gradient(B.a, B.b, n, B.out);
        benchmark::ClobberMemory();
      }
      break;
  }
  if (rc != 0) st.SkipWithError("the call did not return PROJECTION_OK");
  st.SetBytesProcessed(std::int64_t(st.iterations()) * op_traffic(op) * std::int64_t(n) *
                       std::int64_t(sizeof(T)));
  st.counters["n"] = double(n);
}

enum class Roof { read2, read1_write1, read2_write1, read2_dot, read1_write1_nt, read2_write1_nt };
inline const char *roof_name(Roof r) {
  switch (r) {
    case Roof::read2: return "roofline_read2";
    case Roof::read1_write1: return "roofline_read1_write1";
    case Roof::read2_write1: return "roofline_read2_write1";
    case Roof::read2_dot: return "roofline_read2@dot";
    case Roof::read1_write1_nt: return "roofline_read1_write1@stream";
    case Roof::read2_write1_nt: return "roofline_read2_write1@stream";
  }
  return "?";
}

// The roofline kernel `kind` over n elements of B, with `threads` threads.
template <class T>
void run_roof(benchmark::State &st, Roof kind, Buffers<T> &B, std::size_t n, int threads) {
  int traffic = 0;
  switch (kind) {
    case Roof::read2:
      traffic = 2;
      for (auto _ : st) {
        T s = roofline_read2(B.a, B.b, n, threads);
        benchmark::DoNotOptimize(s);
      }
      break;
    case Roof::read1_write1:
      traffic = 2;
      for (auto _ : st) {
        roofline_read1_write1(B.b, B.out, n, T(0.5), threads);
        benchmark::ClobberMemory();
      }
      break;
    case Roof::read2_write1:
      traffic = 3;
      for (auto _ : st) {
        roofline_read2_write1(B.a, B.b, B.out, n, T(0.5), threads);
        benchmark::ClobberMemory();
      }
      break;
    case Roof::read2_dot:
      traffic = 2;
      for (auto _ : st) {
        double s = roofline_read2_dot(B.a, B.b, n, threads);
        benchmark::DoNotOptimize(s);
      }
      break;
    case Roof::read1_write1_nt:
      traffic = 2;
      for (auto _ : st) {
        roofline_read1_write1_stream(B.b, B.out, n, T(0.5), threads);
        benchmark::ClobberMemory();
      }
      break;
    case Roof::read2_write1_nt:
      traffic = 3;
      for (auto _ : st) {
        roofline_read2_write1_stream(B.a, B.b, B.out, n, T(0.5), threads);
        benchmark::ClobberMemory();
      }
      break;
  }
  st.SetBytesProcessed(std::int64_t(st.iterations()) * traffic * std::int64_t(n) *
                       std::int64_t(sizeof(T)));
  st.counters["n"] = double(n);
  st.counters["threads"] = threads;
}

}  // namespace pbench
