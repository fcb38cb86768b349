// SPDX-License-Identifier: MIT
//
// The [potential] table the run tests share: C–C a stiff nearest-neighbour bond only (graphene
// held by its bonds, layers free), Li–C and Li–Li soft LJ pairs. Not a physical model, a fast
// deterministic one, so that whole protocols run in seconds.
#pragma once

namespace ioncycle::testing {

inline constexpr const char* kGraphiteLjPotential = R"(
[potential]
type = "lj"
shift = true
[[potential.pair]]
elements = ["C", "C"]
epsilon = "0.3 eV"
sigma = "1.265 A"
cutoff = "1.9 A"
[[potential.pair]]
elements = ["Li", "C"]
epsilon = "0.02 eV"
sigma = "1.7 A"
cutoff = "5 A"
[[potential.pair]]
elements = ["Li", "Li"]
epsilon = "0.01 eV"
sigma = "2.2 A"
cutoff = "5 A"
)";

}  // namespace ioncycle::testing
