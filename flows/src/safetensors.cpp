// Safetensors reader and writer: every structural rule of the format checked before any tensor is copied.
#include <odeflow/flows/io/atomic_file.hpp>
#include <odeflow/flows/safetensors.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <utility>

namespace odeflow {

namespace {

constexpr std::uint64_t max_header = 100'000'000;  // the limit of the reference implementation

struct DtypeInfo {
  Dtype dtype;
  std::string_view name;
  std::size_t size;
};
constexpr DtypeInfo dtypes[] = {
    {Dtype::f64, "F64", 8},  {Dtype::f32, "F32", 4},  {Dtype::f16, "F16", 2},      {Dtype::bf16, "BF16", 2},
    {Dtype::i64, "I64", 8},  {Dtype::i32, "I32", 4},  {Dtype::i16, "I16", 2},      {Dtype::i8, "I8", 1},
    {Dtype::u64, "U64", 8},  {Dtype::u32, "U32", 4},  {Dtype::u16, "U16", 2},      {Dtype::u8, "U8", 1},
    {Dtype::boolean, "BOOL", 1}, {Dtype::f8_e4m3, "F8_E4M3", 1}, {Dtype::f8_e5m2, "F8_E5M2", 1}};

const DtypeInfo& info(Dtype d) {
  for (const auto& i : dtypes)
    if (i.dtype == d) return i;
  return dtypes[1];
}

std::string at_byte(std::uint64_t b) { return "byte " + std::to_string(b); }
std::string at_tensor(const std::string& name) { return "tensor '" + name + "'"; }

std::uint64_t read_u64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int b = 7; b >= 0; --b) v = (v << 8) | p[b];
  return v;
}

// Product of the shape, or false on overflow past `limit`.
bool checked_numel(const std::vector<std::int64_t>& shape, std::uint64_t limit, std::uint64_t& out) {
  std::uint64_t n = 1;
  for (auto s : shape) {
    const auto u = static_cast<std::uint64_t>(s);
    if (u != 0 && n > limit / u) return false;
    n *= u;
  }
  out = n;
  return true;
}

}  // namespace

std::string_view dtype_name(Dtype d) { return info(d).name; }
std::size_t dtype_size(Dtype d) { return info(d).size; }

float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exp = (h >> 10) & 0x1fu;
  std::uint32_t man = h & 0x3ffu;
  std::uint32_t bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      int e = -1;
      do {
        ++e;
        man <<= 1;
      } while ((man & 0x400u) == 0);
      bits = sign | (static_cast<std::uint32_t>(127 - 15 - e) << 23) | ((man & 0x3ffu) << 13);
    }
  } else if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (man << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

float bfloat16_to_float(std::uint16_t b) {
  const std::uint32_t bits = static_cast<std::uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

std::int64_t SafetensorsTensor::numel() const {
  std::int64_t n = 1;
  for (auto s : shape) n *= s;
  return n;
}

std::vector<double> SafetensorsTensor::to_double(const std::string& file) const {
  const std::size_t n = static_cast<std::size_t>(numel());
  const std::size_t es = dtype_size(dtype);
  if (bytes.size() != n * es)
    throw FormatError(file, "tensor holds " + std::to_string(bytes.size()) + " bytes, its shape and dtype need " +
                                std::to_string(n * es), at_tensor(name));
  std::vector<double> out(n);
  const std::uint8_t* p = bytes.data();
  auto le = [p](std::size_t off, std::size_t width) {
    std::uint64_t v = 0;
    for (std::size_t b = width; b-- > 0;) v = (v << 8) | p[off + b];
    return v;
  };
  for (std::size_t i = 0; i < n; ++i) {
    switch (dtype) {
      case Dtype::f64: {
        const std::uint64_t v = le(i * 8, 8);
        double d;
        std::memcpy(&d, &v, 8);
        out[i] = d;
        break;
      }
      case Dtype::f32: {
        const auto v = static_cast<std::uint32_t>(le(i * 4, 4));
        float f;
        std::memcpy(&f, &v, 4);
        out[i] = f;
        break;
      }
      case Dtype::f16: out[i] = half_to_float(static_cast<std::uint16_t>(le(i * 2, 2))); break;
      case Dtype::bf16: out[i] = bfloat16_to_float(static_cast<std::uint16_t>(le(i * 2, 2))); break;
      default:
        throw FormatError(file, "dtype " + std::string(dtype_name(dtype)) +
                                    " is not a floating-point type (F64, F32, F16, BF16 convert)", at_tensor(name));
    }
  }
  return out;
}

const SafetensorsTensor* SafetensorsFile::find(std::string_view name) const {
  for (const auto& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

SafetensorsFile parse_safetensors(std::span<const std::uint8_t> image, const std::string& source) {
  const std::uint64_t size = image.size();
  if (size < 8)
    throw FormatError(source, "file has " + std::to_string(size) + " bytes; a safetensors file starts with an 8-byte header length",
                      at_byte(0));
  const std::uint64_t n = read_u64(image.data());
  if (n > max_header)
    throw FormatError(source, "header length " + std::to_string(n) + " exceeds the 100000000-byte limit", at_byte(0));
  if (n > size - 8)
    throw FormatError(source, "header length " + std::to_string(n) + " exceeds the " + std::to_string(size - 8) +
                                  " bytes after the length field", at_byte(0));
  if (n == 0 || image[8] != '{')
    throw FormatError(source, "header does not start with '{'", at_byte(8));
  const std::uint64_t data_start = 8 + n;
  const std::uint64_t data_size = size - data_start;

  // Duplicate keys are legal JSON but ambiguous here: reject them while parsing.
  std::set<std::string> top_keys;
  std::string duplicate;
  nlohmann::json::parser_callback_t cb = [&](int depth, nlohmann::json::parse_event_t ev, nlohmann::json& parsed) {
    if (ev == nlohmann::json::parse_event_t::key && depth == 1) {
      const auto key = parsed.get<std::string>();
      if (!top_keys.insert(key).second && duplicate.empty()) duplicate = key;
    }
    return true;
  };
  nlohmann::json header;
  const char* hb = reinterpret_cast<const char*>(image.data() + 8);
  try {
    header = nlohmann::json::parse(hb, hb + n, cb);
  } catch (const nlohmann::json::parse_error& e) {
    throw FormatError(source, std::string("header is not valid JSON: ") + e.what(),
                      at_byte(8 + (e.byte > 0 ? e.byte - 1 : 0)));
  } catch (const nlohmann::json::exception& e) {
    // Found by fuzzing: a number beyond double's range (e.g. 1e30864) is an out_of_range
    // error (406), not a parse_error.
    throw FormatError(source, std::string("header is not valid JSON: ") + e.what(), "header");
  }
  if (!duplicate.empty()) throw FormatError(source, "header has the key '" + duplicate + "' twice", "header");
  if (!header.is_object()) throw FormatError(source, "header is not a JSON object", at_byte(8));

  SafetensorsFile out;
  struct Slice {
    std::uint64_t begin, end;
    std::size_t index;
  };
  std::vector<Slice> slices;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& key = it.key();
    const auto& val = it.value();
    if (key == "__metadata__") {
      if (!val.is_object()) throw FormatError(source, "__metadata__ is not an object of strings", "__metadata__");
      for (auto m = val.begin(); m != val.end(); ++m) {
        if (!m.value().is_string())
          throw FormatError(source, "__metadata__ value of '" + m.key() + "' is not a string", "__metadata__");
        out.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    const std::string where = at_tensor(key);
    if (!val.is_object()) throw FormatError(source, "tensor entry is not an object", where);
    for (const char* field : {"dtype", "shape", "data_offsets"})
      if (!val.contains(field)) throw FormatError(source, std::string("tensor entry has no '") + field + "'", where);
    SafetensorsTensor t;
    t.name = key;
    const auto& dt = val["dtype"];
    if (!dt.is_string()) throw FormatError(source, "dtype is not a string", where);
    const auto dts = dt.get<std::string>();
    const DtypeInfo* di = nullptr;
    for (const auto& i : dtypes)
      if (i.name == dts) di = &i;
    if (!di) throw FormatError(source, "unknown dtype '" + dts + "'", where);
    t.dtype = di->dtype;
    const auto& sh = val["shape"];
    if (!sh.is_array()) throw FormatError(source, "shape is not an array", where);
    for (const auto& s : sh) {
      if (!s.is_number_unsigned())
        throw FormatError(source, "shape entry " + s.dump() + " is not a non-negative integer", where);
      const auto v = s.get<std::uint64_t>();
      if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        throw FormatError(source, "shape entry " + std::to_string(v) + " is too large", where);
      t.shape.push_back(static_cast<std::int64_t>(v));
    }
    const auto& off = val["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
      throw FormatError(source, "data_offsets is not a pair of non-negative integers", where);
    const auto begin = off[0].get<std::uint64_t>(), end = off[1].get<std::uint64_t>();
    if (begin > end)
      throw FormatError(source, "data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) + "] decrease", where);
    if (end > data_size)
      throw FormatError(source, "data_offsets end " + std::to_string(end) + " lies beyond the " +
                                    std::to_string(data_size) + " data bytes (file byte " +
                                    std::to_string(data_start + end) + ")", where);
    std::uint64_t numel = 0;
    if (!checked_numel(t.shape, std::numeric_limits<std::uint64_t>::max() / di->size, numel))
      throw FormatError(source, "shape's element count overflows", where);
    if (numel * di->size != end - begin)
      throw FormatError(source, "shape and dtype need " + std::to_string(numel * di->size) + " bytes, data_offsets give " +
                                    std::to_string(end - begin), where);
    slices.push_back({begin, end, out.tensors.size()});
    out.tensors.push_back(std::move(t));
  }
  std::sort(slices.begin(), slices.end(), [](const Slice& a, const Slice& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  std::uint64_t expect = 0;
  for (const auto& s : slices) {
    const std::string& name = out.tensors[s.index].name;
    if (s.begin < expect)
      throw FormatError(source, "data overlaps the previous tensor's (begins at " + std::to_string(s.begin) +
                                    ", previous ends at " + std::to_string(expect) + ")", at_tensor(name));
    if (s.begin > expect)
      throw FormatError(source, "gap of " + std::to_string(s.begin - expect) + " unused data bytes before it (file byte " +
                                    std::to_string(data_start + expect) + ")", at_tensor(name));
    expect = s.end;
  }
  if (expect != data_size)
    throw FormatError(source, std::to_string(data_size - expect) + " trailing bytes after the last tensor's data",
                      at_byte(data_start + expect));
  // Sizes are all checked: copy.
  std::vector<SafetensorsTensor> ordered;
  ordered.reserve(slices.size());
  for (const auto& s : slices) {
    SafetensorsTensor& t = out.tensors[s.index];
    t.bytes.assign(image.begin() + static_cast<std::ptrdiff_t>(data_start + s.begin),
                   image.begin() + static_cast<std::ptrdiff_t>(data_start + s.end));
    ordered.push_back(std::move(t));
  }
  out.tensors = std::move(ordered);
  return out;
}

SafetensorsFile read_safetensors(const std::filesystem::path& path) {
  const std::string source = path.string();
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw FormatError(source, "cannot open the file", at_byte(0));
  const auto end = in.tellg();
  if (end < 0) throw FormatError(source, "cannot determine the file size", at_byte(0));
  const auto size = static_cast<std::uint64_t>(end);
  std::vector<std::uint8_t> image;
  // Read the length first so that a corrupt length is reported before a large allocation.
  in.seekg(0);
  std::uint8_t len[8] = {};
  if (size >= 8) {
    in.read(reinterpret_cast<char*>(len), 8);
    const std::uint64_t n = read_u64(len);
    if (n > max_header)
      throw FormatError(source, "header length " + std::to_string(n) + " exceeds the 100000000-byte limit", at_byte(0));
    if (n > size - 8)
      throw FormatError(source, "header length " + std::to_string(n) + " exceeds the " + std::to_string(size - 8) +
                                    " bytes after the length field", at_byte(0));
  }
  image.resize(size);
  in.seekg(0);
  in.read(reinterpret_cast<char*>(image.data()), static_cast<std::streamsize>(size));
  if (!in) throw FormatError(source, "could not read " + std::to_string(size) + " bytes", at_byte(0));
  return parse_safetensors(image, source);
}

std::vector<std::uint8_t> serialize_safetensors(const SafetensorsFile& content) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!content.metadata.empty()) {
    nlohmann::ordered_json meta = nlohmann::ordered_json::object();
    for (const auto& [k, v] : content.metadata) meta[k] = v;
    header["__metadata__"] = meta;
  }
  std::uint64_t offset = 0;
  std::set<std::string> names;
  for (const auto& t : content.tensors) {
    if (t.name == "__metadata__" || !names.insert(t.name).second)
      throw FormatError("<memory>", "tensor name is reserved or used twice", at_tensor(t.name));
    const std::uint64_t want = static_cast<std::uint64_t>(t.numel()) * dtype_size(t.dtype);
    if (t.bytes.size() != want)
      throw FormatError("<memory>", "tensor holds " + std::to_string(t.bytes.size()) + " bytes, shape and dtype need " +
                                        std::to_string(want), at_tensor(t.name));
    nlohmann::ordered_json e;
    e["dtype"] = std::string(dtype_name(t.dtype));
    e["shape"] = t.shape;
    e["data_offsets"] = {offset, offset + want};
    header[t.name] = e;
    offset += want;
  }
  std::string h = header.dump();
  h.append((8 - h.size() % 8) % 8, ' ');
  std::vector<std::uint8_t> out(8 + h.size() + offset);
  const std::uint64_t n = h.size();
  for (int b = 0; b < 8; ++b) out[b] = static_cast<std::uint8_t>(n >> (8 * b));
  std::memcpy(out.data() + 8, h.data(), h.size());
  std::size_t pos = 8 + h.size();
  for (const auto& t : content.tensors) {
    std::copy(t.bytes.begin(), t.bytes.end(), out.begin() + static_cast<std::ptrdiff_t>(pos));
    pos += t.bytes.size();
  }
  return out;
}

void write_safetensors(const std::filesystem::path& path, const SafetensorsFile& content) {
  write_file_atomically(path, serialize_safetensors(content));
}

}  // namespace odeflow
