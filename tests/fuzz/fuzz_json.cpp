// libFuzzer target: the json reader on arbitrary bytes (see fuzz_inputs.hpp).
#include "fuzz_inputs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  odeflow::fuzz::json(std::span<const std::uint8_t>(data, size));
  return 0;
}
