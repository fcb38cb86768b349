// SPDX-License-Identifier: MIT
#include "potentials/mace_potential.hpp"

#include <torch/script.h>

#include <array>
#include <optional>
#include <span>
#include <unordered_map>

#include "core/elements.hpp"
#include "core/error.hpp"
#include "potentials/graph_edges.hpp"
#include "potentials/loaded_model.hpp"
#include "potentials/model_file.hpp"
#include "potentials/torch_support.hpp"

namespace ioncycle::potentials {

namespace {

// The real-valued inputs of one dtype. Only the set matching the model's dtype is used; vectors
// keep their capacity, so a run whose sizes settle allocates nothing here.
template <class Real>
struct RealInputs {
  std::vector<Real> positions;     // [N, 3]
  std::vector<Real> node_attrs;    // [N, n_elements], one-hot
  std::vector<Real> shifts;        // [E, 3], Cartesian n·H
  std::vector<Real> unit_shifts;   // [E, 3], n
  std::vector<Real> dummy_forces;  // [N, 3], zeros (unused by the model, passed as LAMMPS does)
  std::array<Real, 9> cell{};      // rows a, b, c
  std::array<Real, 1> dummy_energy{};
  std::array<Real, 1> weight{1};

  void fill(const core::System& system, const GraphEdges& edges, const std::vector<std::int64_t>& column,
            std::size_t num_elements, std::span<const std::array<std::int32_t, 3>> unit) {
    const std::size_t n = system.num_atoms();
    const std::size_t num_edges = edges.size();
    const auto pos = system.positions();
    positions.resize(3 * n);
    node_attrs.assign(n * num_elements, Real(0));
    dummy_forces.assign(3 * n, Real(0));
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t a = 0; a < 3; ++a) positions[3 * i + a] = static_cast<Real>(pos[i][static_cast<int>(a)]);
      node_attrs[i * num_elements + static_cast<std::size_t>(column[i])] = Real(1);
    }
    shifts.resize(3 * num_edges);
    unit_shifts.resize(3 * num_edges);
    for (std::size_t e = 0; e < num_edges; ++e) {
      const std::uint32_t s = edges.shift_id[e];
      for (std::size_t a = 0; a < 3; ++a) {
        shifts[3 * e + a] = static_cast<Real>(edges.shifts[s][static_cast<int>(a)]);
        unit_shifts[3 * e + a] = static_cast<Real>(unit[s][a]);
      }
    }
    const core::Mat3& h = system.cell().matrix();
    for (int r = 0; r < 3; ++r) {
      for (int c = 0; c < 3; ++c) cell[static_cast<std::size_t>(3 * r + c)] = static_cast<Real>(h(r, c));
    }
  }

  void insert(c10::Dict<std::string, torch::Tensor>& dict, torch::ScalarType dtype, const torch::Device& device,
              std::int64_t n, std::int64_t num_edges, std::int64_t num_elements) {
    const auto opts = torch::TensorOptions().dtype(dtype);
    const auto put = [&](const char* key, Real* data, c10::IntArrayRef shape) {
      torch::Tensor t = torch::from_blob(data, shape, opts);
      dict.insert_or_assign(key, device.is_cpu() ? t : t.to(device));
    };
    put("positions", positions.data(), {n, 3});
    put("node_attrs", node_attrs.data(), {n, num_elements});
    put("shifts", shifts.data(), {num_edges, 3});
    put("unit_shifts", unit_shifts.data(), {num_edges, 3});
    put("cell", cell.data(), {3, 3});
    put("energy", dummy_energy.data(), {1});
    put("forces", dummy_forces.data(), {n, 3});
    put("weight", weight.data(), {1});
  }
};

}  // namespace

struct MacePotential::Impl {
  torch::jit::Module module;
  /// The wrapped ScaleShiftMACE (submodule `model`), for the energy-only path; empty if the file
  /// has no such submodule taking compute_force.
  std::optional<torch::jit::Module> inner;
  torch::Device device = torch::kCPU;
  torch::ScalarType dtype = torch::kDouble;
  torch::Tensor head;  // the wrapper's `head` buffer, on the device (the inner model needs it)
  std::int64_t num_elements = 0;

  GraphEdges edges;
  std::vector<std::int64_t> column;  // one-hot column per atom
  std::vector<std::int64_t> batch;   // [N] zeros
  std::array<std::int64_t, 2> ptr{};
  std::vector<std::uint8_t> local;   // [N] true, as torch::kBool
  RealInputs<double> f64;
  RealInputs<float> f32;

  /// A new input dictionary over the current buffers. New for every call: the model replaces
  /// entries (the positions and shifts when it applies the strain, `head`), and keeping them
  /// would keep their autograd graph alive.
  [[nodiscard]] c10::Dict<std::string, torch::Tensor> make_input(std::int64_t n, std::int64_t num_edges) {
    c10::Dict<std::string, torch::Tensor> input;
    const auto long_opts = torch::TensorOptions().dtype(torch::kLong);
    const auto put = [&](const char* key, torch::Tensor t) { input.insert(key, device.is_cpu() ? t : t.to(device)); };
    if (dtype == torch::kDouble) {
      f64.insert(input, dtype, device, n, num_edges, num_elements);
    } else {
      f32.insert(input, dtype, device, n, num_edges, num_elements);
    }
    put("edge_index", torch::from_blob(edges.index.data(), {2, num_edges}, long_opts));
    put("batch", torch::from_blob(batch.data(), {n}, long_opts));
    put("ptr", torch::from_blob(ptr.data(), {2}, long_opts));
    return input;
  }

  [[nodiscard]] torch::Tensor local_or_ghost(std::int64_t n) {
    torch::Tensor t = torch::from_blob(local.data(), {n}, torch::TensorOptions().dtype(torch::kBool));
    return device.is_cpu() ? t : t.to(device);
  }
};

namespace {

// Whether the exported wrapper's submodule `model` has a compiled forward taking compute_force
// (ScaleShiftMACE.forward in mace-torch 0.3.x), so that energy() can skip the backward pass.
std::optional<torch::jit::Module> energy_only_module(const torch::jit::Module& wrapper) {
  if (!wrapper.hasattr("model")) return std::nullopt;
  const c10::IValue attr = wrapper.attr("model");
  if (!attr.isModule()) return std::nullopt;
  torch::jit::Module inner = attr.toModule();
  const auto method = inner.find_method("forward");
  if (!method) return std::nullopt;
  bool has_compute_force = false;
  for (const auto& arg : method->function().getSchema().arguments()) {
    if (arg.name() == "compute_force") has_compute_force = true;
  }
  if (!has_compute_force) return std::nullopt;
  return inner;
}

torch::Tensor required(const c10::impl::GenericDict& out, const char* key, const std::string& path) {
  const auto it = out.find(key);
  if (it == out.end() || it->value().isNone()) {
    throw BackendError("libtorch", "MACE model '" + path + "' returned no '" + key + "'");
  }
  return it->value().toTensor().detach().to(torch::kCPU, torch::kDouble).contiguous();
}

}  // namespace

MacePotential::MacePotential(const std::string& path, const Options& options)
    : MacePotential(load_model(path, "mace", options.device), options) {}

MacePotential::MacePotential(LoadedModel&& loaded, const Options& options)
    : path_(loaded.info.path), sha256_(loaded.info.sha256), impl_(std::make_unique<Impl>()) {
  configure_torch_once();
  impl_->device = resolve_device(options.device, "mace");
  const std::string& path = path_;
  const ModelInfo& info = loaded.info;
  cutoff_ = info.cutoff;
  dtype_ = info.dtype;
  elements_ = ModelElements(info.elements);
  impl_->dtype = dtype_ == "float32" ? torch::kFloat : torch::kDouble;
  impl_->num_elements = static_cast<std::int64_t>(elements_.symbols().size());
  try {
    impl_->module = std::move(loaded.module);
    impl_->module.eval();
    impl_->module.to(impl_->device);
    impl_->head = impl_->module.hasattr("head") ? impl_->module.attr("head").toTensor()
                                                : torch::zeros({1}, torch::TensorOptions().dtype(torch::kLong));
    impl_->head = impl_->head.to(impl_->device);
    impl_->inner = energy_only_module(impl_->module);
  } catch (const c10::Error& e) {
    throw BackendError("libtorch", "loading MACE model '" + path + "': " + first_line(e.what_without_backtrace()));
  }
}

MacePotential::~MacePotential() = default;

bool MacePotential::supports(int z) const { return elements_.supports(z); }

std::string MacePotential::supported_species() const { return elements_.list(); }

std::string MacePotential::device() const { return impl_->device.str(); }

bool MacePotential::has_energy_only_path() const { return impl_->inner.has_value(); }

std::size_t MacePotential::prepare(const core::System& system, const core::NeighborList& neighbors) {
  Impl& m = *impl_;
  const std::size_t n = system.num_atoms();
  const auto zs = system.atomic_numbers();
  m.column.resize(n);
  for (std::size_t i = 0; i < n; ++i) m.column[i] = elements_.require(zs[i], "mace", path_);
  m.edges.build(system, neighbors, cutoff_, "mace");
  const auto num_elements = static_cast<std::size_t>(m.num_elements);
  if (m.dtype == torch::kDouble) {
    m.f64.fill(system, m.edges, m.column, num_elements, neighbors.shift_table());
  } else {
    m.f32.fill(system, m.edges, m.column, num_elements, neighbors.shift_table());
  }
  m.batch.assign(n, 0);
  m.ptr = {0, static_cast<std::int64_t>(n)};
  m.local.assign(n, 1);
  num_edges_ = m.edges.size();
  return num_edges_;
}

void MacePotential::compute(const core::System& system, const core::NeighborList& neighbors,
                            const ForceRequest& request, ForceResult& result) {
  const std::size_t n = system.num_atoms();
  if (n == 0) {
    result.energy = 0.0;
    if (request.forces) result.forces.clear();
    if (request.virial) result.virial.setZero();
    if (request.per_atom_energy) result.per_atom_energy.clear();
    return;
  }
  const std::size_t num_edges = prepare(system, neighbors);
  const auto n64 = static_cast<std::int64_t>(n);
  const bool want_grad = request.forces || request.virial;
  try {
    auto input = impl_->make_input(n64, static_cast<std::int64_t>(num_edges));
    if (!want_grad && impl_->inner) {
      // Energy only: the wrapped model without the force gradient, and no autograd graph at all.
      torch::NoGradGuard no_grad;
      input.insert_or_assign("head", impl_->head);
      const std::unordered_map<std::string, c10::IValue> kwargs{
          {"training", false}, {"compute_force", false}, {"compute_virials", false}, {"compute_stress", false}};
      const auto output = impl_->inner->forward({input}, kwargs).toGenericDict();
      // As the wrapper's total_energy_local: the sum of node_energy (float64 for every model dtype).
      const torch::Tensor e = required(output, "node_energy", path_).reshape({-1});
      result.energy = e.sum().item<double>();
      if (request.per_atom_energy) result.per_atom_energy.assign(e.data_ptr<double>(), e.data_ptr<double>() + n);
      return;
    }
    const auto output =
        impl_->module.forward({input, impl_->local_or_ghost(n64), c10::IValue(request.virial)}).toGenericDict();
    result.energy = required(output, "total_energy_local", path_).sum().item<double>();
    if (request.per_atom_energy) {
      const torch::Tensor e = required(output, "node_energy", path_).reshape({-1});
      result.per_atom_energy.assign(e.data_ptr<double>(), e.data_ptr<double>() + n);
    }
    if (request.forces) {
      const torch::Tensor f = required(output, "forces", path_);
      const double* p = f.data_ptr<double>();
      result.forces.resize(n);
      for (std::size_t i = 0; i < n; ++i) result.forces[i] = core::Vec3(p[3 * i], p[3 * i + 1], p[3 * i + 2]);
    }
    if (request.virial) {
      // virials [1,3,3] = -∂E/∂D for row-vector positions r -> r (1 + D_sym): the transpose of our
      // column-vector W = -∂E/∂ε (and symmetric anyway).
      const torch::Tensor v = required(output, "virials", path_).reshape({3, 3});
      const double* p = v.data_ptr<double>();
      for (int a = 0; a < 3; ++a) {
        for (int b = 0; b < 3; ++b) result.virial(a, b) = p[3 * b + a];
      }
    }
  } catch (const c10::Error& e) {
    throw BackendError("libtorch", "evaluating MACE model '" + path_ + "': " + first_line(e.what_without_backtrace()));
  }
}

double MacePotential::energy(const core::System& system, const core::NeighborList& neighbors) {
  ForceResult scratch;
  compute(system, neighbors, ForceRequest{false, false, false}, scratch);
  return scratch.energy;
}

std::string MacePotential::fingerprint() const {
  // Empty (nothing cached) if the model came without a content hash.
  return sha256_.empty() ? std::string() : name() + " sha256=" + sha256_;
}

}  // namespace ioncycle::potentials
