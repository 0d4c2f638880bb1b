// CPU detection with the OS register-state check that xsimd 8.1 lacks: an
// instruction set is usable only if CPUID reports it *and* XCR0 shows that the
// OS saves the registers it needs across context switches. On aarch64 NEON is
// part of the base architecture; other CPUs run the generic kernels.
#include "cpu.hpp"

#if defined(__x86_64__)
#include <cpuid.h>

#include <cstdint>
#endif

namespace projection::detail {

#if defined(__x86_64__)
namespace {

std::uint64_t read_xcr0() {
  std::uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<std::uint64_t>(edx) << 32) | eax;
}

constexpr std::uint64_t kXcr0Sse = 1u << 1, kXcr0Avx = 1u << 2;
constexpr std::uint64_t kXcr0Avx512 = (1u << 5) | (1u << 6) | (1u << 7);  // opmask, ZMM_Hi256, Hi16_ZMM

}  // namespace

CpuFeatures detect_cpu() {
  CpuFeatures f{false, false, false};
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = c & bit_OSXSAVE, avx = c & bit_AVX, fma = c & bit_FMA, f16c = c & bit_F16C;
  if (!osxsave || !avx) return f;
  const std::uint64_t xcr0 = read_xcr0();
  const bool ymm_state = (xcr0 & (kXcr0Sse | kXcr0Avx)) == (kXcr0Sse | kXcr0Avx);
  const bool zmm_state = ymm_state && (xcr0 & kXcr0Avx512) == kXcr0Avx512;
  if (__get_cpuid_max(0, nullptr) < 7) return f;
  __cpuid_count(7, 0, a, b, c, d);
  f.avx2_fma = ymm_state && fma && f16c && (b & bit_AVX2);
  const unsigned avx512 = bit_AVX512F | bit_AVX512CD | bit_AVX512DQ | bit_AVX512BW | bit_AVX512VL;
  f.avx512bw = f.avx2_fma && zmm_state && (b & avx512) == avx512;
  return f;
}

#else

CpuFeatures detect_cpu() {
#if defined(__aarch64__)
  return {false, false, true};
#else
  return {false, false, false};
#endif
}

#endif

}  // namespace projection::detail
