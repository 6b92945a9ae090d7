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

PROBE = r"""<script>
(function () {
  var P = window.__probe = {errors: [], console: []};
  var orig = console.error;
  console.error = function () { P.console.push(Array.prototype.join.call(arguments, ' ')); orig.apply(console, arguments); };
  window.addEventListener('error', function (e) { P.errors.push(String(e.message || e.type) + ' ' + (e.filename || (e.target && (e.target.src || e.target.href)) || '')); }, true);
  window.addEventListener('load', function () { setTimeout(function () {
    P.resources = performance.getEntriesByType('resource').map(function (r) { return r.name; });
    P.docWidth = document.documentElement.scrollWidth; P.winWidth = window.innerWidth;
    P.tables = Array.prototype.map.call(document.querySelectorAll('section[id] table'), function (t) {
      var s = t.closest('section[id]'); var box = (t.closest('.table-wrap') || t.parentElement);
      return {section: s ? s.id : '', width: t.scrollWidth, room: box.clientWidth,
              right: t.getBoundingClientRect().right};
    });
    var m = document.getElementById('map-live');
    P.mapLayers = m ? (m.getAttribute('data-layers') || '').split('|').filter(Boolean) : null;
    P.mapPaths = m ? m.querySelectorAll('path').length : 0;
    P.links = Array.prototype.map.call(document.querySelectorAll('a[href]'), function (a) { return a.getAttribute('href'); });
    var pre = document.createElement('pre'); pre.id = '__probe'; pre.textContent = JSON.stringify(P);
    document.body.appendChild(pre);
  }, 50); });
})();
</script>"""


def chromium() -> str | None:
    """Path of a Chromium executable, or ``None``."""
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def probe(page: Path, width: int = 1024, height: int = 900, timeout_s: float = 90.0) -> dict[str, Any]:
    """Load a copy of ``page`` (same folder, so relative links resolve) with the probe; return its findings."""
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
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
             f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
             f"--window-size={width},{height}", "--virtual-time-budget=3000", "--dump-dom",
             copy.resolve().as_uri()],
            capture_output=True, text=True, timeout=timeout_s, check=False)
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
