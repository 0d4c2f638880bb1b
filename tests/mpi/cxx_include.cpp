// projection_mpi.h compiled as C++ (C++20, -Wall -Wextra -pedantic -Werror), in a
// translation unit of its own: it has its own cached datatype and operation, next to
// those of test_mpi.c, and both are freed at MPI_Finalize.
#define OMPI_SKIP_MPICXX 1  // Open MPI's deprecated C++ bindings warn under -Wextra
#include <projection/projection_mpi.h>

extern "C" int projection_test_cxx_allreduce(projection_partials* p) {
  return projection_mpi_allreduce(p, MPI_COMM_WORLD);
}
