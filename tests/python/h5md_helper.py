# SPDX-License-Identifier: MIT
"""Independent checks of ioncycle's H5MD files, run by tests/unit/io/test_h5md.cpp.

    h5md_helper.py layout FILE EXPECTED.json       h5py: groups, attributes, shapes, values
    h5md_helper.py mdanalysis FILE EXPECTED.json [FILE EXPECTED.json ...] [--refuses-ev FILE]
                                                   MDAnalysis reads the positions we wrote, and
                                                   (2.11) refuses a file with eV-based forces
    h5md_helper.py make-files DIR                  malformed H5MD files for the error tests, and
                                                   foreign.h5, a valid file in another program's style

EXPECTED.json is written by the C++ test: per frame the step, time (fs), cell rows, pbc, and
per atom id, atomic number, position (Å), velocity (Å/fs) and force (eV/Å) in System order.
Each check prints one line per problem and exits 1, or prints "ok" and exits 0.
"""
import json
import sys

import h5py
import numpy as np

problems = []


def expect(condition, message):
    if not condition:
        problems.append(message)


def finish():
    if problems:
        for p in problems:
            print("FAIL:", p)
        sys.exit(1)
    print("ok")
    sys.exit(0)


def text(value):
    """An attribute string as str, whether h5py returns it as str (variable-length) or bytes."""
    return value.decode("ascii") if isinstance(value, (bytes, np.bytes_)) else str(value)


def check_layout(path, expected_path):
    with open(expected_path) as f:
        exp = json.load(f)
    frames = exp["frames"]
    group = exp["group"]
    n_frames = len(frames)
    slots = max(len(fr["ids"]) for fr in frames)
    with h5py.File(path, "r") as f:
        # h5md metadata (H5MD 1.1 "H5MD metadata").
        expect(list(f["h5md"].attrs["version"]) == [1, 1], "h5md version is not [1, 1]")
        expect(text(f["h5md/author"].attrs["name"]) == exp["author"], "h5md/author name")
        expect(text(f["h5md/creator"].attrs["name"]) == "ioncycle", "h5md/creator name")
        expect(len(text(f["h5md/creator"].attrs["version"])) > 0, "h5md/creator version is empty")
        g = f["particles"][group]

        box = g["box"]
        expect(int(box.attrs["dimension"]) == 3, "box dimension")
        boundary = [text(b) for b in box.attrs["boundary"]]
        want = ["periodic" if p else "none" for p in frames[0]["pbc"]]
        expect(boundary == want, f"box boundary {boundary} != {want}")
        edges = box["edges/value"]
        expect(edges.shape == (n_frames, 3, 3), f"box/edges/value shape {edges.shape}")
        expect(text(edges.attrs["unit"]) == "Angstrom", "box edges unit")

        pos = g["position"]
        expect(pos["value"].shape == (n_frames, slots, 3), f"position/value shape {pos['value'].shape}")
        expect(pos["value"].dtype == np.float64, "positions are not float64")
        expect(text(pos["value"].attrs["unit"]) == "Angstrom", "position unit")
        expect(text(pos["time"].attrs["unit"]) == "fs", "time unit")
        expect(pos["value"].compression == "gzip", "positions are not gzip-compressed")
        expect(pos["value"].maxshape[0] is None and pos["value"].maxshape[1] is None,
               "position/value is not extensible in frames and atoms")
        expect(list(pos["step"][:]) == [fr["step"] for fr in frames], "position/step")
        expect(np.allclose(pos["time"][:], [fr["time"] for fr in frames], rtol=0, atol=0),
               "position/time")
        expect(g["species/value"].shape == (n_frames, slots), "species/value shape")
        expect(g["id/value"].shape == (n_frames, slots), "id/value shape")
        expect(g["id/value"].fillvalue == -1, "id fill value is not -1")

        # Elements sampled with position share its step and time (hard links).
        shared = ["species", "id", "box/edges"] + [e for e in ("velocity", "force") if e in g]
        for name in shared:
            for axis in ("step", "time"):
                expect(g[name][axis].id == pos[axis].id, f"{name}/{axis} is not position/{axis}")
        count = f["observables"][group]["particle_number"]
        expect(count["step"].id == pos["step"].id, "particle_number/step is not position/step")
        expect(list(count["value"][:]) == [len(fr["ids"]) for fr in frames], "particle_number values")

        has_vel = "velocities" in frames[0]
        expect(("velocity" in g) == has_vel, "velocity element presence")
        if has_vel:
            expect(text(g["velocity/value"].attrs["unit"]) == "Angstrom fs-1", "velocity unit")
        has_force = "forces" in frames[0]
        expect(("force" in g) == has_force, "force element presence")
        if has_force:
            expect(text(g["force/value"].attrs["unit"]) == "eV Angstrom-1", "force unit")

        for k, fr in enumerate(frames):
            n = len(fr["ids"])
            expect(np.array_equal(edges[k], np.array(fr["cell"])), f"frame {k}: box edges")
            expect(list(g["id/value"][k, :n]) == fr["ids"], f"frame {k}: ids")
            expect(np.all(g["id/value"][k, n:] == -1), f"frame {k}: empty slots' ids are not -1")
            expect(list(g["species/value"][k, :n]) == fr["species"], f"frame {k}: species")
            expect(np.all(g["species/value"][k, n:] == -1), f"frame {k}: empty slots' species")
            p = pos["value"][k]
            expect(np.array_equal(p[:n], np.array(fr["positions"]).reshape(n, 3)), f"frame {k}: positions")
            expect(np.all(np.isnan(p[n:])), f"frame {k}: empty slots' positions are not NaN")
            if has_vel:
                v = g["velocity/value"][k]
                expect(np.array_equal(v[:n], np.array(fr["velocities"]).reshape(n, 3)), f"frame {k}: velocities")
            if has_force:
                fo = g["force/value"][k]
                expect(np.array_equal(fo[:n], np.array(fr["forces"]).reshape(n, 3)), f"frame {k}: forces")

        for name, obs in exp["observables"].items():
            o = f["observables"][name]
            expect(list(o["step"][:]) == obs["steps"], f"observable {name}: steps")
            values = np.array(obs["values"], dtype=float)
            stored = o["value"][:]
            expect(stored.shape == tuple([len(obs["steps"])] + obs["shape"]), f"observable {name}: shape {stored.shape}")
            expect(np.array_equal(stored.reshape(values.shape), values), f"observable {name}: values")
            if obs["unit"]:
                expect(text(o["value"].attrs["unit"]) == obs["unit"], f"observable {name}: unit")
    finish()


def check_mdanalysis(path, expected_path):
    import MDAnalysis as mda
    from MDAnalysis.lib.mdamath import triclinic_vectors

    with open(expected_path) as f:
        exp = json.load(f)
    frames = exp["frames"]
    n = len(frames[0]["ids"])
    if path.endswith(".h5md") and exp["group"] == "trajectory":
        # MDAnalysis builds a topology by itself only for this name and extension.
        u = mda.Universe(path)
    else:
        u = mda.Universe.empty(n, trajectory=False)
        u.load_new(path, format="H5MD")
    traj = u.trajectory
    expect(traj.n_frames == len(frames), f"MDAnalysis sees {traj.n_frames} frames, not {len(frames)}")
    expect(u.atoms.n_atoms == n, f"MDAnalysis sees {u.atoms.n_atoms} atoms, not {n}")
    expect(traj.units["length"] == "Angstrom", f"length unit {traj.units['length']}")
    expect(traj.units["time"] == "fs", f"time unit {traj.units['time']}")
    for k, ts in enumerate(traj):
        fr = frames[k]
        want = np.array(fr["positions"]).reshape(n, 3)
        # MDAnalysis keeps coordinates in float32: agreement to float32 rounding.
        err = np.max(np.abs(ts.positions - want))
        expect(err < 1e-5, f"frame {k}: positions differ by {err} A")
        expect(int(ts.data["step"]) == fr["step"], f"frame {k}: step {ts.data['step']}")
        expect(abs(ts.time - fr["time"] / 1000.0) < 1e-9, f"frame {k}: time {ts.time} ps")
        box = triclinic_vectors(ts.dimensions)
        err = np.max(np.abs(box - np.array(fr["cell"])))
        expect(err < 1e-4, f"frame {k}: box differs by {err} A")
        if "velocities" in fr:
            v = np.array(fr["velocities"]).reshape(n, 3) * 1000.0  # MDAnalysis: A/ps
            err = np.max(np.abs(ts.velocities - v) / (np.abs(v) + 1.0))
            expect(err < 1e-5, f"frame {k}: velocities differ by {err} (relative)")
        if "forces" in fr:
            kj_per_mol_per_ev = 1.602176634e-19 * 6.02214076e23 / 1000.0
            fo = np.array(fr["forces"]).reshape(n, 3) * kj_per_mol_per_ev  # MDAnalysis: kJ/(mol A)
            err = np.max(np.abs(ts.forces - fo) / (np.abs(fo) + 1.0))
            expect(err < 1e-5, f"frame {k}: forces differ by {err} (relative)")
        expect(abs(float(ts.data["potential_energy"]) - fr["potential_energy"]) < 1e-12,
               f"frame {k}: observable potential_energy")


def check_mda_refuses_ev(path):
    import MDAnalysis as mda

    with h5py.File(path, "r") as f:
        n = f["particles/all/position/value"].shape[1]
    u = mda.Universe.empty(n, trajectory=False)
    try:
        u.load_new(path, format="H5MD")
    except RuntimeError as e:
        expect("eV Angstrom-1" in str(e), f"unexpected message: {e}")
        return
    problems.append("MDAnalysis opened a file with forces in eV/A; docs/formats.md says it cannot")


def check_all_mdanalysis(args):
    import warnings

    warnings.simplefilter("ignore")  # MDAnalysis warns that it has no masses or types to guess
    if "--refuses-ev" in args:
        i = args.index("--refuses-ev")
        check_mda_refuses_ev(args[i + 1])
        args = args[:i] + args[i + 2:]
    for path, expected in zip(args[0::2], args[1::2]):
        before = len(problems)
        check_mdanalysis(path, expected)
        problems[before:] = [f"{path}: {p}" for p in problems[before:]]
    finish()


def make_files(directory):
    """One malformed file per case (the C++ test expects an InputError mentioning the problem),
    and foreign.h5: valid H5MD as another program might write it."""

    def base(f, n_frames=2, n=3):
        f.create_group("h5md").attrs["version"] = np.array([1, 1], dtype=np.int32)
        g = f.create_group("particles/all")
        box = g.create_group("box")
        box.attrs["dimension"] = 3
        box.attrs["boundary"] = np.array([b"periodic"] * 3)
        e = box.create_group("edges")
        e["value"] = np.tile(np.eye(3) * 10.0, (n_frames, 1, 1))
        pos = g.create_group("position")
        pos["step"] = np.arange(n_frames, dtype=np.int64)
        pos["time"] = np.arange(n_frames, dtype=np.float64)
        pos["value"] = np.ones((n_frames, n, 3))
        e["step"] = pos["step"]
        sp = g.create_group("species")
        sp["step"] = pos["step"]
        sp["value"] = np.full((n_frames, n), 6, dtype=np.int32)
        ids = g.create_group("id")
        ids["step"] = pos["step"]
        ids["value"] = np.tile(np.arange(n, dtype=np.int64), (n_frames, 1))
        return g

    with h5py.File(f"{directory}/no_h5md_group.h5", "w") as f:
        f["particles/all/position/value"] = np.zeros((1, 1, 3))
    with h5py.File(f"{directory}/no_particles.h5", "w") as f:
        f.create_group("h5md").attrs["version"] = np.array([1, 1], dtype=np.int32)
    with h5py.File(f"{directory}/no_species.h5", "w") as f:
        del base(f)["species"]
    with h5py.File(f"{directory}/no_box.h5", "w") as f:
        del base(f)["box"]
    with h5py.File(f"{directory}/position_shape.h5", "w") as f:
        g = base(f)
        del g["position/value"]
        g["position/value"] = np.ones((2, 3, 2))
    with h5py.File(f"{directory}/species_width.h5", "w") as f:
        g = base(f)
        del g["species/value"]
        g["species/value"] = np.full((2, 3, 2), 6, dtype=np.int32)
    with h5py.File(f"{directory}/bad_unit.h5", "w") as f:
        base(f)["position/value"].attrs["unit"] = "furlong"
    with h5py.File(f"{directory}/bad_species.h5", "w") as f:
        g = base(f, n_frames=3)
        g["species/value"][0, 1] = 0  # atom id 1 of frame 0 has no element
    with h5py.File(f"{directory}/bad_count.h5", "w") as f:
        base(f, n_frames=3)
        c = f.create_group("observables/all/particle_number")
        c["step"] = f["particles/all/position/step"]
        c["value"] = np.array([3, 2, 3], dtype=np.int64)  # frame 1 claims 2 atoms, 3 have ids
    with h5py.File(f"{directory}/bad_boundary.h5", "w") as f:
        base(f)
        f["particles/all/box"].attrs["boundary"] = np.array([b"periodic", b"wall", b"none"])
    with h5py.File(f"{directory}/version_2.h5", "w") as f:
        base(f)
        f["h5md"].attrs["version"] = np.array([2, 0], dtype=np.int32)
    with h5py.File(f"{directory}/two_groups.h5", "w") as f:
        base(f)
        f.move("particles/all", "particles/left")
        f.copy("particles/left", "particles/right")

    # Valid, but unlike ioncycle's files: float32 positions in nm, velocities in nm/ps,
    # fixed-increment step and time (ps) with offsets, time-independent species, no id, and a
    # fixed cuboid box given as its diagonal in nm. 3 frames of 2 atoms.
    with h5py.File(f"{directory}/foreign.h5", "w") as f:
        f.create_group("h5md").attrs["version"] = np.array([1, 0], dtype=np.int32)
        g = f.create_group("particles/atoms")
        box = g.create_group("box")
        box.attrs["dimension"] = 3
        box.attrs["boundary"] = ["periodic", "periodic", "none"]  # variable-length strings
        box["edges"] = np.array([2.0, 3.0, 4.0])
        box["edges"].attrs["unit"] = "nm"
        pos = g.create_group("position")
        pos["step"] = np.int64(50)
        pos["step"].attrs["offset"] = np.int64(1000)
        pos["time"] = 0.1
        pos["time"].attrs["offset"] = 2.0
        pos["time"].attrs["unit"] = "ps"
        k = np.arange(3, dtype=np.float32)[:, None, None]
        pos["value"] = (np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]], dtype=np.float32) + 0.01 * k).astype(np.float32)
        pos["value"].attrs["unit"] = "nm"
        vel = g.create_group("velocity")
        vel["step"] = pos["step"]
        vel["time"] = pos["time"]
        vel["value"] = np.full((3, 2, 3), 2.5) * (1.0 + k)
        vel["value"].attrs["unit"] = "nm ps-1"
        g["species"] = np.array([3, 8], dtype=np.int32)
    print("ok")


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "layout":
        check_layout(sys.argv[2], sys.argv[3])
    elif command == "mdanalysis":
        check_all_mdanalysis(sys.argv[2:])
    elif command == "make-files":
        make_files(sys.argv[2])
    else:
        sys.exit(f"unknown command {command}")
