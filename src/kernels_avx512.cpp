// Kernels compiled for avx512bw; this file's compiler flags are set in CMakeLists.txt.
#include "kernels_impl.hpp"

namespace projection::detail {
template const KernelTable& kernel_table<arch_avx512>();
}
