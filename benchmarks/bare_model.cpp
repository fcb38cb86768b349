// SPDX-License-Identifier: MIT
//
// The bare cost of a deployed SevenNet model: the TorchScript module called directly in a loop
// on fixed inputs (species, edge_index, edge_vec of one structure), forward pass plus the
// autograd gradient with respect to edge_vec, with the same libtorch settings as ioncycle (intra-
// op threads from OpenMP, profiling executor off). Nothing of ioncycle runs inside the timed
// loop: the edges are built once, before it. benchmarks/mlip_overhead.py compares this time with
// ioncycle's MD step time on the same structure; the difference is the engine's overhead.
//
// Usage: bench_bare_model MODEL.pt STRUCTURE.extxyz [REPEATS=10]
// Prints one JSON object: num_atoms, num_edges, threads, and per-call seconds (median and mean)
// of forward, backward and their sum.
#include <omp.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/script.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/elements.hpp"
#include "core/neighbor_list.hpp"
#include "io/structure_io.hpp"

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double mean(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size()); }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s MODEL.pt STRUCTURE [REPEATS]\n", argv[0]);
    return 2;
  }
  const std::string model_path = argv[1];
  const int repeats = argc > 3 ? std::atoi(argv[3]) : 10;
  torch::jit::setGraphExecutorOptimize(false);
  at::set_num_threads(omp_get_max_threads());

  std::unordered_map<std::string, std::string> extra{{"chemical_symbols_to_index", ""}, {"cutoff", ""}};
  torch::jit::Module module = torch::jit::load(model_path, torch::kCPU, extra);
  module.eval();
  const double cutoff = std::stod(extra["cutoff"]);
  std::unordered_map<int, std::int64_t> type_of_z;
  {
    std::int64_t k = 0;
    std::string symbols = extra["chemical_symbols_to_index"];
    std::size_t start = 0;
    while (start < symbols.size()) {
      const std::size_t end = std::min(symbols.find(' ', start), symbols.size());
      if (end > start) type_of_z[ioncycle::core::atomic_number(symbols.substr(start, end - start))] = k++;
      start = end + 1;
    }
  }

  const auto frames = ioncycle::io::read_frames(argv[2]);
  const auto& system = frames.back().system;
  const std::size_t n = system.num_atoms();
  ioncycle::core::NeighborList list({cutoff, 0.0, ioncycle::core::NeighborKind::full});
  list.build(system);
  std::vector<ioncycle::core::Vec3> shifts;
  list.cartesian_shifts(system.cell(), shifts);
  std::vector<std::int64_t> species(n), centre, neighbour;
  std::vector<float> vec;
  for (std::size_t i = 0; i < n; ++i) {
    species[i] = type_of_z.at(system.atomic_numbers()[i]);
    for (std::size_t k = list.offsets()[i]; k < list.offsets()[i + 1]; ++k) {
      const auto j = static_cast<std::size_t>(list.neighbors()[k]);
      const ioncycle::core::Vec3 d = system.positions()[j] - system.positions()[i] + shifts[list.shift_ids()[k]];
      const double r2 = d.squaredNorm();
      if (!(r2 < cutoff * cutoff && r2 > 0.0)) continue;
      centre.push_back(static_cast<std::int64_t>(i));
      neighbour.push_back(static_cast<std::int64_t>(j));
      for (int a = 0; a < 3; ++a) vec.push_back(static_cast<float>(d[a]));
    }
  }
  const auto e = static_cast<std::int64_t>(centre.size());
  std::vector<std::int64_t> edge_index(centre);
  edge_index.insert(edge_index.end(), neighbour.begin(), neighbour.end());
  const auto long_opts = torch::TensorOptions().dtype(torch::kLong);
  const torch::Tensor x = torch::from_blob(species.data(), {static_cast<std::int64_t>(n)}, long_opts);
  const torch::Tensor ei = torch::from_blob(edge_index.data(), {2, e}, long_opts);
  const torch::Tensor ev = torch::from_blob(vec.data(), {e, 3}, torch::TensorOptions().dtype(torch::kFloat));
  const torch::Tensor count = torch::full({1}, static_cast<std::int64_t>(n), long_opts);

  std::vector<double> forward, backward;
  double energy = 0.0;
  for (int r = 0; r < repeats + 1; ++r) {  // the first call warms up and is not counted
    torch::Tensor edge_vec = ev.detach().requires_grad_(true);
    c10::Dict<std::string, torch::Tensor> input;
    input.insert("x", x);
    input.insert("edge_index", ei);
    input.insert("edge_vec", edge_vec);
    input.insert("num_atoms", count);
    input.insert("nlocal", count.clone());
    const auto t0 = std::chrono::steady_clock::now();
    const auto out = module.forward({input}).toGenericDict();
    const torch::Tensor en = out.at("inferred_total_energy").toTensor().squeeze();
    energy = static_cast<double>(en.item<float>());
    const auto t1 = std::chrono::steady_clock::now();
    const auto g = torch::autograd::grad({en}, {edge_vec})[0].contiguous();
    const auto t2 = std::chrono::steady_clock::now();
    if (r == 0) continue;
    forward.push_back(std::chrono::duration<double>(t1 - t0).count());
    backward.push_back(std::chrono::duration<double>(t2 - t1).count());
  }
  std::vector<double> total(forward.size());
  for (std::size_t k = 0; k < total.size(); ++k) total[k] = forward[k] + backward[k];
  std::printf(
      "{\"num_atoms\": %zu, \"num_edges\": %lld, \"threads\": %d, \"repeats\": %d, \"energy_eV\": %.8f,\n"
      " \"forward_s\": {\"median\": %.6f, \"mean\": %.6f},\n \"backward_s\": {\"median\": %.6f, \"mean\": %.6f},\n"
      " \"total_s\": {\"median\": %.6f, \"mean\": %.6f}}\n",
      n, static_cast<long long>(e), omp_get_max_threads(), repeats, energy, median(forward), mean(forward),
      median(backward), mean(backward), median(total), mean(total));
  return 0;
}
