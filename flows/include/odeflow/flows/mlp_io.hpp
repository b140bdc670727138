// MLP checkpoints as safetensors: PyTorch nn.Sequential state_dict names, architecture in __metadata__.
#pragma once

#include <odeflow/flows/format_error.hpp>
#include <odeflow/flows/mlp.hpp>
#include <odeflow/flows/mlp_architecture.hpp>
#include <odeflow/flows/safetensors.hpp>

#include <Kokkos_Core.hpp>

#include <charconv>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>

namespace odeflow {

/// Writes `mlp` as a safetensors checkpoint: tensors "main.<2l>.weight" (n_{l+1}, n_l) and
/// "main.<2l>.bias" (n_{l+1}) in F32 (float) or F64 (double), architecture in the metadata
/// (mlp_metadata). Loadable by PyTorch with safetensors.torch.load_file into nn.Sequential.
template <class T, class MemorySpace>
void save_mlp(const std::filesystem::path& path, const Mlp<T, MemorySpace>& mlp) {
  auto p = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), mlp.parameters());
  SafetensorsFile f;
  f.metadata = mlp_metadata(mlp.architecture());
  for (int l = 0; l < mlp.num_layers(); ++l) {
    const std::int64_t out = mlp.width(l + 1), in = mlp.width(l);
    f.tensors.push_back(SafetensorsTensor::from_values("main." + std::to_string(2 * l) + ".weight", {out, in},
                                                       p.data() + mlp.weight_offset(l)));
    f.tensors.push_back(SafetensorsTensor::from_values("main." + std::to_string(2 * l) + ".bias", {out},
                                                       p.data() + mlp.bias_offset(l)));
  }
  write_safetensors(path, f);
}

/// Builds an Mlp from parsed safetensors content (see load_mlp).
template <class T, class MemorySpace = Kokkos::DefaultExecutionSpace::memory_space>
Mlp<T, MemorySpace> mlp_from_safetensors(const SafetensorsFile& f, const std::string& file = "<memory>") {
  const MlpArchitecture arch = mlp_architecture_from_metadata(f.metadata, file);
  // Every tensor is checked against the metadata before the parameters are allocated, so
  // metadata claiming huge widths without the tensors to match fails before any allocation.
  const int L = arch.num_layers();
  auto name_of = [](int l, int part) { return "main." + std::to_string(2 * l) + (part == 0 ? ".weight" : ".bias"); };
  for (int l = 0; l < L; ++l) {
    const std::int64_t out = arch.dims[l + 1], in = arch.dims[l];
    for (int part = 0; part < 2; ++part) {
      const std::string name = name_of(l, part);
      const SafetensorsTensor* t = f.find(name);
      if (!t) throw FormatError(file, "missing tensor for layer " + std::to_string(l) + " of dims " + f.metadata.at("dims"), "tensor '" + name + "'");
      const std::vector<std::int64_t> want = part == 0 ? std::vector<std::int64_t>{out, in} : std::vector<std::int64_t>{out};
      if (t->shape != want) {
        std::string got, exp;
        for (auto s : t->shape) got += (got.empty() ? "" : ",") + std::to_string(s);
        for (auto s : want) exp += (exp.empty() ? "" : ",") + std::to_string(s);
        throw FormatError(file, "shape [" + got + "] does not match the metadata's [" + exp + "]", "tensor '" + name + "'");
      }
    }
  }
  if (f.tensors.size() != static_cast<std::size_t>(2 * L))
    for (const auto& t : f.tensors) {
      bool known = false;
      for (int l = 0; l < L && !known; ++l) known = t.name == name_of(l, 0) || t.name == name_of(l, 1);
      if (!known) throw FormatError(file, "unexpected tensor for an MLP of dims " + f.metadata.at("dims"), "tensor '" + t.name + "'");
    }
  Mlp<T, MemorySpace> mlp(arch);
  auto p = Kokkos::create_mirror_view(mlp.parameters());
  for (int l = 0; l < L; ++l)
    for (int part = 0; part < 2; ++part) {
      const auto v = f.find(name_of(l, part))->template to_vector<T>(file);
      const std::size_t off = part == 0 ? mlp.weight_offset(l) : mlp.bias_offset(l);
      for (std::size_t i = 0; i < v.size(); ++i) p(off + i) = v[i];
    }
  Kokkos::deep_copy(mlp.parameters(), p);
  return mlp;
}

/// Reads an MLP checkpoint (save_mlp's layout; PyTorch's nn.Sequential state_dict with
/// this metadata), converting F32/F64/F16/BF16 to T. Throws FormatError naming the file,
/// the problem and where: malformed safetensors (read_safetensors), metadata missing or
/// invalid, a tensor missing, of the wrong shape or dtype, or an unexpected tensor.
template <class T, class MemorySpace = Kokkos::DefaultExecutionSpace::memory_space>
Mlp<T, MemorySpace> load_mlp(const std::filesystem::path& path) {
  return mlp_from_safetensors<T, MemorySpace>(read_safetensors(path), path.string());
}

}  // namespace odeflow
