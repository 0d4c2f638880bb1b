// The measurements of extras.cpp, registered after the float/double tables of
// bench_main.cpp: 16-bit types against the byte roofline, lists of tensors, partials.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace pbench {

struct ExtrasOptions {
  std::vector<std::size_t> sizes16;  // n of the bf16 / f16 measurements
  std::vector<int> threads;          // thread counts
  int rounds = 1;
  std::size_t partials_n = 10'000'000;
  int gpt2_width = 768;              // GPT-2 small; smaller for a smoke run
  bool b16 = true, lists = true, partials = true;
};

void register_extras(const ExtrasOptions &o);

// Frees the float/double buffers of bench_main.cpp (up to 1.5 GB at n = 6.4e7).
void release_main_buffers();

}  // namespace pbench
