// SPDX-License-Identifier: MIT
#include "potentials/sevennet_potential.hpp"

#include <omp.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/script.h>

#include <mutex>
#include <optional>
#include <unordered_map>

#include "core/elements.hpp"
#include "core/error.hpp"
#include "potentials/loaded_model.hpp"
#include "potentials/model_file.hpp"

namespace ioncycle::potentials {

namespace {

std::string first_line(const std::string& s) {
  const auto nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

// torch's intra-op pool and graph-executor settings are process-wide: set them once.
void configure_torch_once() {
  static std::once_flag flag;
  std::call_once(flag, [] {
    // As pair_style e3gnn: no profiling executor, which would re-specialize the graph whenever the
    // number of edges changes.
    torch::jit::setGraphExecutorOptimize(false);
    at::set_num_threads(omp_get_max_threads());
  });
}

}  // namespace

struct SevenNetPotential::Impl {
  torch::jit::Module module;
  torch::Device device = torch::kCPU;
};

SevenNetPotential::SevenNetPotential(const std::string& path) : SevenNetPotential(path, Options{}) {}

SevenNetPotential::SevenNetPotential(const std::string& path, Options options)
    : path_(path), impl_(std::make_unique<Impl>()) {
  if (options.device != "cpu") {
    throw InputError("sevennet: device '" + options.device + "' is not supported", "use device = \"cpu\"");
  }
  configure_torch_once();
  LoadedModel loaded = load_model(path);  // InputError for anything that is not a usable model
  const ModelInfo& info = loaded.info;
  if (info.format != ModelFormat::sevennet) {
    throw InputError(SourceLocation{path, 0, 0},
                     "this is a " + std::string(format_name(info.format)) + " model, not a SevenNet model",
                     "use the potential type that matches the model");
  }
  if (info.dtype != "float32") {
    throw InputError(SourceLocation{path, 0, 0}, "SevenNet model dtype '" + info.dtype + "' is not supported",
                     "deploy the model in single precision (the default of sevenn_get_model)");
  }
  cutoff_ = info.cutoff;
  elements_ = info.elements;
  species_of_z_.assign(static_cast<std::size_t>(core::max_atomic_number()) + 1, -1);
  for (std::size_t k = 0; k < elements_.size(); ++k) {
    species_of_z_[static_cast<std::size_t>(core::atomic_number(elements_[k]))] = static_cast<int>(k);
  }
  try {
    impl_->module = std::move(loaded.module);  // loaded on the CPU, impl_->device
    impl_->module.eval();
  } catch (const c10::Error& e) {
    throw BackendError("libtorch", "loading SevenNet model '" + path + "': " + first_line(e.what_without_backtrace()));
  }
}

SevenNetPotential::~SevenNetPotential() = default;

bool SevenNetPotential::supports(int z) const {
  return z >= 0 && static_cast<std::size_t>(z) < species_of_z_.size() && species_of_z_[static_cast<std::size_t>(z)] >= 0;
}

std::string SevenNetPotential::supported_species() const {
  std::string out;
  for (const auto& e : elements_) out += (out.empty() ? "" : ", ") + e;
  return out;
}

std::size_t SevenNetPotential::build_graph(const core::System& system, const core::NeighborList& neighbors) {
  const std::size_t n = system.num_atoms();
  if (neighbors.num_atoms() != n) {
    throw std::logic_error("sevennet: the neighbor list does not match the system");
  }
  if (neighbors.kind() != core::NeighborKind::full) {
    throw std::logic_error("sevennet: needs a full neighbor list");
  }
  species_.resize(n);
  const auto zs = system.atomic_numbers();
  for (std::size_t i = 0; i < n; ++i) {
    if (!supports(zs[i])) {
      throw InputError("sevennet: the model '" + path_ + "' has no parameters for " + std::string(core::symbol(zs[i])),
                       "it supports: " + supported_species());
    }
    species_[i] = species_of_z_[static_cast<std::size_t>(zs[i])];
  }

  neighbors.cartesian_shifts(system.cell(), shifts_);
  const auto offsets = neighbors.offsets();
  const auto nbr = neighbors.neighbors();
  const auto sid = neighbors.shift_ids();
  const auto pos = system.positions();
  const double cut_sq = cutoff_ * cutoff_;
  const auto ni = static_cast<std::int64_t>(n);

  // Pass 1: edges per atom; pass 2: fill at prefix-sum offsets (deterministic order: atom i's
  // edges in neighbor-list order, atoms in System order).
  edge_count_.resize(n + 1);
#pragma omp parallel for schedule(static)
  for (std::int64_t ii = 0; ii < ni; ++ii) {
    const auto i = static_cast<std::size_t>(ii);
    std::size_t count = 0;
    for (std::size_t k = offsets[i]; k < offsets[i + 1]; ++k) {
      const core::Vec3 d = pos[static_cast<std::size_t>(nbr[k])] - pos[i] + shifts_[sid[k]];
      const double r2 = d.squaredNorm();
      if (r2 < cut_sq && r2 > 0.0) ++count;
    }
    edge_count_[i + 1] = count;
  }
  edge_count_[0] = 0;
  for (std::size_t i = 0; i < n; ++i) edge_count_[i + 1] += edge_count_[i];
  const std::size_t num_edges = edge_count_[n];
  edge_index_.resize(2 * num_edges);
  edge_vec_.resize(3 * num_edges);
#pragma omp parallel for schedule(static)
  for (std::int64_t ii = 0; ii < ni; ++ii) {
    const auto i = static_cast<std::size_t>(ii);
    std::size_t e = edge_count_[i];
    for (std::size_t k = offsets[i]; k < offsets[i + 1]; ++k) {
      const auto j = static_cast<std::size_t>(nbr[k]);
      const core::Vec3 d = pos[j] - pos[i] + shifts_[sid[k]];
      const double r2 = d.squaredNorm();
      if (!(r2 < cut_sq && r2 > 0.0)) continue;
      edge_index_[e] = ii;
      edge_index_[num_edges + e] = static_cast<std::int64_t>(j);
      for (int a = 0; a < 3; ++a) edge_vec_[3 * e + static_cast<std::size_t>(a)] = static_cast<float>(d[a]);
      ++e;
    }
  }
  num_edges_ = num_edges;
  return num_edges;
}

void SevenNetPotential::compute(const core::System& system, const core::NeighborList& neighbors,
                                const ForceRequest& request, ForceResult& result) {
  const std::size_t n = system.num_atoms();
  const bool want_grad = request.forces || request.virial;
  const std::size_t num_edges = build_graph(system, neighbors);
  const auto e64 = static_cast<std::int64_t>(num_edges);
  const auto n64 = static_cast<std::int64_t>(n);
  try {
    std::optional<torch::NoGradGuard> no_grad;
    if (!want_grad) no_grad.emplace();
    const auto long_opts = torch::TensorOptions().dtype(torch::kLong);
    torch::Tensor x = torch::from_blob(species_.data(), {n64}, long_opts);
    torch::Tensor edge_index = torch::from_blob(edge_index_.data(), {2, e64}, long_opts);
    torch::Tensor edge_vec = torch::from_blob(edge_vec_.data(), {e64, 3}, torch::TensorOptions().dtype(torch::kFloat));
    if (want_grad) edge_vec.requires_grad_(true);
    torch::Tensor count = torch::full({1}, n64, long_opts);

    c10::Dict<std::string, torch::Tensor> input;
    input.insert("x", x);
    input.insert("edge_index", edge_index);
    input.insert("edge_vec", edge_vec);
    input.insert("num_atoms", count);
    input.insert("nlocal", count.clone());
    const auto output = impl_->module.forward({input}).toGenericDict();
    const torch::Tensor energy = output.at("inferred_total_energy").toTensor().squeeze();
    result.energy = static_cast<double>(energy.item<float>());

    if (request.per_atom_energy) {
      const torch::Tensor atomic = output.at("atomic_energy").toTensor().detach().to(torch::kFloat).contiguous();
      const float* a = atomic.data_ptr<float>();
      result.per_atom_energy.resize(n);
      for (std::size_t i = 0; i < n; ++i) result.per_atom_energy[i] = static_cast<double>(a[i]);
    }

    if (!want_grad) return;
    core::Mat3 virial = core::Mat3::Zero();
    if (request.forces) result.forces.assign(n, core::Vec3::Zero());
    if (num_edges > 0) {
      const auto grads = torch::autograd::grad({energy}, {edge_vec});
      const torch::Tensor g = grads[0].contiguous();
      const float* gp = g.data_ptr<float>();
      // Serial accumulation: fixed order, so results do not depend on the thread count.
      for (std::size_t e = 0; e < num_edges; ++e) {
        const core::Vec3 ge(static_cast<double>(gp[3 * e]), static_cast<double>(gp[3 * e + 1]),
                            static_cast<double>(gp[3 * e + 2]));
        if (request.forces) {
          result.forces[static_cast<std::size_t>(edge_index_[e])] += ge;
          result.forces[static_cast<std::size_t>(edge_index_[num_edges + e])] -= ge;
        }
        if (request.virial) {
          const core::Vec3 d(static_cast<double>(edge_vec_[3 * e]), static_cast<double>(edge_vec_[3 * e + 1]),
                             static_cast<double>(edge_vec_[3 * e + 2]));
          virial -= ge * d.transpose();
        }
      }
    }
    if (request.virial) result.virial = virial;
  } catch (const c10::Error& e) {
    throw BackendError("libtorch", "evaluating SevenNet model '" + path_ + "': " + first_line(e.what_without_backtrace()));
  }
}

double SevenNetPotential::energy(const core::System& system, const core::NeighborList& neighbors) {
  ForceResult scratch;
  compute(system, neighbors, ForceRequest{false, false, false}, scratch);
  return scratch.energy;
}

}  // namespace ioncycle::potentials
