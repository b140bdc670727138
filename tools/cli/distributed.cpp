// The odeflow command under mpirun (distributed.hpp): MPI when built with it, one rank otherwise.
#include "distributed.hpp"

#include "cli.hpp"

#include <climits>
#include <exception>
#include <string>

#ifdef ODEFLOW_CLI_MPI
#include <odeflow/mpi/gather.hpp>

#include <mpi.h>
#endif

namespace odeflow::cli {

#ifdef ODEFLOW_CLI_MPI

namespace {
bool started = false;  // whether this session called MPI_Init
}

MpiSession::MpiSession(int* argc, char*** argv) {
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (!initialised) {
    MPI_Init(argc, argv);
    started = true;
  }
}

MpiSession::~MpiSession() {
  int finalised = 0;
  MPI_Finalized(&finalised);
  if (started && !finalised) MPI_Finalize();
}

int world_rank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}

int world_size() {
  int s = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &s);
  return s;
}

RowBlock my_block(long n) {
  const auto b = odeflow::mpi::block_partition(n, world_size(), world_rank());
  return {b.first, b.count};
}

void collectively(const std::function<void()>& local) {
  std::exception_ptr err;
  try {
    local();
  } catch (...) {
    err = std::current_exception();
  }
  if (world_size() == 1) {
    if (err) std::rethrow_exception(err);
    return;
  }
  const int mine = err ? world_rank() : INT_MAX;
  int first = INT_MAX;
  MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (first == INT_MAX) return;
  if (world_rank() != first) throw ExitCode{1};
  if (first == 0) std::rethrow_exception(err);
  try {
    std::rethrow_exception(err);
  } catch (const std::exception& e) {
    throw RankError("rank " + std::to_string(first) + ": " + e.what());
  }
}

void on_rank0(const std::function<void()>& fn) {
  std::exception_ptr err;
  if (world_rank() == 0) {
    try {
      fn();
    } catch (...) {
      err = std::current_exception();
    }
  }
  if (world_size() > 1) {
    int failed = err ? 1 : 0;
    MPI_Bcast(&failed, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (failed && world_rank() != 0) throw ExitCode{1};
  }
  if (err) std::rethrow_exception(err);
}

std::vector<double> gather_rows(std::vector<double> local, long n, long per_row) {
  if (world_size() == 1) return local;
  std::vector<double> all(world_rank() == 0 ? static_cast<std::size_t>(n * per_row) : 0);
  odeflow::mpi::gather_blocks(MPI_COMM_WORLD, n, sizeof(double) * static_cast<std::size_t>(per_row), local.data(),
                              all.data());
  return all;
}

void sum_over_ranks(long* values, int count) {
  if (world_size() > 1) MPI_Allreduce(MPI_IN_PLACE, values, count, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
}

double max_over_ranks(double value) {
  if (world_size() > 1) MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return value;
}

int share_status(int status_on_rank0) {
  if (world_size() > 1) MPI_Bcast(&status_on_rank0, 1, MPI_INT, 0, MPI_COMM_WORLD);
  return status_on_rank0;
}

#else

MpiSession::MpiSession(int*, char***) {}
MpiSession::~MpiSession() = default;
int world_rank() { return 0; }
int world_size() { return 1; }
RowBlock my_block(long n) { return {0, n}; }
void collectively(const std::function<void()>& local) { local(); }
void on_rank0(const std::function<void()>& fn) { fn(); }
std::vector<double> gather_rows(std::vector<double> local, long, long) { return local; }
void sum_over_ranks(long*, int) {}
double max_over_ranks(double value) { return value; }
int share_status(int status_on_rank0) { return status_on_rank0; }

#endif

}  // namespace odeflow::cli
