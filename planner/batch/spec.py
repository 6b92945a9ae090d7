"""Batches of scenarios: named overrides, scenario variants and parameter sweeps over one base.

A batch file is strict YAML made of lists and mappings (never strings to parse)::

    base: north_america.yaml            # the base scenario, relative to this file
    output: out/budget_sweep            # relative to the working directory (default out/<name>)
    workers: 2
    overrides:                          # named patches, deep-merged into the base
      cheap_ships: {asset_types: {sea_station: {unit_cost_musd: 500}}}
      quick: {solver: {time_limit_s: 20}}
    scenarios:                          # one run each
      - name: baseline
      - name: cheap_ships_8000
        overrides: [quick, cheap_ships, {budget_musd: 8000}]
    sweeps:                             # one run per combination of values
      - name: budget
        mode: product                   # or zip
        overrides: [quick]
        parameters: [{path: [budget_musd], values: [2000, 4000, 6000]},
                     {path: [asset_types, sea_station, unit_cost_musd], values: [500, 700]}]

**The merge order** of every run is: the base scenario, then each item of the run's ``overrides``
in the order listed (a name refers to ``overrides`` at the top of the file; a mapping is an inline
patch), then — for a sweep — the parameter values in the order the parameters are listed; last,
``name`` is set to the run's name. Patches merge by :func:`planner.scenario.schema.deep_merge` (a mapping
patch on ``asset_types`` or ``partners`` reaches one item by its ``name`` or ``iso_a3``; ``null``
removes it). The result is validated after the merge; an error names the batch file, the run and
the field.

A sweep's runs are named ``<sweep>-000``, ``<sweep>-001`` … in the order of ``itertools.product``
(the first parameter varies slowest) or of ``zip``.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from planner.errors import InputError
from planner.scenario.limits import BatchLimits, check_runs
from planner.scenario.schema import Name, Scenario, StrictModel, load_scenario, read_yaml, validation_error

Patch = dict[str, Any]
PathPart = str | int
OverrideRef = str | dict[str, Any]


class Parameter(StrictModel):
    """One swept field: where it is and the values it takes."""

    path: tuple[PathPart, ...] = Field(min_length=1)
    """Keys from the top of the scenario, e.g. ``[asset_types, sea_station, unit_cost_musd]``: list
    items are reached by their ``name`` / ``iso_a3`` or by an integer index."""
    values: tuple[Any, ...] = Field(min_length=1)
    """The values, in order (any YAML value; a mapping is deep-merged at ``path``)."""


class SweepSpec(StrictModel):
    """A family of runs: the product (or zip) of parameter value lists."""

    name: Name
    """Prefix of the runs' names (``<name>-000`` …)."""
    mode: Literal["product", "zip"] = "product"
    """``product``: every combination; ``zip``: the k-th values of every parameter together."""
    overrides: tuple[OverrideRef, ...] = ()
    """Named or inline patches applied to the base before the parameter values."""
    parameters: tuple[Parameter, ...] = Field(min_length=1)
    """The swept fields."""

    @model_validator(mode="after")
    def _zip_lengths(self) -> SweepSpec:
        lengths = {len(p.values) for p in self.parameters}
        if self.mode == "zip" and len(lengths) > 1:
            raise ValueError(f"mode zip needs value lists of one length, got {sorted(lengths)}")
        return self


class ScenarioSpec(StrictModel):
    """One named variant of the base."""

    name: Name
    """The run's name (unique in the batch)."""
    overrides: tuple[OverrideRef, ...] = ()
    """Named or inline patches, applied in this order."""


class BatchFile(StrictModel):
    """The schema of a batch file (see the module docstring)."""

    schema_version: Literal[1] = 1
    name: Name | None = None
    """Batch name (default: the file's stem)."""
    base: str = Field(min_length=1)
    """Path of the base scenario, relative to the batch file."""
    overrides: dict[Name, Patch] = {}
    """Named patches."""
    scenarios: tuple[ScenarioSpec, ...] = ()
    """Named variants, one run each."""
    sweeps: tuple[SweepSpec, ...] = ()
    """Parameter sweeps, one run per combination."""
    output: str | None = None
    """Output folder, relative to the working directory (default ``out/<name>``)."""
    workers: int | None = Field(default=None, ge=1)
    """Local worker processes (default: the number of CPUs)."""
    warm_start: bool = True
    """Reuse coverage problems and start each solve from the nearest finished plan."""
    limits: BatchLimits = BatchLimits()
    """Most runs the batch may have (checked before any run is resolved)."""

    @model_validator(mode="after")
    def _something(self) -> BatchFile:
        if not self.scenarios and not self.sweeps:
            raise ValueError("a batch needs at least one entry in scenarios or sweeps")
        return self


def path_label(path: Sequence[PathPart]) -> str:
    """``['asset_types', 'sea_station', 'unit_cost_musd']`` → ``asset_types[sea_station].unit_cost_musd``."""
    out = ""
    for k, part in enumerate(path):
        if k and (isinstance(part, int) or (k > 0 and path[k - 1] in ("asset_types", "partners",
                                                                         "points"))):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def patch_at(path: Sequence[PathPart], value: Any) -> Patch:
    """The patch that sets ``value`` at ``path``: ``patch_at(['a', 'b'], 1) == {'a': {'b': 1}}``."""
    patch: Any = value
    for part in reversed(path):
        patch = {part: patch}
    return patch


@dataclass(frozen=True, eq=False)
class RunSpec:
    """One run of a batch: its name, its fully resolved scenario and what was varied.

    Attributes
    ----------
    name
        Unique name in the batch (also the scenario's ``name``).
    scenario
        The validated scenario after every patch.
    params
        Swept values by field label (empty for a named scenario), for tables and plots.
    group
        ``scenarios`` or the sweep's name.
    """

    name: str
    scenario: Scenario
    params: dict[str, Any] = field(default_factory=dict)
    group: str = "scenarios"

    @property
    def key(self) -> str:
        """The run's key in the results store (scenario + code version, see :func:`run_key`)."""
        from planner.batch.store import run_key

        return run_key(self.scenario)


@dataclass(frozen=True, eq=False)
class Batch:
    """A list of runs and where their results go.

    Build one from a file with :func:`load_batch`, or in code::

        base = load_scenario("scenarios/north_america.yaml")
        runs = sweep_runs(base, "budget", {"budget_musd": [2000, 4000, 6000]})
        batch = Batch("my_sweep", runs, output=Path("out/my_sweep"))
    """

    name: str
    runs: tuple[RunSpec, ...]
    output: Path
    workers: int | None = None
    warm_start: bool = True
    file: Path | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "runs", tuple(self.runs))
        object.__setattr__(self, "output", Path(self.output))
        names = [r.name for r in self.runs]
        dup = sorted(n for n, c in Counter(names).items() if c > 1)
        if dup:
            raise InputError("run name used twice", file=self.file, field="runs", value=dup[0])
        if not self.runs:
            raise InputError("a batch needs at least one run", file=self.file)

    def run(self, name: str) -> RunSpec:
        """The run called ``name``."""
        for r in self.runs:
            if r.name == name:
                return r
        raise KeyError(name)


# --------------------------------------------------------------------------- resolving runs


def resolve(base: Scenario, name: str, patches: Iterable[Patch],
            file: str | Path | None = None) -> Scenario:
    """Apply ``patches`` to ``base`` in order, set ``name``, validate once at the end.

    Raises
    ------
    InputError
        Naming ``file`` and the run, the field path and the value.
    """
    from planner.scenario.schema import deep_merge

    where = f"{file} [run {name}]" if file is not None else f"[run {name}]"
    data: Any = base.model_dump(mode="json")
    try:
        for patch in patches:
            data = deep_merge(data, patch)
    except InputError as err:
        raise err.with_file(where) from None
    data = {**data, "name": name} if isinstance(data, dict) else data
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise validation_error(err, data, where) from None


def sweep_runs(base: Scenario, name: str,
               parameters: Mapping[PathPart | tuple[PathPart, ...], Sequence[Any]], *,
               mode: Literal["product", "zip"] = "product",
               patches: Sequence[Patch] = (), file: str | Path | None = None) -> list[RunSpec]:
    """The runs of a sweep, built in code.

    Parameters
    ----------
    base
        The scenario every run starts from.
    name
        The sweep's name; runs are ``<name>-000`` ….
    parameters
        ``{path: values}``; a path is a key (``"budget_musd"``) or a tuple of keys
        (``("asset_types", "sea_station", "unit_cost_musd")``).
    mode
        ``product`` or ``zip``.
    patches
        Patches applied before the swept values.
    file
        Named in errors.
    """
    paths = [p if isinstance(p, tuple) else (p,) for p in parameters]
    values = [list(v) for v in parameters.values()]
    if mode == "zip":
        if len({len(v) for v in values}) > 1:
            raise InputError("mode zip needs value lists of one length", file=file,
                             field=f"sweeps[{name}]")
        combos: Iterable[tuple[Any, ...]] = zip(*values, strict=True)
    else:
        combos = itertools.product(*values)
    runs = []
    for k, combo in enumerate(combos):
        run_name = f"{name}-{k:03d}"
        sweep_patches = [patch_at(p, v) for p, v in zip(paths, combo, strict=True)]
        scenario = resolve(base, run_name, [*patches, *sweep_patches], file)
        params = {path_label(p): v for p, v in zip(paths, combo, strict=True)}
        runs.append(RunSpec(run_name, scenario, params, group=name))
    return runs


def _patches(refs: Sequence[OverrideRef], named: Mapping[str, Patch], file: Path,
             field: str) -> list[Patch]:
    out = []
    for k, ref in enumerate(refs):
        if isinstance(ref, str):
            if ref not in named:
                known = ", ".join(named) or "none"
                raise InputError(f"no override of that name (known: {known})", file=file,
                                 field=f"{field}[{k}]", value=ref)
            out.append(named[ref])
        else:
            out.append(ref)
    return out


def parse_batch(data: Any, file: str | Path, *, output: str | Path | None = None) -> Batch:
    """Validate a parsed batch file and resolve every run.

    Raises
    ------
    InputError
        For a malformed batch, an unknown override name, a base that does not load, or a run whose
        merged scenario is invalid (naming the batch file, the run and the field).
    """
    file = Path(file)
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        raise InputError(f"a batch must be a YAML mapping, got {kind}", file=file)
    try:
        spec = BatchFile.model_validate(data)
    except ValidationError as err:
        raise validation_error(err, data, file) from None
    check_runs(spec, file)
    base = load_scenario(file.parent / spec.base)
    runs: list[RunSpec] = []
    seen: set[str] = set()

    def add(new: list[RunSpec], where: str) -> None:
        for r in new:
            if r.name in seen:
                raise InputError("run name used twice", file=file, field=where, value=r.name)
            seen.add(r.name)
        runs.extend(new)

    for k, sc in enumerate(spec.scenarios):
        patches = _patches(sc.overrides, spec.overrides, file, f"scenarios[{k}].overrides")
        add([RunSpec(sc.name, resolve(base, sc.name, patches, file))], f"scenarios[{k}].name")
    for k, sw in enumerate(spec.sweeps):
        patches = _patches(sw.overrides, spec.overrides, file, f"sweeps[{k}].overrides")
        params: dict[PathPart | tuple[PathPart, ...], list[Any]]  # the key type sweep_runs takes
        params = {tuple(p.path): list(p.values) for p in sw.parameters}
        if len(params) != len(sw.parameters):
            raise InputError("a path is swept twice", file=file, field=f"sweeps[{k}].parameters")
        add(sweep_runs(base, sw.name, params, mode=sw.mode, patches=patches, file=file),
            f"sweeps[{k}].name")
    name = spec.name or _stem_name(file)
    out = Path(output) if output is not None else Path(spec.output or Path("out") / name)
    return Batch(name, tuple(runs), out, workers=spec.workers, warm_start=spec.warm_start, file=file)


def _stem_name(file: Path) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9_.-]", "_", file.stem) or "batch"


def load_batch(path: str | Path, *, output: str | Path | None = None) -> Batch:
    """Read, validate and resolve a batch file (``output`` overrides the file's ``output``)."""
    return parse_batch(read_yaml(path), path, output=output)
