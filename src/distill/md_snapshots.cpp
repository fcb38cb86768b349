// SPDX-License-Identifier: MIT
#include "distill/md_snapshots.hpp"

#include <cmath>
#include <memory>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "distill/sampling.hpp"
#include "md/langevin.hpp"
#include "md/observer.hpp"
#include "md/simulation.hpp"
#include "md/velocities.hpp"

namespace ioncycle::distill {

namespace {

class SnapshotTaker final : public md::Observer {
 public:
  SnapshotTaker(std::vector<io::Frame>& out, std::string category, std::string origin)
      : out_(out), category_(std::move(category)), origin_(std::move(origin)) {}
  void observe(const md::StepInfo& info, const core::System& system) override {
    if (info.step == 0) return;
    bool finite = true;
    for (const auto& r : system.positions()) finite = finite && r.allFinite();
    if (!finite) return;
    out_.push_back(tagged(system, category_, origin_ + ", step " + std::to_string(info.step)));
  }

 private:
  std::vector<io::Frame>& out_;
  std::string category_;
  std::string origin_;
};

}  // namespace

Snapshots md_snapshots(const std::vector<io::Frame>& starts, potentials::Potential& potential,
                       const SnapshotSettings& settings) {
  Snapshots result;
  if (settings.frames <= 0 || settings.steps <= 0) return result;
  const std::int64_t every = std::max<std::int64_t>(1, settings.steps / settings.frames);
  std::uint64_t stream = 0;
  for (const io::Frame& start : starts) {
    const auto origin_it = start.info.find("origin");
    const std::string origin =
        origin_it == start.info.end() ? std::string("frame") : std::get<std::string>(origin_it->second);
    for (const double temperature : settings.temperatures) {
      ++result.trajectories;
      core::System system = start.system;
      core::Rng rng(settings.seed, stream++);
      md::assign_maxwell_boltzmann(system, temperature, rng);
      md::LangevinParams params;
      params.timestep = settings.timestep;
      params.temperature = temperature;
      params.damping = 100.0;
      params.seed = rng.next_u64();
      const std::string where = origin + ", " + std::to_string(static_cast<int>(std::lround(temperature))) + " K MD";
      SnapshotTaker taker(result.frames, category_of(start), where);
      try {
        md::Simulation sim(system, potential, std::make_unique<md::Langevin>(params), 1.0);
        sim.add_observer(taker, every);
        (void)sim.run(every * settings.frames);
        sim.finish();
      } catch (const SimulationError& e) {
        if (result.failed++ == 0) result.first_failure = where + ": " + e.what();
      }
    }
  }
  return result;
}

}  // namespace ioncycle::distill
