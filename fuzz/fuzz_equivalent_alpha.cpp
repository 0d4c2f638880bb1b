// libFuzzer target: projection_equivalent_alpha_f32, _f64, _bf16 and _f16 (byte 0,
// bits 0 and 2, pick the type).
#include "fuzz_ops.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pfuzz::check_arch_once();
  pfuzz::Reader r(data, size);
  const uint8_t flags = r.byte();
  pfuzz::with_type(flags, [&]<class T>() { pfuzz::run_alpha<T>(r, flags); });
  return 0;
}
