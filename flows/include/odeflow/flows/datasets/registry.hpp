// The built-in datasets by name: the run-time choice (command line, C API) becomes a type here.
#pragma once

#include <odeflow/flows/datasets/checkerboard.hpp>
#include <odeflow/flows/datasets/concentric_circles.hpp>
#include <odeflow/flows/datasets/eight_gaussians.hpp>
#include <odeflow/flows/datasets/gaussian_mixture_dataset.hpp>
#include <odeflow/flows/datasets/two_moons.hpp>
#include <odeflow/flows/datasets/two_spirals.hpp>
#include <odeflow/solvers/validation.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace odeflow {

/// Names accepted by visit_dataset, space-separated.
inline std::string dataset_names() { return "checkerboard 8gaussians moons circles spirals gmm"; }

/// The "gmm" dataset of visit_dataset in dimension d: `components` equally weighted
/// components, component k centred at 4 s_k e_(k mod d) with s_k = +1 for even k / d and
/// -1 otherwise (so that 2d components sit on the axes at distance 4), standard
/// deviation 0.5 in every coordinate.
template <class T, class MemorySpace = Kokkos::DefaultExecutionSpace::memory_space>
GaussianMixtureDataset<T, MemorySpace> axis_gaussian_mixture(int d, int components) {
  if (d <= 0) throw InvalidArgument("dim = " + std::to_string(d) + " must be positive for the gmm dataset");
  if (components <= 0)
    throw InvalidArgument("components = " + std::to_string(components) + " must be positive for the gmm dataset");
  std::vector<T> w(static_cast<std::size_t>(components), T(1)), mu(static_cast<std::size_t>(components) * d, T(0)),
      sd(static_cast<std::size_t>(components) * d, T(0.5));
  for (int k = 0; k < components; ++k)
    mu[static_cast<std::size_t>(k) * d + k % d] = ((k / d) % 2 == 0 ? T(4) : T(-4));
  return GaussianMixtureDataset<T, MemorySpace>(w, mu, sd, d);
}

/// Calls fn(dataset) with the dataset named `name` (see dataset_names()). `d` and
/// `components` are used by "gmm" only; the 2-D datasets require d == 2 (or d == 0,
/// meaning "whatever the dataset has"). Throws InvalidArgument naming an unknown
/// dataset or a dimension it does not have.
template <class T, class Fn>
decltype(auto) visit_dataset(std::string_view name, int d, int components, Fn&& fn) {
  if (name == "gmm") return fn(axis_gaussian_mixture<T>(d, components));
  if (d != 0 && d != 2)
    throw InvalidArgument("dataset '" + std::string(name) + "' is 2-dimensional, but dim = " + std::to_string(d));
  if (name == "checkerboard") return fn(Checkerboard{});
  if (name == "8gaussians") return fn(EightGaussians{});
  if (name == "moons") return fn(TwoMoons{});
  if (name == "circles") return fn(ConcentricCircles{});
  if (name == "spirals") return fn(TwoSpirals{});
  throw InvalidArgument("dataset = '" + std::string(name) + "' is not a known dataset (known: " + dataset_names() +
                        ")");
}

}  // namespace odeflow
