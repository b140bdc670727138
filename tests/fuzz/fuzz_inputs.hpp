// What each fuzz target does with one input, shared by the libFuzzer targets and the normal
// suite's regression test (tests/reliability/test_fuzz_regressions.cpp).
//
// Each function runs a reader on arbitrary bytes. Rejection must be a FormatError (or an
// InvalidArgument from the model's own checks); any other exception escapes and is a finding,
// as are crashes, sanitizer reports and failed round trips (abort).
#pragma once

#include <odeflow/flows/io/npy.hpp>
#include <odeflow/flows/mlp_architecture.hpp>
#include <odeflow/flows/safetensors.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

namespace odeflow::fuzz {

inline void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
    std::abort();
  }
}

/// safetensors: parse; whatever parses must serialize and parse back to the same content.
inline void safetensors(std::span<const std::uint8_t> in) {
  SafetensorsFile f;
  try {
    f = parse_safetensors(in, "fuzz");
  } catch (const FormatError&) {
    return;
  }
  const auto image = serialize_safetensors(f);
  const auto g = parse_safetensors(image, "fuzz-roundtrip");
  require(g.metadata == f.metadata, "safetensors metadata round trip");
  require(g.tensors.size() == f.tensors.size(), "safetensors tensor count round trip");
  for (std::size_t i = 0; i < f.tensors.size(); ++i) {
    require(g.tensors[i].name == f.tensors[i].name && g.tensors[i].dtype == f.tensors[i].dtype &&
                g.tensors[i].shape == f.tensors[i].shape && g.tensors[i].bytes == f.tensors[i].bytes,
            "safetensors tensor round trip");
    try {
      (void)f.tensors[i].to_double("fuzz");
    } catch (const FormatError&) {
    }
  }
}

/// .npy: parse; whatever parses must serialize and parse back to the same array.
inline void npy(std::span<const std::uint8_t> in) {
  NpyArray a;
  try {
    a = parse_npy(in, "fuzz");
  } catch (const FormatError&) {
    return;
  }
  require(a.bytes.size() == static_cast<std::size_t>(a.numel()) * (a.dtype == NpyDtype::f64 ? 8u : 4u),
          "npy byte count matches shape");
  const auto b = parse_npy(serialize_npy(a), "fuzz-roundtrip");
  require(b.dtype == a.dtype && b.shape == a.shape && b.bytes == a.bytes, "npy round trip");
  (void)a.values<double>();
}

/// JSON header and model metadata: the input is a safetensors header (JSON text), wrapped
/// in a file with no data; its __metadata__ then goes through the MLP architecture parser.
inline void json(std::span<const std::uint8_t> in) {
  std::string image(8, '\0');
  for (int b = 0; b < 8; ++b) image[b] = static_cast<char>(static_cast<std::uint64_t>(in.size()) >> (8 * b));
  image.append(reinterpret_cast<const char*>(in.data()), in.size());
  SafetensorsFile f;
  try {
    f = parse_safetensors(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(image.data()), image.size()),
                          "fuzz");
  } catch (const FormatError&) {
    return;
  }
  try {
    const MlpArchitecture a = mlp_architecture_from_metadata(f.metadata, "fuzz");
    // What a valid architecture promises: a consistent first width and sane sizes.
    require(a.dims.size() >= 2 && a.dims.front() == a.state_dim() + a.time.width(), "architecture is consistent");
    // The metadata written back parses to the same architecture.
    const MlpArchitecture b = mlp_architecture_from_metadata(mlp_metadata(a), "fuzz-roundtrip");
    require(b.dims == a.dims && b.activation == a.activation && b.time.kind == a.time.kind &&
                b.time.dim == a.time.dim,
            "architecture metadata round trip");
  } catch (const FormatError&) {
  }
}

}  // namespace odeflow::fuzz
