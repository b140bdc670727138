// Contiguous block partition of n items (trajectories, samples) over the ranks of a communicator.
#pragma once

#include <odeflow/solvers/validation.hpp>

#include <string>

namespace odeflow::mpi {

/// Items [first, first + count) of n belong to one rank: rank r gets n / P items, the first
/// n % P ranks one more, in rank order. Contiguous blocks keep a rank's trajectories
/// neighbours (SIMD lanes, cache lines) and make the gathered result the concatenation
/// of the blocks in rank order, with no permutation.
struct BlockPartition {
  long first = 0;  ///< index of the rank's first item
  long count = 0;  ///< number of items of the rank (n / P or n / P + 1; may be 0 when n < P)
};

/// Rank `rank`'s block of n items over `size` ranks: with b = n / size, e = n % size,
/// first = rank b + min(rank, e) and count = b + (rank < e ? 1 : 0). Throws InvalidArgument
/// on n < 0, size < 1 or rank outside [0, size).
inline BlockPartition block_partition(long n, int size, int rank) {
  if (n < 0) throw InvalidArgument("n = " + std::to_string(n) + " must be >= 0");
  if (size < 1) throw InvalidArgument("size = " + std::to_string(size) + " must be >= 1");
  if (rank < 0 || rank >= size)
    throw InvalidArgument("rank = " + std::to_string(rank) + " is outside [0, " + std::to_string(size) + ")");
  const long base = n / size, extra = n % size;
  const long first = rank * base + (rank < extra ? rank : extra);
  return BlockPartition{first, base + (rank < extra ? 1 : 0)};
}

}  // namespace odeflow::mpi
