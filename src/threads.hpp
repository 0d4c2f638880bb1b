// Thread-count setting shared by the C API and the parallel driver.
#pragma once

namespace projection::detail {

void set_num_threads(int n);  // n <= 0: the OpenMP default
int get_num_threads();

}  // namespace projection::detail
