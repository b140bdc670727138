// Safetensors: round trips, PyTorch nn.Sequential layout, dtype conversion, and rejection of malformed files.
#include <odeflow/flows/mlp_field.hpp>
#include <odeflow/flows/mlp_io.hpp>
#include <odeflow/flows/safetensors.hpp>

#include <Kokkos_Core.hpp>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

using namespace odeflow;
using Bytes = std::vector<std::uint8_t>;

Bytes image(const std::string& header, std::size_t data_bytes, std::uint64_t declared = ~0ull) {
  Bytes b(8 + header.size() + data_bytes, 0);
  const std::uint64_t n = declared == ~0ull ? header.size() : declared;
  for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(n >> (8 * i));
  std::memcpy(b.data() + 8, header.data(), header.size());
  for (std::size_t i = 0; i < data_bytes; ++i) b[8 + header.size() + i] = static_cast<std::uint8_t>(i);
  return b;
}

// Expects FormatError whose location contains `where` and whose problem contains `what`.
void expect_rejected(const Bytes& b, const std::string& where, const std::string& what) {
  try {
    parse_safetensors(b, "bad.safetensors");
    ADD_FAILURE() << "accepted; expected an error at " << where;
  } catch (const FormatError& e) {
    EXPECT_EQ(e.file(), "bad.safetensors");
    EXPECT_NE(e.where().find(where), std::string::npos) << e.what();
    EXPECT_NE(e.problem().find(what), std::string::npos) << e.what();
  }
}

std::string tensor(const std::string& name, const std::string& dtype, const std::string& shape, std::uint64_t b,
                   std::uint64_t e) {
  return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" +
         std::to_string(b) + "," + std::to_string(e) + "]}";
}

TEST(Safetensors, ParsesAHandWrittenFile) {
  const std::string h = "{\"__metadata__\":{\"k\":\"v\"}," + tensor("b", "F16", "[2]", 8, 12) + "," +
                        tensor("a", "F32", "[2]", 0, 8) + "}  ";
  Bytes b = image(h, 12);
  const float a0 = 1.5f, a1 = -2.0f;
  std::memcpy(b.data() + 8 + h.size(), &a0, 4);
  std::memcpy(b.data() + 8 + h.size() + 4, &a1, 4);
  const std::uint16_t h0 = 0x3c00, h1 = 0xc100;  // 1.0, -2.5
  std::memcpy(b.data() + 8 + h.size() + 8, &h0, 2);
  std::memcpy(b.data() + 8 + h.size() + 10, &h1, 2);
  const auto f = parse_safetensors(b);
  EXPECT_EQ(f.metadata.at("k"), "v");
  ASSERT_EQ(f.tensors.size(), 2u);
  EXPECT_EQ(f.tensors[0].name, "a");  // data order
  EXPECT_EQ(f.find("a")->to_vector<float>(), (std::vector<float>{1.5f, -2.0f}));
  EXPECT_EQ(f.find("b")->to_vector<double>(), (std::vector<double>{1.0, -2.5}));
}

TEST(Safetensors, HalfAndBfloat16Conversions) {
  EXPECT_EQ(half_to_float(0x3c00), 1.0f);
  EXPECT_EQ(half_to_float(0xc000), -2.0f);
  EXPECT_EQ(half_to_float(0x7bff), 65504.0f);
  EXPECT_EQ(half_to_float(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(half_to_float(0x03ff), std::ldexp(1023.0f, -24));
  EXPECT_EQ(half_to_float(0x8000), -0.0f);
  EXPECT_TRUE(std::signbit(half_to_float(0x8000)));
  EXPECT_TRUE(std::isinf(half_to_float(0x7c00)));
  EXPECT_TRUE(std::isnan(half_to_float(0x7e00)));
  EXPECT_EQ(bfloat16_to_float(0x3f80), 1.0f);
  EXPECT_EQ(bfloat16_to_float(0xc0a0), -5.0f);
}

TEST(Safetensors, WriterOutputIsAlignedAndRoundTrips) {
  SafetensorsFile f;
  f.metadata["format"] = "test";
  const double v[6] = {1, 2, 3, 4, 5, 6};
  const float w[3] = {0.5f, -0.25f, 8.0f};
  f.tensors.push_back(SafetensorsTensor::from_values("x", {2, 3}, v));
  f.tensors.push_back(SafetensorsTensor::from_values("y", {3}, w));
  f.tensors.push_back(SafetensorsTensor::from_values<float>("empty", {0, 4}, nullptr));
  const Bytes b = serialize_safetensors(f);
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | b[i];
  EXPECT_EQ(n % 8, 0u);
  EXPECT_EQ(b.size(), 8 + n + 48 + 12);
  const auto g = parse_safetensors(b);
  EXPECT_EQ(g.metadata, f.metadata);
  ASSERT_EQ(g.tensors.size(), 3u);
  EXPECT_EQ(g.find("x")->shape, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(g.find("x")->to_vector<double>(), std::vector<double>(v, v + 6));
  EXPECT_EQ(g.find("y")->to_vector<float>(), std::vector<float>(w, w + 3));
  EXPECT_EQ(g.find("empty")->numel(), 0);
}

TEST(Safetensors, RejectsMalformedFiles) {
  const std::string ok = "{" + tensor("a", "F32", "[2]", 0, 8) + "}";
  expect_rejected(Bytes{1, 2, 3}, "byte 0", "8-byte header length");
  expect_rejected(image(ok, 8, 1000), "byte 0", "exceeds the");
  expect_rejected(image(ok, 8, 200'000'000), "byte 0", "100000000");
  expect_rejected(image("", 0), "byte 8", "does not start with '{'");
  expect_rejected(image(" {}", 0), "byte 8", "does not start with '{'");
  expect_rejected(image("{\"a\":", 0), "byte ", "not valid JSON");
  expect_rejected(image("{\"a\":1} x", 0), "byte ", "not valid JSON");
  expect_rejected(image("{\"__metadata__\":{\"k\":1}}", 0), "__metadata__", "not a string");
  expect_rejected(image("{\"__metadata__\":[1]}", 0), "__metadata__", "not an object");
  expect_rejected(image("{\"a\":[1]}", 0), "tensor 'a'", "not an object");
  expect_rejected(image("{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "tensor 'a'", "no 'dtype'");
  expect_rejected(image("{" + tensor("a", "F33", "[2]", 0, 8) + "}", 8), "tensor 'a'", "unknown dtype 'F33'");
  expect_rejected(image("{" + tensor("a", "F32", "[-2]", 0, 8) + "}", 8), "tensor 'a'", "non-negative");
  expect_rejected(image("{" + tensor("a", "F32", "[2.5]", 0, 8) + "}", 8), "tensor 'a'", "non-negative");
  expect_rejected(image("{" + tensor("a", "F32", "[2]", 8, 0) + "}", 8), "tensor 'a'", "decrease");
  expect_rejected(image("{" + tensor("a", "F32", "[2]", 0, 16) + "}", 8), "tensor 'a'", "beyond");
  expect_rejected(image("{" + tensor("a", "F32", "[3]", 0, 8) + "}", 8), "tensor 'a'", "need 12 bytes");
  expect_rejected(image("{" + tensor("a", "F32", "[4611686018427387904,8]", 0, 8) + "}", 8), "tensor 'a'",
                  "overflows");
  expect_rejected(image("{" + tensor("a", "F32", "[2]", 0, 8) + "," + tensor("b", "F32", "[2]", 4, 12) + "}", 12),
                  "tensor 'b'", "overlaps");
  expect_rejected(image("{" + tensor("a", "F32", "[2]", 0, 8) + "," + tensor("b", "F32", "[1]", 12, 16) + "}", 16),
                  "tensor 'b'", "gap of 4");
  expect_rejected(image("{" + tensor("a", "F32", "[2]", 4, 12) + "}", 12), "tensor 'a'", "gap of 4");
  expect_rejected(image(ok, 9), "byte " + std::to_string(8 + ok.size() + 8), "1 trailing bytes");
  expect_rejected(image("{" + tensor("a", "F32", "[2]", 0, 8) + "," + tensor("a", "F32", "[2]", 0, 8) + "}", 8),
                  "header", "twice");
  // A well-formed file whose tensor is not floating point cannot be converted.
  const auto f = parse_safetensors(image("{" + tensor("i", "I32", "[2]", 0, 8) + "}", 8));
  EXPECT_THROW(f.tensors[0].to_vector<float>(), FormatError);
  EXPECT_THROW(read_safetensors("/nonexistent/odeflow.safetensors"), FormatError);
}

TEST(MlpCheckpoint, SaveLoadRoundTripInPyTorchLayout) {
  const auto dir = std::filesystem::temp_directory_path();
  TimeEmbedding te;
  te.kind = TimeEmbedding::Kind::sinusoidal;
  te.dim = 4;
  te.scale = 100.0;
  Mlp<float> m(MlpArchitecture::make(2, 16, 2, Activation::gelu, te));
  m.initialize(5);
  const auto path = dir / "odeflow_test_mlp.safetensors";
  save_mlp(path, m);
  const auto raw = read_safetensors(path);
  EXPECT_EQ(raw.metadata.at("dims"), "6,16,16,2");
  EXPECT_EQ(raw.metadata.at("activation"), "gelu");
  EXPECT_EQ(raw.metadata.at("time"), "sinusoidal");
  EXPECT_EQ(raw.metadata.at("time_embed_dim"), "4");
  const std::vector<std::string> names{"main.0.weight", "main.0.bias", "main.2.weight",
                                       "main.2.bias",   "main.4.weight", "main.4.bias"};
  ASSERT_EQ(raw.tensors.size(), names.size());
  for (std::size_t i = 0; i < names.size(); ++i) EXPECT_EQ(raw.tensors[i].name, names[i]);
  EXPECT_EQ(raw.find("main.0.weight")->shape, (std::vector<std::int64_t>{16, 6}));
  EXPECT_EQ(raw.find("main.0.weight")->dtype, Dtype::f32);
  const auto back = load_mlp<float>(path);
  const auto loaded_d = load_mlp<double>(path);  // converted to double
  EXPECT_EQ(back.architecture().time.scale, 100.0);
  const auto a = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), m.parameters());
  const auto b = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), back.parameters());
  const auto c = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), loaded_d.parameters());
  ASSERT_EQ(a.extent(0), b.extent(0));
  for (std::size_t i = 0; i < a.extent(0); ++i) {
    EXPECT_EQ(a(i), b(i));
    EXPECT_EQ(static_cast<double>(a(i)), c(i));
  }
  std::filesystem::remove(path);
}

TEST(MlpCheckpoint, ReadsHalfPrecisionAndRejectsMismatches) {
  // A 1-layer MLP (dims 2,1: d = 1, time concatenated) stored in BF16 and F16.
  SafetensorsFile f;
  f.metadata = {{"dims", "2,1"}, {"activation", "relu"}};
  auto add = [&](const std::string& name, Dtype dt, std::vector<std::int64_t> shape, std::vector<std::uint16_t> v) {
    SafetensorsTensor t;
    t.name = name;
    t.dtype = dt;
    t.shape = std::move(shape);
    for (auto x : v) {
      t.bytes.push_back(static_cast<std::uint8_t>(x));
      t.bytes.push_back(static_cast<std::uint8_t>(x >> 8));
    }
    f.tensors.push_back(t);
  };
  add("main.0.weight", Dtype::bf16, {1, 2}, {0x3f80, 0xc0a0});  // 1, -5
  add("main.0.bias", Dtype::f16, {1}, {0x3800});                // 0.5
  const auto m = mlp_from_safetensors<double>(f);
  const auto p = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), m.parameters());
  EXPECT_EQ(p(0), 1.0);
  EXPECT_EQ(p(1), -5.0);
  EXPECT_EQ(p(2), 0.5);

  auto expect_error = [](const SafetensorsFile& g, const std::string& where) {
    try {
      mlp_from_safetensors<float>(g, "m.safetensors");
      ADD_FAILURE() << "accepted; expected an error at " << where;
    } catch (const FormatError& e) {
      EXPECT_NE(e.where().find(where), std::string::npos) << e.what();
    }
  };
  auto g = f;
  g.metadata.erase("dims");
  expect_error(g, "__metadata__.dims");
  g = f;
  g.metadata["format"] = "other";
  expect_error(g, "__metadata__.format");
  g = f;
  g.metadata["activation"] = "sigmoid";
  expect_error(g, "__metadata__.activation");
  g = f;
  g.metadata["dims"] = "2,x";
  expect_error(g, "__metadata__.dims");
  g = f;
  g.metadata["dims"] = "3,1";  // inconsistent with d + 1 time input
  expect_error(g, "__metadata__.dims");
  g = f;
  g.tensors[0].shape = {2, 1};
  expect_error(g, "tensor 'main.0.weight'");
  g = f;
  g.tensors.pop_back();
  expect_error(g, "tensor 'main.0.bias'");
  g = f;
  g.tensors.push_back(g.tensors[1]);
  g.tensors.back().name = "main.1.bias";
  expect_error(g, "tensor 'main.1.bias'");
}

}  // namespace
