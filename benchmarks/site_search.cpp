// SPDX-License-Identifier: MIT
//
// Cost of finding an insertion site: SiteFinder::prepare() on the current configuration plus one
// valid candidate, per exchange event, on a graphite host of about 10,000 atoms (AB stacking,
// 25 x 25 hexagonal repeats, 8 layers, with 200 Li already in the galleries so that the distance
// test has ions to avoid too). The target (issue 6) is at most 50 ms per event. Every event
// jiggles the positions a little first, as MD would between events.
//
// Usage: bench_site_search [EVENTS=50] [SITES=galleries|edge|surface|anywhere]
// Prints one JSON object: num_atoms, site set, grid bins, and milliseconds per event (median and
// mean) for prepare, for sampling one candidate and for both.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "cycling/insertion_sites.hpp"
#include "defects/graphite.hpp"

using namespace ioncycle;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double mean(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size()); }

cycling::SiteSet parse_sites(const std::string& s) {
  if (s == "edge") return cycling::SiteSet::edge;
  if (s == "surface") return cycling::SiteSet::surface;
  if (s == "anywhere") return cycling::SiteSet::anywhere;
  return cycling::SiteSet::galleries;
}

}  // namespace

int main(int argc, char** argv) {
  const int events = argc > 1 ? std::max(1, std::atoi(argv[1])) : 50;
  const std::string sites = argc > 2 ? argv[2] : "galleries";

  defects::GraphiteParams p;
  p.repeat_a = 25;
  p.repeat_b = 25;
  p.num_layers = 8;
  if (sites == "edge") {
    p.edge = defects::EdgeType::armchair;
    p.cell = defects::PlaneCellShape::orthogonal;
    p.repeat_b = 13;  // orthogonal cells hold twice the atoms
  }
  if (sites == "surface") p.vacuum = 20.0;
  core::System system = defects::build_graphite(p);

  cycling::IonSettings ion;
  ion.z = 3;
  ion.min_distance = 1.5;
  ion.min_distance_to[6] = 1.6;
  cycling::InsertionSettings settings;
  settings.sites = parse_sites(sites);
  settings.max_tries = 1000;

  cycling::SiteFinder finder(ion);
  core::Rng rng(1);
  // Pre-fill: 200 Li from the finder itself.
  for (int i = 0; i < 200; ++i) {
    finder.prepare(system, settings);
    const auto c = finder.sample(rng);
    if (!c) break;
    core::AtomSpec li;
    li.z = 3;
    li.position = c->position;
    (void)system.add_atom(li);
  }

  std::vector<double> t_prepare, t_sample, t_total;
  int found = 0;
  for (int e = 0; e < events; ++e) {
    for (auto& r : system.positions()) r += core::Vec3(rng.uniform(-0.01, 0.01), rng.uniform(-0.01, 0.01), rng.uniform(-0.01, 0.01));
    const auto t0 = std::chrono::steady_clock::now();
    finder.prepare(system, settings);
    const auto t1 = std::chrono::steady_clock::now();
    const auto c = finder.sample(rng);
    const auto t2 = std::chrono::steady_clock::now();
    found += c ? 1 : 0;
    t_prepare.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    t_sample.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
    t_total.push_back(std::chrono::duration<double, std::milli>(t2 - t0).count());
  }
  std::printf(
      "{\"num_atoms\": %zu, \"sites\": \"%s\", \"grid_bins\": %zu, \"events\": %d, \"found\": %d, "
      "\"prepare_ms\": {\"median\": %.3f, \"mean\": %.3f}, \"sample_ms\": {\"median\": %.4f, \"mean\": %.4f}, "
      "\"event_ms\": {\"median\": %.3f, \"mean\": %.3f}, \"target_ms\": 50}\n",
      system.num_atoms(), sites.c_str(), finder.num_bins(), events, found, median(t_prepare), mean(t_prepare),
      median(t_sample), mean(t_sample), median(t_total), mean(t_total));
  return found == events ? 0 : 1;
}
