// SPDX-License-Identifier: MIT
#include "potentials/sevennet_potential.hpp"

#include <torch/csrc/autograd/autograd.h>
#include <torch/script.h>

#include <chrono>
#include <optional>

#include "core/elements.hpp"
#include "core/error.hpp"
#include "potentials/graph_edges.hpp"
#include "potentials/loaded_model.hpp"
#include "potentials/model_file.hpp"
#include "potentials/torch_support.hpp"

namespace ioncycle::potentials {


struct SevenNetPotential::Impl {
  torch::jit::Module module;
  torch::Device device = torch::kCPU;
  // num_atoms (on the device) and nlocal (always on the CPU), remade only when N changes.
  std::int64_t counted = -1;
  torch::Tensor num_atoms, nlocal;
};

SevenNetPotential::SevenNetPotential(const std::string& path, const Options& options)
    : SevenNetPotential(load_model(path, "sevennet", options.device), options) {}

SevenNetPotential::SevenNetPotential(LoadedModel&& model, const Options& options)
    : path_(model.info.path), sha256_(model.info.sha256), impl_(std::make_unique<Impl>()) {
  configure_torch_once();
  impl_->device = resolve_device(options.device, "sevennet");
  const ModelInfo& info = model.info;
  if (info.dtype != "float32") {
    throw InputError(SourceLocation{path_, 0, 0}, "SevenNet model dtype '" + info.dtype + "' is not supported",
                     "deploy the model in single precision (the default of sevenn_get_model)");
  }
  cutoff_ = info.cutoff;
  elements_ = ModelElements(info.elements);
  try {
    impl_->module = std::move(model.module);  // loaded on the CPU
    impl_->module.to(impl_->device);
    impl_->module.eval();
  } catch (const c10::Error& e) {
    throw BackendError("libtorch", "loading SevenNet model '" + path_ + "': " + first_line(e.what_without_backtrace()));
  }
}

SevenNetPotential::~SevenNetPotential() = default;

bool SevenNetPotential::supports(int z) const { return elements_.supports(z); }

std::string SevenNetPotential::supported_species() const { return elements_.list(); }

std::size_t SevenNetPotential::build_graph(const core::System& system, const core::NeighborList& neighbors) {
  const std::size_t n = system.num_atoms();
  species_.resize(n);
  const auto zs = system.atomic_numbers();
  for (std::size_t i = 0; i < n; ++i) species_[i] = elements_.require(zs[i], "sevennet", path_);
  edges_.build(system, neighbors, cutoff_, "sevennet");
  // The model takes the edge vectors themselves (float32, image applied), not positions + shifts.
  const std::size_t num_edges = edges_.size();
  edge_vec_.resize(3 * num_edges);
  const auto pos = system.positions();
  const auto ne = static_cast<std::int64_t>(num_edges);
#pragma omp parallel for schedule(static)
  for (std::int64_t ee = 0; ee < ne; ++ee) {
    const auto e = static_cast<std::size_t>(ee);
    const auto i = static_cast<std::size_t>(edges_.index[e]);
    const auto j = static_cast<std::size_t>(edges_.index[num_edges + e]);
    const core::Vec3 d = pos[j] - pos[i] + edges_.shifts[edges_.shift_id[e]];
    for (int a = 0; a < 3; ++a) edge_vec_[3 * e + static_cast<std::size_t>(a)] = static_cast<float>(d[a]);
  }
  num_edges_ = num_edges;
  return num_edges;
}

void SevenNetPotential::compute(const core::System& system, const core::NeighborList& neighbors,
                                const ForceRequest& request, ForceResult& result) {
  const std::size_t n = system.num_atoms();
  const bool want_grad = request.forces || request.virial;
  using clock = std::chrono::steady_clock;
  auto seconds_since = [](clock::time_point t0) { return std::chrono::duration<double>(clock::now() - t0).count(); };
  auto t0 = clock::now();
  const std::size_t num_edges = build_graph(system, neighbors);
  seconds_graph_ += seconds_since(t0);
  const auto e64 = static_cast<std::int64_t>(num_edges);
  const auto n64 = static_cast<std::int64_t>(n);
  try {
    std::optional<torch::NoGradGuard> no_grad;
    if (!want_grad) no_grad.emplace();
    const auto long_opts = torch::TensorOptions().dtype(torch::kLong);
    const torch::Device device = impl_->device;
    const bool on_cpu = device.is_cpu();
    // On the CPU the tensors wrap our buffers (no copy); on a GPU they are copied over once per
    // call. `nlocal` stays on the CPU in either case (the model reads it with .item()).
    auto to_device = [&](torch::Tensor t) { return on_cpu ? t : t.to(device, /*non_blocking=*/false); };
    torch::Tensor x = to_device(torch::from_blob(species_.data(), {n64}, long_opts));
    torch::Tensor edge_index = to_device(torch::from_blob(edges_.index.data(), {2, e64}, long_opts));
    torch::Tensor edge_vec =
        to_device(torch::from_blob(edge_vec_.data(), {e64, 3}, torch::TensorOptions().dtype(torch::kFloat)));
    if (want_grad) edge_vec.requires_grad_(true);
    if (impl_->counted != n64) {
      impl_->nlocal = torch::full({1}, n64, long_opts);
      impl_->num_atoms = to_device(impl_->nlocal.clone());
      impl_->counted = n64;
    }

    c10::Dict<std::string, torch::Tensor> input;
    input.insert("x", x);
    input.insert("edge_index", edge_index);
    input.insert("edge_vec", edge_vec);
    input.insert("num_atoms", impl_->num_atoms);
    input.insert("nlocal", impl_->nlocal);
    t0 = clock::now();
    const auto output = impl_->module.forward({input}).toGenericDict();
    const torch::Tensor energy = output.at("inferred_total_energy").toTensor().squeeze();
    result.energy = static_cast<double>(energy.item<float>());  // waits for the device
    seconds_forward_ += seconds_since(t0);

    if (request.per_atom_energy) {
      const torch::Tensor atomic =
          output.at("atomic_energy").toTensor().detach().to(torch::kCPU).to(torch::kFloat).contiguous();
      const float* a = atomic.data_ptr<float>();
      result.per_atom_energy.resize(n);
      for (std::size_t i = 0; i < n; ++i) result.per_atom_energy[i] = static_cast<double>(a[i]);
    }

    if (!want_grad) return;
    core::Mat3 virial = core::Mat3::Zero();
    if (request.forces) result.forces.assign(n, core::Vec3::Zero());
    if (num_edges > 0) {
      t0 = clock::now();
      const auto grads = torch::autograd::grad({energy}, {edge_vec});
      const torch::Tensor g = grads[0].to(torch::kCPU).contiguous();
      seconds_backward_ += seconds_since(t0);
      t0 = clock::now();
      const float* gp = g.data_ptr<float>();
      // Serial accumulation: fixed order, so results do not depend on the thread count.
      for (std::size_t e = 0; e < num_edges; ++e) {
        const core::Vec3 ge(static_cast<double>(gp[3 * e]), static_cast<double>(gp[3 * e + 1]),
                            static_cast<double>(gp[3 * e + 2]));
        if (request.forces) {
          result.forces[static_cast<std::size_t>(edges_.index[e])] += ge;
          result.forces[static_cast<std::size_t>(edges_.index[num_edges + e])] -= ge;
        }
        if (request.virial) {
          const core::Vec3 d(static_cast<double>(edge_vec_[3 * e]), static_cast<double>(edge_vec_[3 * e + 1]),
                             static_cast<double>(edge_vec_[3 * e + 2]));
          virial -= ge * d.transpose();
        }
      }
    }
    if (request.virial) result.virial = virial;
    seconds_sum_ += num_edges > 0 ? seconds_since(t0) : 0.0;
  } catch (const c10::Error& e) {
    throw BackendError("libtorch", "evaluating SevenNet model '" + path_ + "': " + first_line(e.what_without_backtrace()));
  }
}

void SevenNetPotential::collect_times(StageTimes& out) const {
  out.add("edge building", seconds_graph_);
  out.add("model forward", seconds_forward_);
  out.add("model backward", seconds_backward_);
  out.add("force/virial sum", seconds_sum_);
}

double SevenNetPotential::energy(const core::System& system, const core::NeighborList& neighbors) {
  ForceResult scratch;
  compute(system, neighbors, ForceRequest{false, false, false}, scratch);
  return scratch.energy;
}

std::string SevenNetPotential::fingerprint() const {
  // Empty (nothing cached) if the model came without a content hash.
  return sha256_.empty() ? std::string() : name() + " sha256=" + sha256_;
}

}  // namespace ioncycle::potentials
