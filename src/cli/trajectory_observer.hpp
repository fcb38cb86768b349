// SPDX-License-Identifier: MIT
//
// The MD loop's trajectory output: an Observer that appends an H5MD frame (positions, box,
// species, ids, optionally velocities and forces) with the thermodynamic observables of the
// step. It lives in cli because md must not depend on io (the layers point one way).
#pragma once

#include <string>

#include "io/h5md_writer.hpp"
#include "md/observer.hpp"

namespace ioncycle::cli {

class TrajectoryObserver final : public md::Observer {
 public:
  TrajectoryObserver(const std::string& path, bool velocities, bool forces);
  void observe(const md::StepInfo& info, const core::System& system) override;
  void finish() override;

 private:
  io::H5mdWriter writer_;
};

}  // namespace ioncycle::cli
