// The probe script of tests/browser/probe.py (inserted first in <head> of a copy of the page).
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
      return {section: s ? s.id : '', head: t.rows.length ? t.rows[0].textContent.trim().slice(0, 60) : '',
              width: t.scrollWidth, room: box.clientWidth,
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
