// NumPy .npy files: a validating reader and an atomic writer for float32/float64 arrays of rank 1 and 2.
#pragma once

#include <odeflow/flows/format_error.hpp>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace odeflow {

/// Element types of the .npy files odeflow reads and writes ('<f4', '<f8').
enum class NpyDtype {
  f32,  ///< little-endian IEEE float32 ('<f4')
  f64   ///< little-endian IEEE float64 ('<f8')
};

/// An array of a .npy file: dtype, shape (C order, rank 1 or 2) and its little-endian bytes.
struct NpyArray {
  /// Element type.
  NpyDtype dtype = NpyDtype::f64;
  /// Shape in C order: (n) or (n, m).
  std::vector<std::int64_t> shape;
  /// The data, numel() x element size bytes, little-endian.
  std::vector<std::uint8_t> bytes;

  /// Number of elements (product of the shape).
  std::int64_t numel() const;
  /// Rows: shape[0].
  std::int64_t rows() const { return shape.empty() ? 0 : shape[0]; }
  /// Columns: shape[1] for rank 2, 1 for rank 1.
  std::int64_t cols() const { return shape.size() == 2 ? shape[1] : 1; }

  /// The elements in C order, converted to T (float or double; float64 -> float rounds).
  template <class T>
  std::vector<T> values() const {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>);
    const std::size_t n = static_cast<std::size_t>(numel());
    std::vector<T> out(n);
    for (std::size_t i = 0; i < n; ++i) {
      if (dtype == NpyDtype::f64) {
        std::uint64_t v = 0;
        for (int b = 7; b >= 0; --b) v = (v << 8) | bytes[i * 8 + static_cast<std::size_t>(b)];
        double d;
        std::memcpy(&d, &v, 8);
        out[i] = static_cast<T>(d);
      } else {
        std::uint32_t v = 0;
        for (int b = 3; b >= 0; --b) v = (v << 8) | bytes[i * 4 + static_cast<std::size_t>(b)];
        float f;
        std::memcpy(&f, &v, 4);
        out[i] = static_cast<T>(f);
      }
    }
    return out;
  }

  /// An array of `shape` (rank 1 or 2) from float ('<f4') or double ('<f8') values in C order.
  template <class T>
  static NpyArray from_values(std::vector<std::int64_t> shape, const T* values) {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>);
    NpyArray a;
    a.dtype = std::is_same_v<T, float> ? NpyDtype::f32 : NpyDtype::f64;
    a.shape = std::move(shape);
    const std::size_t n = static_cast<std::size_t>(a.numel());
    a.bytes.resize(n * sizeof(T));
    for (std::size_t i = 0; i < n; ++i) {
      std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t> bits;
      std::memcpy(&bits, values + i, sizeof(T));
      for (std::size_t b = 0; b < sizeof(T); ++b) a.bytes[i * sizeof(T) + b] = static_cast<std::uint8_t>(bits >> (8 * b));
    }
    return a;
  }
};

/// Largest header a reader accepts (bytes): numpy's own readers refuse headers above
/// 10000 bytes by default; 1 MiB leaves room for any float array of rank <= 2.
inline constexpr std::uint64_t npy_max_header = 1u << 20;

/// Parses a .npy image (format versions 1.0, 2.0 and 3.0): the magic "\x93NUMPY", the
/// version, the header length (u16 for 1.0, u32 for 2.0/3.0, little-endian), the header
/// (a Python dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...)} ending in
/// '\n'), then exactly numel x itemsize bytes of data.
///
/// Accepts descr '<f4' and '<f8' ('=' as '<'), fortran_order False, rank 1 or 2. Throws
/// FormatError naming `source`, the problem and where (a byte offset or header key):
/// short or truncated file, bad magic or version, header longer than the file or than
/// npy_max_header, malformed dict, missing or unknown keys, unsupported dtype (other
/// kinds, big-endian), Fortran order, other ranks, negative or overflowing shape,
/// data size different from what the shape needs (missing or trailing bytes).
NpyArray parse_npy(std::span<const std::uint8_t> image, const std::string& source = "<memory>");

/// Reads and parses a .npy file. Every size is checked against the file's size before
/// the data buffer is allocated, so a header that claims a terabyte fails at once.
NpyArray read_npy(const std::filesystem::path& path);

/// A .npy file read a block of rows at a time, for data larger than memory: the header is
/// parsed and the data size checked against the file as read_npy does (so a corrupt or
/// truncated file fails on opening), then read_block / read_rows fetch rows
/// [first, first + count) only. One reader per thread (it holds the file position).
class NpyRowReader {
 public:
  /// Opens `path`; throws FormatError like read_npy for every malformed file.
  explicit NpyRowReader(const std::filesystem::path& path);
  /// Element type of the file.
  NpyDtype dtype() const { return m_dtype; }
  /// shape[0].
  std::int64_t rows() const { return m_shape.empty() ? 0 : m_shape[0]; }
  /// shape[1] for rank 2, 1 for rank 1.
  std::int64_t cols() const { return m_shape.size() == 2 ? m_shape[1] : 1; }
  /// The file's shape.
  const std::vector<std::int64_t>& shape() const { return m_shape; }
  /// Rows [first, first + count) as an NpyArray of shape (count, cols) (or (count) for rank 1);
  /// throws FormatError when the range is outside the file or the read fails.
  NpyArray read_block(std::int64_t first, std::int64_t count);
  /// Rows [first, first + count) converted to T, in C order (count x cols values).
  template <class T>
  std::vector<T> read_rows(std::int64_t first, std::int64_t count) {
    return read_block(first, count).template values<T>();
  }

 private:
  std::string m_source;
  std::ifstream m_in;
  NpyDtype m_dtype = NpyDtype::f64;
  std::vector<std::int64_t> m_shape;
  std::uint64_t m_itemsize = 8, m_data_start = 0;
};

/// The .npy image of `a` as numpy.save writes it (version 1.0, 2.0 when the header needs
/// more than 65535 bytes; header padded with spaces to a multiple of 64 bytes). Throws
/// FormatError ("<memory>") when the rank is not 1 or 2 or the bytes do not match the shape.
std::vector<std::uint8_t> serialize_npy(const NpyArray& a);

/// Writes serialize_npy(a) to `path` atomically (AtomicOutputFile: temporary file, fsync,
/// rename). Throws IoError when it cannot be written; the destination is then untouched.
void write_npy(const std::filesystem::path& path, const NpyArray& a);

}  // namespace odeflow
