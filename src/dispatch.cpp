#include "dispatch.hpp"

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "cpu.hpp"

namespace projection::detail {
namespace {

constexpr int kMaxTables = 5;

struct Choice {
  const KernelTable* tables[kMaxTables];  // supported, best first
  int count;
  const KernelTable* chosen;
};

// PROJECTION_ARCH names: the word each table's name contains.
constexpr const char* kForceWord[] = {"avx512", "avx2", "sse2", "neon", "generic"};

Choice decide() {
  [[maybe_unused]] const CpuFeatures cpu = detect_cpu();
  Choice c{{}, 0, nullptr};
#if defined(__x86_64__)
  if (cpu.avx512bw) c.tables[c.count++] = &kernel_table<arch_avx512>();
  if (cpu.avx2_fma) c.tables[c.count++] = &kernel_table<arch_avx2>();
  c.tables[c.count++] = &kernel_table<arch_sse2>();
#elif defined(__aarch64__)
  if (cpu.neon64) c.tables[c.count++] = &kernel_table<arch_neon64>();
#endif
  c.tables[c.count++] = &kernel_table<arch_generic>();
  c.chosen = c.tables[0];
  if (const char* want = std::getenv("PROJECTION_ARCH")) {
    for (const char* word : kForceWord) {
      if (std::strcmp(want, word) != 0) continue;
      for (int i = 0; i < c.count; ++i)
        if (std::strstr(c.tables[i]->name, word)) c.chosen = c.tables[i];
    }
  }
  return c;
}

const Choice& choice() {
  static const Choice c = decide();  // thread-safe, once
  return c;
}

std::atomic<const KernelTable*> g_override{nullptr};

}  // namespace

const KernelTable& active_kernels() {
  if (const KernelTable* t = g_override.load(std::memory_order_acquire)) return *t;
  return *choice().chosen;
}

int supported_kernels(const KernelTable** out, int max) {
  const Choice& c = choice();
  for (int i = 0; i < c.count && i < max; ++i) out[i] = c.tables[i];
  return c.count;
}

void override_kernels_for_testing(const KernelTable* t) {
  g_override.store(t, std::memory_order_release);
}

}  // namespace projection::detail
