"""One rank of test_distributed.py's mpi4py test: ``mpirun -np N python3 dist_mpi_worker.py N``.

Runs dist_scenarios on COMM_WORLD (NumPy arrays: float32, float64, float16) and, in the
"group" scenario, on a duplicate of it; rank 0 prints one JSON line with every rank's
results. Fails unless it runs on exactly N ranks (not N singletons)."""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if not os.environ.get("PROJECTION_TEST_INSTALLED"):  # as conftest.py: the source tree
    sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from mpi4py import MPI  # noqa: E402

import dist_scenarios  # noqa: E402


def main():
    comm = MPI.COMM_WORLD
    want = int(sys.argv[1])
    if comm.size != want:
        print("dist_mpi_worker: %d ranks, expected %d" % (comm.size, want), file=sys.stderr)
        return 2
    dup = comm.Dup()
    res = dist_scenarios.run(comm.rank, comm.size, "numpy", {"comm": comm},
                             extra_group_kw={"comm": dup})
    dup.Free()
    everyone = comm.gather(res, root=0)
    if comm.rank == 0:
        print("RESULTS " + json.dumps(everyone), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
