// Every input the fuzzers found a problem with (tests/fuzz/regressions/<target>/) and every seed
// (tests/fuzz/corpus/<target>/), run through the same reader code as the fuzz targets
// (tests/fuzz/fuzz_inputs.hpp) in the normal suite, under g++ and the asan preset. Also
// loads each seed MLP checkpoint fully (parameters allocated) and hand-made size claims.
#include "../fuzz/fuzz_inputs.hpp"

#include <odeflow/flows/mlp_io.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#ifndef ODEFLOW_FUZZ_DIR  // CMake defines it; compile-only checks (tools/gpu-check) give ODEFLOW_SOURCE_DIR
#define ODEFLOW_FUZZ_DIR ODEFLOW_SOURCE_DIR "/tests/fuzz"
#endif

using namespace odeflow;
namespace fs = std::filesystem;

namespace {

std::vector<std::uint8_t> slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs fn on every file of tests/fuzz/{corpus,regressions}/<target>; returns how many.
template <class Fn>
int run_all(const std::string& target, Fn fn) {
  int count = 0;
  for (const char* kind : {"corpus", "regressions"}) {
    const fs::path dir = fs::path(ODEFLOW_FUZZ_DIR) / kind / target;
    if (!fs::exists(dir)) continue;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (!e.is_regular_file() || e.path().filename() == "README.md") continue;
      SCOPED_TRACE(e.path().string());
      const auto bytes = slurp(e.path());
      EXPECT_NO_THROW(fn(std::span<const std::uint8_t>(bytes))) << e.path();
      ++count;
    }
  }
  return count;
}

}  // namespace

TEST(FuzzRegressions, Safetensors) { EXPECT_GE(run_all("safetensors", fuzz::safetensors), 3); }
TEST(FuzzRegressions, Npy) { EXPECT_GE(run_all("npy", fuzz::npy), 6); }
TEST(FuzzRegressions, Json) { EXPECT_GE(run_all("json", fuzz::json), 3); }

// The seed checkpoint loads as an MLP (allocation and conversion included).
TEST(FuzzRegressions, SeedCheckpointLoads) {
  const auto m = load_mlp<double>(fs::path(ODEFLOW_FUZZ_DIR) / "corpus" / "safetensors" / "mlp_f32.safetensors");
  EXPECT_EQ(m.architecture().dims, (std::vector<int>{3, 4, 2}));
}

// Metadata that claims an MLP of 2^24 x 2^24 (2^48 parameters) without the tensors fails on the
// missing tensor before anything is allocated (under ASan the allocation itself would abort).
TEST(FuzzRegressions, HugeMetadataClaimFailsBeforeAllocating) {
  SafetensorsFile f;
  f.metadata = {{"format", "odeflow-mlp"}, {"dims", "16777216,16777216,16777215"}, {"activation", "silu"}};
  try {
    mlp_from_safetensors<double>(f, "claim.safetensors");
    FAIL() << "no exception";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("missing tensor for layer 0"), std::string::npos) << e.what();
  }
  // A safetensors header claiming a terabyte of data in a 100-byte file.
  const std::string h = R"({"w":{"dtype":"F64","shape":[137438953472],"data_offsets":[0,1099511627776]}})";
  std::vector<std::uint8_t> image(8);
  for (int b = 0; b < 8; ++b) image[b] = static_cast<std::uint8_t>(h.size() >> (8 * b));
  image.insert(image.end(), h.begin(), h.end());
  try {
    parse_safetensors(image, "tb.safetensors");
    FAIL() << "no exception";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("data_offsets end 1099511627776 lies beyond the 0 data bytes"), std::string::npos)
        << e.what();
  }
}

// Found by fuzz_json: a number beyond double's range in the header made nlohmann throw its
// out_of_range (406), which escaped parse_safetensors instead of a FormatError.
TEST(FuzzRegressions, NumberOverflowInHeaderIsAFormatError) {
  const std::string h = R"({"__metadata__":{"dims":"3,4,2"},"x":1e30864})";
  std::vector<std::uint8_t> image(8);
  for (int b = 0; b < 8; ++b) image[b] = static_cast<std::uint8_t>(h.size() >> (8 * b));
  image.insert(image.end(), h.begin(), h.end());
  try {
    parse_safetensors(image, "overflow.safetensors");
    FAIL() << "no exception";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("overflow.safetensors: header is not valid JSON"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("number overflow"), std::string::npos) << e.what();
  }
}
