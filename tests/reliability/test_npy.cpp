// .npy reader and writer against files written by numpy (tests/reliability/data), every
// corruption case, and atomic output files (destination untouched on failure).
#include <odeflow/flows/io/atomic_file.hpp>
#include <odeflow/flows/io/npy.hpp>
#include <odeflow/flows/safetensors.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

// CMake defines both (tests/reliability/CMakeLists.txt); compile-only checks (tools/gpu-check)
// define ODEFLOW_SOURCE_DIR alone.
#ifndef ODEFLOW_RELIABILITY_DATA
#define ODEFLOW_RELIABILITY_DATA ODEFLOW_SOURCE_DIR "/tests/reliability/data"
#endif
#ifndef ODEFLOW_RELIABILITY_TMP
#define ODEFLOW_RELIABILITY_TMP ODEFLOW_SOURCE_DIR "/build/tmp/reliability"
#endif

using namespace odeflow;
namespace fs = std::filesystem;

namespace {

fs::path data(const std::string& name) { return fs::path(ODEFLOW_RELIABILITY_DATA) / name; }

fs::path scratch(const std::string& name) {
  const fs::path dir = fs::path(ODEFLOW_RELIABILITY_TMP);
  fs::create_directories(dir);
  return dir / name;
}

std::vector<std::uint8_t> slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void spit(const fs::path& p, const std::vector<std::uint8_t>& b) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// The message of the FormatError that parse_npy(image) throws ("" if none).
std::string parse_error(const std::vector<std::uint8_t>& image) {
  try {
    parse_npy(image, "x.npy");
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

// A version-1 image with header dict `dict` (padded as numpy does) and `data_bytes` zero bytes.
std::vector<std::uint8_t> image_with(const std::string& dict, std::size_t data_bytes, int major = 1) {
  std::string h = dict;
  const std::size_t prefix = major == 1 ? 10 : 12;
  h.append((64 - (prefix + h.size() + 1) % 64) % 64, ' ');
  h.push_back('\n');
  std::string s = "\x93NUMPY";
  s += static_cast<char>(major);
  s += '\0';
  for (std::size_t b = 0; b < prefix - 8; ++b) s += static_cast<char>(static_cast<std::uint8_t>(h.size() >> (8 * b)));
  s += h;
  s.append(data_bytes, '\0');
  return std::vector<std::uint8_t>(s.begin(), s.end());
}

}  // namespace

TEST(Npy, ReadsNumpyFloat64Matrix) {
  const auto a = read_npy(data("f64_2d.npy"));
  EXPECT_EQ(a.dtype, NpyDtype::f64);
  ASSERT_EQ(a.shape, (std::vector<std::int64_t>{3, 4}));
  EXPECT_EQ(a.rows(), 3);
  EXPECT_EQ(a.cols(), 4);
  const auto v = a.values<double>();
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j) EXPECT_EQ(v[i * 4 + j], 0.5 * (4 * i + j) + 0.25);
}

TEST(Npy, ReadsNumpyFloat32VectorAndVersions2And3) {
  const auto b = read_npy(data("f32_1d.npy"));
  EXPECT_EQ(b.dtype, NpyDtype::f32);
  ASSERT_EQ(b.shape, (std::vector<std::int64_t>{7}));
  const auto bv = b.values<float>();
  for (int i = 0; i < 7; ++i) EXPECT_EQ(bv[i], (static_cast<float>(i) - 3.0f) / 3.0f);

  const auto c = read_npy(data("f32_2d_v2.npy"));
  ASSERT_EQ(c.shape, (std::vector<std::int64_t>{2, 5}));
  const auto cv = c.values<double>();
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 5; ++j) EXPECT_EQ(cv[i * 5 + j], static_cast<double>(i - 0.125f * static_cast<float>(j)));

  const auto d = read_npy(data("f64_1d_v3.npy"));
  ASSERT_EQ(d.shape, (std::vector<std::int64_t>{5}));
  const auto dv = d.values<double>();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(dv[i], std::ldexp(1.0, -i));
}

TEST(Npy, ReadsEmptyAndSpecialValues) {
  const auto e = read_npy(data("f64_empty_0x3.npy"));
  EXPECT_EQ(e.shape, (std::vector<std::int64_t>{0, 3}));
  EXPECT_TRUE(e.values<double>().empty());
  const auto s = read_npy(data("f64_special.npy")).values<double>();
  ASSERT_EQ(s.size(), 4u);
  EXPECT_TRUE(std::isnan(s[0]));
  EXPECT_EQ(s[1], INFINITY);
  EXPECT_EQ(s[2], -INFINITY);
  EXPECT_TRUE(same_bits(s[3], -0.0));
}

// Our writer produces numpy's bytes exactly (numpy.save's header layout), so files we write
// load in numpy and files numpy writes load here.
TEST(Npy, WriterReproducesNumpyBytes) {
  for (const char* name : {"f64_2d.npy", "f32_1d.npy", "f64_empty_0x3.npy", "f64_special.npy"}) {
    const auto want = slurp(data(name));
    const auto a = parse_npy(want, name);
    EXPECT_EQ(serialize_npy(a), want) << name;
  }
  const double v[6] = {1, 2, 3, 4, 5, 6};
  const auto a = NpyArray::from_values<double>({2, 3}, v);
  const auto p = scratch("roundtrip.npy");
  write_npy(p, a);
  const auto back = read_npy(p);
  EXPECT_EQ(back.shape, a.shape);
  EXPECT_EQ(back.values<double>(), std::vector<double>(v, v + 6));
  const float f[3] = {0.1f, -2.5f, 1e-30f};
  write_npy(p, NpyArray::from_values<float>({3}, f));
  EXPECT_EQ(read_npy(p).values<float>(), std::vector<float>(f, f + 3));
}

TEST(Npy, RejectsWhatItDoesNotSupportNamingIt) {
  auto msg = [](const char* name) {
    try {
      read_npy(data(name));
    } catch (const FormatError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(msg("bad_fortran.npy").find("fortran_order is True"), std::string::npos) << msg("bad_fortran.npy");
  EXPECT_NE(msg("bad_int32.npy").find("dtype '<i4' is not supported"), std::string::npos) << msg("bad_int32.npy");
  EXPECT_NE(msg("bad_bigendian.npy").find("dtype '>f8' is big-endian"), std::string::npos) << msg("bad_bigendian.npy");
  EXPECT_NE(msg("bad_rank3.npy").find("shape has 3 dimensions"), std::string::npos) << msg("bad_rank3.npy");
  EXPECT_NE(msg("bad_scalar.npy").find("shape has 0 dimensions"), std::string::npos) << msg("bad_scalar.npy");
  EXPECT_NE(msg("no_such_file.npy").find("cannot open the file"), std::string::npos);
}

TEST(Npy, RejectsEveryCorruption) {
  const auto good = slurp(data("f64_2d.npy"));
  ASSERT_EQ(parse_error(good), "");
  struct Case {
    const char* what;
    std::vector<std::uint8_t> image;
    const char* expect;
  };
  std::vector<Case> cases;
  cases.push_back({"empty", {}, "file has 0 bytes"});
  cases.push_back({"short prefix", {good.begin(), good.begin() + 9}, "file has 9 bytes"});
  {
    auto b = good;
    b[1] = 'X';
    cases.push_back({"magic", b, "no \\x93NUMPY magic"});
  }
  {
    auto b = good;
    b[6] = 4;
    cases.push_back({"version", b, "format version 4.0 is not supported"});
  }
  {
    auto b = good;
    b[8] = 0xff;
    b[9] = 0xff;
    cases.push_back({"header length beyond file", b, "header length 65535 exceeds the"});
  }
  {
    auto b = image_with("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 16, 2);
    b[8] = b[9] = b[10] = b[11] = 0xff;
    cases.push_back({"header length above limit", b, "header length 4294967295 exceeds the 1048576-byte limit"});
  }
  cases.push_back({"truncated header", {good.begin(), good.begin() + 40}, "exceeds the 30 bytes after the prefix"});
  cases.push_back({"truncated data", {good.begin(), good.end() - 1}, "needs 96 data bytes, the file has 95 (truncated)"});
  {
    auto b = good;
    b.push_back(0);
    cases.push_back({"trailing data", b, "the file has 97 (trailing bytes)"});
  }
  {
    auto b = image_with("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 16);
    b[b.size() - 17] = ' ';  // the header's final newline
    cases.push_back({"no newline", b, "header does not end with spaces and a newline"});
  }
  cases.push_back({"missing key", image_with("{'descr': '<f8', 'shape': (2,), }", 16), "header has no 'fortran_order'"});
  cases.push_back({"unknown key", image_with("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'x': 1}", 16),
                   "unknown header key 'x'"});
  cases.push_back({"duplicate key", image_with("{'descr': '<f8', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", 16),
                   "key 'descr' appears twice"});
  cases.push_back({"negative shape", image_with("{'descr': '<f8', 'fortran_order': False, 'shape': (-2,), }", 0),
                   "'shape' has a negative entry"});
  cases.push_back({"integer shape", image_with("{'descr': '<f8', 'fortran_order': False, 'shape': (2), }", 16),
                   "is an integer, not a tuple"});
  cases.push_back({"shape entry too large", image_with("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,), }", 0),
                   "'shape' entry is too large"});
  cases.push_back({"byte count overflow",
                   image_with("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", 0),
                   "overflows 64 bits"});
  cases.push_back({"fortran not bool", image_with("{'descr': '<f8', 'fortran_order': 0, 'shape': (2,), }", 16),
                   "'fortran_order' is not True or False"});
  cases.push_back({"structured dtype", image_with("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (2,), }", 16),
                   "structured dtypes are not supported"});
  cases.push_back({"unterminated dict", image_with("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), ", 16),
                   "malformed header"});
  cases.push_back({"escape in string", image_with("{'descr': '<f\\8', 'fortran_order': False, 'shape': (2,), }", 16),
                   "escape sequences are not supported"});
  for (const auto& c : cases) {
    const auto m = parse_error(c.image);
    EXPECT_NE(m.find(c.expect), std::string::npos) << c.what << ": got \"" << m << "\"";
    EXPECT_EQ(m.rfind("x.npy: ", 0), 0u) << c.what << ": the message names the file: " << m;
  }
}

// A header that claims a terabyte fails from the file's size, before any allocation (under
// ASan a 1 TB request would abort the test).
TEST(Npy, TerabyteClaimFailsBeforeAllocating) {
  const auto p = scratch("terabyte.npy");
  spit(p, image_with("{'descr': '<f8', 'fortran_order': False, 'shape': (131072, 1048576), }", 64));
  try {
    read_npy(p);
    FAIL() << "no exception";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("needs 1099511627776 data bytes, the file has 64 (truncated)"), std::string::npos)
        << e.what();
  }
}

TEST(Npy, WriterRejectsInconsistentArrays) {
  NpyArray a;
  a.shape = {2, 2, 2};
  a.bytes.resize(64);
  EXPECT_THROW(serialize_npy(a), FormatError);
  a.shape = {3};
  EXPECT_THROW(serialize_npy(a), FormatError);  // 64 bytes, needs 24
  a.shape = {-1};
  EXPECT_THROW(serialize_npy(a), FormatError);
}

TEST(AtomicOutputFile, CommitReplacesAndLeavesNoTemporary) {
  const auto p = scratch("atomic_commit.bin");
  spit(p, {1, 2, 3});
  write_file_atomically(p, std::vector<std::uint8_t>{9, 8, 7, 6});
  EXPECT_EQ(slurp(p), (std::vector<std::uint8_t>{9, 8, 7, 6}));
  for (const auto& e : fs::directory_iterator(p.parent_path()))
    EXPECT_EQ(e.path().filename().string().find(".atomic_commit.bin.tmp"), std::string::npos) << e.path();
}

TEST(AtomicOutputFile, InterruptedWriteLeavesDestinationUntouched) {
  const auto p = scratch("atomic_interrupted.bin");
  spit(p, {1, 2, 3});
  fs::path tmp;
  {
    AtomicOutputFile f(p);
    tmp = f.temporary_path();
    EXPECT_EQ(tmp.parent_path(), p.parent_path());
    f.write("half", 4);
    EXPECT_TRUE(fs::exists(tmp));
    // destroyed without commit: an exception or a kill between write and commit
  }
  EXPECT_FALSE(fs::exists(tmp));
  EXPECT_EQ(slurp(p), (std::vector<std::uint8_t>{1, 2, 3}));
  // An exception thrown while the caller produces the content.
  try {
    AtomicOutputFile f(p);
    f.write("abc", 3);
    throw std::runtime_error("producer failed");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(slurp(p), (std::vector<std::uint8_t>{1, 2, 3}));
}

TEST(AtomicOutputFile, FailuresThrowIoErrorAndLeaveDestinationUntouched) {
  // Rename onto a non-empty directory fails: the directory and its content stay.
  const auto d = scratch("atomic_dir_dest");
  fs::create_directories(d);
  spit(d / "keep", {5});
  try {
    write_file_atomically(d, std::vector<std::uint8_t>{1});
    FAIL() << "no exception";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("atomic_dir_dest: cannot rename"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::is_directory(d));
  EXPECT_EQ(slurp(d / "keep"), (std::vector<std::uint8_t>{5}));
  for (const auto& e : fs::directory_iterator(d.parent_path()))
    EXPECT_EQ(e.path().filename().string().find(".atomic_dir_dest.tmp"), std::string::npos) << e.path();
  // A directory that does not exist: no temporary file can be created.
  const auto missing = scratch("no_such_dir") / "out.npy";
  try {
    write_npy(missing, NpyArray::from_values<double>({1}, std::vector<double>{1.0}.data()));
    FAIL() << "no exception";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot create a temporary file"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(missing));
}

TEST(AtomicOutputFile, SafetensorsWriterIsAtomic) {
  const auto p = scratch("atomic.safetensors");
  SafetensorsFile f;
  const double v[2] = {1.5, -2.0};
  f.tensors.push_back(SafetensorsTensor::from_values<double>("w", {2}, v));
  write_safetensors(p, f);
  const auto first = slurp(p);
  EXPECT_EQ(read_safetensors(p).tensors.at(0).to_double(), std::vector<double>(v, v + 2));
  // A failing write (a tensor whose bytes do not match its shape) leaves the old file.
  SafetensorsFile bad = f;
  bad.tensors[0].shape = {3};
  EXPECT_THROW(write_safetensors(p, bad), FormatError);
  EXPECT_EQ(slurp(p), first);
  const auto d = scratch("atomic_st_dir");
  fs::create_directories(d / "sub");
  EXPECT_THROW(write_safetensors(d, f), IoError);
  EXPECT_TRUE(fs::is_directory(d / "sub"));
}

namespace {

// Streaming reads: every block of rows equals the same rows of the whole-file read, for
// float32 and float64 files (numpy-written and our own), and bad ranges or files fail clearly.
TEST(NpyRowReader, BlocksEqualTheWholeFile) {
  std::vector<double> v(37 * 3);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = std::sin(0.37 * static_cast<double>(i)) * 1e3;
  const fs::path p = scratch("rows_f64.npy");
  write_npy(p, NpyArray::from_values<double>({37, 3}, v.data()));
  for (const fs::path& f : {p, data("f64_2d.npy"), data("f32_2d_v2.npy")}) {
    const NpyArray whole = read_npy(f);
    const std::vector<double> all = whole.values<double>();
    NpyRowReader r(f);
    ASSERT_EQ(r.shape(), whole.shape) << f;
    for (std::int64_t block : {1, 4, 7, 100}) {
      std::vector<double> joined;
      for (std::int64_t i0 = 0; i0 < r.rows(); i0 += block) {
        const auto rows = r.read_rows<double>(i0, std::min(block, r.rows() - i0));
        joined.insert(joined.end(), rows.begin(), rows.end());
      }
      ASSERT_EQ(joined.size(), all.size()) << f << " block " << block;
      for (std::size_t i = 0; i < all.size(); ++i) EXPECT_TRUE(same_bits(joined[i], all[i])) << f << " element " << i;
    }
  }
  NpyRowReader r(p);
  try {
    (void)r.read_rows<double>(30, 8);
    FAIL() << "a range past the last row was read";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("rows [30, 38) are outside the 37 rows"), std::string::npos) << e.what();
  }
  // A truncated file fails when opened, before any block is read.
  auto bytes = slurp(p);
  bytes.resize(bytes.size() - 5);
  const fs::path t = scratch("rows_truncated.npy");
  spit(t, bytes);
  try {
    NpyRowReader bad(t);
    FAIL() << "a truncated file was opened";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
}

}  // namespace
