"""The results store of a batch: a DuckDB file and one folder per run, both written atomically.

Layout of a batch's output folder::

    results.duckdb        tables runs, plans, partners, allocations, batch_runs
    runs/<key>/           plan.gpkg, summary.json, record.json (the run's rows), written atomically

A run's **key** is the SHA-256 of its fully resolved scenario's canonical JSON and the code version
(:func:`code_version`: domeplan's version, a hash of the package sources and the solver libraries'
versions), so a rerun skips finished runs and any changed input or code reruns.

**Crash safety.** Only the parent process writes. A finished run is stored in two steps: its folder
is swapped into ``runs/<key>/`` (:func:`reports.atomic.atomic_directory`), then its rows are inserted
in one transaction (``runs.key`` is the primary key). A SIGKILL between or during the steps leaves
either a folder without rows, which :meth:`ResultStore.reconcile` ingests from ``record.json`` on
the next start, or nothing; a row never exists without its folder (a row whose folder was deleted
by hand is dropped and its run redone). DuckDB's write-ahead log makes each commit durable.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.metadata as md
import json
import math
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.scenario.schema import Scenario

DB_NAME = "results.duckdb"
RUNS_DIR = "runs"
RECORD = "record.json"
_PACKAGES = ("planner", "models", "geodata", "reports")
_LIBS = ("domeplan", "numpy", "scipy", "highspy", "ortools", "pyomo", "shapely", "pyproj")

RUN_COLUMNS: dict[str, str] = {
    "key": "VARCHAR PRIMARY KEY",
    "name": "VARCHAR NOT NULL",
    "batch": "VARCHAR",
    "grp": "VARCHAR",
    "params": "JSON",
    "scenario_hash": "VARCHAR",
    "problem_hash": "VARCHAR",
    "code_version": "VARCHAR",
    "status": "VARCHAR NOT NULL",
    "termination": "VARCHAR",
    "objective": "DOUBLE",
    "bound": "DOUBLE",
    "gap": "DOUBLE",
    "cost_musd": "DOUBLE",
    "budget_musd": "DOUBLE",
    "defended_weight": "DOUBLE",
    "total_weight": "DOUBLE",
    "defended_share": "DOUBLE",
    "n_chosen": "INTEGER",
    "coverage_s": "DOUBLE",
    "build_s": "DOUBLE",
    "solve_s": "DOUBLE",
    "verify_s": "DOUBLE",
    "total_s": "DOUBLE",
    "wall_s": "DOUBLE",
    "coverage_saved_s": "DOUBLE",
    "problem_reused": "BOOLEAN",
    "warm_start_from": "VARCHAR",
    "warm_start_used": "BOOLEAN",
    "error": "VARCHAR",
    "worker": "VARCHAR",
    "finished_at": "TIMESTAMP",
}
PLAN_COLUMNS = {"run_key": "VARCHAR", "site_id": "VARCHAR", "asset_type": "VARCHAR",
                "domain": "VARCHAR", "role": "VARCHAR", "cost_musd": "DOUBLE", "lon": "DOUBLE",
                "lat": "DOUBLE", "partner": "VARCHAR", "pattern": "VARCHAR"}
PARTNER_COLUMNS = {"run_key": "VARCHAR", "iso_a3": "VARCHAR", "name": "VARCHAR",
                   "total_weight": "DOUBLE", "defended_weight": "DOUBLE",
                   "defended_share": "DOUBLE", "sensor_covered_weight": "DOUBLE",
                   "interceptor_covered_weight": "DOUBLE", "cost_musd_on_territory": "DOUBLE"}
ALLOCATION_COLUMNS = {"run_key": "VARCHAR", "rule": "VARCHAR", "partner": "VARCHAR",
                      "amount_musd": "DOUBLE"}
"""The allocations frame's columns (:data:`models.costshare.registry.RULE_COLUMNS`) keyed by run."""
_TABLES = {
    "runs": (RUN_COLUMNS, None),
    "plans": (PLAN_COLUMNS, "run_key, site_id"),
    "partners": (PARTNER_COLUMNS, "run_key, iso_a3"),
    "allocations": (ALLOCATION_COLUMNS, "run_key, rule, partner"),
}


class StoreError(RuntimeError):
    """The results store cannot be opened (missing, locked by another batch, or not DuckDB)."""


@functools.cache
def code_version() -> str:
    """Identity of the code that makes a result: versions and a hash of the package sources."""
    root = Path(__file__).resolve().parents[2]
    h = hashlib.sha256()
    for pkg in _PACKAGES:
        for path in sorted((root / pkg).rglob("*.py")):
            h.update(str(path.relative_to(root)).encode())
            h.update(path.read_bytes())
    libs = []
    for dist in _LIBS:
        try:
            libs.append(f"{dist}={md.version(dist)}")
        except md.PackageNotFoundError:
            libs.append(f"{dist}=?")
    return f"{','.join(libs)};src={h.hexdigest()[:16]}"


def run_key(scenario: Scenario) -> str:
    """SHA-256 of the scenario's canonical JSON and :func:`code_version`."""
    return hashlib.sha256(f"{scenario.canonical_json()}\n{code_version()}".encode()).hexdigest()


def _clean(value: Any) -> Any:
    """JSON- and DuckDB-safe scalars (NaN → None, numpy → Python)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass(frozen=True, eq=False)
class RunRecord:
    """Everything stored for one run, as a worker returns it (picklable, no open handles).

    Attributes
    ----------
    key, name
        The run's key and name.
    row
        The ``runs`` row (columns :data:`RUN_COLUMNS`).
    plans, partners, allocations
        Rows of those tables (without ``run_key``).
    files
        Files of ``runs/<key>/`` by name (empty for a failed run).
    x
        The plan as a boolean mask over the problem's sites (for warm starts; not stored).
    """

    key: str
    name: str
    row: dict[str, Any]
    plans: list[dict[str, Any]] = field(default_factory=list)
    partners: list[dict[str, Any]] = field(default_factory=list)
    allocations: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    x: np.ndarray | None = None

    @property
    def ok(self) -> bool:
        """Whether the run produced a verified plan."""
        return self.row.get("status") != "failed"

    def to_json(self) -> str:
        """The rows as JSON (``record.json``)."""
        return json.dumps({"key": self.key, "name": self.name, "row": self.row, "plans": self.plans,
                           "partners": self.partners, "allocations": self.allocations},
                          default=str, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> RunRecord:
        """Read ``record.json`` back."""
        d = json.loads(text)
        return cls(d["key"], d["name"], d["row"], d["plans"], d["partners"], d["allocations"])


@dataclass(frozen=True)
class Reconciled:
    """What :meth:`ResultStore.reconcile` repaired."""

    ingested: tuple[str, ...] = ()
    """Run folders whose rows were missing (a kill between folder and rows), now inserted."""
    dropped_rows: tuple[str, ...] = ()
    """Rows whose folder was missing, deleted so that their runs are redone."""
    removed: tuple[str, ...] = ()
    """Temporary or unreadable folders removed."""


class ResultStore:
    """A batch's results: DuckDB tables plus ``runs/<key>/`` folders.

    Parameters
    ----------
    folder
        The batch's output folder (created if needed, unless ``read_only``).
    read_only
        Open the database read-only (for ``domeplan compare`` and notebooks).
    """

    def __init__(self, folder: str | Path, *, read_only: bool = False) -> None:
        import duckdb

        self.folder = Path(folder)
        self.read_only = read_only
        self.db_path = self.folder / DB_NAME
        self.runs_dir = self.folder / RUNS_DIR
        if read_only and not self.db_path.exists():
            raise StoreError(f"{self.db_path}: no results store here (run `domeplan batch` first)")
        if not read_only:
            self.runs_dir.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(self.db_path), read_only=read_only)
        except duckdb.Error as err:
            first = str(err).splitlines()[0]
            raise StoreError(f"{self.db_path}: cannot open the results store ({first})") from None
        if not read_only:
            self._create()

    # -- lifecycle ------------------------------------------------------------------------------
    def close(self) -> None:
        """Close the database."""
        self.con.close()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _create(self) -> None:
        for table, (cols, pk) in _TABLES.items():
            body = ", ".join(f"{c} {t}" for c, t in cols.items())
            if pk:
                body += f", PRIMARY KEY ({pk})"
            self.con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({body})")
        self.con.execute("CREATE TABLE IF NOT EXISTS batch_runs (name VARCHAR PRIMARY KEY, "
                         "key VARCHAR NOT NULL, grp VARCHAR, params JSON, position INTEGER)")

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    # -- writing --------------------------------------------------------------------------------
    def set_batch(self, runs: Sequence[tuple[str, str, str, dict[str, Any]]]) -> None:
        """Record the current batch's membership: ``(name, key, group, params)`` in order."""
        with self._transaction():
            self.con.execute("DELETE FROM batch_runs")
            if runs:
                self.con.executemany(
                    "INSERT INTO batch_runs VALUES (?, ?, ?, ?, ?)",
                    [(n, k, g, json.dumps(p, default=str), i) for i, (n, k, g, p) in enumerate(runs)])

    def _insert(self, rec: RunRecord) -> None:
        # Inside a transaction: replacing a failed run's rows and inserting are one commit.
        for table in ("plans", "partners", "allocations"):
            self.con.execute(f"DELETE FROM {table} WHERE run_key = ?", [rec.key])
        self.con.execute("DELETE FROM runs WHERE key = ?", [rec.key])
        row = {c: _clean(rec.row.get(c)) for c in RUN_COLUMNS}
        row["key"], row["name"] = rec.key, rec.name
        if isinstance(row["params"], dict):
            row["params"] = json.dumps(row["params"], default=str)
        cols = list(RUN_COLUMNS)
        self.con.execute(f"INSERT INTO runs ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                         [row[c] for c in cols])
        for table, rows, spec in (("plans", rec.plans, PLAN_COLUMNS),
                                  ("partners", rec.partners, PARTNER_COLUMNS),
                                  ("allocations", rec.allocations, ALLOCATION_COLUMNS)):
            if rows:
                cols = list(spec)
                self.con.executemany(
                    f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                    [[rec.key if c == "run_key" else _clean(r.get(c)) for c in cols] for r in rows])

    def record(self, rec: RunRecord) -> None:
        """Store one run: its folder first (atomically), then its rows in one transaction."""
        from reports.atomic import atomic_directory

        if rec.ok:
            with atomic_directory(self.runs_dir / rec.key) as tmp:
                for name, data in rec.files.items():
                    (tmp / name).write_bytes(data)
                (tmp / RECORD).write_text(rec.to_json(), encoding="utf-8")
        with self._transaction():
            self._insert(rec)

    def reconcile(self) -> Reconciled:
        """Repair what a kill left behind (see the module docstring); call before running."""
        removed, ingested, dropped = [], [], []
        for path in sorted(self.runs_dir.iterdir()) if self.runs_dir.exists() else []:
            if path.name.startswith("."):  # temporary or backup folders of atomic_directory
                shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink()
                removed.append(path.name)
        keys = {k for (k,) in self.con.execute("SELECT key FROM runs WHERE status <> 'failed'")
                .fetchall()}
        folders = {p.name for p in self.runs_dir.iterdir() if p.is_dir()}
        for key in sorted(folders - keys):
            try:
                rec = RunRecord.from_json((self.runs_dir / key / RECORD).read_text(encoding="utf-8"))
                if rec.key != key:
                    raise ValueError("record of another run")
            except (OSError, ValueError, KeyError):
                shutil.rmtree(self.runs_dir / key, ignore_errors=True)
                removed.append(key)
                continue
            with self._transaction():
                self._insert(rec)
            ingested.append(key)
        for key in sorted(keys - folders):
            with self._transaction():
                for table in ("plans", "partners", "allocations"):
                    self.con.execute(f"DELETE FROM {table} WHERE run_key = ?", [key])
                self.con.execute("DELETE FROM runs WHERE key = ?", [key])
            dropped.append(key)
        return Reconciled(tuple(ingested), tuple(dropped), tuple(removed))

    # -- reading --------------------------------------------------------------------------------
    def statuses(self) -> dict[str, str]:
        """Status of every stored run by key."""
        return dict(self.con.execute("SELECT key, status FROM runs").fetchall())

    def query(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """Run SQL on the store and return a DataFrame."""
        return self.con.execute(sql, list(params)).df()

    def runs(self, *, current: bool = True) -> pd.DataFrame:
        """The runs table; ``current``: only the runs of the last batch, in batch order."""
        if not current:
            return self.query("SELECT * FROM runs ORDER BY finished_at")
        return self.query("SELECT r.* REPLACE (b.grp AS grp, b.params AS params) "
                          "FROM batch_runs b JOIN runs r ON r.key = b.key ORDER BY b.position")

    def _of_current(self, table: str) -> pd.DataFrame:
        return self.query(f"SELECT b.name, t.* FROM batch_runs b JOIN {table} t ON t.run_key = b.key "
                          f"ORDER BY b.position")

    def plans(self) -> pd.DataFrame:
        """Chosen sites of the current batch's runs (one row per run and site)."""
        return self._of_current("plans")

    def partners(self) -> pd.DataFrame:
        """Per-partner results of the current batch's runs."""
        return self._of_current("partners")

    def allocations(self) -> pd.DataFrame:
        """Cost allocations of the current batch's runs (rule, partner, amount_musd)."""
        return self._of_current("allocations")

    def key_of(self, name_or_key: str) -> str:
        """The key of a run of the current batch by name (a key is returned as is)."""
        got = self.con.execute("SELECT key FROM batch_runs WHERE name = ?", [name_or_key]).fetchone()
        if got:
            return str(got[0])
        if (self.runs_dir / name_or_key).is_dir():
            return name_or_key
        raise KeyError(f"no run named {name_or_key!r} in {self.folder}")

    def run_folder(self, name_or_key: str) -> Path:
        """The folder of a run (``runs/<key>/``)."""
        return self.runs_dir / self.key_of(name_or_key)

    def summary(self, name_or_key: str) -> dict[str, Any]:
        """A run's ``summary.json``."""
        return json.loads((self.run_folder(name_or_key) / "summary.json").read_text(encoding="utf-8"))

    def layer(self, name_or_key: str, layer: str = "sites") -> Any:
        """A layer of a run's ``plan.gpkg`` as a GeoDataFrame (``sites``, ``points``, ``partners``)."""
        import geopandas as gpd

        return gpd.read_file(self.run_folder(name_or_key) / "plan.gpkg", layer=layer)
