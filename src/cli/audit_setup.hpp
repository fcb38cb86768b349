// SPDX-License-Identifier: MIT
//
// `audit = { ... }` in the [potential] table of `ioncycle md` and `ioncycle run`
// (distill/audit.hpp): read it and build its teacher while the configuration is checked, so that
// a mistake in it stops the run before anything is written, and report it in summary.json.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "distill/audit.hpp"
#include "md/simulation.hpp"
#include "potentials/potential.hpp"

namespace ioncycle::cli {

struct AuditPlan {
  distill::AuditSettings settings;
  std::unique_ptr<potentials::Potential> teacher;
  std::int64_t every_steps = 0;  ///< `every` in MD steps, set once the time step is known
};

/// Read `audit` of `potential_table` (call before make_potential, which rejects unknown keys)
/// and build its teacher for the structure's elements `zs`; nullopt without `audit`. Located
/// InputErrors for bad keys, a bad teacher spec, or a teacher lacking an element.
[[nodiscard]] std::optional<AuditPlan> plan_audit(const core::ConfigTable& potential_table, const std::string& base_dir,
                                                  const std::vector<int>& zs);

/// "audit       against lj every 40 fs, force_rmse_max 0.15 eV/A (warn)" for the run's head.
[[nodiscard]] std::string audit_line(const AuditPlan& plan, double timestep_fs);

/// The Audit of `plan` (its teacher moved in) observing `sim` every plan.every_steps, writing into
/// `directory`, continued from `resume_step` (see distill/audit.hpp); nullptr without a plan.
[[nodiscard]] std::unique_ptr<distill::Audit> attach_audit(std::optional<AuditPlan>& plan, md::Simulation& sim,
                                                           potentials::Potential& student,
                                                           const std::string& directory, std::ostream& log,
                                                           std::int64_t resume_step = -1);

/// The "audit" section of summary.json.
[[nodiscard]] nlohmann::json audit_summary(const distill::Audit& audit, double timestep_fs);

}  // namespace ioncycle::cli
