// libFuzzer target: the safetensors reader on arbitrary bytes (see fuzz_inputs.hpp).
#include "fuzz_inputs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  odeflow::fuzz::safetensors(std::span<const std::uint8_t>(data, size));
  return 0;
}
