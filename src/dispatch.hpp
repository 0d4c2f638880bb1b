// The one place that decides which instruction set the kernels use.
#pragma once

#include "kernels.hpp"

namespace projection::detail {

// The kernels in use: the best the CPU supports, or the one PROJECTION_ARCH
// asks for if the CPU can run it. Decided once, at first use.
const KernelTable& active_kernels();

// Every kernel table this CPU can run, best first (for tests and benchmarks).
// Returns the count; fills at most `max` entries.
int supported_kernels(const KernelTable** out, int max);

// Test hook: makes `t` the active table (nullptr: back to the decided one).
void override_kernels_for_testing(const KernelTable* t);

}  // namespace projection::detail
