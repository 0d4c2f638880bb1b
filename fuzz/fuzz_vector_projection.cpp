// libFuzzer target: projection_vector_projection_f32 and _f64 (byte 0, bit 0 picks the type).
#include "fuzz_ops.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pfuzz::check_arch_once();
  pfuzz::Reader r(data, size);
  const uint8_t flags = r.byte();
  if (flags & 1)
    pfuzz::run_vec<double>(pfuzz::VecOp::kVectorProjection, r, flags);
  else
    pfuzz::run_vec<float>(pfuzz::VecOp::kVectorProjection, r, flags);
  return 0;
}
