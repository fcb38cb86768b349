# SPDX-License-Identifier: MIT
"""Plots of a run's analysis tables (issue 7), for a paper or a quick look.

    .venv/bin/python python/plot_analysis.py RUNDIR [RUNDIR ...]
    .venv/bin/python python/plot_analysis.py --compare OUTDIR RUN1 RUN2 ...

The first form reads only the CSV tables in RUNDIR/analysis/, RUNDIR/voltage_profile.csv and
(optionally, for the run's name and ion) RUNDIR/summary.json, as `ioncycle analyze` writes them
(docs/formats.md), and writes PNG files into RUNDIR/plots/:

  staging_map.png     gallery x time heat map of occupancy; stage strip; state of charge
  stage.png           stage index against time and against state of charge
  spacing_vs_time.png interlayer spacing of every gallery against time
  spacing_vs_soc.png  mean spacing per state-of-charge bin (±1 standard error), frames behind
  stress_vs_time.png  normal stresses and pressure; shear stresses; half cycles shaded
  stress_vs_soc.png   normal stresses and pressure against state of charge, charge vs discharge
  msd.png             MSD against lag per segment, total / in-plane / normal
  voltage_vs_soc.png  voltage estimates per event and binned means, insertion vs removal
  asymmetry.png       charge vs discharge per cycle, one panel per quantity
  sliding.png         in-plane shift of every layer against time; registry map
  hops.png            cumulative ion hops against time, per kind
  audit.png           the student's force and energy errors against its teacher ([potential]
                      audit; only for runs with an audit.csv)

The second form puts runs side by side: OUTDIR/comparison.csv (from `ioncycle compare`) and
each run's tables give OUTDIR/plots/comparison.png, msd_compare.png, spacing_vs_soc_compare.png,
stress_vs_time_compare.png and voltage_vs_soc_compare.png. Run names are the directories'
basenames.

A plot whose table is missing, empty or malformed is skipped with one warning line on stderr;
the others are still drawn. Every written file is printed as "plot: PATH". The exit status is 0,
or 2 when nothing at all could be read (no analysis/ folder, no readable table).
"""
import argparse
import csv
import json
import math
import os
import re
import sys
import warnings

import numpy as np

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
from matplotlib.colors import BoundaryNorm, ListedColormap  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

PROG = "plot_analysis"
DPI = 120

# Colours shared by every plot, so a reader learns them once.
HALF_COLORS = {"charge": "tab:blue", "discharge": "tab:red", "other": "0.55"}
DIRECTION_COLORS = {"insertion": "tab:blue", "removal": "tab:red"}
SOC_LABEL = "state of charge x (fraction of capacity)"
TIME_LABEL = "time (ps)"


class Skip(Exception):
    """A plot cannot be drawn; the message says why (one line)."""


class TableError(Exception):
    """A table is missing, empty or malformed; the message says where and why."""


# ----------------------------------------------------------------------------------------------
# Reading tables


class Table:
    """The columns of one CSV table by name: numeric columns as float arrays, text as lists."""

    def __init__(self, label, columns, num_rows):
        self.label = label
        self.columns = columns
        self.num_rows = num_rows

    def __getitem__(self, name):
        return self.columns[name]

    def __len__(self):
        return self.num_rows


def parse_number(text):
    """A table cell as float: "nan" (any case) and "" are NaN; anything else must parse."""
    text = text.strip()
    if text == "":
        return math.nan
    return float(text)  # accepts nan, inf, 1e-3; raises ValueError otherwise


def read_rows(path, label):
    """The rows of the CSV file at `path`, header first; TableError when it is missing,
    unreadable or empty."""
    if not os.path.isfile(path):
        raise TableError(f"{label} not found")
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise TableError(f"{label} could not be read ({error})") from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise TableError(f"{label} is empty")
    return rows


def read_table(path, label, numeric=(), text=()):
    """Read the columns `numeric` (as floats) and `text` (as str) of the CSV file at `path`.

    Columns not asked for are ignored, so a table may grow. Raises TableError when the file is
    missing, unreadable, empty, lacks a column, has a row with the wrong number of fields, or a
    cell of a numeric column that is not a number. A table with a header and no rows is returned
    with zero rows (the caller decides whether that is enough).
    """
    rows = read_rows(path, label)
    header = [name.strip() for name in rows[0]]
    index = {name: i for i, name in enumerate(header)}
    missing = [name for name in list(numeric) + list(text) if name not in index]
    if missing:
        raise TableError(f"{label} lacks column(s) {', '.join(missing)}")
    values = {name: [] for name in list(numeric) + list(text)}
    count = 0
    for line_number, row in enumerate(rows[1:], start=2):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # a blank line (e.g. a trailing newline pair)
        if len(row) != len(header):
            raise TableError(f"{label} line {line_number}: {len(row)} fields, the header has "
                             f"{len(header)} (truncated row?)")
        for name in numeric:
            cell = row[index[name]]
            try:
                values[name].append(parse_number(cell))
            except ValueError:
                raise TableError(f"{label} line {line_number}: column {name} is not a number "
                                 f"({cell.strip()!r})") from None
        for name in text:
            values[name].append(row[index[name]].strip())
        count += 1
    columns = {name: np.asarray(values[name], dtype=float) for name in numeric}
    columns.update({name: values[name] for name in text})
    return Table(label, columns, count)


# Columns of the contract that the plots use, per table: (file, numeric, text).
TABLES = {
    "staging": ("analysis/staging.csv", ["time_ps", "step", "soc", "gallery", "occupancy"], []),
    "stage": ("analysis/stage.csv", ["time_ps", "step", "soc", "stage"], ["label"]),
    "spacing": ("analysis/spacing.csv", ["time_ps", "step", "soc", "gallery", "spacing_A"], []),
    "spacing_vs_soc": ("analysis/spacing_vs_soc.csv",
                       ["soc_lo", "soc_hi", "mean_spacing_A", "stderr_A", "count"], []),
    "layers": ("analysis/layers.csv", ["time_ps", "step", "layer", "shift_A"], ["registry"]),
    "sliding_events": ("analysis/sliding_events.csv", ["time_ps", "layer"], ["from", "to"]),
    "stress": ("analysis/stress.csv",
               ["time_ps", "soc", "sxx_GPa", "syy_GPa", "szz_GPa", "syz_GPa", "sxz_GPa", "sxy_GPa",
                "pressure_GPa"], []),
    "msd": ("analysis/msd.csv", ["lag_ps", "msd_A2", "msd_inplane_A2", "msd_normal_A2"],
            ["segment", "species"]),
    "diffusion": ("analysis/diffusion.csv", ["D_cm2_s", "D_err_cm2_s", "fit_start_ps", "fit_end_ps"],
                  ["segment", "species"]),
    "hops": ("analysis/hops.csv", ["time_ps"], ["kind"]),
    "hop_rates": ("analysis/hop_rates.csv",
                  ["inplane_rate_per_ps", "inplane_err_per_ps", "interlayer_rate_per_ps",
                   "interlayer_err_per_ps"], ["segment"]),
    "asymmetry": ("analysis/asymmetry.csv",
                  ["charge", "charge_err", "discharge", "discharge_err"], ["cycle", "quantity", "unit"]),
    "cycles": ("analysis/cycles.csv", ["cycle", "start_ps", "end_ps"], ["half_cycle", "step_type"]),
    "voltage": ("analysis/voltage.csv", ["time_ps", "soc", "voltage_V"], ["direction"]),
    "audit": ("audit.csv", ["step", "time_fs", "energy_error_meV_per_atom", "force_rmse_eV_per_A",
                            "force_max_eV_per_A", "stress_rmse_GPa", "exceeded"], []),
    "voltage_profile": ("voltage_profile.csv", ["soc_lo", "soc_hi", "mean_V", "stderr_V"],
                        ["direction"]),
}


class Reporter:
    """Where warnings and the list of written files go."""

    def __init__(self, debug=False):
        self.debug = debug
        self.num_written = 0

    @staticmethod
    def warn(message):
        print(f"{PROG}: warning: {message}", file=sys.stderr)

    def wrote(self, path):
        self.num_written += 1
        print(f"plot: {path}", flush=True)


class Run:
    """One run directory: its tables, read once on first use, and its summary.json."""

    def __init__(self, path, reporter, name=None):
        self.path = path
        self.reporter = reporter
        self.name = name or run_basename(path)
        self._tables = {}
        self._warned = set()
        self.num_read = 0
        self.summary = {}
        summary_path = os.path.join(path, "summary.json")
        if os.path.isfile(summary_path):
            try:
                with open(summary_path, encoding="utf-8") as handle:
                    loaded = json.load(handle)
                if isinstance(loaded, dict):
                    self.summary = loaded
            except (OSError, ValueError) as error:
                reporter.warn(f"{summary_path}: not readable JSON ({error}); using the tables only")

    def _load(self, key):
        if key not in self._tables:
            file, numeric, text = TABLES[key]
            try:
                self._tables[key] = read_table(os.path.join(self.path, file), os.path.join(self.path, file),
                                               numeric, text)
                self.num_read += 1
            except TableError as error:
                self._tables[key] = error
        return self._tables[key]

    def need(self, key):
        """The table `key` with at least one row, or Skip naming the table and the reason."""
        table = self._load(key)
        if isinstance(table, TableError):
            raise Skip(str(table))
        if len(table) == 0:
            raise Skip(f"{table.label} has no rows")
        return table

    def optional(self, key, loses):
        """The table `key` with rows, or None; warns only when it exists but is bad or empty."""
        table = self._load(key)
        if isinstance(table, TableError):
            if not str(table).endswith("not found") and key not in self._warned:
                self.reporter.warn(f"{table}; {loses}")
                self._warned.add(key)
            return None
        return table if len(table) else None

    def ion_species(self, msd=None):
        """The ion's symbol: summary.json ion.species, else the first non-host species in msd."""
        ion = self.summary.get("ion")
        if isinstance(ion, dict) and isinstance(ion.get("species"), str):
            return ion["species"]
        if msd is not None:
            for species in msd["species"]:
                if species != "host":
                    return species
        return None


def run_basename(path):
    return os.path.basename(os.path.normpath(path)) or path


# ----------------------------------------------------------------------------------------------
# Helpers shared by the plots


def new_figure(nrows=1, ncols=1, width=7.0, height=4.2, **kwargs):
    return plt.subplots(nrows, ncols, figsize=(width, height), layout="constrained", squeeze=False,
                        **kwargs)


def sorted_unique(values):
    return np.unique(np.asarray(values)[np.isfinite(values)])


def int_label(value):
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def half_cycles(run):
    """Rows of cycles.csv as (start_ps, end_ps, half_cycle, cycle), sorted by start; [] if none."""
    cycles = run.optional("cycles", "no half-cycle shading")
    if cycles is None:
        return []
    rows = []
    for i in range(len(cycles)):
        start, end = cycles["start_ps"][i], cycles["end_ps"][i]
        if not (math.isfinite(start) and math.isfinite(end)):
            continue
        half = cycles["half_cycle"][i].lower()
        half = half if half in ("charge", "discharge") else "other"
        rows.append((start, end, half, cycles["cycle"][i]))
    rows.sort(key=lambda row: row[0])
    return rows


def classify_times(times, intervals):
    """The half cycle ("charge", "discharge", "other") of each time, from cycles.csv rows.

    A frame on the boundary of two steps belongs to the later one (the closed intervals of
    segments.hpp overlap there; a frame needs one colour).
    """
    kinds = np.full(len(times), "other", dtype=object)
    if not intervals:
        return kinds
    starts = np.array([row[0] for row in intervals])
    ends = np.array([row[1] for row in intervals])
    position = np.searchsorted(starts, times, side="right") - 1
    for i, (t, p) in enumerate(zip(times, position)):
        if p >= 0 and t <= ends[p] + 1e-9:
            kinds[i] = intervals[p][2]
    return kinds


def shade_half_cycles(ax, intervals, label=True):
    """Shade charge and discharge steps behind a time axis and mark where each cycle starts."""
    labelled = set()
    last_cycle = None
    for start, end, half, cycle in intervals:
        if half != "other":
            ax.axvspan(start, end, color=HALF_COLORS[half], alpha=0.10, lw=0,
                       label=(half if label and half not in labelled else None))
            labelled.add(half)
        if cycle != last_cycle and math.isfinite(cycle):
            ax.axvline(start, color="0.4", lw=0.6, ls=":")
            ax.annotate(f"c{int_label(cycle)}", (start, 1.0), xycoords=("data", "axes fraction"),
                        xytext=(2, -10), textcoords="offset points", fontsize=7, color="0.3")
            last_cycle = cycle


def blocks(kinds):
    """Contiguous runs of equal kind: (first index, one past the last, kind)."""
    result = []
    start = 0
    for i in range(1, len(kinds) + 1):
        if i == len(kinds) or kinds[i] != kinds[start]:
            result.append((start, i, kinds[start]))
            start = i
    return result


def plot_by_half_cycle(ax, x, y, kinds, **kwargs):
    """Draw y(x) as one line per contiguous half cycle, coloured by its kind, labelled once."""
    labelled = set()
    for begin, end, kind in blocks(list(kinds)):
        ax.plot(x[begin:end], y[begin:end], color=HALF_COLORS[kind],
                label=(kind if kind not in labelled else None), **kwargs)
        labelled.add(kind)


def frame_means(time, step, value):
    """Mean of `value` over the rows of each frame (same step), ordered by time."""
    order = np.argsort(time, kind="stable")
    keys, first, inverse = np.unique(step[order], return_index=True, return_inverse=True)
    sums = np.zeros(len(keys))
    counts = np.zeros(len(keys))
    finite = np.isfinite(value[order])
    np.add.at(sums, inverse[finite], value[order][finite])
    np.add.at(counts, inverse[finite], 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / counts
    frame_time = time[order][first]
    by_time = np.argsort(frame_time, kind="stable")
    return frame_time[by_time], means[by_time], first[by_time], order


def frame_columns(time, step):
    """Frames (distinct steps) ordered by time: their times, and each row's frame column."""
    steps, first, inverse = np.unique(step, return_index=True, return_inverse=True)
    frame_times = time[first]
    by_time = np.argsort(frame_times, kind="stable")
    rank = np.empty(len(steps), dtype=int)
    rank[by_time] = np.arange(len(steps))
    return frame_times[by_time], rank[inverse.ravel()]


def time_edges(times):
    """Cell edges around unevenly spaced frame times (midpoints; half gaps at both ends)."""
    times = np.asarray(times, dtype=float)
    if len(times) == 1:
        half = max(abs(times[0]) * 0.01, 1e-3)
        return np.array([times[0] - half, times[0] + half])
    mid = 0.5 * (times[1:] + times[:-1])
    return np.concatenate([[times[0] - (mid[0] - times[0])], mid, [times[-1] + (times[-1] - mid[-1])]])


def stage_categories(labels):
    """Stage labels in reading order: empty, 1, 2, ..., mixed, disordered, overfilled, then anything else."""
    present = set(labels)
    numeric = sorted((label for label in present if label.isdigit()), key=int)
    order = [label for label in ["empty"] if label in present] + numeric
    order += [label for label in ["mixed", "disordered", "overfilled"] if label in present]
    order += sorted(present - set(order))
    return order


def stage_colors(categories):
    palette = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:brown", "tab:pink", "tab:olive",
               "tab:cyan"]
    fixed = {"empty": "0.9", "mixed": "tab:purple", "disordered": "0.25", "overfilled": "black"}
    colors = []
    numeric_index = 0
    for category in categories:
        if category in fixed:
            colors.append(fixed[category])
        else:
            colors.append(palette[numeric_index % len(palette)])
            numeric_index += 1
    return colors


def categorical_mesh(ax, edges, rows, grid, categories, colors):
    """A pcolormesh of category indices (NaN = no data) with a discrete colour map."""
    cmap = ListedColormap(colors)
    cmap.set_bad("white")
    norm = BoundaryNorm(np.arange(len(categories) + 1) - 0.5, len(categories))
    return ax.pcolormesh(edges, rows, np.ma.masked_invalid(grid), cmap=cmap, norm=norm, shading="flat")


def finite_rows(*arrays):
    mask = np.ones(len(arrays[0]), dtype=bool)
    for array in arrays:
        mask &= np.isfinite(array)
    return mask


# ----------------------------------------------------------------------------------------------
# The plots of one run


def plot_staging_map(run):
    staging = run.need("staging")
    time, step, gallery, occupancy = staging["time_ps"], staging["step"], staging["gallery"], staging["occupancy"]
    keep = finite_rows(time, step, gallery)
    if not keep.any():
        raise Skip(f"{staging.label} has no row with a finite time, step and gallery")
    time, step, gallery, occupancy = time[keep], step[keep], gallery[keep], occupancy[keep]
    frame_times, column = frame_columns(time, step)
    galleries = sorted_unique(gallery)
    grid = np.full((len(galleries), len(frame_times)), np.nan)
    grid[np.searchsorted(galleries, gallery), column] = occupancy
    edges = time_edges(frame_times)
    rows = np.arange(len(galleries) + 1) - 0.5

    stage = run.optional("stage", "no stage strip in staging_map.png")
    soc_time, soc = frame_means(time, step, staging["soc"][keep])[:2]
    has_soc = np.isfinite(soc).any()
    ratios = [max(3.0, 0.35 * len(galleries))] + ([0.5] if stage is not None else []) + ([1.2] if has_soc else [])
    fig, axes = new_figure(len(ratios), 1, width=8.0, height=2.0 + 0.9 * sum(ratios), sharex=True,
                           gridspec_kw={"height_ratios": ratios})
    axes = axes[:, 0]
    ax = axes[0]
    vmax = max(1.0, float(np.nanmax(grid)) if np.isfinite(grid).any() else 1.0)
    mesh = ax.pcolormesh(edges, rows, np.ma.masked_invalid(grid), cmap="viridis", vmin=0.0, vmax=vmax,
                         shading="flat")
    fig.colorbar(mesh, ax=ax, label="occupancy (ions / gallery capacity)", pad=0.01)
    ax.set_yticks(np.arange(len(galleries)))
    ax.set_yticklabels([int_label(g) for g in galleries])
    if len(galleries) > 20:
        ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(10, integer=True))
    ax.set_ylabel("gallery (index)")
    ax.set_title(f"{run.name}: staging map")
    panel = 1
    if stage is not None:
        ax_strip = axes[panel]
        panel += 1
        stage_time, stage_step, labels = stage["time_ps"], stage["step"], stage["label"]
        order = np.argsort(stage_time, kind="stable")
        categories = stage_categories(labels)
        index = {c: i for i, c in enumerate(categories)}
        values = np.array([[index[labels[i]] for i in order]], dtype=float)
        categorical_mesh(ax_strip, time_edges(stage_time[order]), [0, 1], values, categories,
                         stage_colors(categories))
        ax_strip.set_yticks([])
        ax_strip.set_ylabel("stage", rotation=0, ha="right", va="center")
        handles = [Patch(color=color, label=(f"stage {c}" if c.isdigit() else c))
                   for c, color in zip(categories, stage_colors(categories))]
        ax_strip.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.005, 1.6), fontsize=7,
                        frameon=False, borderaxespad=0.0)
    if has_soc:
        ax_soc = axes[panel]
        finite = np.isfinite(soc)
        ax_soc.plot(soc_time[finite], soc[finite], color="k", lw=1.0)
        ax_soc.set_ylabel("x (fraction)")
        ax_soc.set_ylim(-0.05, max(1.05, float(np.nanmax(soc)) + 0.05))
        shade_half_cycles(ax_soc, half_cycles(run), label=False)
    axes[-1].set_xlabel(TIME_LABEL)
    axes[0].set_xlim(edges[0], edges[-1])
    return fig


def plot_stage(run):
    stage = run.need("stage")
    time, soc, labels = stage["time_ps"], stage["soc"], stage["label"]
    order = np.argsort(time, kind="stable")
    categories = stage_categories(labels)
    colors = dict(zip(categories, stage_colors(categories)))
    position = {c: i for i, c in enumerate(categories)}
    y = np.array([position[labels[i]] for i in order], dtype=float)
    has_soc = np.isfinite(soc).any()
    fig, axes = new_figure(1, 2 if has_soc else 1, width=10.0 if has_soc else 7.0, height=4.0)
    ax = axes[0, 0]
    shade_half_cycles(ax, half_cycles(run))
    ax.plot(time[order], y, color="0.5", lw=0.8, drawstyle="steps-post")
    for category in categories:
        mask = np.array([labels[i] == category for i in order])
        ax.scatter(time[order][mask], y[mask], s=12, color=colors[category], zorder=3)
    ax.set_xlabel(TIME_LABEL)
    ax.set_title(f"{run.name}: stage against time")
    if has_soc:
        ax2 = axes[0, 1]
        kinds = classify_times(time[order], half_cycles(run))
        jitter = {"charge": -0.08, "discharge": 0.08, "other": 0.0}
        for kind in ("charge", "discharge", "other"):
            mask = (kinds == kind) & np.isfinite(soc[order])
            if mask.any():
                ax2.scatter(soc[order][mask], y[mask] + jitter[kind], s=12, color=HALF_COLORS[kind],
                            alpha=0.7, label=kind)
        ax2.set_xlabel(SOC_LABEL)
        ax2.set_title("stage against state of charge")
        ax2.legend(fontsize=8, loc="best")
    for a in axes[0]:
        a.set_yticks(range(len(categories)))
        a.set_yticklabels([f"stage {c}" if c.isdigit() else c for c in categories])
        a.set_ylabel("stage (index n: every n-th gallery filled)")
        a.set_ylim(-0.5, len(categories) - 0.5)
    return fig


def plot_spacing_vs_time(run):
    spacing = run.need("spacing")
    time, gallery, value = spacing["time_ps"], spacing["gallery"], spacing["spacing_A"]
    galleries = sorted_unique(gallery)
    fig, axes = new_figure(width=8.0, height=4.2)
    ax = axes[0, 0]
    shade_half_cycles(ax, half_cycles(run))
    cmap = plt.get_cmap("viridis")
    for i, g in enumerate(galleries):
        mask = (gallery == g) & np.isfinite(time)
        order = np.argsort(time[mask], kind="stable")
        color = cmap(i / max(1, len(galleries) - 1)) if len(galleries) > 10 else f"C{i % 10}"
        ax.plot(time[mask][order], value[mask][order], lw=1.0, color=color,
                label=(f"gallery {int_label(g)}" if len(galleries) <= 12 else None))
    ax.set_xlabel(TIME_LABEL)
    ax.set_ylabel("interlayer spacing (Å)")
    ax.set_title(f"{run.name}: gallery spacing")
    ax.legend(fontsize=7, ncol=2, loc="best")
    return fig


def plot_spacing_vs_soc(run):
    binned = run.need("spacing_vs_soc")
    fig, axes = new_figure(width=7.0, height=4.5)
    ax = axes[0, 0]
    spacing = run.optional("spacing", "no per-frame points in spacing_vs_soc.png")
    if spacing is not None:
        frame_time, mean, first, order = frame_means(spacing["time_ps"], spacing["step"], spacing["spacing_A"])
        frame_soc = spacing["soc"][order][first]
        kinds = classify_times(frame_time, half_cycles(run))
        for kind in ("charge", "discharge", "other"):
            mask = (kinds == kind) & np.isfinite(frame_soc) & np.isfinite(mean)
            if mask.any():
                ax.scatter(frame_soc[mask], mean[mask], s=6, alpha=0.35, color=HALF_COLORS[kind],
                           label=f"frames ({kind}), mean over galleries")
    centre = 0.5 * (binned["soc_lo"] + binned["soc_hi"])
    mask = np.isfinite(centre) & np.isfinite(binned["mean_spacing_A"])
    err = np.nan_to_num(binned["stderr_A"][mask], nan=0.0)
    ax.errorbar(centre[mask], binned["mean_spacing_A"][mask], yerr=err, fmt="o-", color="k", ms=4,
                capsize=3, lw=1.2, label="bin mean ± 1 s.e.")
    ax.set_xlabel(SOC_LABEL)
    ax.set_ylabel("mean interlayer spacing (Å)")
    ax.set_title(f"{run.name}: spacing against state of charge")
    ax.legend(fontsize=8, loc="best")
    return fig


STRESS_NORMAL = [("sxx_GPa", "σxx"), ("syy_GPa", "σyy"), ("szz_GPa", "σzz")]
STRESS_SHEAR = [("syz_GPa", "σyz"), ("sxz_GPa", "σxz"), ("sxy_GPa", "σxy")]


def plot_stress_vs_time(run):
    stress = run.need("stress")
    order = np.argsort(stress["time_ps"], kind="stable")
    time = stress["time_ps"][order]
    intervals = half_cycles(run)
    fig, axes = new_figure(2, 1, width=8.0, height=6.5, sharex=True)
    ax = axes[0, 0]
    shade_half_cycles(ax, intervals)
    for column, name in STRESS_NORMAL:
        ax.plot(time, stress[column][order], lw=0.9, label=name)
    ax.plot(time, stress["pressure_GPa"][order], color="k", lw=1.3, label="pressure P")
    ax.axhline(0.0, color="0.6", lw=0.5)
    ax.set_ylabel("normal stress, pressure (GPa)")
    ax.set_title(f"{run.name}: stress (tension positive; P = −(σxx+σyy+σzz)/3)")
    ax.legend(fontsize=8, ncol=3, loc="best")
    ax = axes[1, 0]
    shade_half_cycles(ax, intervals, label=False)
    for column, name in STRESS_SHEAR:
        ax.plot(time, stress[column][order], lw=0.9, label=name)
    ax.axhline(0.0, color="0.6", lw=0.5)
    ax.set_ylabel("shear stress (GPa)")
    ax.set_xlabel(TIME_LABEL)
    ax.legend(fontsize=8, ncol=3, loc="best")
    return fig


def plot_stress_vs_soc(run):
    stress = run.need("stress")
    order = np.argsort(stress["time_ps"], kind="stable")
    soc = stress["soc"][order]
    if not np.isfinite(soc).any():
        raise Skip(f"{stress.label} has no finite soc")
    kinds = classify_times(stress["time_ps"][order], half_cycles(run))
    fig, axes = new_figure(2, 2, width=9.0, height=6.5, sharex=True)
    panels = STRESS_NORMAL + [("pressure_GPa", "pressure P")]
    for ax, (column, name) in zip(axes.flat, panels):
        plot_by_half_cycle(ax, soc, stress[column][order], kinds, lw=0.8, marker=".", ms=3, alpha=0.8)
        ax.set_title(name, fontsize=10)
        ax.set_ylabel(f"{name} (GPa)")
        ax.axhline(0.0, color="0.6", lw=0.5)
    for ax in axes[1]:
        ax.set_xlabel(SOC_LABEL)
    axes[0, 0].legend(fontsize=8, loc="best")
    fig.suptitle(f"{run.name}: stress against state of charge (tension positive)")
    return fig


HALF_SEGMENT = re.compile(r"^c(\d+)\.(charge|discharge)$")
STEP_SEGMENT = re.compile(r"^c(\d+)\.s(\d+)\.")


def segment_colors(labels):
    """'all' black; charge half cycles in blues and discharge in reds, darker for later cycles;
    per-step and other segments from a qualitative palette."""
    colors = {}
    halves = {kind: sorted({int(m.group(1)) for m in map(HALF_SEGMENT.match, labels) if m and m.group(2) == kind})
              for kind in ("charge", "discharge")}
    maps = {"charge": plt.get_cmap("Blues"), "discharge": plt.get_cmap("Reds")}
    others = 0
    num_others = sum(1 for label in labels if label != "all" and not HALF_SEGMENT.match(label))
    palette = plt.get_cmap("tab10" if num_others <= 10 else "tab20")
    for label in labels:
        match = HALF_SEGMENT.match(label)
        if label == "all":
            colors[label] = "k"
        elif match:
            cycles = halves[match.group(2)]
            fraction = cycles.index(int(match.group(1))) / max(1, len(cycles) - 1)
            colors[label] = maps[match.group(2)](0.45 + 0.5 * fraction)
        else:
            colors[label] = palette(others % palette.N)
            others += 1
    return colors


def plot_msd(run, loglog=False):
    msd = run.need("msd")
    diffusion = run.optional("diffusion", "no D values in the msd.png legend")
    d_of = {}
    if diffusion is not None:
        for i in range(len(diffusion)):
            d_of[(diffusion["segment"][i], diffusion["species"][i])] = (
                diffusion["D_cm2_s"][i], diffusion["D_err_cm2_s"][i])
    segments = list(dict.fromkeys(msd["segment"]))
    species_list = list(dict.fromkeys(msd["species"]))
    ion = run.ion_species(msd)
    species_list.sort(key=lambda s: (s != ion, s == "host", s))
    step_segments = [s for s in segments if STEP_SEGMENT.match(s)]
    main_segments = [s for s in segments if s not in step_segments]
    groups = [("whole run and half cycles", main_segments)] if main_segments else []
    if step_segments:
        groups.append(("protocol steps", step_segments))
    colors = segment_colors(segments)
    segment_array = np.array(msd["segment"], dtype=object)
    species_array = np.array(msd["species"], dtype=object)
    fig, axes = new_figure(len(species_list), len(groups), width=6.0 * len(groups),
                           height=4.2 * len(species_list))
    drew = False
    for row, species in enumerate(species_list):
        for column, (title, members) in enumerate(groups):
            ax = axes[row, column]
            for segment in members:
                mask = (segment_array == segment) & (species_array == species)
                if not mask.any():
                    continue
                lag = msd["lag_ps"][mask]
                order = np.argsort(lag)
                lag = lag[order]
                label = segment
                d, d_err = d_of.get((segment, species), (math.nan, math.nan))
                if math.isfinite(d):
                    label += f" (D = {d:.3g}" + (f" ± {d_err:.2g}" if math.isfinite(d_err) else "") + " cm²/s)"
                for column_name, style, width, name in (("msd_A2", "-", 1.4, label),
                                                        ("msd_inplane_A2", "--", 0.9, None),
                                                        ("msd_normal_A2", ":", 0.9, None)):
                    value = msd[column_name][mask][order]
                    ok = np.isfinite(lag) & np.isfinite(value)
                    if loglog:
                        ok &= (lag > 0) & (value > 0)
                    if ok.any():
                        ax.plot(lag[ok], value[ok], ls=style, lw=width, color=colors[segment], label=name)
                        drew = True
            if loglog:
                ax.set_xscale("log")
                ax.set_yscale("log")
            ax.set_xlabel("lag time (ps)")
            ax.set_ylabel(f"MSD of {species} (Å²)")
            ax.set_title(f"{species}: {title}", fontsize=10)
            handles, labels = ax.get_legend_handles_labels()
            handles += [plt.Line2D([], [], color="0.3", ls=s, lw=w, label=l)
                        for s, w, l in (("-", 1.4, "total"), ("--", 0.9, "in-plane"), (":", 0.9, "normal"))]
            ax.legend(handles=handles, fontsize=7, loc="best", ncol=1 if len(members) < 8 else 2)
    if not drew:
        raise Skip(f"{msd.label} has no finite MSD values")
    fig.suptitle(f"{run.name}: mean squared displacement")
    return fig


def plot_voltage_vs_soc(run):
    voltage = run.optional("voltage", "no per-event points in voltage_vs_soc.png")
    profile = run.optional("voltage_profile", "no binned means in voltage_vs_soc.png")
    if voltage is None and profile is None:
        file_v, file_p = TABLES["voltage"][0], TABLES["voltage_profile"][0]
        raise Skip(f"no rows to plot in {file_v} or {file_p}")
    fig, axes = new_figure(width=7.0, height=4.5)
    ax = axes[0, 0]
    directions = list(dict.fromkeys((voltage["direction"] if voltage is not None else []) +
                                    (profile["direction"] if profile is not None else [])))
    color_of = {d: DIRECTION_COLORS.get(d, f"C{i + 2}") for i, d in enumerate(directions)}
    if voltage is not None:
        direction = np.array(voltage["direction"], dtype=object)
        for d in directions:
            mask = (direction == d) & finite_rows(voltage["soc"], voltage["voltage_V"])
            if mask.any():
                ax.scatter(voltage["soc"][mask], voltage["voltage_V"][mask], s=10, alpha=0.35,
                           color=color_of[d], label=f"{d} events")
    gap_text = None
    if profile is not None:
        direction = np.array(profile["direction"], dtype=object)
        centre = 0.5 * (profile["soc_lo"] + profile["soc_hi"])
        means = {}
        for d in directions:
            mask = (direction == d) & finite_rows(centre, profile["mean_V"])
            if not mask.any():
                continue
            order = np.argsort(centre[mask])
            x = centre[mask][order]
            y = profile["mean_V"][mask][order]
            err = profile["stderr_V"][mask][order]
            ax.errorbar(x, y, yerr=np.nan_to_num(err, nan=0.0), fmt="o-", ms=4, capsize=3, lw=1.3,
                        color=color_of[d], label=f"{d}: bin mean ± 1 s.e.")
            means[d] = {round(float(c), 9): (float(v), float(e)) for c, v, e in zip(x, y, err)}
        if "insertion" in means and "removal" in means:
            common = sorted(set(means["insertion"]) & set(means["removal"]))
            if common:
                # Hysteresis: removal minus insertion voltage on the SOC bins both directions
                # visited; the error combines the bins' standard errors (known ones only).
                gaps = [means["removal"][c][0] - means["insertion"][c][0] for c in common]
                errs = [means["removal"][c][1] ** 2 + means["insertion"][c][1] ** 2 for c in common]
                gap = float(np.mean(gaps))
                text = f"mean V(removal) − V(insertion) = {gap:.3f}"
                if all(math.isfinite(e) for e in errs):  # σ of a mean of independent bins
                    text += f" ± {math.sqrt(sum(errs)) / len(common):.3f}"
                gap_text = text + f" V over {len(common)} common bins"
    if gap_text:
        ax.text(0.02, 0.02, gap_text, transform=ax.transAxes, fontsize=8, va="bottom")
    ax.set_xlabel(SOC_LABEL)
    ax.set_ylabel("voltage estimate vs Li/Li⁺ or Na/Na⁺ (V)" if run.ion_species() is None
                  else f"voltage estimate vs {run.ion_species()}/{run.ion_species()}⁺ (V)")
    ax.set_title(f"{run.name}: voltage against state of charge")
    ax.legend(fontsize=8, loc="best")
    return fig


def cycle_key(text):
    try:
        return (0, float(text), text)
    except ValueError:
        return (1, 0.0, text)


def plot_asymmetry(run):
    table = run.need("asymmetry")
    quantities = list(dict.fromkeys(table["quantity"]))
    ncols = min(3, len(quantities))
    nrows = math.ceil(len(quantities) / ncols)
    fig, axes = new_figure(nrows, ncols, width=4.0 * ncols, height=3.4 * nrows)
    quantity_array = np.array(table["quantity"], dtype=object)
    width = 0.38
    for ax, quantity in zip(axes.flat, quantities):
        rows = np.flatnonzero(quantity_array == quantity)
        rows = sorted(rows, key=lambda i: cycle_key(table["cycle"][i]))
        x = np.arange(len(rows))
        for offset, side in ((-width / 2, "charge"), (width / 2, "discharge")):
            values = np.array([table[side][i] for i in rows])
            errors = np.nan_to_num(np.array([table[side + "_err"][i] for i in rows]), nan=0.0)
            ax.bar(x + offset, np.nan_to_num(values, nan=0.0), width, yerr=errors, capsize=3,
                   color=HALF_COLORS[side], alpha=0.8, label=side)
            for xi, value in zip(x + offset, values):
                if not math.isfinite(value):
                    ax.annotate("n/a", (xi, 0), ha="center", va="bottom", fontsize=7, color="0.4")
        ax.axhline(0.0, color="0.5", lw=0.5)
        ax.set_xticks(x)
        ax.set_xticklabels([table["cycle"][i] for i in rows])
        ax.set_xlabel("cycle (index)")
        unit = table["unit"][rows[0]] if rows else ""
        ax.set_ylabel(f"{quantity} ({unit})" if unit else f"{quantity} (dimensionless)")
        ax.set_title(quantity, fontsize=10)
    for ax in list(axes.flat)[len(quantities):]:
        ax.set_visible(False)
    axes[0, 0].legend(fontsize=8, loc="best")
    fig.suptitle(f"{run.name}: charge against discharge (±1σ)")
    return fig


REGISTRY_ORDER = ["A", "B", "C", "?"]
REGISTRY_COLORS = ["tab:blue", "tab:orange", "tab:green", "0.85"]


def plot_sliding(run):
    layers = run.need("layers")
    time, step, layer, shift = layers["time_ps"], layers["step"], layers["layer"], layers["shift_A"]
    names = sorted_unique(layer)
    events = run.optional("sliding_events", "no registry-change marks in sliding.png")
    fig, axes = new_figure(2, 1, width=8.0, height=3.6 + max(2.2, 0.3 * len(names)), sharex=True,
                           gridspec_kw={"height_ratios": [3.0, max(1.0, 0.15 * len(names))]})
    ax = axes[0, 0]
    shade_half_cycles(ax, half_cycles(run))
    cmap = plt.get_cmap("viridis")
    series = {}
    for i, name in enumerate(names):
        mask = (layer == name) & np.isfinite(time)
        order = np.argsort(time[mask], kind="stable")
        series[name] = (time[mask][order], shift[mask][order])
        color = cmap(i / max(1, len(names) - 1)) if len(names) > 10 else f"C{i % 10}"
        ax.plot(*series[name], lw=1.0, color=color,
                label=(f"layer {int_label(name)}" if len(names) <= 12 else None))
    if events is not None:
        marked = False
        for t, name, old, new in zip(events["time_ps"], events["layer"], events["from"], events["to"]):
            if name in series and len(series[name][0]) and math.isfinite(t):
                y = np.interp(t, *series[name])
                ax.plot([t], [y], marker="x", color="k", ms=6, ls="none",
                        label=(None if marked else "registry change"))
                ax.annotate(f"{old}→{new}", (t, y), xytext=(3, 3), textcoords="offset points", fontsize=7)
                marked = True
    ax.set_ylabel("in-plane shift of layer (Å)")
    ax.set_title(f"{run.name}: layer sliding (centre-of-mass shift since the first frame)")
    ax.legend(fontsize=7, ncol=2, loc="best")
    ax = axes[1, 0]
    registry = layers["registry"]
    categories = REGISTRY_ORDER + sorted(set(registry) - set(REGISTRY_ORDER))
    colors = REGISTRY_COLORS + [f"C{4 + i}" for i in range(len(categories) - len(REGISTRY_ORDER))]
    index = {c: i for i, c in enumerate(categories)}
    keep = finite_rows(time, step, layer)
    frame_times, column = frame_columns(time[keep], step[keep])
    grid = np.full((len(names), len(frame_times)), np.nan)
    codes = np.array([index[r] for r in registry], dtype=float)[keep]
    grid[np.searchsorted(names, layer[keep]), column] = codes
    categorical_mesh(ax, time_edges(frame_times), np.arange(len(names) + 1) - 0.5, grid, categories, colors)
    ax.set_yticks(np.arange(len(names)))
    ax.set_yticklabels([int_label(n) for n in names])
    if len(names) > 12:
        ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(8, integer=True))
    ax.set_ylabel("layer (index)")
    ax.set_xlabel(TIME_LABEL)
    present = [c for c in categories if c in set(registry)]
    ax.legend(handles=[Patch(color=colors[index[c]], label=f"registry {c}") for c in present],
              loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=7, frameon=False)
    return fig


def plot_hops(run):
    hops = run.need("hops")
    rates = run.optional("hop_rates", "no rates in the hops.png legend")
    rate_of = {}
    if rates is not None and "all" in rates["segment"]:
        i = rates["segment"].index("all")
        for kind in ("inplane", "interlayer"):
            rate_of[kind] = (rates[f"{kind}_rate_per_ps"][i], rates[f"{kind}_err_per_ps"][i])
    time = hops["time_ps"]
    kind_array = np.array(hops["kind"], dtype=object)
    intervals = half_cycles(run)
    start = min([row[0] for row in intervals] + [0.0])
    end = max([row[1] for row in intervals] + [float(np.nanmax(time)) if np.isfinite(time).any() else 0.0])
    fig, axes = new_figure(width=8.0, height=4.2)
    ax = axes[0, 0]
    shade_half_cycles(ax, intervals)
    styles = {"inplane": "C0", "interlayer": "C3"}
    for i, kind in enumerate(dict.fromkeys(hops["kind"])):
        t = np.sort(time[(kind_array == kind) & np.isfinite(time)])
        x = np.concatenate([[start], t, [max(end, t[-1] if len(t) else start)]])
        y = np.concatenate([[0], np.arange(1, len(t) + 1), [len(t)]])
        label = f"{kind} ({len(t)})"
        rate, err = rate_of.get(kind, (math.nan, math.nan))
        if math.isfinite(rate):
            label += f", {rate:.3g}" + (f" ± {err:.2g}" if math.isfinite(err) else "") + " per ion per ps"
        ax.plot(x, y, drawstyle="steps-post", lw=1.4, color=styles.get(kind, f"C{i + 4}"), label=label)
    ax.set_xlabel(TIME_LABEL)
    ax.set_ylabel("cumulative hops (count)")
    ax.set_title(f"{run.name}: ion hops")
    ax.legend(fontsize=8, loc="upper left")
    return fig


def plot_audit(run):
    """The audit of the student against its teacher (audit.csv): force RMSE with its bound, and
    the energy error, against time."""
    audit = run.need("audit")
    bound = None
    if isinstance(run.summary.get("audit"), dict):
        bound = run.summary["audit"].get("force_rmse_max_eV_per_A")
    time = audit["time_fs"] * 1e-3
    fig, axes = new_figure(nrows=2, width=8.0, height=5.0, sharex=True)
    ax = axes[0, 0]
    ax.plot(time, audit["force_rmse_eV_per_A"] * 1e3, "o-", ms=3, label="force RMSE")
    ax.plot(time, audit["force_max_eV_per_A"] * 1e3, "^", ms=3, alpha=0.6, label="worst atom")
    if isinstance(bound, (int, float)):
        ax.axhline(bound * 1e3, color="C3", ls="--", lw=1, label="force_rmse_max")
    exceeded = audit["exceeded"] > 0.5
    if exceeded.any():
        ax.plot(time[exceeded], audit["force_rmse_eV_per_A"][exceeded] * 1e3, "x", color="C3", ms=8,
                label="exceeded")
    ax.set_ylabel("student − teacher (meV/Å)")
    ax.set_title(f"{run.name}: audit against the teacher")
    ax.legend(fontsize=8)
    ax = axes[1, 0]
    ax.plot(time, audit["energy_error_meV_per_atom"], "o-", ms=3, color="C2")
    ax.axhline(0.0, color="k", lw=0.6)
    ax.set_ylabel("energy error (meV/atom)")
    ax.set_xlabel(TIME_LABEL)
    return fig


RUN_PLOTS = [
    ("staging_map.png", plot_staging_map),
    ("stage.png", plot_stage),
    ("spacing_vs_time.png", plot_spacing_vs_time),
    ("spacing_vs_soc.png", plot_spacing_vs_soc),
    ("stress_vs_time.png", plot_stress_vs_time),
    ("stress_vs_soc.png", plot_stress_vs_soc),
    ("msd.png", plot_msd),
    ("voltage_vs_soc.png", plot_voltage_vs_soc),
    ("asymmetry.png", plot_asymmetry),
    ("sliding.png", plot_sliding),
    ("hops.png", plot_hops),
]
# Drawn only for runs with an audit ([potential] audit writes audit.csv).
OPTIONAL_RUN_PLOTS = [("audit.png", plot_audit, "audit.csv")]


# ----------------------------------------------------------------------------------------------
# Comparison plots


def run_colors(runs):
    return {run.name: f"C{i % 10}" for i, run in enumerate(runs)}


def read_comparison(path):
    """comparison.csv as (run names, [(quantity, unit, values)]); TableError when malformed."""
    label = os.path.basename(path)
    rows = read_rows(path, label)
    header = [cell.strip() for cell in rows[0]]
    if header[:2] != ["quantity", "unit"] or len(header) < 3:
        raise TableError(f"{label}: header must be quantity,unit,<run names> (got {','.join(header)})")
    entries = []
    for line_number, row in enumerate(rows[1:], start=2):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != len(header):
            raise TableError(f"{label} line {line_number}: {len(row)} fields, the header has {len(header)}")
        try:
            values = [parse_number(cell) for cell in row[2:]]
        except ValueError:
            raise TableError(f"{label} line {line_number}: a run's value is not a number") from None
        entries.append((row[0].strip(), row[1].strip(), values))
    if not entries:
        raise TableError(f"{label} has no rows")
    return header[2:], entries


ERR_SUFFIX = re.compile(r"^(.*?)(_err|_error| err| error)$")


def plot_comparison(outdir, runs):
    columns, entries = read_comparison(os.path.join(outdir, "comparison.csv"))
    # Uncertainties may come as columns "<run>_err" next to "<run>", or as rows "<q>_err" next to
    # row "<q>": either gives error bars rather than a run or a panel of its own.
    names = [c for c in columns if not (ERR_SUFFIX.match(c) and ERR_SUFFIX.match(c).group(1) in columns)]
    error_column = {}
    for i, column in enumerate(columns):
        match = ERR_SUFFIX.match(column)
        if match and match.group(1) in names:
            error_column[match.group(1)] = i
    value_index = [columns.index(n) for n in names]
    quantities = {q for q, _, _ in entries}
    errors = {}
    panels = []
    for quantity, unit, row in entries:
        values = [row[i] for i in value_index]
        match = ERR_SUFFIX.match(quantity)
        if match and match.group(1) in quantities:
            errors[match.group(1)] = values
            continue
        panels.append((quantity, unit, values))
        if error_column:
            errors[quantity] = [row[error_column[n]] if n in error_column else math.nan for n in names]
    colors = {name: f"C{i % 10}" for i, name in enumerate(names)}
    ncols = min(3, len(panels))
    nrows = math.ceil(len(panels) / ncols)
    fig, axes = new_figure(nrows, ncols, width=max(4.0, 0.9 * len(names) + 1.5) * ncols,
                           height=3.4 * nrows)
    x = np.arange(len(names))
    for ax, (quantity, unit, values) in zip(axes.flat, panels):
        values = np.array(values)
        err = np.nan_to_num(np.array(errors.get(quantity, [math.nan] * len(names))), nan=0.0)
        ax.bar(x, np.nan_to_num(values, nan=0.0), 0.7, yerr=err, capsize=3,
               color=[colors[n] for n in names], alpha=0.85)
        for xi, value in zip(x, values):
            if not math.isfinite(value):
                ax.annotate("n/a", (xi, 0), ha="center", va="bottom", fontsize=7, color="0.4")
        ax.axhline(0.0, color="0.5", lw=0.5)
        ax.set_xticks(x)
        ax.set_xticklabels(names, rotation=30 if len(names) > 2 else 0,
                           ha="right" if len(names) > 2 else "center")
        ax.set_ylabel(f"{quantity} ({unit})" if unit else f"{quantity} (dimensionless)")
        ax.set_title(quantity, fontsize=10)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    fig.suptitle("comparison of runs" + (" (error bars ±1σ)" if errors else ""))
    return fig


def each_run(runs, key, reporter, plot_name):
    """(run, table) for every run whose table `key` has rows; warns for the others."""
    result = []
    for run in runs:
        try:
            result.append((run, run.need(key)))
        except Skip as why:
            reporter.warn(f"{why}; {run.name} left out of {plot_name}")
    if not result:
        raise Skip(f"no run has {TABLES[key][0]} with rows")
    return result


def plot_msd_compare(outdir, runs, reporter, loglog=False):
    fig, axes = new_figure(width=7.5, height=4.8)
    ax = axes[0, 0]
    colors = run_colors(runs)
    drew = set()
    for run, msd in each_run(runs, "msd", reporter, "msd_compare.png"):
        species = run.ion_species(msd)
        segment = np.array(msd["segment"], dtype=object)
        mask = (segment == "all") & (np.array(msd["species"], dtype=object) == species)
        if not mask.any():
            reporter.warn(f"{run.name}: {msd.label} has no rows for segment 'all', species {species}; "
                          "left out of msd_compare.png")
            continue
        lag = msd["lag_ps"][mask]
        order = np.argsort(lag)
        for column, style, width, suffix in (("msd_A2", "-", 1.5, ""), ("msd_inplane_A2", "--", 0.9, None),
                                             ("msd_normal_A2", ":", 0.9, None)):
            value = msd[column][mask][order]
            ok = np.isfinite(lag[order]) & np.isfinite(value)
            if loglog:
                ok &= (lag[order] > 0) & (value > 0)
            if ok.any():
                ax.plot(lag[order][ok], value[ok], ls=style, lw=width, color=colors[run.name],
                        label=(f"{run.name} ({species})" if suffix is not None else None))
                drew.add(species)
    if not drew:
        raise Skip("no run has MSD values for segment 'all'")
    if loglog:
        ax.set_xscale("log")
        ax.set_yscale("log")
    handles, labels = ax.get_legend_handles_labels()
    handles += [plt.Line2D([], [], color="0.3", ls=s, lw=w, label=l)
                for s, w, l in (("-", 1.5, "total"), ("--", 0.9, "in-plane"), (":", 0.9, "normal"))]
    ax.legend(handles=handles, fontsize=8, loc="best")
    ax.set_xlabel("lag time (ps)")
    ax.set_ylabel(f"MSD of {'/'.join(sorted(drew))} (Å²)")
    ax.set_title("mean squared displacement, whole run")
    return fig


def plot_spacing_vs_soc_compare(outdir, runs, reporter):
    fig, axes = new_figure(width=7.0, height=4.5)
    ax = axes[0, 0]
    colors = run_colors(runs)
    for run, table in each_run(runs, "spacing_vs_soc", reporter, "spacing_vs_soc_compare.png"):
        centre = 0.5 * (table["soc_lo"] + table["soc_hi"])
        mask = finite_rows(centre, table["mean_spacing_A"])
        order = np.argsort(centre[mask])
        ax.errorbar(centre[mask][order], table["mean_spacing_A"][mask][order],
                    yerr=np.nan_to_num(table["stderr_A"][mask][order], nan=0.0), fmt="o-", ms=4,
                    capsize=3, color=colors[run.name], label=run.name)
    ax.set_xlabel(SOC_LABEL)
    ax.set_ylabel("mean interlayer spacing (Å)")
    ax.set_title("spacing against state of charge (±1 s.e.)")
    ax.legend(fontsize=8, loc="best")
    return fig


def plot_stress_vs_time_compare(outdir, runs, reporter):
    fig, axes = new_figure(2, 2, width=10.0, height=6.5, sharex=True)
    colors = run_colors(runs)
    panels = STRESS_NORMAL + [("pressure_GPa", "pressure P")]
    for run, stress in each_run(runs, "stress", reporter, "stress_vs_time_compare.png"):
        order = np.argsort(stress["time_ps"], kind="stable")
        for ax, (column, name) in zip(axes.flat, panels):
            ax.plot(stress["time_ps"][order], stress[column][order], lw=0.9, color=colors[run.name],
                    label=run.name)
    for ax, (column, name) in zip(axes.flat, panels):
        ax.set_title(name, fontsize=10)
        ax.set_ylabel(f"{name} (GPa)")
        ax.axhline(0.0, color="0.6", lw=0.5)
    for ax in axes[1]:
        ax.set_xlabel(TIME_LABEL)
    axes[0, 0].legend(fontsize=8, loc="best")
    fig.suptitle("stress against time (tension positive)")
    return fig


def plot_voltage_vs_soc_compare(outdir, runs, reporter):
    fig, axes = new_figure(width=7.5, height=4.8)
    ax = axes[0, 0]
    colors = run_colors(runs)
    styles = {"insertion": ("o", "-"), "removal": ("s", "--")}
    drew = False
    for run in runs:
        profile = run.optional("voltage_profile", "left out of voltage_vs_soc_compare.png")
        if profile is not None:
            direction = np.array(profile["direction"], dtype=object)
            centre = 0.5 * (profile["soc_lo"] + profile["soc_hi"])
            for d in dict.fromkeys(profile["direction"]):
                mask = (direction == d) & finite_rows(centre, profile["mean_V"])
                order = np.argsort(centre[mask])
                marker, line = styles.get(d, ("^", "-."))
                ax.errorbar(centre[mask][order], profile["mean_V"][mask][order],
                            yerr=np.nan_to_num(profile["stderr_V"][mask][order], nan=0.0), fmt=marker,
                            ls=line, ms=4, capsize=3, color=colors[run.name], label=f"{run.name}: {d}")
                drew = True
            continue
        voltage = run.optional("voltage", "left out of voltage_vs_soc_compare.png")
        if voltage is None:
            reporter.warn(f"{run.name}: neither voltage_profile.csv nor analysis/voltage.csv has rows; "
                          "left out of voltage_vs_soc_compare.png")
            continue
        direction = np.array(voltage["direction"], dtype=object)
        for d in dict.fromkeys(voltage["direction"]):
            mask = (direction == d) & finite_rows(voltage["soc"], voltage["voltage_V"])
            marker, _ = styles.get(d, ("^", "-."))
            ax.scatter(voltage["soc"][mask], voltage["voltage_V"][mask], s=12, marker=marker, alpha=0.5,
                       color=colors[run.name], label=f"{run.name}: {d} events")
            drew = True
    if not drew:
        raise Skip("no run has voltage_profile.csv or analysis/voltage.csv with rows")
    ax.set_xlabel(SOC_LABEL)
    ax.set_ylabel("voltage estimate vs metal of the ion (V)")
    ax.set_title("voltage against state of charge (insertion ○ solid, removal □ dashed)")
    ax.legend(fontsize=7, loc="best", ncol=2)
    return fig


# ----------------------------------------------------------------------------------------------
# Driver


def save_atomically(fig, path):
    """Write the figure to a temporary name in the same folder, then rename it into place."""
    folder, base = os.path.split(path)
    temporary = os.path.join(folder, f".{base}.{os.getpid()}.tmp")
    try:
        fig.savefig(temporary, format="png", dpi=DPI, bbox_inches="tight")
        os.replace(temporary, path)
    finally:
        plt.close(fig)
        if os.path.exists(temporary):
            os.remove(temporary)


def draw(name, folder, make, reporter):
    """Draw one plot; a Skip or any error becomes a warning, and a stale file of that name goes."""
    path = os.path.join(folder, name)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            fig = make()
            save_atomically(fig, path)
        reporter.wrote(path)
        return True
    except Skip as why:
        message = f"{why}; skipping {name}"
    except Exception as error:  # noqa: BLE001  (one bad table must not cost the other plots)
        if reporter.debug:
            raise
        message = f"could not draw {name} ({type(error).__name__}: {error})"
    finally:
        plt.close("all")
    if os.path.isfile(path):
        try:
            os.remove(path)  # an old plot would no longer match the tables
            message += f" (removed the old {name})"
        except OSError:
            pass
    reporter.warn(message)
    return False


def make_folder(path, reporter):
    try:
        os.makedirs(path, exist_ok=True)
        return True
    except OSError as error:
        reporter.warn(f"cannot create {path} ({error})")
        return False


def plot_run(path, reporter, loglog):
    """All plots of one run; returns the exit status (0, or 2 when nothing could be read)."""
    if not os.path.isdir(path):
        print(f"{PROG}: error: {path} is not a directory", file=sys.stderr)
        return 2
    if not os.path.isdir(os.path.join(path, "analysis")):
        print(f"{PROG}: error: {os.path.join(path, 'analysis')} not found; run `ioncycle analyze {path}` "
              "first", file=sys.stderr)
        return 2
    run = Run(path, reporter)
    folder = os.path.join(path, "plots")
    if not make_folder(folder, reporter):
        return 2
    for name, function in RUN_PLOTS:
        if function is plot_msd:
            draw(name, folder, lambda: plot_msd(run, loglog=loglog), reporter)
        else:
            draw(name, folder, lambda f=function: f(run), reporter)
    for name, function, needs in OPTIONAL_RUN_PLOTS:
        if os.path.isfile(os.path.join(path, needs)):
            draw(name, folder, lambda f=function: f(run), reporter)
    if run.num_read == 0:
        print(f"{PROG}: error: no table in {os.path.join(path, 'analysis')} (nor voltage_profile.csv) "
              "could be read", file=sys.stderr)
        return 2
    return 0


def plot_compare(outdir, paths, reporter, loglog):
    runs = []
    names = {}
    for path in paths:
        if not os.path.isdir(path):
            reporter.warn(f"{path} is not a directory; left out")
            continue
        name = run_basename(path)
        if name in names:  # two runs called alike: tell them apart by their parent folder
            name = os.path.join(run_basename(os.path.dirname(os.path.abspath(path))), name)
        names[name] = path
        runs.append(Run(path, reporter, name=name))
    folder = os.path.join(outdir, "plots")
    if not make_folder(folder, reporter):
        return 2
    drawn = draw("comparison.png", folder, lambda: comparison_or_skip(outdir, runs), reporter)
    for name, function in (("msd_compare.png", lambda: plot_msd_compare(outdir, runs, reporter, loglog)),
                           ("spacing_vs_soc_compare.png", lambda: plot_spacing_vs_soc_compare(outdir, runs, reporter)),
                           ("stress_vs_time_compare.png", lambda: plot_stress_vs_time_compare(outdir, runs, reporter)),
                           ("voltage_vs_soc_compare.png", lambda: plot_voltage_vs_soc_compare(outdir, runs, reporter))):
        draw(name, folder, function, reporter)
    if not drawn and sum(run.num_read for run in runs) == 0:
        print(f"{PROG}: error: nothing could be read: no {os.path.join(outdir, 'comparison.csv')} and no "
              "run with readable analysis tables", file=sys.stderr)
        return 2
    return 0


def comparison_or_skip(outdir, runs):
    try:
        return plot_comparison(outdir, runs)
    except TableError as error:
        raise Skip(str(error)) from None


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="plot_analysis.py",
        description="PNG plots of ioncycle analysis tables (RUNDIR/analysis/*.csv -> RUNDIR/plots/).")
    parser.add_argument("runs", nargs="+", metavar="RUNDIR", help="run directories")
    parser.add_argument("--compare", metavar="OUTDIR",
                        help="compare the runs: read OUTDIR/comparison.csv, write OUTDIR/plots/")
    parser.add_argument("--msd-loglog", action="store_true", help="draw MSD curves on log-log axes")
    parser.add_argument("--debug", action="store_true", help="raise errors while drawing (tracebacks)")
    args = parser.parse_args(argv)
    reporter = Reporter(debug=args.debug)
    if args.compare is not None:
        return plot_compare(args.compare, args.runs, reporter, args.msd_loglog)
    return max(plot_run(path, reporter, args.msd_loglog) for path in args.runs)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
