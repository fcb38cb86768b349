// SPDX-License-Identifier: MIT
#include "potentials/torchscript_potential.hpp"

#include <torch/csrc/autograd/autograd.h>
#include <torch/script.h>

#include <array>
#include <optional>
#include <sstream>

#include "core/elements.hpp"
#include "core/error.hpp"
#include "potentials/graph_edges.hpp"
#include "potentials/loaded_model.hpp"
#include "potentials/model_file.hpp"
#include "potentials/torch_support.hpp"

namespace ioncycle::potentials {

namespace {

// Real-valued inputs of one dtype; only the set matching the model's dtype is used. Vectors keep
// their capacity between calls.
template <class Real>
struct RealInputs {
  std::vector<Real> positions;  // [N, 3]
  std::vector<Real> shifts;     // [E, 3]
  std::array<Real, 9> cell{};   // rows a, b, c

  void fill(const core::System& system, const GraphEdges& edges) {
    const std::size_t n = system.num_atoms();
    const auto pos = system.positions();
    positions.resize(3 * n);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t a = 0; a < 3; ++a) positions[3 * i + a] = static_cast<Real>(pos[i][static_cast<int>(a)]);
    }
    const std::size_t num_edges = edges.size();
    shifts.resize(3 * num_edges);
    for (std::size_t e = 0; e < num_edges; ++e) {
      const core::Vec3& s = edges.shifts[edges.shift_id[e]];
      for (std::size_t a = 0; a < 3; ++a) shifts[3 * e + a] = static_cast<Real>(s[static_cast<int>(a)]);
    }
    const core::Mat3& h = system.cell().matrix();
    for (int r = 0; r < 3; ++r) {
      for (int c = 0; c < 3; ++c) cell[static_cast<std::size_t>(3 * r + c)] = static_cast<Real>(h(r, c));
    }
  }
};

std::string shape_of(const torch::Tensor& t) {
  std::ostringstream out;
  out << t.sizes();
  return out.str();
}

}  // namespace

struct TorchScriptPotential::Impl {
  torch::jit::Module module;
  torch::Device device = torch::kCPU;
  torch::ScalarType dtype = torch::kDouble;
  GraphEdges edges;
  std::vector<std::int64_t> atomic_numbers;
  RealInputs<double> f64;
  RealInputs<float> f32;

  [[nodiscard]] torch::Tensor on_device(torch::Tensor t) const { return device.is_cpu() ? t : t.to(device); }
  [[nodiscard]] torch::Tensor real(void* data, c10::IntArrayRef shape) const {
    return on_device(torch::from_blob(data, shape, torch::TensorOptions().dtype(dtype)));
  }
};

TorchScriptPotential::TorchScriptPotential(const std::string& path, const Options& options)
    : TorchScriptPotential(load_model(path, "torchscript", options.device), options) {}

TorchScriptPotential::TorchScriptPotential(LoadedModel&& loaded, const Options& options)
    : path_(loaded.info.path), sha256_(loaded.info.sha256), impl_(std::make_unique<Impl>()) {
  configure_torch_once();
  impl_->device = resolve_device(options.device, "torchscript");
  const std::string& path = path_;
  const ModelInfo& info = loaded.info;
  const SourceLocation where{path, 0, 0};
  cutoff_ = info.cutoff;
  dtype_ = info.dtype;
  elements_ = ModelElements(info.elements);
  impl_->dtype = dtype_ == "float32" ? torch::kFloat : torch::kDouble;
  try {
    impl_->module = std::move(loaded.module);
    impl_->module.eval();
    impl_->module.to(impl_->device);
    const auto forward = impl_->module.find_method("forward");
    if (!forward) throw InputError(where, "the TorchScript module has no forward method");
    const auto& args = forward->function().getSchema().arguments();  // self first
    if (args.size() != 6) {
      throw InputError(where,
                       "the model's forward takes " + std::to_string(args.size() - 1) +
                           " arguments; ioncycle calls forward(positions, cell, atomic_numbers, edge_index, shifts)",
                       "see docs/models.md, \"Your own TorchScript model\"");
    }
  } catch (const c10::Error& e) {
    throw BackendError("libtorch", "loading TorchScript model '" + path + "': " + first_line(e.what_without_backtrace()));
  }

  // Load-time check on one isolated atom (no edges): forward runs and returns "energy"; does it
  // return "atomic_energies"?
  const double box = 2.0 * cutoff_ + 10.0;
  core::System probe{core::Cell::orthorhombic(box, box, box)};
  core::AtomSpec atom;
  atom.z = core::atomic_number(elements_.symbols().front());
  atom.position = core::Vec3(0.5 * box, 0.5 * box, 0.5 * box);
  probe.add_atom(atom);
  has_atomic_energies_ = true;  // let evaluate() look for them
  ForceResult scratch;
  try {
    evaluate(probe, nullptr, ForceRequest{false, false, false}, scratch);
  } catch (const InputError&) {
    throw;
  } catch (const Error& e) {
    throw InputError(where,
                     "the model fails on one isolated atom of " + elements_.symbols().front() + ": " + e.what(),
                     "forward must accept a system without edges (E = 0)");
  }
}

TorchScriptPotential::~TorchScriptPotential() = default;

bool TorchScriptPotential::supports(int z) const { return elements_.supports(z); }

std::string TorchScriptPotential::supported_species() const { return elements_.list(); }

std::string TorchScriptPotential::device() const { return impl_->device.str(); }

void TorchScriptPotential::compute(const core::System& system, const core::NeighborList& neighbors,
                                   const ForceRequest& request, ForceResult& result) {
  if (request.per_atom_energy && !has_atomic_energies_) {
    throw InputError(SourceLocation{path_, 0, 0}, "this TorchScript model returns no 'atomic_energies'",
                     "per-atom energies need forward to return them next to 'energy'");
  }
  evaluate(system, &neighbors, request, result);
}

double TorchScriptPotential::energy(const core::System& system, const core::NeighborList& neighbors) {
  ForceResult scratch;
  evaluate(system, &neighbors, ForceRequest{false, false, false}, scratch);
  return scratch.energy;
}

void TorchScriptPotential::evaluate(const core::System& system, const core::NeighborList* neighbors,
                                    const ForceRequest& request, ForceResult& result) {
  Impl& m = *impl_;
  const std::size_t n = system.num_atoms();
  const auto zs = system.atomic_numbers();
  m.atomic_numbers.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    (void)elements_.require(zs[i], "torchscript", path_);
    m.atomic_numbers[i] = zs[i];
  }
  if (neighbors != nullptr) {
    m.edges.build(system, *neighbors, cutoff_, "torchscript");
  } else {
    m.edges.index.clear();
    m.edges.shift_id.clear();
  }
  const std::size_t num_edges = m.edges.size();
  num_edges_ = num_edges;
  void* positions_data = nullptr;
  void* shifts_data = nullptr;
  void* cell_data = nullptr;
  if (m.dtype == torch::kDouble) {
    m.f64.fill(system, m.edges);
    positions_data = m.f64.positions.data();
    shifts_data = m.f64.shifts.data();
    cell_data = m.f64.cell.data();
  } else {
    m.f32.fill(system, m.edges);
    positions_data = m.f32.positions.data();
    shifts_data = m.f32.shifts.data();
    cell_data = m.f32.cell.data();
  }
  const auto n64 = static_cast<std::int64_t>(n);
  const auto e64 = static_cast<std::int64_t>(num_edges);
  const bool want_grad = request.forces || request.virial;
  const SourceLocation where{path_, 0, 0};
  try {
    std::optional<torch::NoGradGuard> no_grad;
    if (!want_grad) no_grad.emplace();
    const auto long_opts = torch::TensorOptions().dtype(torch::kLong);
    torch::Tensor positions = m.real(positions_data, {n64, 3});
    torch::Tensor cell = m.real(cell_data, {3, 3});
    torch::Tensor shifts = m.real(shifts_data, {e64, 3});
    const torch::Tensor numbers = m.on_device(torch::from_blob(m.atomic_numbers.data(), {n64}, long_opts));
    const torch::Tensor edge_index = m.on_device(torch::from_blob(m.edges.index.data(), {2, e64}, long_opts));
    if (want_grad) positions.requires_grad_(true);
    std::vector<torch::Tensor> leaves{positions};
    torch::Tensor pos_in = positions;
    if (request.virial) {
      // Homogeneous strain of everything that carries a length: row vectors r -> r (1 + S), i.e.
      // column vectors r -> (1 + Sᵀ) r, so ε = Sᵀ and W = -∂E/∂ε = -(∂E/∂S)ᵀ.
      torch::Tensor strain = torch::zeros({3, 3}, torch::TensorOptions().dtype(m.dtype).device(m.device));
      strain.requires_grad_(true);
      leaves.push_back(strain);
      pos_in = positions + positions.matmul(strain);
      cell = cell + cell.matmul(strain);
      shifts = shifts + shifts.matmul(strain);
    }
    const c10::IValue out_value = m.module.forward({pos_in, cell, numbers, edge_index, shifts});
    if (!out_value.isGenericDict()) {
      throw InputError(where, "the model's forward must return a Dict[str, Tensor] (got " + out_value.tagKind() + ")");
    }
    const auto out = out_value.toGenericDict();
    const auto energy_it = out.find("energy");
    if (energy_it == out.end() || !energy_it->value().isTensor()) {
      throw InputError(where, "the model's forward returned no tensor 'energy'",
                       "return {\"energy\": E} with E the total energy in eV");
    }
    const torch::Tensor energy = energy_it->value().toTensor();
    if (energy.numel() != 1) {
      throw InputError(where, "the model's 'energy' must have one element (got shape " + shape_of(energy) + ")");
    }
    result.energy = energy.detach().to(torch::kCPU, torch::kDouble).item<double>();

    if (neighbors == nullptr) {  // the load-time probe: only which outputs exist
      has_atomic_energies_ = out.contains("atomic_energies");
    }
    if (request.per_atom_energy) {
      const auto it = out.find("atomic_energies");
      if (it == out.end() || !it->value().isTensor()) {
        throw InputError(where, "the model's forward returned no tensor 'atomic_energies'");
      }
      const torch::Tensor a = it->value().toTensor().detach().to(torch::kCPU, torch::kDouble).contiguous();
      if (a.numel() != n64) {
        throw InputError(where, "the model's 'atomic_energies' must have one value per atom (got shape " +
                                    shape_of(a) + " for " + std::to_string(n) + " atoms)");
      }
      result.per_atom_energy.assign(a.data_ptr<double>(), a.data_ptr<double>() + n);
    }
    if (!want_grad) return;
    if (!energy.requires_grad()) {  // an energy that depends on no input (e.g. no edges)
      if (request.forces) result.forces.assign(n, core::Vec3::Zero());
      if (request.virial) result.virial.setZero();
      return;
    }

    const auto grads = torch::autograd::grad({energy.sum()}, leaves, /*grad_outputs=*/{}, /*retain_graph=*/false,
                                             /*create_graph=*/false, /*allow_unused=*/true);
    if (request.forces) {
      result.forces.assign(n, core::Vec3::Zero());
      if (grads[0].defined()) {
        const torch::Tensor g = grads[0].detach().to(torch::kCPU, torch::kDouble).contiguous();
        const double* p = g.data_ptr<double>();
        for (std::size_t i = 0; i < n; ++i) result.forces[i] = -core::Vec3(p[3 * i], p[3 * i + 1], p[3 * i + 2]);
      }
    }
    if (request.virial) {
      result.virial.setZero();
      if (grads[1].defined()) {
        const torch::Tensor g = grads[1].detach().to(torch::kCPU, torch::kDouble).contiguous();
        const double* p = g.data_ptr<double>();
        for (int a = 0; a < 3; ++a) {
          for (int b = 0; b < 3; ++b) result.virial(a, b) = -p[3 * b + a];
        }
      }
    }
  } catch (const c10::Error& e) {
    throw BackendError("libtorch",
                       "evaluating TorchScript model '" + path_ + "': " + first_line(e.what_without_backtrace()));
  }
}

std::string TorchScriptPotential::fingerprint() const {
  // Empty (nothing cached) if the model came without a content hash.
  return sha256_.empty() ? std::string() : name() + " sha256=" + sha256_;
}

}  // namespace ioncycle::potentials
