// Gathers per-rank blocks of rows to rank 0 and reduces ensemble statistics over a communicator.
#pragma once

#include <odeflow/mpi/block_partition.hpp>
#include <odeflow/solvers/per_trajectory.hpp>

#include <Kokkos_Core.hpp>
#include <mpi.h>

#include <climits>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace odeflow::mpi {

/// Thrown when an MPI call fails (with MPI_ERRORS_RETURN); the message has MPI's text.
class MpiError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
inline void check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  throw MpiError(std::string(what) + " failed: " + std::string(text, static_cast<std::size_t>(len)));
}
inline int rank_of(MPI_Comm comm) {
  int r = 0;
  check(MPI_Comm_rank(comm, &r), "MPI_Comm_rank");
  return r;
}
inline int size_of(MPI_Comm comm) {
  int s = 0;
  check(MPI_Comm_size(comm, &s), "MPI_Comm_size");
  return s;
}
}  // namespace detail

/// Gathers every rank's (count_r, row_bytes) block of bytes to rank 0, in rank order, where
/// the blocks are the block_partition of n rows. `local` holds count_r * row_bytes bytes;
/// on rank 0 `global` receives n * row_bytes bytes (ignored elsewhere). Bytes, not typed
/// values: the result is bitwise what each rank computed (homogeneous ranks assumed).
///
/// Collective over `comm` (MPI_Gatherv with a contiguous datatype of one row). Throws
/// InvalidArgument when row_bytes is 0 or exceeds INT_MAX, or n exceeds INT_MAX (MPI's int
/// counts; write per-rank files instead), and MpiError when an MPI call fails.
inline void gather_blocks(MPI_Comm comm, long n, std::size_t row_bytes, const void* local, void* global) {
  const int size = detail::size_of(comm), rank = detail::rank_of(comm);
  const BlockPartition mine = block_partition(n, size, rank);
  // MPI-3 counts are int: gather rows in a contiguous datatype of one row.
  if (row_bytes == 0 || row_bytes > static_cast<std::size_t>(INT_MAX) || n > INT_MAX)
    throw InvalidArgument("gather of n = " + std::to_string(n) + " rows of " + std::to_string(row_bytes) +
                          " bytes exceeds MPI's int counts; write per-rank files instead");
  MPI_Datatype row;
  detail::check(MPI_Type_contiguous(static_cast<int>(row_bytes), MPI_BYTE, &row), "MPI_Type_contiguous");
  detail::check(MPI_Type_commit(&row), "MPI_Type_commit");
  std::vector<int> counts, displs;
  if (rank == 0) {
    for (int r = 0; r < size; ++r) {
      const BlockPartition b = block_partition(n, size, r);
      counts.push_back(static_cast<int>(b.count));
      displs.push_back(static_cast<int>(b.first));
    }
  }
  const int rc = MPI_Gatherv(local, static_cast<int>(mine.count), row, global, counts.data(), displs.data(), row, 0, comm);
  MPI_Type_free(&row);
  detail::check(rc, "MPI_Gatherv");
}

/// Sums EnsembleSummary over the ranks; every rank gets the total.
///
/// The per-status counts, nfe, accepted and rejected are summed as `long` (one MPI_Allreduce
/// with MPI_SUM, collective over `comm`). Throws MpiError when the reduction fails.
inline EnsembleSummary allreduce(MPI_Comm comm, const EnsembleSummary& local) {
  constexpr int m = num_statuses + 3;
  long in[m], out[m];
  for (int s = 0; s < num_statuses; ++s) in[s] = local.count[s];
  in[num_statuses] = local.nfe;
  in[num_statuses + 1] = local.accepted;
  in[num_statuses + 2] = local.rejected;
  detail::check(MPI_Allreduce(in, out, m, MPI_LONG, MPI_SUM, comm), "MPI_Allreduce");
  EnsembleSummary g;
  for (int s = 0; s < num_statuses; ++s) g.count[s] = out[s];
  g.nfe = out[num_statuses];
  g.accepted = out[num_statuses + 1];
  g.rejected = out[num_statuses + 2];
  return g;
}

}  // namespace odeflow::mpi
