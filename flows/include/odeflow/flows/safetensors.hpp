// Safetensors files: a validating reader and a writer (Hugging Face's format: 8-byte length, JSON header, raw data).
#pragma once

#include <odeflow/flows/format_error.hpp>
#include <odeflow/flows/io/atomic_file.hpp>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace odeflow {

/// Element types of the safetensors format (header names "F64", "F32", "F16", "BF16",
/// "I64", "I32", "I16", "I8", "U64", "U32", "U16", "U8", "BOOL", "F8_E4M3", "F8_E5M2").
enum class Dtype { f64, f32, f16, bf16, i64, i32, i16, i8, u64, u32, u16, u8, boolean, f8_e4m3, f8_e5m2 };

/// @var odeflow::Dtype::f64
/// "F64": IEEE binary64.

/// @var odeflow::Dtype::f32
/// "F32": IEEE binary32.

/// @var odeflow::Dtype::f16
/// "F16": IEEE binary16.

/// @var odeflow::Dtype::bf16
/// "BF16": bfloat16.

/// @var odeflow::Dtype::i64
/// "I64": signed 64-bit integer.

/// @var odeflow::Dtype::i32
/// "I32": signed 32-bit integer.

/// @var odeflow::Dtype::i16
/// "I16": signed 16-bit integer.

/// @var odeflow::Dtype::i8
/// "I8": signed 8-bit integer.

/// @var odeflow::Dtype::u64
/// "U64": unsigned 64-bit integer.

/// @var odeflow::Dtype::u32
/// "U32": unsigned 32-bit integer.

/// @var odeflow::Dtype::u16
/// "U16": unsigned 16-bit integer.

/// @var odeflow::Dtype::u8
/// "U8": unsigned 8-bit integer.

/// @var odeflow::Dtype::boolean
/// "BOOL": one byte, 0 or 1.

/// @var odeflow::Dtype::f8_e4m3
/// "F8_E4M3": 8-bit float, 4 exponent bits, 3 mantissa bits.

/// @var odeflow::Dtype::f8_e5m2
/// "F8_E5M2": 8-bit float, 5 exponent bits, 2 mantissa bits.

/// The header name of a dtype ("F32", ...).
std::string_view dtype_name(Dtype d);
/// Bytes per element.
std::size_t dtype_size(Dtype d);

/// IEEE binary16 bits to float (subnormals, infinities and NaN included).
float half_to_float(std::uint16_t h);
/// bfloat16 bits to float.
float bfloat16_to_float(std::uint16_t b);

/// One tensor: name, dtype, shape (row-major) and its little-endian bytes.
struct SafetensorsTensor {
  /// Tensor name (the JSON key).
  std::string name;
  /// Element type.
  Dtype dtype = Dtype::f32;
  /// Shape (non-negative extents; empty: a scalar).
  std::vector<std::int64_t> shape;
  /// Raw little-endian bytes, elements x dtype size.
  std::vector<std::uint8_t> bytes;

  /// Number of elements, the product of the shape (1 for a scalar, shape {}).
  std::int64_t numel() const;
  /// The elements converted to double (F64, F32, F16, BF16 only); throws FormatError
  /// naming the tensor for other dtypes.
  std::vector<double> to_double(const std::string& file = "<memory>") const;
  /// The elements converted to T (float or double), through to_double's rules.
  template <class T>
  std::vector<T> to_vector(const std::string& file = "<memory>") const {
    static_assert(std::is_floating_point_v<T>);
    if constexpr (std::is_same_v<T, double>) {
      return to_double(file);
    } else {
      const auto d = to_double(file);
      return std::vector<T>(d.begin(), d.end());
    }
  }
  /// A tensor of `shape` from float (F32) or double (F64) values, row-major.
  template <class T>
  static SafetensorsTensor from_values(std::string name, std::vector<std::int64_t> shape, const T* values) {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>);
    SafetensorsTensor t;
    t.name = std::move(name);
    t.dtype = std::is_same_v<T, float> ? Dtype::f32 : Dtype::f64;
    t.shape = std::move(shape);
    t.bytes.resize(static_cast<std::size_t>(t.numel()) * sizeof(T));
    for (std::size_t i = 0; i < static_cast<std::size_t>(t.numel()); ++i) {
      std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t> bits;
      std::memcpy(&bits, values + i, sizeof(T));
      for (std::size_t b = 0; b < sizeof(T); ++b) t.bytes[i * sizeof(T) + b] = static_cast<std::uint8_t>(bits >> (8 * b));
    }
    return t;
  }
};

/// The content of a safetensors file: the string-to-string `__metadata__` and the tensors
/// in the order of their data.
struct SafetensorsFile {
  /// The header's "__metadata__" string map (may be empty).
  std::map<std::string, std::string> metadata;
  /// The tensors in the order of their data offsets.
  std::vector<SafetensorsTensor> tensors;
  /// The tensor called `name`, or nullptr.
  const SafetensorsTensor* find(std::string_view name) const;
};

/// Parses a safetensors image. Layout: N (u64, little-endian), N bytes of UTF-8 JSON
/// (an object; "__metadata__" maps strings to strings; every other key is a tensor
/// {"dtype": ..., "shape": [...], "data_offsets": [begin, end]}), then the data, whose
/// tensors must tile it exactly (sorted by begin: 0, each begin = previous end, last end =
/// data size). Every violation throws FormatError naming `source`, the problem and the
/// byte offset or tensor: short file, header length beyond the file or above 100 MB,
/// header not a JSON object, duplicate keys, unknown dtype, bad shape or offsets, size
/// != elements x dtype size (overflow-checked), gaps, overlaps, trailing bytes.
SafetensorsFile parse_safetensors(std::span<const std::uint8_t> image, const std::string& source = "<memory>");

/// Reads and parses a file (parse_safetensors' rules; FormatError also when it cannot be read).
SafetensorsFile read_safetensors(const std::filesystem::path& path);

/// The file image of `content`: header with "__metadata__" (if any) and the tensors in
/// order with contiguous offsets, padded with spaces to a multiple of 8 bytes.
/// Throws InvalidArgument-like FormatError ("<memory>") for tensors whose byte count does
/// not match their shape and dtype, or duplicate names.
std::vector<std::uint8_t> serialize_safetensors(const SafetensorsFile& content);

/// Writes serialize_safetensors(content) to `path` atomically (io/atomic_file.hpp: temporary
/// file in the same directory, fsync, rename): an interrupted or failed write leaves the
/// destination untouched. Throws IoError if it cannot be written.
void write_safetensors(const std::filesystem::path& path, const SafetensorsFile& content);

}  // namespace odeflow
