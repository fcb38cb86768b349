// SPDX-License-Identifier: MIT
//
// Student-against-label errors (src/distill/label_errors.*): zero for the teacher itself, and the
// known values for a model that differs from the teacher by a constant per-atom energy, a constant
// force and a constant virial; frames without a label leave that quantity out.
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <memory>
#include <vector>

#include "core/error.hpp"
#include "distill_testing.hpp"
#include "core/units.hpp"
#include "distill/label_errors.hpp"
#include "distill/labels.hpp"
#include "potential_checks.hpp"
#include "potentials/lennard_jones.hpp"
#include "testing.hpp"

namespace t = ioncycle::testing;
using ioncycle::core::Mat3;
using ioncycle::core::System;
using ioncycle::core::Vec3;
using ioncycle::distill::FramePrediction;
using ioncycle::distill::label_errors;
using ioncycle::io::Frame;
using ioncycle::potentials::LennardJones;
using ioncycle::potentials::Potential;

namespace {

// The teacher plus c per atom in the energy, f0 on every atom and W0 in the virial.
class Offset final : public t::LiCTeacherWrapper {
 public:
  Offset(double c, Vec3 f0, Mat3 w0) : c_(c), f0_(f0), w0_(w0) {}
  void compute(const System& system, const ioncycle::core::NeighborList& neighbors,
               const ioncycle::potentials::ForceRequest& request,
               ioncycle::potentials::ForceResult& result) override {
    LiCTeacherWrapper::compute(system, neighbors, request, result);
    result.energy += c_ * static_cast<double>(system.num_atoms());
    if (request.forces) {
      for (auto& f : result.forces) f += f0_;
    }
    if (request.virial) result.virial += w0_;
  }

 private:
  double c_;
  Vec3 f0_;
  Mat3 w0_;
};

std::vector<Frame> labelled_frames(const std::string& dir) {
  std::vector<Frame> inputs;
  for (int k = 0; k < 5; ++k) {
    Frame f;
    f.system = t::random_structure({3, 6, 6}, 15 + k, t::random_triclinic_cell(230.0 + 20.0 * k, 60 + k), 1.9, 70 + k);
    inputs.push_back(std::move(f));
  }
  const std::string journal = dir + "/labels.extxyz";
  (void)ioncycle::distill::label_frames(inputs, [] { return std::make_unique<LennardJones>(t::li_c_teacher()); }, journal);
  return ioncycle::distill::read_labels(journal);
}

}  // namespace

TEST_CASE("label errors: zero for the teacher, the known offsets for a shifted model", "[unit][distill]") {
  const auto frames = labelled_frames(t::temp_dir("label_errors"));
  REQUIRE(frames.size() == 5);

  LennardJones same = t::li_c_teacher();
  std::vector<FramePrediction> rows;
  const auto zero = label_errors(same, frames, &rows);
  CHECK(zero.frames == 5);
  CHECK(zero.energy_frames == 5);
  CHECK(zero.stress_frames == 5);
  CHECK(zero.energy_rmse == 0.0);
  CHECK(zero.force_rmse == 0.0);
  CHECK(zero.force_max == 0.0);
  CHECK(zero.stress_rmse == Approx(0.0).margin(1e-12));
  REQUIRE(rows.size() == 5);
  for (const auto& r : rows) CHECK(r.energy_model == r.energy_label);

  const double c = 0.003;               // eV/atom
  const Vec3 f0(0.03, -0.04, 0.12);     // eV/Å, |f0| = 0.13
  Mat3 w0;
  w0 << 0.5, 0.1, 0.0, 0.1, -0.2, 0.3, 0.0, 0.3, 0.4;  // eV
  Offset model(c, f0, w0);
  const auto e = label_errors(model, frames, &rows);
  CHECK(e.energy_rmse == Approx(c).epsilon(1e-9));
  CHECK(e.force_rmse == Approx(0.13 / std::sqrt(3.0)).epsilon(1e-12));
  CHECK(e.force_max == Approx(0.13).epsilon(1e-12));
  // Stress offset -W0/V per frame over the six components xx yy zz yz xz xy.
  double sq = 0.0;
  const double components[6] = {w0(0, 0), w0(1, 1), w0(2, 2), w0(1, 2), w0(0, 2), w0(0, 1)};
  for (const auto& f : frames) {
    for (const double w : components) {
      const double d = w / f.system.cell().volume() * ioncycle::units::eV_per_A3_in_GPa;
      sq += d * d;
    }
  }
  CHECK(e.stress_rmse == Approx(std::sqrt(sq / 30.0)).epsilon(1e-9));
  for (const auto& r : rows) {
    CHECK(r.energy_model - r.energy_label == Approx(c * static_cast<double>(r.atoms)).epsilon(1e-9));
    CHECK(r.force_rmse == Approx(0.13 / std::sqrt(3.0)).epsilon(1e-12));
  }

  // Frames without labels leave their quantity out: no energy in frame 0, no forces in frame 1,
  // no stress in frame 2.
  auto partial = frames;
  partial[0].info.erase("energy");
  partial[1].has_forces = false;
  partial[2].info.erase("stress");
  const auto p = label_errors(model, partial);
  CHECK(p.frames == 5);
  CHECK(p.energy_frames == 4);
  CHECK(p.force_atoms == frames[0].system.num_atoms() + frames[2].system.num_atoms() +
                             frames[3].system.num_atoms() + frames[4].system.num_atoms());
  CHECK(p.stress_frames == 4);
  // No frames at all: NaN statistics, zero counts.
  const auto none = label_errors(model, std::vector<Frame>{});
  CHECK(none.frames == 0);
  CHECK(std::isnan(none.energy_rmse));
  CHECK(std::isnan(none.force_rmse));
  CHECK(std::isnan(none.stress_rmse));
}

TEST_CASE("label errors name the frame with an element the model lacks", "[unit][distill]") {
  auto frames = labelled_frames(t::temp_dir("label_errors_elements"));
  LennardJones lithium_only = LennardJones::single(3, 0.02, 2.6, 6.0, true);
  CHECK_THROWS_AS(label_errors(lithium_only, frames), ioncycle::InputError);
  CHECK_THROWS_WITH(label_errors(lithium_only, frames), Catch::Contains("frame 0") && Catch::Contains("C"));
}
