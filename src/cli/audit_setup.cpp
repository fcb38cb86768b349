// SPDX-License-Identifier: MIT
#include "cli/audit_setup.hpp"

#include "core/elements.hpp"
#include "core/error.hpp"
#include "core/strings.hpp"
#include "core/units.hpp"
#include "potentials/potential_spec.hpp"

namespace ioncycle::cli {

std::optional<AuditPlan> plan_audit(const core::ConfigTable& potential_table, const std::string& base_dir,
                                    const std::vector<int>& zs) {
  const auto table = potential_table.optional_table("audit");
  if (!table) return std::nullopt;
  AuditPlan plan;
  plan.settings = distill::parse_audit(*table);
  potentials::SpecContext context;
  context.base_dir = base_dir;
  context.structure_elements = zs;
  context.where = table->location_of("teacher");
  context.quoted = table->has("teacher");
  plan.teacher = potentials::make_potential_from_spec(plan.settings.teacher, context);
  for (const int z : zs) {
    if (!plan.teacher->supports(z)) {
      throw table->error_at("teacher", "the audit's teacher has no parameters for " + std::string(core::symbol(z)) +
                                           ", which the structure contains",
                            "it supports: " + plan.teacher->supported_species());
    }
  }
  return plan;
}

std::string audit_line(const AuditPlan& plan, double timestep_fs) {
  return "audit       against " + plan.teacher->name() + " every " +
         units::format_quantity(static_cast<double>(plan.every_steps) * timestep_fs, units::Dimension::time) +
         ", force_rmse_max " + core::format_double(plan.settings.force_rmse_max) + " eV/A (" +
         (plan.settings.stop_on_exceed ? "stop" : "warn") + ")\n";
}

std::unique_ptr<distill::Audit> attach_audit(std::optional<AuditPlan>& plan, md::Simulation& sim,
                                             potentials::Potential& student, const std::string& directory,
                                             std::ostream& log, std::int64_t resume_step) {
  if (!plan) return nullptr;
  auto audit = std::make_unique<distill::Audit>(student, std::move(plan->teacher), plan->settings, plan->every_steps,
                                                directory, log, resume_step);
  sim.add_observer(*audit, plan->every_steps);
  return audit;
}

nlohmann::json audit_summary(const distill::Audit& audit, double timestep_fs) {
  const auto& s = audit.summary();
  const auto& settings = audit.settings();
  nlohmann::json j;
  j["teacher"] = settings.teacher;
  j["every_fs"] = static_cast<double>(audit.every_steps()) * timestep_fs;
  j["every_steps"] = audit.every_steps();
  j["force_rmse_max_eV_per_A"] = settings.force_rmse_max;
  j["on_exceed"] = settings.stop_on_exceed ? "stop" : "warn";
  j["checks"] = s.checks;
  j["exceeded"] = s.exceeded;
  j["first_exceeded_step"] = s.first_exceeded_step ? nlohmann::json(*s.first_exceeded_step) : nlohmann::json(nullptr);
  j["mean_force_rmse_eV_per_A"] = s.mean_force_rmse;
  j["worst_force_rmse_eV_per_A"] = s.worst_force_rmse;
  j["worst_step"] = s.worst_step;
  j["max_energy_error_meV_per_atom"] = s.max_energy_error;
  j["files"] = {"audit.csv", "audit_frames.extxyz"};
  return j;
}

}  // namespace ioncycle::cli
