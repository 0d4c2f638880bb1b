// Test runner. Under ctest each [ops] run is made once per instruction set with
// PROJECTION_ARCH set; a run for an instruction set this CPU (or OS) cannot
// execute exits with 77, which ctest reports as skipped.
#define CATCH_CONFIG_RUNNER
#include <cstdlib>
#include <cstring>
#include <string>

#include "dispatch.hpp"
#include "support.hpp"

namespace test {

std::string expected_arch() {
  const projection::detail::KernelTable* tables[8];
  const int count = projection::detail::supported_kernels(tables, 8);
  const char* want = std::getenv("PROJECTION_ARCH");
  bool word = false;
  for (const char* w : {"sse2", "avx2", "avx512", "neon", "generic"}) word |= want && !std::strcmp(want, w);
  if (word)
    for (int i = 0; i < count; ++i)
      if (std::strstr(tables[i]->name, want)) return tables[i]->name;
  return tables[0]->name;  // unknown or unsupported: the best this CPU runs
}

void require_expected_arch() {
  INFO("PROJECTION_ARCH=" << (std::getenv("PROJECTION_ARCH") ? std::getenv("PROJECTION_ARCH") : "(unset)"));
  REQUIRE(std::string(projection_simd_arch()) == expected_arch());
}

}  // namespace test

int main(int argc, char** argv) {
  if (const char* want = std::getenv("PROJECTION_REQUIRE_ARCH")) {
    const projection::detail::KernelTable* tables[8];
    const int count = projection::detail::supported_kernels(tables, 8);
    bool supported = false;
    for (int i = 0; i < count; ++i) supported |= std::strstr(tables[i]->name, want) != nullptr;
    if (!supported) {
      std::printf("this CPU cannot run %s kernels: skipped\n", want);
      return 77;
    }
  }
  return Catch::Session().run(argc, argv);
}
