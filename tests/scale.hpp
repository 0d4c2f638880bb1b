// The test suite's size knob: PROJECTION_TEST_SCALE.
//
//   unset, "full"  every length and the few-million-element inputs (the default)
//   "small"        trimmed lengths and sizes that still cross the block (8192) and
//                  parallel (65536) thresholds: for slow runs, such as the aarch64
//                  suite under qemu-aarch64 (scripts/test-aarch64)
//
// Any other value is an error, so that a typo does not silently run the full size.
#pragma once

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace test {

inline bool small_scale() {
  static const bool small = [] {
    const char* v = std::getenv("PROJECTION_TEST_SCALE");
    if (!v || !*v || !std::strcmp(v, "full")) return false;
    if (!std::strcmp(v, "small")) return true;
    std::fprintf(stderr, "PROJECTION_TEST_SCALE=%s: expected \"small\" or \"full\"\n", v);
    std::exit(2);
  }();
  return small;
}

// `full` at the full scale, `small` at the small one.
inline std::size_t scaled(std::size_t full, std::size_t small) {
  return small_scale() ? small : full;
}

}  // namespace test
