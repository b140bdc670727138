// Per-rank result files (NumPy .npy) and the JSON manifest that lists them.
#pragma once

#include <odeflow/mpi/block_partition.hpp>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <type_traits>
#include <vector>

namespace odeflow::mpi {

/// Writes a C-order (rows, cols) array of float, double or int32 as a NumPy .npy file
/// (format version 1.0, little-endian; numpy.load reads it). Throws std::runtime_error
/// naming the file if it cannot be written.
///
/// - `path`: the file, created or truncated;
/// - `data`: rows * cols values, row-major (the bytes are written as they are in memory, so
///   the file is little-endian on little-endian hosts only);
/// - `rows`, `cols`: the array's shape in the header.
template <class T>
void write_npy(const std::string& path, const T* data, long rows, long cols) {
  static_assert(std::is_same_v<T, double> || std::is_same_v<T, float> || std::is_same_v<T, std::int32_t>);
  const char* descr = std::is_same_v<T, double> ? "<f8" : std::is_same_v<T, float> ? "<f4" : "<i4";
  std::string header = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (" +
                       std::to_string(rows) + ", " + std::to_string(cols) + "), }";
  // Magic (6) + version (2) + length (2) + header + '\n', padded to a multiple of 64 bytes.
  const std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::ofstream out(path, std::ios::binary);
  const char magic[8] = {'\x93', 'N', 'U', 'M', 'P', 'Y', 1, 0};
  const std::uint16_t len = static_cast<std::uint16_t>(header.size());
  const char lb[2] = {static_cast<char>(len & 0xff), static_cast<char>(len >> 8)};
  out.write(magic, 8);
  out.write(lb, 2);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(sizeof(T) * rows * cols));
  if (!out) throw std::runtime_error("cannot write '" + path + "'");
}

/// The name of rank r's file of kind `what` ("y", "stats") for a prefix: "<prefix>.rank<r>.<what>.npy",
/// r written with at least 5 digits, zero-padded ("results/lorenz.rank00003.y.npy").
inline std::string rank_file(const std::string& prefix, int rank, const std::string& what) {
  char r[16];
  std::snprintf(r, sizeof r, "%05d", rank);
  return prefix + ".rank" + r + "." + what + ".npy";
}

/// Writes "<prefix>.manifest.json": the problem's size, the partition and each rank's files,
/// so that a reader can reassemble the global arrays (concatenate the blocks in rank order).
///
/// - `kind`: what was solved ("ensemble"), written as "kind";
/// - `n`, `dim`: the global array's rows and columns; `size`: the number of ranks P;
/// - `what`: the file kinds of every rank ({"y", "stats"}): part r lists block_partition(n, P, r)
///   and, per kind, the file name rank_file(prefix, r, kind) without its folder.
///
/// Host only, not collective: writes from the calling process (solve_ensemble_distributed
/// calls it on rank 0). Throws std::runtime_error naming the file if it cannot be written.
inline void write_manifest(const std::string& prefix, const std::string& kind, long n, int dim, int size,
                           const std::vector<std::string>& what) {
  const std::string path = prefix + ".manifest.json";
  std::ofstream out(path);
  out << "{\n  \"format\": \"odeflow-mpi\",\n  \"kind\": \"" << kind << "\",\n  \"n\": " << n
      << ",\n  \"dim\": " << dim << ",\n  \"ranks\": " << size << ",\n  \"parts\": [\n";
  for (int r = 0; r < size; ++r) {
    const BlockPartition b = block_partition(n, size, r);
    out << "    {\"rank\": " << r << ", \"first\": " << b.first << ", \"count\": " << b.count;
    for (const auto& w : what) {
      std::string f = rank_file(prefix, r, w);
      f = f.substr(f.find_last_of('/') + 1);  // relative to the manifest's folder
      out << ", \"" << w << "\": \"" << f << "\"";
    }
    out << "}" << (r + 1 < size ? "," : "") << "\n";
  }
  out << "  ]\n}\n";
  if (!out) throw std::runtime_error("cannot write '" + path + "'");
}

}  // namespace odeflow::mpi
