// What the CPU and the operating system let us run.
#pragma once

namespace projection::detail {

struct CpuFeatures {
  bool avx2_fma;  // AVX2 + FMA, with YMM state enabled by the OS
  bool avx512bw;  // AVX-512 F/CD/DQ/BW, with opmask and ZMM state enabled by the OS
};

CpuFeatures detect_cpu();

}  // namespace projection::detail
