"""The self-contained HTML report: one file, inline CSS, images as base64, no external resources.

Python turns the bundle into a view model of already formatted strings (:class:`Table` and plain
dicts); the jinja2 template (autoescaped) only lays them out. A missing summary or figure becomes em
dashes or omitted blocks, never template errors (the environment uses ``StrictUndefined`` so that a template
typo still fails loudly in the tests).

Length: the report's tables are built here in page order from the typed bundle.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup

from reports.bundle import PlanBundle, ReportSection
from reports.fmt import MISSING, as_float, gap_pct, musd, num, pct, seconds
from reports.html_parts import data_uri
from reports.summary import PlanSummary

MAX_POINT_ROWS = 200
"""Rows of the defended-points table in the report; ``points.csv`` always has them all."""
PRINT_POINT_ROWS = 40
"""Rows of that table printed in the PDF."""


@dataclass(frozen=True)
class Cell:
    """One formatted table cell; ``cls`` picks its CSS class (``num``, ``ok``, ``bad``, ...)."""

    text: str
    cls: str = ""
    title: str = ""
    """Hover text (the ``title`` attribute), e.g. why a cell is flagged."""


@dataclass(frozen=True)
class Table:
    """A formatted table: headers, alignment per column (``'l'`` or ``'r'``), rows of cells."""

    headers: Sequence[str]
    align: Sequence[str]
    rows: list[list[Cell]] = field(default_factory=list)
    note: str = ""
    print_rows: int | None = None
    """Rows printed in the PDF (all on screen); ``None`` prints every row."""


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("reports", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def table_markup(
    headers: Sequence[str], align: Sequence[str], rows: list[list[Cell]], note: str = ""
) -> Markup:
    """A :class:`Table` rendered by the report's table template (autoescaped: safe to embed)."""
    html = _env().get_template("table.html.j2").render(table=Table(headers, align, rows), note=note)
    return Markup(html)


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return MISSING
    return str(value)


def _yes(value: Any) -> Cell:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return Cell(MISSING, "c")
    return Cell("yes", "c ok") if bool(value) else Cell("no", "c muted")


def weight_unit(summary: PlanSummary | None) -> str:
    """The unit of the defended weights: ``people``, ``km²`` or ``weight`` (from the defended layer)."""
    return summary.weight_unit if summary is not None and summary.weight_unit else "weight"


def partner_table(summary: PlanSummary | None) -> Table | None:
    """Return the per-partner table, or ``None`` without a summary or partner rows."""
    rows = () if summary is None else summary.per_partner
    if not rows:
        return None
    u = weight_unit(summary)
    table = Table(
        ["Partner", "ISO", f"Total ({u})", f"Defended ({u})", "Defended share",
         "Sensor-covered", "Interceptor-covered", "Cost on territory (M USD)"],
        ["l", "l", "r", "r", "r", "r", "r", "r"],
    )  # fmt: skip
    for r in rows:
        table.rows.append([
            Cell(_text(r.name)), Cell(_text(r.iso_a3), "code"),
            Cell(num(r.total_weight)), Cell(num(r.defended_weight)),
            Cell(pct(r.defended_share)), Cell(num(r.sensor_covered_weight)),
            Cell(num(r.interceptor_covered_weight)), Cell(musd(r.cost_musd_on_territory)),
        ])  # fmt: skip
    return table


def _unit_cost(row: Any, chosen: pd.DataFrame | None) -> str:
    """The unit cost; for a space layer "40.0 × 48 satellites", so that unit × count = cost reads."""
    if row.domain != "space" or chosen is None or "n_satellites" not in chosen.columns:
        return musd(row.unit_cost_musd)
    n = int(chosen.loc[chosen["asset_type"] == row.asset_type, "n_satellites"].sum())
    return f"{musd(row.unit_cost_musd)} × {num(n)} satellite{'s' if n != 1 else ''}"


def asset_type_table(summary: PlanSummary | None, constellations: pd.DataFrame | None = None) -> Table | None:
    """Return the per-asset-type table, or ``None`` without a summary or asset-type rows.

    ``constellations`` (the bundle's chosen ones) gives a space layer's satellite count, shown
    with its unit cost (a unit is one satellite).
    """
    rows = () if summary is None else summary.per_asset_type
    if not rows:
        return None
    table = Table(
        ["Asset type", "Domain", "Role", "Chosen", "Max count", "Unit cost (M USD)", "Cost (M USD)"],
        ["l", "l", "l", "r", "r", "r", "r"],
    )
    for r in rows:
        table.rows.append([
            Cell(_text(r.asset_type)), Cell(_text(r.domain)),
            Cell(_text(r.role)), Cell(_count(r.chosen)), Cell(num(r.max_count)),
            Cell(_unit_cost(r, constellations)), Cell(musd(r.cost_musd)),
        ])  # fmt: skip
    sampling = [f"{r.asset_type} {k}: {v}" for r in rows
                for k, v in (r.coverage_sampling or {}).items()]  # fmt: skip
    if sampling:
        return replace(table, note="Space coverage time averages: " + "; ".join(sampling) + ".")
    return table


def _site_partner(domain: Any, partner: Any) -> str:
    """``USA`` on land, ``USA waters`` or ``international waters`` at sea."""
    text = _text(partner) if partner else ""
    if domain == "sea":
        return "international waters" if not text or text == "international waters" else f"{text} waters"
    return text or MISSING


def chosen_sites_table(bundle: PlanBundle) -> Table:
    """Return the chosen land and sea sites, by asset type then site id."""
    table = Table(
        ["Site", "Asset type", "Domain", "Role", "Partner", "Lon", "Lat",
         "Sensor reach (km)", "Engagement (km)", "Cost (M USD)"],
        ["l", "l", "l", "l", "l", "r", "r", "r", "r", "r"],
    )  # fmt: skip
    chosen = bundle.chosen_sites
    if len(chosen):
        chosen = chosen.sort_values(["asset_type", "site_id"])
    for r, g in zip(chosen.itertuples(index=False), chosen.geometry, strict=True):
        table.rows.append([
            Cell(_text(r.site_id), "code"), Cell(_text(r.asset_type)), Cell(_text(r.domain)),
            Cell(_text(r.role)), Cell(_site_partner(r.domain, r.partner)), Cell(num(g.x, 3)),
            Cell(num(g.y, 3)), Cell(num(r.sensor_reach_km)), Cell(num(r.engagement_range_km)),
            Cell(musd(r.cost_musd)),
        ])  # fmt: skip
    return table


def constellation_table(bundle: PlanBundle) -> Table | None:
    """Return the space options with their choice, or ``None`` without a space layer."""
    c = bundle.constellations
    if len(c) == 0:
        return None
    table = Table(
        ["Option", "Asset type", "Pattern", "Altitude (km)", "Satellites", "Role", "Chosen", "Cost (M USD)"],
        ["l", "l", "l", "r", "r", "l", "c", "r"],
    )
    for r in c.sort_values("site_id").itertuples(index=False):
        table.rows.append([
            Cell(_text(r.site_id), "code"), Cell(_text(r.asset_type)), Cell(_text(r.pattern), "code"),
            Cell(num(r.altitude_km)), Cell(num(r.n_satellites)), Cell(_text(r.role)),
            _yes(r.chosen), Cell(musd(r.cost_musd)),
        ])  # fmt: skip
    return table


def points_table(bundle: PlanBundle, limit: int = MAX_POINT_ROWS) -> Table | None:
    """Return the defended points, heaviest first, at most ``limit`` rows (fewer printed)."""
    unit = weight_unit(bundle.summary)
    pts = bundle.points
    if len(pts) == 0:
        return None
    order = (
        pd.to_numeric(pts["weight"], errors="coerce")
        .fillna(0)
        .sort_values(ascending=False, kind="stable")
        .index
    )
    shown = pts.loc[order[:limit]]
    more = len(pts) - len(shown)
    table = Table(
        [
            "Point",
            "Name",
            "Partner",
            unit.capitalize() if unit != "km²" else "Area (km²)",
            "Sensor",
            "Interceptor",
            "Space fraction",
            "Defended",
        ],
        ["l", "l", "l", "r", "c", "c", "r", "c"],
        note=f"Heaviest {len(shown):,} of {len(pts):,} points; all are in points.csv." if more else "",
        print_rows=PRINT_POINT_ROWS,
    )
    for r in shown.itertuples(index=False):
        defended = bool(r.defended)
        table.rows.append([
            Cell(_text(r.demand_id), "code"), Cell(_text(r.name)), Cell(_text(r.partner)),
            Cell(num(r.weight)), _yes(r.sensor_covered), _yes(r.interceptor_covered),
            Cell(pct(r.space_fraction)), Cell("defended", "c ok") if defended
            else Cell("undefended", "c bad"),
        ])  # fmt: skip
    return table


def frame_table(frame: pd.DataFrame, decimals: int = 1, index: bool = True) -> Table:
    """Format any DataFrame as a :class:`Table`: numbers right-aligned with thousands separators."""
    df = frame.reset_index() if index and not isinstance(frame.index, pd.RangeIndex) else frame
    numeric = [
        pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]) for c in df.columns
    ]
    table = Table([str(c) for c in df.columns], ["r" if n else "l" for n in numeric])
    for values in df.itertuples(index=False):
        table.rows.append(
            [Cell(num(v, decimals)) if n else Cell(_text(v)) for v, n in zip(values, numeric, strict=True)]
        )
    return table


def table_section(title: str, frame: pd.DataFrame, *, note: str = "", decimals: int = 1) -> ReportSection:
    """Return a :class:`ReportSection` showing ``frame`` in the report's table style.

    Parameters
    ----------
    title
        Section heading.
    frame
        Table to show; a non-default index is shown as leading column(s).
    note
        Plain text shown under the table (escaped).
    decimals
        Decimals for numeric columns (1 suits M USD).
    """
    table = frame_table(frame, decimals)
    html = _env().get_template("table.html.j2").render(table=table, note=note)
    return ReportSection(title=title, html=html)


def _headline(summary: PlanSummary | None) -> list[dict[str, str]]:
    cards = []
    unit = weight_unit(summary)
    s = summary
    cards.append({
        "label": f"Defended share of {unit}", "value": pct(s and s.defended_share),
        "sub": f"{num(s and s.defended_weight)} of {num(s and s.total_weight)} {unit}",
    })  # fmt: skip
    cost, budget = as_float(s and s.cost_musd), as_float(s and s.budget_musd)
    used = f" ({pct(cost / budget)} used)" if cost is not None and budget else ""
    cards.append({"label": "Cost (M USD)", "value": musd(cost), "sub": f"budget {musd(budget)}{used}"})
    term = s and s.termination
    cards.append({
        "label": "Solver status", "value": _text(s and s.status),
        "sub": f"gap {gap_pct(s and s.gap)}" + (f" · {term}" if term else ""),
    })  # fmt: skip
    if s is not None:
        ok = s.verification.ok
        cards.append({
            "label": "Verification", "value": "passed" if ok else "FAILED",
            "sub": f"{len(s.verification.checks)} checks", "cls": "ok" if ok else "bad",
        })  # fmt: skip
    return cards


def _verification(summary: PlanSummary | None) -> dict[str, Any] | None:
    if summary is None:
        return None
    ver = summary.verification
    checks = [{"name": _text(c.name), "ok": c.ok, "detail": _text(c.detail)} for c in ver.checks]
    facts = [(_label(k), _scalar(v)) for k, v in asdict(ver).items() if k not in ("ok", "checks")]
    return {"ok": ver.ok, "checks": checks, "facts": facts}


def _scalar(value: Any) -> str:
    x = as_float(value)
    if x is not None and not isinstance(value, int | np.integer):
        if x.is_integer() or abs(x) >= 1e4:
            return num(x)
        return num(x, 1) if abs(x) >= 100 else f"{x:.6g}"
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return num(value)
    return _text(value)


_UNITS = {"_musd": " (M USD)", "_km": " (km)", "_s": " (s)"}


def _label(key: Any) -> str:
    """Return ``time_limit_s`` as ``time limit (s)``, ``cost_musd`` as ``cost (M USD)``."""
    text = str(key)
    for suffix, unit in _UNITS.items():
        if text.endswith(suffix):
            return text.removesuffix(suffix).replace("_", " ") + unit
    return text.replace("_", " ")


def _pairs(d: Any, fmt_seconds: bool = False) -> list[tuple[str, str]]:
    if not isinstance(d, dict):
        return []
    return [
        (
            str(k).removesuffix("_s").replace("_", " ") if fmt_seconds else _label(k),
            seconds(v) if fmt_seconds else _scalar(v),
        )
        for k, v in d.items()
    ]


def _scenario(bundle: PlanBundle) -> dict[str, str]:
    if bundle.summary is None:
        return {"name": bundle.scenario_name, "title": bundle.title, "file": "", "hash": MISSING,
                "distribution": ""}  # fmt: skip
    sc = bundle.summary.scenario
    return {
        "name": _text(sc.name),
        "title": _text(sc.title),
        "file": str(sc.file) if sc.file else "",
        "hash": _text(sc.hash),
        "distribution": str(sc.distribution or ""),
    }


def _layers(summary: PlanSummary | None) -> list[tuple[str, str, str]]:
    if summary is None:
        return []
    layer = asdict(summary.per_layer)
    total = as_float(summary.total_weight)
    return [
        (
            k.removesuffix("_weight").replace("_", " "),
            num(v),
            pct(x / total) if total and x is not None else MISSING,
        )
        for k, v in layer.items()
        for x in [as_float(v)]
    ]


STANDARD_SECTIONS = (
    ("headline", "Headline"),
    ("map", "Map"),
    ("coverage", "Coverage and cost"),
    ("partners", "Partners"),
    ("asset-types", "Asset types"),
    ("sites", "Chosen sites"),
    ("why", "Why each site"),
    ("points", "Defended points"),
    ("verification", "Verification"),
)
"""Anchor and title of the built-in sections, in page order (extra sections follow)."""


def _toc(context: dict[str, Any], extra: list[dict[str, Any]]) -> list[tuple[str, str]]:
    present = {
        "headline": True,
        "map": context["map_src"] or context["live_map"],
        "coverage": context["charts_src"] or context["layers"],
        "partners": context["partners"],
        "asset-types": context["asset_types"],
        "sites": True,
        "why": context["why"],
        "points": context["points"],
        "verification": context["verification"],
    }
    toc = [(key, title) for key, title in STANDARD_SECTIONS if present[key]]
    toc += [(sec["id"], sec["title"]) for sec in extra]
    return [*toc, ("run-details", "Run details")]


def render_html(
    bundle: PlanBundle,
    *,
    map_png: bytes | None = None,
    charts_png: bytes | None = None,
    sections: Iterable[ReportSection] | None = None,
    generated: datetime | None = None,
    interactive: bool = True,
) -> str:
    """Render the report of ``bundle`` as one self-contained HTML page.

    Parameters
    ----------
    bundle
        The plan to report.
    map_png, charts_png
        PNG images embedded as base64 ``data:`` URIs (omitted when ``None``); the map PNG is the
        printed map when the interactive one is shown on screen.
    sections
        Sections appended after the standard ones; defaults to ``bundle.sections``.
    generated
        Time of generation printed on the cover (default: now, UTC).
    interactive
        Embed the interactive map (Leaflet and the vector data inlined: no network).

    Returns
    -------
    str
        The page, referencing no external resource.
    """
    from reports.flags import flag_summary
    from reports.theatres import theatres
    from reports.why import why_table

    s = bundle.summary
    when = (generated or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    live = None
    if interactive:
        from reports.livemap import live_map

        live = live_map(bundle)
    extra = [
        {"title": sec.title, "html": Markup(sec.html), "id": sec.anchor, "wide": sec.wide}
        for sec in (bundle.sections if sections is None else sections)
    ]
    cs = None if s is None else s.cost_sharing
    context = {
        "title": bundle.title,
        "generated": when,
        "notional_note": bundle.notional_note,
        "scenario": _scenario(bundle),
        "headline": _headline(s),
        "flags": flag_summary(None if cs is None or cs.checks is None else dict(cs.checks)),
        "weight_unit": weight_unit(s),
        "layers": _layers(s),
        "map_src": data_uri(map_png or None),
        "map_insets": len(theatres(bundle)) > 1,
        "live_map": None if live is None else Markup(live.html),
        "live_map_script": Markup("") if live is None else Markup(live.script),
        "charts_src": data_uri(charts_png or None),
        "partners": partner_table(s),
        "asset_types": asset_type_table(s, bundle.chosen_constellations),
        "sites": chosen_sites_table(bundle),
        "why": why_table(bundle),
        "constellations": constellation_table(bundle),
        "points": points_table(bundle),
        "verification": _verification(s),
        "solver": _pairs(None if s is None else asdict(s.solver)),
        "times": _pairs(None if s is None else s.times.to_json(), fmt_seconds=True),
        "versions": _pairs(None if s is None else dict(s.versions)),
        "objective": {"objective": _scalar(s and s.objective), "bound": _scalar(s and s.bound)},
        "attribution": bundle.attribution,
        "sections": extra,
    }
    context["toc"] = _toc(context, extra)
    return _env().get_template("report.html.j2").render(**context)


def _count(value: Any) -> str:
    """A count with separators, or the text itself (a constellation's chosen pattern)."""
    return num(value) if as_float(value) is not None else _text(value)
