#!/usr/bin/env bash
# MPI scaling on this machine: 1 rank x 1 thread, 2 ranks x 1 thread, and 1 rank x 2 threads
# (the same cores used by threads instead of ranks). JSON lines on stdout.
# Run inside the development root:
#   tools/dev run benchmarks/mpi_scaling.sh [--quick | --n N]                 # Lorenz ensemble
#   ODEFLOW_MPI_BENCH=mpi_likelihood tools/dev run benchmarks/mpi_scaling.sh  # likelihood over a dataset
set -euo pipefail
exe=${ODEFLOW_BENCH_DIR:-build/release/benchmarks}/${ODEFLOW_MPI_BENCH:-mpi_ensemble}
launcher=(mpiexec -launcher fork)
export OMP_PROC_BIND=false
OMP_NUM_THREADS=1 "${launcher[@]}" -n 1 "$exe" "$@"
OMP_NUM_THREADS=1 "${launcher[@]}" -n 2 "$exe" "$@"
OMP_NUM_THREADS=2 "${launcher[@]}" -n 1 "$exe" "$@"
