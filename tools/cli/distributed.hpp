// The odeflow command under mpirun: ranks, row blocks, gathers to rank 0 and agreement on errors.
// Without MPI (or run without mpirun) there is one rank and every function is trivial.
#pragma once

#include <functional>
#include <stdexcept>
#include <vector>

namespace odeflow::cli {

/// Starts MPI for the life of the object when the command is built with it (MPI_Init; a run
/// without mpirun is a singleton of one rank) and finalises it on destruction. Declared first
/// in main(), so that MPI outlives Kokkos.
class MpiSession {
 public:
  MpiSession(int* argc, char*** argv);
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
};

/// This process's rank in MPI_COMM_WORLD (0 without MPI).
int world_rank();
/// The number of ranks (1 without MPI or without mpirun).
int world_size();

/// Rows [first, first + count) of n that this rank handles (odeflow::mpi::block_partition).
struct RowBlock {
  long first = 0;  ///< first global row
  long count = 0;  ///< number of rows
};
/// This rank's block of n rows (all of them on one rank).
RowBlock my_block(long n);

/// Runs `local` on every rank (reading, checking and computing, no communication), then
/// agrees on the outcome with one MPI_Allreduce: if it threw on some rank, it throws on
/// every rank, so no rank waits in a later collective for one that has given up. The lowest
/// failing rank rethrows its exception (main prints it, exit code 1); the others throw
/// ExitCode{1} silently. With one rank, `local()` is simply called.
void collectively(const std::function<void()>& local);

/// Runs `fn` on rank 0 only (writing the outputs, printing the summary), then shares its
/// outcome: if it threw, rank 0 rethrows and the other ranks throw ExitCode{1}, so every rank
/// ends with the same exit code. With one rank, `fn()` is simply called.
void on_rank0(const std::function<void()>& fn);

/// An error raised on a rank other than 0 inside collectively(): main() prints it on that
/// rank ("odeflow <sub>: error: rank r: ..."); other errors are printed by rank 0 only, since
/// every rank meets them alike (arguments, files).
struct RankError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Gathers every rank's rows to rank 0, in rank order: `local` holds my_block(n).count rows
/// of `per_row` doubles (any layout within a rank's block, gathered as bytes). Returns the n *
/// per_row values on rank 0 and an empty vector elsewhere; `local` itself with one rank.
std::vector<double> gather_rows(std::vector<double> local, long n, long per_row);

/// Element-wise sum of `count` longs over the ranks, in place, on every rank.
void sum_over_ranks(long* values, int count);

/// Maximum of a double over the ranks (wall times), on every rank.
double max_over_ranks(double value);

/// Rank 0's exit status shared with every rank: rank 0 passes the code it ends with (0 when
/// its output files were written), every rank returns it.
int share_status(int status_on_rank0);

}  // namespace odeflow::cli
