// NumPy .npy reader and writer: magic, version, header length and dict checked before any data is copied.
#include <odeflow/flows/io/atomic_file.hpp>
#include <odeflow/flows/io/npy.hpp>

#include <fstream>
#include <limits>
#include <optional>

namespace odeflow {

namespace {

constexpr std::uint8_t magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

std::string at_byte(std::uint64_t b) { return "byte " + std::to_string(b); }
std::string at_key(const std::string& k) { return "header key '" + k + "'"; }

/// Magic, version and header length: the prefix before the header dict.
struct Prefix {
  int major = 0, minor = 0;
  std::uint64_t header_len = 0;
  std::uint64_t header_start = 0;  ///< 10 (version 1) or 12 (versions 2, 3)
};

// Needs the first min(size, 12) bytes; `size` is the whole file's size.
Prefix parse_prefix(const std::uint8_t* p, std::uint64_t avail, std::uint64_t size, const std::string& source) {
  if (size < 10)
    throw FormatError(source, "file has " + std::to_string(size) + " bytes; a .npy file starts with a 10-byte prefix",
                      at_byte(0));
  for (int i = 0; i < 6; ++i)
    if (p[i] != magic[i]) throw FormatError(source, "not a .npy file (no \\x93NUMPY magic)", at_byte(static_cast<std::uint64_t>(i)));
  Prefix r;
  r.major = p[6];
  r.minor = p[7];
  if (!((r.major == 1 || r.major == 2 || r.major == 3) && r.minor == 0))
    throw FormatError(source, "format version " + std::to_string(r.major) + "." + std::to_string(r.minor) +
                                  " is not supported (1.0, 2.0, 3.0)", at_byte(6));
  if (r.major == 1) {
    r.header_len = static_cast<std::uint64_t>(p[8]) | static_cast<std::uint64_t>(p[9]) << 8;
    r.header_start = 10;
  } else {
    if (size < 12 || avail < 12)
      throw FormatError(source, "file has " + std::to_string(size) + " bytes; a version " + std::to_string(r.major) +
                                    ".0 .npy file starts with a 12-byte prefix", at_byte(8));
    r.header_len = 0;
    for (int b = 11; b >= 8; --b) r.header_len = (r.header_len << 8) | p[b];
    r.header_start = 12;
  }
  if (r.header_len > npy_max_header)
    throw FormatError(source, "header length " + std::to_string(r.header_len) + " exceeds the " +
                                  std::to_string(npy_max_header) + "-byte limit", at_byte(8));
  if (r.header_len > size - r.header_start)
    throw FormatError(source, "header length " + std::to_string(r.header_len) + " exceeds the " +
                                  std::to_string(size - r.header_start) + " bytes after the prefix (truncated file?)",
                      at_byte(8));
  return r;
}

/// What the header dict says.
struct Header {
  NpyDtype dtype = NpyDtype::f64;
  std::vector<std::int64_t> shape;
  std::uint64_t itemsize = 8;
};

/// A strict parser of the header's Python literal: a dict of exactly 'descr' (string),
/// 'fortran_order' (True/False) and 'shape' (tuple of non-negative ints).
class HeaderParser {
 public:
  HeaderParser(std::string_view text, std::uint64_t offset, const std::string& source)
      : m_s(text), m_off(offset), m_source(source) {}

  Header parse() {
    skip_ws();
    expect('{');
    std::optional<std::string> descr;
    std::optional<bool> fortran;
    std::optional<std::vector<std::int64_t>> shape;
    skip_ws();
    while (peek() != '}') {
      const std::size_t key_at = m_i;
      const std::string key = string_literal();
      skip_ws();
      expect(':');
      skip_ws();
      if (key == "descr") {
        if (descr) fail("key 'descr' appears twice", key_at);
        if (peek() != '\'' && peek() != '"') fail("'descr' is not a string (structured dtypes are not supported)", m_i);
        descr = string_literal();
      } else if (key == "fortran_order") {
        if (fortran) fail("key 'fortran_order' appears twice", key_at);
        fortran = boolean();
      } else if (key == "shape") {
        if (shape) fail("key 'shape' appears twice", key_at);
        shape = tuple();
      } else {
        fail("unknown header key '" + key + "' (expected descr, fortran_order, shape)", key_at);
      }
      skip_ws();
      if (peek() == ',') {
        ++m_i;
        skip_ws();
      } else if (peek() != '}') {
        fail("expected ',' or '}' after the value of '" + key + "'", m_i);
      }
    }
    ++m_i;
    // numpy pads the dict with spaces and ends the header with a newline.
    while (m_i < m_s.size() && (m_s[m_i] == ' ' || m_s[m_i] == '\t')) ++m_i;
    if (m_i >= m_s.size() || m_s[m_i] != '\n') fail("header does not end with spaces and a newline after the dict", m_i);
    if (m_i + 1 != m_s.size()) fail("unexpected bytes after the header's newline", m_i + 1);
    if (!descr) throw FormatError(m_source, "header has no 'descr'", at_key("descr"));
    if (!fortran) throw FormatError(m_source, "header has no 'fortran_order'", at_key("fortran_order"));
    if (!shape) throw FormatError(m_source, "header has no 'shape'", at_key("shape"));

    Header h;
    const std::string& d = *descr;
    if (d == "<f8" || d == "=f8" || d == "f8") {
      h.dtype = NpyDtype::f64;
      h.itemsize = 8;
    } else if (d == "<f4" || d == "=f4" || d == "f4") {
      h.dtype = NpyDtype::f32;
      h.itemsize = 4;
    } else if (d == ">f8" || d == ">f4") {
      throw FormatError(m_source, "dtype '" + d + "' is big-endian; only little-endian '<f4' and '<f8' are supported",
                        at_key("descr"));
    } else {
      throw FormatError(m_source, "dtype '" + d + "' is not supported (float32 '<f4' and float64 '<f8' only)",
                        at_key("descr"));
    }
    if (*fortran)
      throw FormatError(m_source, "fortran_order is True; only C-order arrays are supported", at_key("fortran_order"));
    if (shape->size() != 1 && shape->size() != 2)
      throw FormatError(m_source, "shape has " + std::to_string(shape->size()) + " dimensions; only 1-D and 2-D arrays are supported",
                        at_key("shape"));
    h.shape = *shape;
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& what, std::size_t i) const {
    throw FormatError(m_source, "malformed header: " + what, at_byte(m_off + i));
  }
  char peek() const {
    if (m_i >= m_s.size()) fail("header ends inside the dict", m_i);
    return m_s[m_i];
  }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'", m_i);
    ++m_i;
  }
  void skip_ws() {
    while (m_i < m_s.size() && (m_s[m_i] == ' ' || m_s[m_i] == '\t' || m_s[m_i] == '\n' || m_s[m_i] == '\r')) ++m_i;
  }
  std::string string_literal() {
    const char q = peek();
    if (q != '\'' && q != '"') fail("expected a quoted string", m_i);
    const std::size_t start = ++m_i;
    while (peek() != q) {
      if (m_s[m_i] == '\\') fail("escape sequences are not supported in header strings", m_i);
      if (m_i - start > 64) fail("string longer than 64 characters", start);
      ++m_i;
    }
    std::string out(m_s.substr(start, m_i - start));
    ++m_i;
    return out;
  }
  bool boolean() {
    if (m_s.substr(m_i, 4) == "True") {
      m_i += 4;
      return true;
    }
    if (m_s.substr(m_i, 5) == "False") {
      m_i += 5;
      return false;
    }
    fail("'fortran_order' is not True or False", m_i);
  }
  std::vector<std::int64_t> tuple() {
    if (peek() != '(') fail("'shape' is not a tuple", m_i);
    ++m_i;
    std::vector<std::int64_t> out;
    bool comma = false;
    skip_ws();
    while (peek() != ')') {
      if (out.size() >= 32) fail("'shape' has more than 32 entries", m_i);
      const std::size_t at = m_i;
      if (peek() == '-') fail("'shape' has a negative entry", at);
      if (peek() < '0' || peek() > '9') fail("'shape' entry is not a non-negative integer", at);
      std::uint64_t v = 0;
      while (m_i < m_s.size() && m_s[m_i] >= '0' && m_s[m_i] <= '9') {
        v = v * 10 + static_cast<std::uint64_t>(m_s[m_i] - '0');
        if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
          fail("'shape' entry is too large", at);
        ++m_i;
      }
      out.push_back(static_cast<std::int64_t>(v));
      skip_ws();
      comma = false;
      if (peek() == ',') {
        ++m_i;
        comma = true;
        skip_ws();
      } else if (peek() != ')') {
        fail("expected ',' or ')' in 'shape'", m_i);
      }
    }
    // (3) is the integer 3 in Python, not a tuple; a 1-tuple is written (3,).
    if (out.size() == 1 && !comma) fail("'shape' (n) is an integer, not a tuple; a 1-D shape is written (n,)", m_i);
    ++m_i;
    return out;
  }

  std::string_view m_s;
  std::size_t m_i = 0;
  std::uint64_t m_off;
  const std::string& m_source;
};

/// Bytes of data the header's shape and dtype need (overflow-checked).
std::uint64_t data_bytes(const Header& h, const std::string& source) {
  std::uint64_t n = h.itemsize;
  for (auto s : h.shape) {
    const auto u = static_cast<std::uint64_t>(s);
    if (u != 0 && n > std::numeric_limits<std::uint64_t>::max() / u)
      throw FormatError(source, "shape's byte count overflows 64 bits", at_key("shape"));
    n *= u;
  }
  return n;
}

std::string shape_string(const std::vector<std::int64_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

void check_data_size(const Header& h, std::uint64_t need, std::uint64_t have, std::uint64_t data_start,
                     const std::string& source) {
  if (need != have)
    throw FormatError(source, "shape " + shape_string(h.shape) + " needs " + std::to_string(need) + " data bytes, the file has " +
                                  std::to_string(have) + (have < need ? " (truncated)" : " (trailing bytes)"),
                      at_byte(data_start));
}

}  // namespace

std::int64_t NpyArray::numel() const {
  std::int64_t n = 1;
  for (auto s : shape) n *= s;
  return n;
}

NpyArray parse_npy(std::span<const std::uint8_t> image, const std::string& source) {
  const std::uint64_t size = image.size();
  const Prefix p = parse_prefix(image.data(), size, size, source);
  const std::string_view text(reinterpret_cast<const char*>(image.data() + p.header_start), p.header_len);
  const Header h = HeaderParser(text, p.header_start, source).parse();
  const std::uint64_t data_start = p.header_start + p.header_len;
  const std::uint64_t need = data_bytes(h, source);
  check_data_size(h, need, size - data_start, data_start, source);
  NpyArray a;
  a.dtype = h.dtype;
  a.shape = h.shape;
  a.bytes.assign(image.begin() + static_cast<std::ptrdiff_t>(data_start), image.end());
  return a;
}

namespace {

/// An open .npy file whose header has been parsed and whose data size matches the file.
struct OpenedNpy {
  std::ifstream in;
  Header header;
  std::uint64_t data_start = 0, data_bytes = 0;
};

OpenedNpy open_npy(const std::filesystem::path& path, const std::string& source) {
  OpenedNpy f;
  f.in.open(path, std::ios::binary | std::ios::ate);
  auto& in = f.in;
  if (!in) throw FormatError(source, "cannot open the file", at_byte(0));
  const auto end = in.tellg();
  if (end < 0) throw FormatError(source, "cannot determine the file size", at_byte(0));
  const auto size = static_cast<std::uint64_t>(end);
  in.seekg(0);
  std::uint8_t pre[12] = {};
  const auto avail = std::min<std::uint64_t>(size, 12);
  in.read(reinterpret_cast<char*>(pre), static_cast<std::streamsize>(avail));
  if (!in) throw FormatError(source, "could not read the prefix", at_byte(0));
  const Prefix p = parse_prefix(pre, avail, size, source);  // header length checked against the file size
  std::string text(p.header_len, '\0');
  in.seekg(static_cast<std::streamoff>(p.header_start));
  in.read(text.data(), static_cast<std::streamsize>(p.header_len));
  if (!in) throw FormatError(source, "could not read the " + std::to_string(p.header_len) + "-byte header", at_byte(p.header_start));
  f.header = HeaderParser(text, p.header_start, source).parse();
  f.data_start = p.header_start + p.header_len;
  f.data_bytes = data_bytes(f.header, source);
  // The claim is checked against the file before any buffer exists.
  check_data_size(f.header, f.data_bytes, size - f.data_start, f.data_start, source);
  return f;
}

}  // namespace

NpyArray read_npy(const std::filesystem::path& path) {
  const std::string source = path.string();
  OpenedNpy f = open_npy(path, source);
  NpyArray a;
  a.dtype = f.header.dtype;
  a.shape = f.header.shape;
  a.bytes.resize(f.data_bytes);
  f.in.read(reinterpret_cast<char*>(a.bytes.data()), static_cast<std::streamsize>(f.data_bytes));
  if (!f.in)
    throw FormatError(source, "could not read " + std::to_string(f.data_bytes) + " data bytes", at_byte(f.data_start));
  return a;
}

NpyRowReader::NpyRowReader(const std::filesystem::path& path) : m_source(path.string()) {
  OpenedNpy f = open_npy(path, m_source);
  m_in = std::move(f.in);
  m_dtype = f.header.dtype;
  m_shape = f.header.shape;
  m_itemsize = f.header.itemsize;
  m_data_start = f.data_start;
}

NpyArray NpyRowReader::read_block(std::int64_t first, std::int64_t count) {
  if (first < 0 || count < 0 || first > rows() || count > rows() - first)
    throw FormatError(m_source,
                      "rows [" + std::to_string(first) + ", " + std::to_string(first + count) + ") are outside the " +
                          std::to_string(rows()) + " rows of the file",
                      at_key("shape"));
  NpyArray a;
  a.dtype = m_dtype;
  a.shape = m_shape.size() == 2 ? std::vector<std::int64_t>{count, m_shape[1]} : std::vector<std::int64_t>{count};
  const std::uint64_t row_bytes = static_cast<std::uint64_t>(cols()) * m_itemsize;
  const std::uint64_t offset = m_data_start + static_cast<std::uint64_t>(first) * row_bytes;
  a.bytes.resize(static_cast<std::size_t>(count) * row_bytes);
  m_in.seekg(static_cast<std::streamoff>(offset));
  m_in.read(reinterpret_cast<char*>(a.bytes.data()), static_cast<std::streamsize>(a.bytes.size()));
  if (!m_in) throw FormatError(m_source, "could not read " + std::to_string(a.bytes.size()) + " data bytes", at_byte(offset));
  return a;
}

std::vector<std::uint8_t> serialize_npy(const NpyArray& a) {
  if (a.shape.size() != 1 && a.shape.size() != 2)
    throw FormatError("<memory>", "shape has " + std::to_string(a.shape.size()) + " dimensions; only 1-D and 2-D arrays are written",
                      "shape");
  for (auto s : a.shape)
    if (s < 0) throw FormatError("<memory>", "shape " + shape_string(a.shape) + " has a negative entry", "shape");
  const std::uint64_t item = a.dtype == NpyDtype::f64 ? 8 : 4;
  const std::uint64_t want = static_cast<std::uint64_t>(a.numel()) * item;
  if (a.bytes.size() != want)
    throw FormatError("<memory>", "array holds " + std::to_string(a.bytes.size()) + " bytes, shape " + shape_string(a.shape) +
                                      " needs " + std::to_string(want), "data");
  // numpy.save's layout: dict, spaces, newline; prefix + header a multiple of 64 bytes.
  std::string dict = std::string("{'descr': '") + (a.dtype == NpyDtype::f64 ? "<f8" : "<f4") +
                     "', 'fortran_order': False, 'shape': " + shape_string(a.shape) + ", }";
  int major = 1;
  std::uint64_t prefix = 10;
  if (dict.size() + 1 + (64 - (10 + dict.size() + 1) % 64) % 64 > 65535) {
    major = 2;
    prefix = 12;
  }
  const std::uint64_t pad = (64 - (prefix + dict.size() + 1) % 64) % 64;
  dict.append(pad, ' ');
  dict.push_back('\n');
  std::vector<std::uint8_t> out;
  out.reserve(prefix + dict.size() + a.bytes.size());
  out.insert(out.end(), magic, magic + 6);
  out.push_back(static_cast<std::uint8_t>(major));
  out.push_back(0);
  const std::uint64_t hl = dict.size();
  for (std::uint64_t b = 0; b < prefix - 8; ++b) out.push_back(static_cast<std::uint8_t>(hl >> (8 * b)));
  out.insert(out.end(), dict.begin(), dict.end());
  out.insert(out.end(), a.bytes.begin(), a.bytes.end());
  return out;
}

void write_npy(const std::filesystem::path& path, const NpyArray& a) {
  write_file_atomically(path, serialize_npy(a));
}

}  // namespace odeflow
