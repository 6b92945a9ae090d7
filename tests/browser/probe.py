"""Open a page in headless Chromium and read what a probe script saw: requests, errors, overflow, layers.

No DevTools client is needed: a copy of the page gets a probe script first in ``<head>`` that records
``console.error`` calls and uncaught errors from the start; after the load event (and a virtual-time
budget for timers) it writes, into the DOM, every resource the page requested (Resource Timing), the
widths of the main tables against their containers at the window's width, and the interactive map's
layers. ``chromium --dump-dom`` prints the DOM, from which the JSON is read back. Chromium's own
console log (``--enable-logging=stderr``) is returned too, as a second witness of console errors.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

PROBE = "<script>\n" + (Path(__file__).with_name("probe.js")).read_text(encoding="utf-8") + "</script>"


def chromium() -> str | None:
    """Path of a Chromium executable, or ``None``."""
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def probe(page: Path, width: int = 1024, height: int = 900, timeout_s: float = 90.0) -> dict[str, Any]:
    """Load a copy of ``page`` with the probe (same folder: relative links resolve); return its findings."""
    exe = chromium()
    if exe is None:
        raise RuntimeError("chromium not found")
    text = page.read_text(encoding="utf-8")
    head = re.search(r"<head[^>]*>", text, flags=re.IGNORECASE)
    at = head.end() if head else 0
    copy = page.with_name(f".probe-{page.name}")
    copy.write_text(text[:at] + PROBE + text[at:], encoding="utf-8")
    profile = tempfile.mkdtemp(prefix="chromium-probe-")
    try:
        done = subprocess.run(
            [
                exe,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-extensions",
                f"--user-data-dir={profile}",
                "--enable-logging=stderr",
                "--v=0",
                f"--window-size={width},{height}",
                "--virtual-time-budget=3000",
                "--dump-dom",
                copy.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    finally:
        copy.unlink(missing_ok=True)
        shutil.rmtree(profile, ignore_errors=True)
    found = re.search(r'<pre id="__probe">(.*?)</pre>', done.stdout, flags=re.DOTALL)
    if not found:
        raise RuntimeError(f"the probe did not report (exit {done.returncode}): {done.stderr[-2000:]}")
    import html

    out = json.loads(html.unescape(found.group(1)))
    out["chromium_console"] = [line for line in done.stderr.splitlines() if "CONSOLE" in line]
    return out
