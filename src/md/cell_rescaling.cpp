// SPDX-License-Identifier: MIT
#include "md/cell_rescaling.hpp"

#include <cmath>

#include "core/error.hpp"
#include "core/units.hpp"
#include "md/pressure.hpp"
#include "md/state_fields.hpp"

namespace ioncycle::md {

namespace {
constexpr const char* axis_names = "xyz";
}  // namespace

std::string AxisGroup::name() const {
  std::string out;
  for (int a = 0; a < 3; ++a) {
    if (axes[static_cast<std::size_t>(a)]) out += axis_names[a];
  }
  return out;
}

int AxisGroup::size() const {
  return static_cast<int>(axes[0]) + static_cast<int>(axes[1]) + static_cast<int>(axes[2]);
}

StochasticCellRescaling::StochasticCellRescaling(CellRescalingParams params, std::uint64_t seed)
    : params_(std::move(params)), rng_(seed, rng_stream) {
  if (params_.groups.empty()) {
    throw InputError("the barostat controls no axis", "couple at least one of x, y, z");
  }
  std::array<bool, 3> used{false, false, false};
  for (const auto& group : params_.groups) {
    if (group.size() == 0) throw InputError("a barostat coupling group has no axis");
    for (std::size_t a = 0; a < 3; ++a) {
      if (group.axes[a] && used[a]) {
        throw InputError(std::string("axis ") + axis_names[a] + " is in two barostat coupling groups");
      }
      used[a] = used[a] || group.axes[a];
    }
    if (!std::isfinite(group.pressure)) throw InputError("the barostat's target pressure is not finite");
  }
  if (!(params_.damping > 0.0) || !std::isfinite(params_.damping)) {
    throw InputError("the barostat damping time must be positive");
  }
  if (!(params_.compressibility > 0.0) || !std::isfinite(params_.compressibility)) {
    throw InputError("the barostat compressibility must be positive");
  }
}

void StochasticCellRescaling::check(const core::System& system) const {
  const auto& cell = system.cell();
  for (const auto& group : params_.groups) {
    for (int a = 0; a < 3; ++a) {
      if (group.axes[static_cast<std::size_t>(a)] && !cell.periodic(a)) {
        throw InputError(std::string("the barostat controls axis ") + axis_names[a] +
                             ", which is not periodic",
                         std::string("list it in the barostat's 'fixed' axes, e.g. fixed = [\"") +
                             axis_names[a] + "\"]");
      }
    }
  }
  if (!(cell.volume() > 0.0)) throw InputError("the barostat needs a cell with a volume");
}

void StochasticCellRescaling::apply(core::System& system, const core::Mat3& virial, double dt,
                                    double temperature) {
  const double volume = system.cell().volume();
  const double kt = units::boltzmann * temperature;
  const core::Mat3 kin = kinetic_tensor(system);  // Σ m v⊗v, eV
  const double beta = params_.compressibility;
  const double tau = params_.damping;

  // Stochastic cell rescaling in the logarithm of the volume (Bernetti & Bussi 2020, the
  // Euler–Maruyama form of their ε = log V equation):
  //     dε = -(β_T/τ_p) (P0 - P_int) dt + sqrt(2 k_B T β_T / (V τ_p)) dW,
  // with P_int the instantaneous pressure including the kinetic part; velocities are scaled by
  // the inverse of the position factor, which is why the kinetic energy enters P_int and no
  // k_B T / V correction remains in this (Itô) form.
  //
  // Per group g of d_g axes with common log-stretch u_g (each axis a∈g: L_a ∝ e^{u_g}) we take
  // ε_g = d_g u_g, so Σ_g ε_g = log V + const. The force conjugate to ε_g is
  // -∂(H + P0 V)/∂ε_g = V (P_g - P0_g) with P_g the mean diagonal pressure of the group. With the
  // mobility M_g = d_g β_T / (3 τ_p V) (each axis relaxes as an isotropic cell would; isotropic
  // coupling, d_g = 3, is exactly the 2020 scheme) and the measure dε · V (flat in V along every
  // group, as for the isotropic ensemble), the Fokker–Planck equation has the NPT density as its
  // stationary solution when
  //     dε_g = -(d_g β_T / (3 τ_p)) (P0_g - P_g) dt + sqrt(2 d_g k_B T β_T dt / (3 τ_p V)) ξ_g:
  // the Itô drift of the state-dependent mobility, k_B T ∂M/∂ε = -k_B T M, cancels the k_B T
  // term from the measure. Unequal targets in different groups have no enthalpy function; each
  // group is then driven to its own target, as LAMMPS does for px, py, pz.
  std::array<double, 3> mu{1.0, 1.0, 1.0};
  for (const auto& group : params_.groups) {
    const int d = group.size();
    double p_group = 0.0;
    for (int a = 0; a < 3; ++a) {
      if (group.axes[static_cast<std::size_t>(a)]) p_group += kin(a, a) + virial(a, a);
    }
    p_group /= static_cast<double>(d) * volume;
    const double mobility = static_cast<double>(d) * beta / (3.0 * tau);  // M_g · V
    const double deterministic = -mobility * (group.pressure - p_group) * dt;
    const double stochastic = std::sqrt(2.0 * mobility * kt * dt / volume) * rng_.normal();
    const double scale = std::exp((deterministic + stochastic) / static_cast<double>(d));
    for (std::size_t a = 0; a < 3; ++a) {
      if (group.axes[a]) mu[a] = scale;
    }
  }

  const core::Vec3 mu_vec(mu[0], mu[1], mu[2]);
  const core::Vec3 inv_mu = mu_vec.cwiseInverse();
  core::Mat3 h = system.cell().matrix();
  for (int row = 0; row < 3; ++row) h.row(row) = h.row(row).cwiseProduct(mu_vec.transpose());
  system.set_cell(core::Cell(h, system.cell().pbc()));
  for (auto& x : system.positions()) x = x.cwiseProduct(mu_vec);
  for (auto& v : system.velocities()) v = v.cwiseProduct(inv_mu);

  // Bookkeeping: ΔK exactly (each velocity component scales by 1/μ_a); ΔU from the virial,
  // W_aa = -∂U/∂ln L_a, here with the virial before the scaling and completed by finish_step().
  double delta_kinetic = 0.0;
  double delta_potential = 0.0;
  for (int a = 0; a < 3; ++a) {
    const double m = mu[static_cast<std::size_t>(a)];
    delta_kinetic += 0.5 * kin(a, a) * (1.0 / (m * m) - 1.0);
    delta_potential -= virial(a, a) * std::log(m);
  }
  exchanged_ -= delta_kinetic + delta_potential;
  has_pending_ = true;
  pending_log_mu_ = mu_vec.array().log().matrix();
  pending_virial_ = virial;
}

void StochasticCellRescaling::finish_step(const core::Mat3& virial_after) {
  if (!has_pending_) return;
  // Trapezoid: ΔU ≈ -Σ_a ½ (W_aa + W'_aa) ln μ_a; apply() counted -Σ_a W_aa ln μ_a.
  double correction = 0.0;
  for (int a = 0; a < 3; ++a) {
    correction -= 0.5 * (virial_after(a, a) - pending_virial_(a, a)) * pending_log_mu_[a];
  }
  exchanged_ -= correction;
  has_pending_ = false;
}

void StochasticCellRescaling::save(IntegratorState& state) const {
  IONCYCLE_ASSERT(!has_pending_, "barostat state saved between apply() and finish_step()");
  state.values["barostat.exchanged"] = {exchanged_};
  state.rngs["barostat"] = rng_.save();
}

void StochasticCellRescaling::restore(const IntegratorState& state, const std::string& integrator) {
  exchanged_ = detail::state_value(state, "barostat.exchanged", integrator);
  rng_.restore(detail::state_rng(state, "barostat", integrator));
}

}  // namespace ioncycle::md
