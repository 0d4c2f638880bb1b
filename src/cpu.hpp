// What the CPU and the operating system let us run.
#pragma once

namespace projection::detail {

struct CpuFeatures {
  bool avx2_fma;  // x86-64: AVX2 + FMA + F16C, with YMM state enabled by the OS
  bool avx512bw;  // x86-64: AVX-512 F/CD/DQ/BW/VL as well, with opmask and ZMM state enabled
  bool neon64;    // aarch64: Advanced SIMD, part of the base architecture
};

CpuFeatures detect_cpu();

}  // namespace projection::detail
