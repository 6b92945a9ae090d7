"""The ``domeplan`` command: plan a shared, layered missile-defence network from a scenario file.

Every command is a thin layer over the Python API in :mod:`planner`. Bad input prints one line on
stderr naming the file, the field and the value, and exits with code 2; nothing is written.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from planner.run.leakage import EngagementOutcome
    from planner.run.schedule import ScheduleRun
    from reports.summary import CostShareFigures, PlanSummary

app = typer.Typer(
    name="domeplan",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    help=(
        "Plan where to put the sensors and interceptors of a shared, layered missile-defence "
        "network, and how its partners split the bill.\n\n"
        "Start with: [bold]domeplan run scenarios/north_america.yaml[/bold] — then open "
        "out/north_america/report.html. All shipped asset parameters are notional."
    ),
)
console = Console(stderr=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


class StageLog:
    """One line per stage on stderr with the previous stage's time, for logs (no terminal)."""

    def __init__(self, enabled: bool) -> None:
        import time

        self.enabled, self.clock = enabled, time.perf_counter
        self.t0 = self.last = self.clock()
        self.name: str | None = None

    def __call__(self, msg: str) -> None:
        """Log the start of stage ``msg`` (closing the previous one), or an update (``"… "``)."""
        if not self.enabled:
            return
        now = self.clock()
        if msg.startswith("… "):  # an update within the current stage
            sys.stderr.write(f"[{now - self.t0:7.1f} s]   {msg.removeprefix('… ')}\n")
            sys.stderr.flush()
            return
        if self.name is not None:
            sys.stderr.write(f"[{now - self.t0:7.1f} s] done: {self.name} ({now - self.last:.1f} s)\n")
        sys.stderr.write(f"[{now - self.t0:7.1f} s] {msg}\n")
        sys.stderr.flush()
        self.name, self.last = msg, now

    def done(self) -> None:
        """Close the last stage."""
        self("finished")
        self.enabled = False


def _version(value: bool) -> None:
    if value:
        import importlib.metadata as md

        try:
            v = md.version("domeplan")
        except md.PackageNotFoundError:  # pragma: no cover - a source checkout without install
            v = "unknown"
        console.print(f"domeplan {v}", markup=False, highlight=False)
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[bool, flag(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False) -> None:
    """Plan a shared, layered missile-defence network and how its partners split the bill."""

def flag(*names: str, **kwargs: object) -> object:
    """A boolean option shown without a ``<bool>`` placeholder in ``--help``."""
    return typer.Option(*names, metavar="", **kwargs)  # type: ignore[arg-type]  # kwargs passed through to typer


ScenarioArg = Annotated[Path, typer.Argument(help="Scenario YAML file (see `domeplan schema`).",
                                             show_default=False)]


@contextmanager
def guard() -> Iterator[None]:
    """Turn domeplan's typed errors into one line on stderr and an exit code.

    Input errors exit with 2, a refused plan with 1; never a traceback for either.
    """
    from planner.errors import InputError, VerificationError

    try:
        yield
    except InputError as err:
        err_console.print(f"error: {err.line()}", markup=False)
        raise typer.Exit(2) from None
    except VerificationError as err:
        err_console.print(f"error: {err}", markup=False)
        raise typer.Exit(1) from None


def _load(path: Path, overrides: list[str] | None = None):
    from planner.scenario.overrides import apply_cli_overrides
    from planner.scenario.schema import load_scenario

    scenario = load_scenario(path)
    return apply_cli_overrides(scenario, overrides or [], file=path)


def _schedule_table(sc: ScheduleRun) -> Table:
    """The build-out year by year (constant M USD): budget, spending, defended share, core."""
    rule = None if sc.bills is None else sc.bills.reference_rule
    t = Table(show_edge=False, box=None, padding=(0, 1),
              title=f"build-out, {sc.money}; MILP {sc.solve['status']}, "
                    f"verified: {'yes' if sc.certificate.ok else 'NO'}")
    for col in ("year", "budget", "spend", "defended", f"in core ({rule})" if rule else "core"):
        t.add_column(col, justify="right")
    for y in sc.years:
        core = {True: "yes", False: "no " + "+".join(y.blocking_coalition or []), None: "-"}
        t.add_row(str(y.year), f"{y.budget_musd:,.0f}", f"{y.spend_musd:,.0f}",
                  f"{y.defended_share:.1%}", core[y.core_ok])
    tot = sc.totals
    t.caption = (f"life cycle {tot.constant_musd['total']:,.0f} (range {tot.low_musd:,.0f}"
                 f"-{tot.high_musd:,.0f}), nominal {tot.nominal_musd['total']:,.0f}; "
                 f"every milestone holds from {sc.time_to_milestones() or 'never'}")
    return t


@app.command()
def validate(scenario: ScenarioArg) -> None:
    """Check a scenario file as `run` would before solving, without solving.

    Schema, geography, point files read, solver available, size limits.
    """
    with guard():
        from planner.problem.preflight import preflight

        sc = _load(scenario)
        est = preflight(sc, scenario)  # everything run checks before solving
        console.print(f"[green]ok[/green] {scenario}: scenario '{sc.name}', "
                      f"{len(sc.partners)} partners, {len(sc.asset_types)} asset types, "
                      f"~{sum(est.sites.values()):,} candidate sites, {est.points:,} points, "
                      f"hash {sc.digest()[:12]}")


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files (for editors: yaml-language-server, VS Code)."""
    from planner.scenario.schema import json_schema

    sys.stdout.write(json.dumps(json_schema(), indent=2) + "\n")


def _summary_table(summary: PlanSummary) -> Table:
    t = Table(title=f"{summary.scenario.title}", title_justify="left", show_edge=False)
    t.add_column("partner")
    t.add_column("defended", justify="right")
    t.add_column("of", justify="right")
    t.add_column("share", justify="right")
    t.add_column("assets on territory (M USD)", justify="right")
    for p in summary.per_partner:
        t.add_row(p.name, f"{p.defended_weight:,.0f}", f"{p.total_weight:,.0f}",
                  f"{p.defended_share:.1%}", f"{p.cost_musd_on_territory:,.0f}")
    t.add_section()
    t.add_row("[bold]network[/bold]", f"[bold]{summary.defended_weight:,.0f}[/bold]",
              f"{summary.total_weight:,.0f}", f"[bold]{summary.defended_share:.1%}[/bold]",
              f"{summary.cost_musd:,.0f} of {summary.budget_musd:,.0f}")
    return t


def _assets_table(summary: PlanSummary) -> Table:
    t = Table(show_edge=False)
    for col, just in (("asset type", "left"), ("domain", "left"), ("role", "left"),
                      ("chosen", "right"), ("max", "right"), ("cost (M USD)", "right")):
        t.add_column(col, justify=just)  # type: ignore[arg-type]  # "left"/"right": rich Literals
    for a in summary.per_asset_type:
        t.add_row(a.asset_type, a.domain, a.role, str(a.chosen), str(a.max_count), f"{a.cost_musd:,.0f}")
    return t


def _adversary_table(a: dict) -> Table:
    """The chosen plan, the robust plan and the k-loss table, as an attacker who reads the plan sees them."""
    t = Table(title=f"an adversary who reads the plan (value lost, {a['value_unit']})", title_justify="left",
              show_edge=False)  # fmt: skip
    for col in ("plan", "design raid", "worst raid", "worst laydown", "cost (M USD)", "gap"):
        t.add_column(col, justify="left" if col in ("plan", "worst laydown") else "right")
    lay = lambda d: ", ".join(f"{n}×{tg} ({ar})" for ar, per in d.items() for tg, n in per.items())  # noqa: E731
    for label, p in (("chosen", a["nominal_plan"]), ("robust", a.get("robust_plan"))):
        if p:
            t.add_row(label, f"{p['expected_value_lost']:,.0f}", f"{p['worst_case_value_lost']:,.0f}",
                      lay(p["worst_case_laydown"]), f"{p['cost_musd']:,.0f}", f"{p['gap']:.2%}")  # fmt: skip
    for w in a["by_raid_size"][1:]:
        t.add_row(f"chosen, {w['raid_size']} missiles", "", f"{w['value_lost']:,.0f}", lay(w["laydown"]), "",
                  f"{w['gap']:.2%}")  # fmt: skip
    for r in a.get("interdiction", []):
        t.add_row(f"chosen, {r['k']} lost", "", f"{r['value_lost']:,.0f}", ", ".join(r["assets"]), "", "")
    return t


def _bills_table(cs: CostShareFigures) -> Table:
    """Every partner's bill (M USD) under every cost-sharing rule, and whether it is in the core."""
    rules = list(cs.allocations)
    short = {"population": "pop.", "standalone": "alone", "nucleolus": "nucl."}
    t = Table(show_edge=False, box=None, padding=(0, 1),
              title=f"bills, M USD (of {cs.bill_musd:,.0f}); * = outside the core")
    t.add_column("")
    for r in rules:
        t.add_column(short.get(r, r), justify="right")
    for p in cs.allocations[rules[0]] if rules else []:
        t.add_row(p, *(f"{round(cs.allocations[r][p]):,}" + ("*" if cs.in_core(r) is False else "")
                       for r in rules))
    return t


def _print_engagement(e: EngagementOutcome) -> None:
    """Expected leakers of the design raid and the leakage curve, one line per raid size."""
    mc, d, sv = e.monte_carlo, e.design_point, e.solution
    lo, hi = mc.ci99
    gap = "" if sv.gap is None else f", gap {sv.gap:.1%}"
    console.print(f"design raid of {e.raid.size}: expected leakers "
                  f"[bold]{d.expected_leakers:.2f}[/bold], engaged {d.engaged}, expected defeated "
                  f"{d.expected_defeated:.2f}; Monte Carlo {mc.expected_leakers:.2f} "
                  f"(99% CI {lo:.2f}-{hi:.2f}); engagement MILP {sv.termination.value}{gap}")
    curve = ", ".join(f"{p.raid_size}: {p.expected_leakers:.1f}" for p in e.curve)
    console.print(f"leakage curve (raid: expected leakers) {curve}; first magazine empty at "
                  f"{e.saturation_raid_size or 'none of these sizes'}", markup=False)


@app.command()
def run(
    scenario: ScenarioArg,
    out: Annotated[Path, typer.Option(
        help="Output root: results go to OUT/<scenario name>/, or OUT/<scenario name>--<hash>/ when "
             "--set changes the scenario (so runs never overwrite each other).")] = Path("out"),
    set_: Annotated[list[str] | None, typer.Option(
        "--set", metavar="FIELD=VALUE",
        help="Override a scenario field, e.g. --set budget_musd=8000 "
             "--set 'asset_types[1].max_count=10' (value read as YAML).")] = None,
    time_limit: Annotated[float | None, typer.Option(help="Solver time limit in seconds.")] = None,
    as_json: Annotated[bool, flag("--json", help="Print summary.json to stdout.")] = False,
    quiet: Annotated[bool, flag("--quiet", "-q", help="No progress display.")] = False,
    pdf: Annotated[bool, flag(
        "--pdf", help="Also write report.pdf (needs the pdf extra: pip install 'domeplan\\[pdf]').")] = False,
) -> None:
    """Run a scenario end to end: coverage, optimisation, verification, report.

    Writes plan.gpkg (open it in QGIS), plan.csv, points.csv, summary.json, map.png and a
    self-contained report.html (with --pdf, report.pdf too) to OUT/<scenario name>/ (with --set:
    OUT/<scenario name>--<hash>/), atomically; the folder is printed at the end.
    """
    from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

    from planner.run.pipeline import run_scenario, write_run

    with guard():
        overrides = list(set_ or [])
        if time_limit is not None:
            overrides.append(f"solver.time_limit_s={time_limit}")
        sc = _load(scenario, overrides)
        if pdf:
            from reports.pdf import INSTALL_HINT, pdf_available

            if not pdf_available():  # said before solving, not after
                err_console.print(f"error: --pdf: {INSTALL_HINT}", markup=False)
                raise typer.Exit(2)
        progress_console = Console(stderr=True)
        show = not (quiet or as_json) and progress_console.is_terminal
        lines = StageLog(enabled=not (quiet or as_json or show))  # piped, CI, a worker's log
        with Progress(SpinnerColumn(finished_text="[green]✓"), TextColumn("{task.description}"),
                      TimeElapsedColumn(), console=progress_console, disable=not show,
                      transient=False) as progress:
            current: list[TaskID] = []

            def stage(msg: str) -> None:
                lines(msg)
                if msg.startswith("… ") and current:  # an update of the current stage
                    progress.update(current[-1], description=msg.removeprefix("… "))
                    return
                if current:
                    progress.update(current[-1], completed=1, total=1)
                current.append(progress.add_task(msg, total=None))

            result = run_scenario(sc, source=scenario, stage=stage)
            stage("Writing outputs")
            paths = write_run(result, out, pdf=pdf)
            progress.update(current[-1], completed=1, total=1)
            lines.done()
        summary = result.summary()
        if as_json:
            sys.stdout.write(json.dumps(summary.to_json(), indent=2, default=str) + "\n")
            return
        console.print(_summary_table(summary))
        console.print(_assets_table(summary))
        if summary.cost_sharing is not None and summary.cost_sharing.allocations:
            console.print(_bills_table(summary.cost_sharing))
        if result.engagement is not None:
            _print_engagement(result.engagement)
        if result.schedule is not None:
            console.print(_schedule_table(result.schedule))
        if result.adversary is not None:
            console.print(_adversary_table(result.adversary.to_json()))
        gap = summary.gap
        console.print(f"status [bold]{summary.status}[/bold]"
                      + (f", gap {gap:.2%}" if gap is not None else "")
                      + f", verified: {'yes' if summary.verification.ok else 'NO'}, "
                      f"{summary.times.total_s:.1f} s")
        for name in ("report.html", "report.pdf"):
            if name in paths:
                console.print(f"report: [link=file://{paths[name].resolve()}]{paths[name]}[/link]")
        folder = paths["summary.json"].parent
        why = f" (--set changed the scenario: hash {sc.digest()[:8]})" if sc.overridden else ""
        console.print(f"outputs: {folder}/{why}", markup=False, highlight=False)


@app.command()
def allocate(
    game: Annotated[Path, typer.Option("--game", metavar="GAME.json", show_default=False,
                                       help="Game file (JSON): kind, players, coalitions, and "
                                       "optionally benefits and weights.")],
    method: Annotated[list[str], typer.Option(
        "--method", "-m", metavar="METHOD", show_default=False,
        help="Rule(s): equal, gdp, population, benefit, standalone, shapley, nucleolus, scrb (the "
        "scenario's rules) or proportional; repeat the option or give a comma-separated list.")],
    as_json: Annotated[bool, flag("--json", help="Print the allocations as JSON.")] = False,
) -> None:
    """Split a game's cost (or value) by one or more rules and check each against the core."""
    from planner.commands.allocate import allocate_file

    with guard():
        result = allocate_file(game, method)
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
        return
    methods = [m for m in result if m not in ("core", "core_by_method")]
    players = list(result[methods[0]])
    t = Table(title=f"allocations of {game}", title_justify="left", show_edge=False)
    t.add_column("partner")
    for m in methods:
        t.add_column(m, justify="right")
    for p in players:
        t.add_row(p, *(f"{result[m][p]:,.4g}" for m in methods))
    t.add_section()
    t.add_row("[bold]total[/bold]", *(f"{sum(result[m].values()):,.4g}" for m in methods))
    t.add_row("in core", *("yes" if result["core_by_method"][m]["in_core"] else "[red]no[/red]"
                           for m in methods))
    console.print(t)
    core = result["core"]
    eps = core["least_core_epsilon"]
    if core["in_core"]:
        verdict = "in the core"
    elif core["blocking_coalition"] is None:
        verdict = f"NOT in the core: not efficient (gap {core['efficiency_gap']:,.4g})"
    else:
        verdict = (f"NOT in the core: coalition {{{', '.join(core['blocking_coalition'])}}} "
                   f"would object (violation {core['max_violation']:,.4g})")
    console.print(f"core check ({core['method']}): {verdict}; least-core ε = "
                  + ("n/a" if eps is None else f"{eps:,.4g}")
                  + {True: " (core empty)", False: " (core non-empty)", None: ""}[core["core_empty"]])


@app.command()
def optimize(
    sites: Annotated[Path | None, typer.Option(help="sites.csv: site_id, cost[, type].")] = None,
    demand: Annotated[Path | None, typer.Option(help="demand.csv: demand_id, weight[, required].")] = None,
    coverage: Annotated[Path | None, typer.Option(
        help="coverage.csv: demand_id, site_id; or a sparse matrix .npz / Parquet pairs.")] = None,
    orlib_scp: Annotated[Path | None, typer.Option(
        "--orlib-scp", metavar="FILE", help="OR-Library set-covering file instead of CSVs.")] = None,
    objective: Annotated[str, typer.Option(
        help="max-coverage | min-cost | backup | expected.")] = "max-coverage",
    budget: Annotated[float | None, typer.Option(help="Budget, in the unit of the costs.")] = None,
    count: Annotated[int | None, typer.Option(help="Maximum number of sites.")] = None,
    type_max: Annotated[list[str] | None, typer.Option(
        "--type-max", metavar="TYPE=N", help="Maximum sites of a type (repeatable).")] = None,
    engine: Annotated[str, typer.Option(help="highs | pyomo | cpsat.")] = "highs",
    solver: Annotated[str | None, typer.Option(help="Pyomo solver name (with --engine pyomo).")] = None,
    time_limit: Annotated[float, typer.Option(help="Time limit in seconds.")] = 60.0,
    gap: Annotated[float, typer.Option(help="Relative optimality gap.")] = 0.0,
    threads: Annotated[int | None, typer.Option(help="Solver threads.")] = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    theta: Annotated[float, typer.Option(help="backup: weight of first coverage.")] = 0.5,
    p: Annotated[float | None, typer.Option("--p", help="expected: success probability per asset.")] = None,
    as_json: Annotated[bool, flag("--json", help="Print the result as one JSON object.")] = False,
    method: Annotated[str, typer.Option(help="auto | milp | benders | decompose (max-coverage).")] = "auto",
) -> None:
    """Solve a covering model on coverage from elsewhere (CSV files or an OR-Library file)."""
    from planner.commands.optimize import optimize_from_files
    from planner.errors import InputError

    with guard():
        limits: dict[str, int] = {}
        for item in type_max or []:
            name, _, num = item.partition("=")
            if not num.strip().isdigit():
                raise InputError("expected TYPE=N", file="--type-max", value=item)
            limits[name.strip()] = int(num)
        result = optimize_from_files(
            sites=sites, demand=demand, coverage=coverage, orlib_scp=orlib_scp, objective=objective,
            budget=budget, count=count, type_max=limits or None, engine=engine, solver=solver,
            time_limit_s=time_limit, mip_rel_gap=gap, threads=threads, seed=seed, theta=theta, p=p,
            method=method)
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
        return
    gap_txt = f", gap {result['gap']:.4%}" if result["gap"] is not None else ""
    console.print(f"status [bold]{result['status']}[/bold]{gap_txt}; objective {result['objective']}, "
                  f"bound {result['bound']}; {result['n_sites']} sites, cost {result['cost']}; "
                  f"{result['seconds']:.2f} s ({result['engine']}/{result['solver']}, "
                  f"method {result['method']})")
    if result["sites"]:
        console.print("sites: " + " ".join(result["sites"]), markup=False)
    if "diagnosis" in result:
        console.print(result["diagnosis"]["summary"], markup=False)


@app.command()
def coverage(
    scenario: ScenarioArg,
    out: Annotated[Path, typer.Option(
        help="Output root; files go to OUT/<scenario name>/coverage/.")] = Path("out"),
    set_: Annotated[list[str] | None, typer.Option(
        "--set", metavar="FIELD=VALUE", help="Override a scenario field (as for `run`).")] = None,
) -> None:
    """Compute a scenario's coverage and figures of merit without solving.

    Writes the coverage matrices (coverage.npz, and CSV files in the input format of
    `domeplan optimize`), per-point figures of merit (figures_of_merit.csv, coverage.gpkg:
    candidate sites in reach, space coverage fraction, time with 2+ satellites in view, mean and
    maximum revisit gap) and coverage_map.png.
    """
    from planner.errors import InputError
    from planner.problem.build import build_problem, space_sampling
    from planner.problem.coverage_report import coverage_map, coverage_tables, write_coverage
    from planner.scenario.schema import SpaceAsset

    with guard():
        sc = _load(scenario, list(set_ or []))
        with err_console.status("Computing coverage", spinner="dots") as status:
            try:
                problem = build_problem(sc, stage=lambda msg: status.update(msg))
            except InputError as err:
                raise (err.with_file(scenario) if err.file is None else err) from None
            tables = coverage_tables(sc, problem)
            status.update("Drawing the coverage map")
            png = coverage_map(sc, problem, tables)
            paths = write_coverage(sc, problem, tables, Path(out) / sc.name / "coverage", png)
    pts = tables.points
    t = Table(title=f"coverage of {sc.display_title}", title_justify="left", show_edge=False)
    for col in ("layer", "candidates", "points reached", "weight reached"):
        t.add_column(col, justify="left" if col == "layer" else "right")
    w = pts["weight"].to_numpy(float)
    for layer, col in (("sensor", "n_sensor_sites"), ("interceptor", "n_interceptor_sites")):
        reached = pts[col].to_numpy() > 0
        n_cand = int(((tables.sites["points_sensed"] if layer == "sensor"
                       else tables.sites["points_engaged"]) > 0).sum())
        t.add_row(layer, f"{n_cand:,}", f"{int(reached.sum()):,} of {len(pts):,}",
                  f"{w[reached].sum() / w.sum():.1%}")
    ok = pts["defendable"].to_numpy()
    t.add_row("[bold]both[/bold]", "", f"{int(ok.sum()):,} of {len(pts):,}",
              f"{w[ok].sum() / w.sum():.1%}")
    console.print(t)
    for asset in sc.asset_types:
        if isinstance(asset, SpaceAsset):
            for pattern, plan in space_sampling(asset).items():
                console.print(f"space coverage {asset.name}:{pattern}: {plan.describe()}")
    console.print(f"wrote {len(paths)} files to {Path(out) / sc.name / 'coverage'}")


def _runs_table(c) -> Table:
    t = Table(title=f"batch {c.name}: runs side by side", title_justify="left", show_edge=False)
    params = [col for col in c.runs.columns if col not in (
        "name", "group", "status", "budget_musd", "cost_musd", "defended_weight", "defended_share",
        "gap", "coverage_s", "solve_s", "wall_s", "problem_reused", "coverage_saved_s",
        "warm_start_from", "warm_start_used", "error", "key") and not col.startswith(("share_", "n_"))]
    for col in ("run", *params, "status", "budget", "cost", "defended (M)", "share", "gap", "time (s)"):
        t.add_column(col, justify="left" if col in ("run", "status") else "right",
                     no_wrap=col == "run")
    front = set(c.frontier["name"]) if not c.frontier.empty else set()
    for d in c.runs.to_dict("records"):
        ok = d["status"] != "failed"
        name = f"[bold]{d['name']}[/bold]" if d["name"] in front else d["name"]
        t.add_row(name, *(str(d[p]) for p in params),
                  d["status"] if ok else "[red]failed[/red]",
                  f"{d['budget_musd']:,.0f}", f"{d['cost_musd']:,.0f}" if ok else "",
                  f"{d['defended_weight'] / 1e6:,.2f}" if ok else "",
                  f"{d['defended_share']:.1%}" if ok else "",
                  f"{d['gap']:.2%}" if ok and d["gap"] == d["gap"] and d["gap"] is not None else "",
                  f"{d['wall_s']:.1f}" if d["wall_s"] == d["wall_s"] else "")
    return t


def _show_comparison(folder: Path) -> None:
    from planner.batch.compare import compare_batch, write_comparison

    c = compare_batch(folder)
    paths = write_comparison(folder, c)
    console.print(_runs_table(c))
    for r in c.runs[c.runs["status"] == "failed"].itertuples(index=False):
        err_console.print(f"run {r.name} failed: {r.error}", markup=False)
    if len(c.frontier) > 1:
        steps = ", ".join(f"{b:,.0f}: {m:,.0f}" for b, m in zip(
            c.frontier["budget_musd"][1:], c.frontier["marginal_per_musd"][1:], strict=True))
        console.print(f"frontier (bold runs); defended per extra M USD up to each budget: {steps}")
    s = c.stats
    console.print(f"{s['ok']} ok, {s['failed']} failed of {s['runs']} runs; run time {s['run_s']:.1f} s, "
                  f"coverage reused {s['problems_reused']}x (saved {s['coverage_saved_s']:.1f} s), "
                  f"warm starts {s['warm_starts_used']}")
    console.print(f"summary: [link=file://{paths['summary.html'].resolve()}]"
                  f"{paths['summary.html']}[/link] (with frontier.png, comparison.csv)")


@app.command()
def batch(
    batch_file: Annotated[Path, typer.Argument(
        help="Batch YAML file: base scenario, named overrides, scenarios, sweeps.", show_default=False)],
    workers: Annotated[int | None, typer.Option(
        help="Local worker processes (default: the file's workers, else the CPUs); 0 runs in this "
             "process. With --scheduler: runs in flight (default: the cluster's threads).")] = None,
    scheduler: Annotated[str | None, typer.Option(
        help="Dask scheduler address (e.g. tcp://10.0.0.5:8786): run on that cluster.")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Output folder (default: the file's output, else out/<batch name>).")] = None,
    cold: Annotated[bool, flag(
        "--cold", help="No warm re-solves: rebuild coverage and solve from scratch in every run.")] = False,
    no_run_reports: Annotated[bool, flag(
        "--no-run-reports", help="No report.html per run (saves a few seconds per run).")] = False,
    skip_failed: Annotated[bool, flag(
        "--skip-failed", help="Do not retry runs stored as failed.")] = False,
    quiet: Annotated[bool, flag("--quiet", "-q", help="No progress bar.")] = False,
    allow_outside: Annotated[bool, flag(
        "--allow-outside", help="Let the file's output: write outside the working folder.")] = False,
) -> None:
    """Run a batch of scenarios (variants and sweeps) and compare them.

    Finished runs are skipped, so an interrupted batch resumes where it stopped. Results go to
    OUT/results.duckdb and OUT/runs/<key>/ (each with its report.html; OUT/by_name/<run> links to
    it); the comparison (summary.html, linking every run's report, frontier.png, comparison.csv)
    to OUT/. Exits with 1 when a run failed (the others still ran).
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from planner.batch.runner import run_batch
    from planner.batch.spec import load_batch
    from planner.batch.store import StoreError

    with guard():
        spec = load_batch(batch_file, output=out)
        if out is None and not allow_outside:
            from planner.batch.guard import check_output_inside

            check_output_inside(spec.output, batch_file)
        from planner.problem.preflight import check_solvers

        check_solvers((r.scenario for r in spec.runs), batch_file)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("[green]{task.fields[done]} done[/green] [red]{task.fields[failed]} "
                              "failed[/red] [cyan]{task.fields[running]} running[/cyan]"),
                   TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
        with Progress(*columns, console=Console(stderr=True), disable=quiet) as progress:
            bar = progress.add_task(f"batch {spec.name}", total=len(spec.runs), done=0, failed=0,
                                    running=0)

            def show(p) -> None:
                progress.update(bar, completed=p.finished, done=p.done + p.skipped, failed=p.failed,
                                running=p.running)

            try:
                report = run_batch(spec, workers=workers, scheduler=scheduler,
                                   warm_start=False if cold else None,
                                   retry_failed=not skip_failed, on_progress=show,
                                   run_reports=not no_run_reports)
            except StoreError as err:
                err_console.print(f"error: {err}", markup=False)
                raise typer.Exit(2) from None
        if report.skipped:
            console.print(f"skipped {report.skipped} runs finished earlier")
        _show_comparison(spec.output)
    if report.failed:
        raise typer.Exit(1)


@app.command()
def compare(
    folder: Annotated[Path, typer.Argument(help="A batch's output folder.", show_default=False)],
) -> None:
    """Compare a batch's runs: cost–coverage frontier, runs side by side, plots, summary.html."""
    from planner.batch.store import StoreError

    try:
        _show_comparison(folder)
    except StoreError as err:
        err_console.print(f"error: {err}", markup=False)
        raise typer.Exit(2) from None


def main() -> None:
    """Entry point of the console script."""
    app()


if __name__ == "__main__":
    main()
