// The measurements added with version 1.1, registered after the float/double tables:
//
//  16-bit types  bf16 and f16, the five operations, against the byte roofline: the float
//                roofline kernels over the same number of bytes (n/2 floats), recorded
//                under the type "x16" at the 16-bit n. Names <op>/<bf16|f16>/projection/t/n
//                and <roofline kernel>/x16/roofline/t/n.
//  lists         a model's parameters: GPT-2 small's 148 tensors and 2,000 tensors of 1,000
//                elements, float. The single call on one buffer holding the concatenation
//                ("single"), the _list_ call on the tensors, each its own allocation
//                ("list"), and the _each_ call on them ("each"). Names
//                <op>/f32/<single|list|each>@<gpt2|list2000>/t/<total n>.
//  partials      n = 1e7 float: the single call against partials_add + merge + the
//                finishing call, the vector added as one shard ("shards1") or as two
//                shards of separate partials merged into one ("shards2").
//                Names <equivalent_alpha|alphaless_gradient>/f32/<single|shards1|shards2>@partials/t/n.
//
// Every section runs its rounds round-robin, like the tables. A benchmark named
// check/x/<section>/0/0 says in its label whether the section's results agreed with the
// single call (bitwise, as the contract promises); the context records the list shapes.
#include <benchmark/benchmark.h>
#include <projection/projection.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "buffers.hpp"
#include "common.hpp"
#include "extras.hpp"
#include "run_op.hpp"

namespace pbench {
namespace {

using bf16 = projection_bf16;
using f16 = projection_f16;

void settle() { std::this_thread::sleep_for(std::chrono::milliseconds(300)); }

void reg(const std::string &name, std::function<void(benchmark::State &)> fn) {
  benchmark::RegisterBenchmark(name.c_str(), std::move(fn))
      ->UseRealTime()
      ->Unit(benchmark::kNanosecond);
}

void bm_pause(benchmark::State &st) {
  for (auto _ : st) std::this_thread::sleep_for(std::chrono::milliseconds(150));
}
void pause() { benchmark::RegisterBenchmark("pause/x/pause/0/0", bm_pause)->Iterations(1); }

std::string with_commas(std::size_t v) {
  std::string s = std::to_string(v);
  for (int i = int(s.size()) - 3; i > 0; i -= 3) s.insert(std::size_t(i), ",");
  return s;
}

std::string key(const std::string &what, const char *ty, const std::string &impl, int t,
                std::size_t n) {
  return what + "/" + ty + "/" + impl + "/" + std::to_string(t) + "/" + std::to_string(n);
}

// ================================================================ 16-bit types

// The buffers of the current 16-bit n: bf16 and f16 inputs and outputs, and float buffers
// of n/2 elements (the same bytes) for the roofline kernels.
struct Set16 {
  std::size_t n = 0;
  Buffers<bf16> bf;
  Buffers<f16> h;
  Buffers<float> bytes;
};
std::unique_ptr<Set16> g_16;

Set16 &set16(std::size_t n) {
  if (!g_16 || g_16->n != n) {
    release_main_buffers();
    g_16.reset();
    g_16 = std::make_unique<Set16>();
    g_16->n = n;
    g_16->bf.fill(n, 0);
    g_16->h.fill(n, 0);
    g_16->bytes.fill(n / 2, 0);
    settle();
  }
  return *g_16;
}

template <class T> Buffers<T> &of(Set16 &s);
template <> Buffers<bf16> &of<bf16>(Set16 &s) { return s.bf; }
template <> Buffers<f16> &of<f16>(Set16 &s) { return s.h; }

template <class T>
void bm16(benchmark::State &st, Op op, std::size_t n, int threads) {
  Buffers<T> &B = of<T>(set16(n));
  projection_set_num_threads(threads);
  run_op(st, projection_impl<T>(), op, B, n);
  st.counters["threads"] = threads;
}

void register_16bit(const ExtrasOptions &o) {
  const Roof kinds[] = {Roof::read2, Roof::read2_dot, Roof::read1_write1,
                        Roof::read1_write1_nt, Roof::read2_write1, Roof::read2_write1_nt};
  for (std::size_t n : o.sizes16)
    for (int r = 0; r < o.rounds; ++r) {
      for (int t : o.threads)
        for (Roof k : kinds)
          reg(key(roof_name(k), "x16", "roofline", t, n), [=](benchmark::State &st) {
            run_roof<float>(st, k, set16(n).bytes, n / 2, t);
            st.counters["n"] = double(n);  // 16-bit elements; the bytes are n/2 floats'
          });
      for (int t : o.threads)
        for (Op op : kOps) {
          reg(key(op_name(op), "bf16", "projection", t, n),
              [=](benchmark::State &st) { bm16<bf16>(st, op, n, t); });
          reg(key(op_name(op), "f16", "projection", t, n),
              [=](benchmark::State &st) { bm16<f16>(st, op, n, t); });
        }
      pause();
    }
}

// ================================================================ lists

// GPT-2 small's parameters (width 768: 148 tensors, 124,439,808 elements).
std::vector<std::size_t> gpt2_sizes(std::size_t w) {
  const std::size_t vocab = 50257, ctx = 1024, layers = 12;
  std::vector<std::size_t> s = {vocab * w, ctx * w};
  for (std::size_t l = 0; l < layers; ++l) {
    const std::size_t block[] = {w, w,              // ln_1 weight, bias
                                 w * 3 * w, 3 * w,  // attn.c_attn weight, bias
                                 w * w, w,          // attn.c_proj weight, bias
                                 w, w,              // ln_2 weight, bias
                                 w * 4 * w, 4 * w,  // mlp.c_fc weight, bias
                                 4 * w * w, w};     // mlp.c_proj weight, bias
    s.insert(s.end(), std::begin(block), std::end(block));
  }
  s.push_back(w);  // ln_f weight
  s.push_back(w);  // ln_f bias
  return s;
}

// One list of tensors: a, b and out of every tensor each in its own allocation (as a
// model's parameters and gradients are), and the same data concatenated in one Buffers.
struct ListData {
  std::string shape;
  std::vector<std::size_t> n;
  std::size_t total = 0;
  std::vector<void *> blocks;  // to free
  std::vector<const float *> a, b;
  std::vector<float *> out;
  Buffers<float> flat;
  ~ListData() {
    for (void *p : blocks) std::free(p);
  }
  // A tensor of `count` floats for role r (0 a, 1 b, 2 out): 64-byte aligned from the heap
  // like a framework's small tensors; from 1 MiB on, its own pages, starting at the same
  // offset within the page as the single buffers of role r (bench/buffers.hpp), so that
  // neither layout meets 4 KiB aliasing between a, b and out that the other does not.
  float *alloc(std::size_t count, int r) {
    const std::size_t bytes = count * sizeof(float);
    if (bytes >= (1u << 20)) {
      Block k = aligned_block(bytes, kOffsets[r]);
      blocks.push_back(k.base);
      return static_cast<float *>(k.data);
    }
    void *p = std::aligned_alloc(64, (bytes + 63) / 64 * 64 + 64);
    if (!p) throw std::bad_alloc();
    std::memset(p, 0, (bytes + 63) / 64 * 64 + 64);
    blocks.push_back(p);
    return static_cast<float *>(p);
  }
};
std::unique_ptr<ListData> g_list;

ListData &list_data(const std::string &shape, const std::vector<std::size_t> &sizes) {
  if (!g_list || g_list->shape != shape) {
    release_main_buffers();
    g_16.reset();
    g_list.reset();
    auto L = std::make_unique<ListData>();
    L->shape = shape;
    L->n = sizes;
    for (std::size_t s : sizes) L->total += s;
    L->flat.fill(L->total, 0);
    std::size_t at = 0;
    for (std::size_t s : sizes) {  // in the order a framework would create them
      float *a = L->alloc(s, 0), *b = L->alloc(s, 1), *o = L->alloc(s, 2);
      std::memcpy(a, L->flat.a + at, s * sizeof(float));
      std::memcpy(b, L->flat.b + at, s * sizeof(float));
      L->a.push_back(a);
      L->b.push_back(b);
      L->out.push_back(o);
      at += s;
    }
    g_list = std::move(L);
    settle();
  }
  return *g_list;
}

enum class Form { single, list, each };
const char *form_name(Form f) {
  switch (f) {
    case Form::single: return "single";
    case Form::list: return "list";
    case Form::each: return "each";
  }
  return "?";
}

void bm_list(benchmark::State &st, const std::string &shape, const std::vector<std::size_t> &sizes,
             Form form, Op op, int threads) {
  ListData &L = list_data(shape, sizes);
  projection_set_num_threads(threads);
  const std::size_t N = L.total, count = L.n.size();
  const float *const *a = L.a.data(), *const *b = L.b.data();
  float *const *o = L.out.data();
  const std::size_t *n = L.n.data();
  std::vector<int> sw(count);
  std::vector<double> x(count), y(count);
  int rc = 0;
  for (auto _ : st) {
    switch (form) {
      case Form::single:
        switch (op) {
          case Op::vector_projection: rc |= projection_vector_projection_f32(L.flat.a, L.flat.b, N, L.flat.out); break;
          case Op::order_by_norm: rc |= projection_order_by_norm_f32(L.flat.a, L.flat.b, N, 2.0, sw.data(), x.data(), y.data()); break;
          case Op::project_out_smaller: rc |= projection_project_out_smaller_f32(L.flat.a, L.flat.b, N, L.flat.out); break;
          case Op::equivalent_alpha: rc |= projection_equivalent_alpha_f32(L.flat.a, L.flat.b, N, x.data(), y.data()); break;
          case Op::alphaless_gradient: rc |= projection_alphaless_gradient_f32(L.flat.a, L.flat.b, N, L.flat.out); break;
        }
        break;
      case Form::list:
        switch (op) {
          case Op::vector_projection: rc |= projection_vector_projection_list_f32(a, b, n, count, o); break;
          case Op::order_by_norm: rc |= projection_order_by_norm_list_f32(a, b, n, count, 2.0, sw.data(), x.data(), y.data()); break;
          case Op::project_out_smaller: rc |= projection_project_out_smaller_list_f32(a, b, n, count, o); break;
          case Op::equivalent_alpha: rc |= projection_equivalent_alpha_list_f32(a, b, n, count, x.data(), y.data()); break;
          case Op::alphaless_gradient: rc |= projection_alphaless_gradient_list_f32(a, b, n, count, o); break;
        }
        break;
      case Form::each:
        switch (op) {
          case Op::vector_projection: rc |= projection_vector_projection_each_f32(a, b, n, count, o); break;
          case Op::order_by_norm: rc |= projection_order_by_norm_each_f32(a, b, n, count, 2.0, sw.data(), x.data(), y.data()); break;
          case Op::project_out_smaller: rc |= projection_project_out_smaller_each_f32(a, b, n, count, o); break;
          case Op::equivalent_alpha: rc |= projection_equivalent_alpha_each_f32(a, b, n, count, x.data(), y.data()); break;
          case Op::alphaless_gradient: rc |= projection_alphaless_gradient_each_f32(a, b, n, count, o); break;
        }
        break;
    }
    benchmark::ClobberMemory();
  }
  if (rc != 0) st.SkipWithError("the call did not return PROJECTION_OK");
  st.SetBytesProcessed(std::int64_t(st.iterations()) * op_traffic(op) * std::int64_t(N) * 4);
  st.counters["n"] = double(N);
  st.counters["tensors"] = double(count);
  st.counters["threads"] = threads;
}

// The list call must give the single call's alpha and scale, bitwise (SPEC §7).
std::string check_list(const std::string &shape, const std::vector<std::size_t> &sizes) {
  ListData &L = list_data(shape, sizes);
  double a1 = 0, s1 = 0, a2 = 1, s2 = 1;
  const int rc = projection_equivalent_alpha_f32(L.flat.a, L.flat.b, L.total, &a1, &s1) |
                 projection_equivalent_alpha_list_f32(L.a.data(), L.b.data(), L.n.data(),
                                                      L.n.size(), &a2, &s2);
  if (rc != 0) return "a call failed";
  return a1 == a2 && s1 == s2 ? "bitwise equal" : "DIFFERENT";
}

void register_lists(const ExtrasOptions &o) {
  const std::vector<std::size_t> gpt2 = gpt2_sizes(std::size_t(o.gpt2_width));
  const std::vector<std::size_t> small(2000, 1000);
  std::size_t gpt2_total = 0;
  for (std::size_t s : gpt2) gpt2_total += s;
  benchmark::AddCustomContext("list_gpt2", std::to_string(gpt2.size()) + " tensors, " +
                                               with_commas(gpt2_total) + " elements, width " +
                                               std::to_string(o.gpt2_width));
  benchmark::AddCustomContext("list_list2000", "2,000 tensors of 1,000 elements");
  const std::pair<std::string, std::vector<std::size_t>> shapes[] = {{"gpt2", gpt2},
                                                                      {"list2000", small}};
  for (const auto &[shape, sizes] : shapes) {
    std::size_t total = 0;
    for (std::size_t s : sizes) total += s;
    // The agreement check runs when the shape's first benchmark runs, not now: the data
    // is allocated then, and freed when the next shape starts.
    const std::string sh = shape;
    const std::vector<std::size_t> sz = sizes;
    benchmark::RegisterBenchmark(("check/x/" + sh + "/0/0").c_str(),
                                 [sh, sz](benchmark::State &st) {
                                   for (auto _ : st) {
                                   }
                                   st.SetLabel(check_list(sh, sz));
                                 })
        ->Iterations(1);
    for (int r = 0; r < o.rounds; ++r) {
      for (int t : o.threads)
        for (Op op : kOps)
          for (Form f : {Form::single, Form::list, Form::each})
            reg(key(op_name(op), "f32", std::string(form_name(f)) + "@" + shape, t, total),
                [sh, sz, f, op, t](benchmark::State &st) { bm_list(st, sh, sz, f, op, t); });
      pause();
    }
  }
}

// ================================================================ partials

std::unique_ptr<Buffers<float>> g_part;

Buffers<float> &part_buffers(std::size_t n) {
  if (!g_part || g_part->n != n) {
    release_main_buffers();
    g_16.reset();
    g_list.reset();
    g_part = std::make_unique<Buffers<float>>();
    g_part->fill(n, 0);
    settle();
  }
  return *g_part;
}

// The second shard starts at a multiple of PROJECTION_BLOCK near the middle, so that the
// results are bitwise those of the single call (projection.h, section 5).
std::size_t split_of(std::size_t n) { return n / 2 / PROJECTION_BLOCK * PROJECTION_BLOCK; }

// shards 0: the single call; 1: one partials, merged into an empty one (what an all-reduce
// does on one rank); 2: two partials, merged.
int partials_op(Buffers<float> &B, std::size_t n, Op op, int shards, double *alpha,
                double *scale) {
  if (shards == 0)
    return op == Op::equivalent_alpha
               ? projection_equivalent_alpha_f32(B.a, B.b, n, alpha, scale)
               : projection_alphaless_gradient_f32(B.a, B.b, n, B.out);
  projection_partials p, q;
  int rc = 0;
  projection_partials_init(&p);
  projection_partials_init(&q);
  if (shards == 1) {
    rc |= projection_partials_add_f32(&p, B.a, B.b, n, 0);
    rc |= projection_partials_merge(&q, &p);
    if (op == Op::equivalent_alpha) return rc | projection_partials_equivalent_alpha(&q, alpha, scale);
    return rc | projection_partials_alphaless_gradient_f32(&q, B.a, B.b, n, B.out);
  }
  const std::size_t h = split_of(n);
  rc |= projection_partials_add_f32(&p, B.a, B.b, h, 0);
  rc |= projection_partials_add_f32(&q, B.a + h, B.b + h, n - h, h);
  rc |= projection_partials_merge(&p, &q);
  if (op == Op::equivalent_alpha) return rc | projection_partials_equivalent_alpha(&p, alpha, scale);
  // Each shard's owner writes its own part of the output.
  rc |= projection_partials_alphaless_gradient_f32(&p, B.a, B.b, h, B.out);
  return rc | projection_partials_alphaless_gradient_f32(&p, B.a + h, B.b + h, n - h, B.out + h);
}

void bm_partials(benchmark::State &st, std::size_t n, Op op, int shards, int threads) {
  Buffers<float> &B = part_buffers(n);
  projection_set_num_threads(threads);
  double alpha = 0, scale = 0;
  int rc = 0;
  for (auto _ : st) {
    rc |= partials_op(B, n, op, shards, &alpha, &scale);
    benchmark::DoNotOptimize(alpha);
    benchmark::ClobberMemory();
  }
  if (rc != 0) st.SkipWithError("a call did not return PROJECTION_OK");
  st.SetBytesProcessed(std::int64_t(st.iterations()) * op_traffic(op) * std::int64_t(n) * 4);
  st.counters["n"] = double(n);
  st.counters["threads"] = threads;
}

std::string check_partials(std::size_t n) {
  Buffers<float> &B = part_buffers(n);
  double a[3], s[3];
  std::vector<float> out[3];
  for (int k = 0; k < 3; ++k) {
    if (partials_op(B, n, Op::equivalent_alpha, k, &a[k], &s[k]) != 0 ||
        partials_op(B, n, Op::alphaless_gradient, k, nullptr, nullptr) != 0)
      return "a call failed";
    out[k].assign(B.out, B.out + n);
  }
  const bool same = a[0] == a[1] && a[0] == a[2] && s[0] == s[1] && s[0] == s[2] &&
                    out[0] == out[1] && out[0] == out[2];
  return same ? "bitwise equal" : "DIFFERENT";
}

void register_partials(const ExtrasOptions &o) {
  const std::size_t n = o.partials_n;
  benchmark::AddCustomContext("partials_split", std::to_string(split_of(n)));
  benchmark::RegisterBenchmark("check/x/partials/0/0",
                               [n](benchmark::State &st) {
                                 for (auto _ : st) {
                                 }
                                 st.SetLabel(check_partials(n));
                               })
      ->Iterations(1);
  const char *names[] = {"single@partials", "shards1@partials", "shards2@partials"};
  for (int r = 0; r < o.rounds; ++r) {
    for (int t : o.threads)
      for (Op op : {Op::equivalent_alpha, Op::alphaless_gradient})
        for (int k = 0; k < 3; ++k)
          reg(key(op_name(op), "f32", names[k], t, n),
              [=](benchmark::State &st) { bm_partials(st, n, op, k, t); });
    pause();
  }
}

}  // namespace

void register_extras(const ExtrasOptions &o) {
  if (o.b16) register_16bit(o);
  if (o.partials) register_partials(o);
  if (o.lists) register_lists(o);
}

}  // namespace pbench
