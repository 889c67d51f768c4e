"""The styles and the script of the HTML stepper, inlined into every page (no file, no network).

The script is generic: it knows nothing of networks. Elements say when they matter with
data-on (shown from that step on), data-at (highlighted at those steps), data-arrive (a gradient
arrives there at those steps) and data-step (a panel shown at that step); the script only moves
the current step and switches classes. Without it (a notebook that runs no JavaScript) the
picture and the table show the finished step whole.
"""

from __future__ import annotations

CSS = """
.gw-root{font-family:system-ui,'DejaVu Sans','Segoe UI',Arial,sans-serif;color:#1f1f1f;
  max-width:100%;outline:none;line-height:1.35}
.gw-root h1{font-size:1.25rem;margin:.1em 0}
.gw-facts{color:#555;margin:.1em 0 .3em;font-size:.85rem}
.gw-bar{display:flex;flex-wrap:wrap;gap:.45em;align-items:center;padding:.35em 0;
  background:#fff;position:sticky;top:0;z-index:2}
.gw-bar button{font:inherit;font-size:1rem;padding:.3em .8em;border:1px solid #5d6d7e;
  border-radius:5px;background:#eef3f8;cursor:pointer}
.gw-bar button:disabled{opacity:.4;cursor:default}
.gw-count{font-weight:bold;margin-left:.6em}
.gw-hint{color:#777;font-size:.9rem}
.gw-stage{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}
.gw-pictures{flex:0 1 auto;display:flex;flex-wrap:wrap;gap:1em;min-width:0}
.gw-figure{margin:0;flex:1 1 360px;min-width:0;overflow-x:auto}
.gw-lr .gw-pictures,.gw-lr .gw-panels{flex-basis:100%}
.gw-figure figcaption{font-weight:bold;color:#555}
.gw-figure svg{max-width:100%;height:auto;display:block}
.gw-page .gw-figure svg{max-height:calc(100vh - 110px);width:auto}
.gw-panels{flex:1 1 380px;min-width:300px}
.gw-page .gw-panels{position:sticky;top:3.2em;align-self:flex-start}
.gw-panel-pair{display:flex;flex-wrap:wrap;gap:1em}
.gw-panel-pair>div{flex:1 1 300px}
.gw-side{font-weight:bold;color:#555}
.gw-compare .gw-panels{flex:1 1 100%}
.gw-page.gw-compare .gw-figure svg{max-height:62vh}
.gw-phase{color:#5d6d7e;font-size:.95rem;text-transform:none}
.gw-formula{font-size:1.45rem;font-weight:bold;margin:.2em 0}
.gw-formula.gw-back{color:#c0392b}
.gw-shape{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:1.15rem;margin:.2em 0}
.gw-note,.gw-arrive-line{margin:.25em 0}
.gw-arrive-line{color:#c0392b}
.gw-rule{color:#444;font-size:.95rem;margin-top:.5em}
.gw-matrices{display:flex;flex-wrap:wrap;align-items:center;gap:.4em;margin:.4em 0}
.gw-matrix{margin:0}
.gw-matrix figcaption{font-size:.85rem;color:#555}
.gw-matrix pre{margin:0;font-size:.85rem;background:#f6f8fa;padding:.2em .4em;border-radius:4px}
.gw-op{font-size:1.1rem;color:#555}
.gw-legend{color:#555;font-size:.9rem;margin:.4em 0}
.gw-legend .gw-b{color:#c0392b}
.gw-table h2{font-size:1.1rem;margin:1em 0 .3em}
.gw-table table{border-collapse:collapse;font-size:.92rem}
.gw-table th,.gw-table td{text-align:left;padding:.2em .6em;border-bottom:1px solid #e3e3e3;
  white-space:pre-wrap;vertical-align:top}
.gw-table tr[data-at]{cursor:pointer}
.gw-table tr.gw-delta td{color:#c0392b}
.gw-table tr.gw-now{background:#fff3c4}
.gw-table .gw-after{color:#555;font-size:.9rem}
.gw-js .gw-panel[hidden]{display:none}
.gw-js .gw-node.gw-off{opacity:.22}
.gw-js .gw-value.gw-off{visibility:hidden}
.gw-js .gw-grad.gw-off{display:none}
.gw-node.gw-now rect{stroke:#2c6fbb;stroke-width:4}
.gw-node.gw-arrive rect{stroke:#c0392b;stroke-width:4;fill:#fdecea}
.gw-fwd.gw-now{stroke:#2c6fbb;stroke-width:3.5}
.gw-value.gw-now{fill:#2c6fbb;font-weight:bold}
.gw-grad.gw-now path{stroke-width:3.5;animation:gw-flow .9s linear infinite}
.gw-grad.gw-now text{font-weight:bold}
@keyframes gw-flow{to{stroke-dashoffset:-18}}
@media (prefers-reduced-motion:reduce){.gw-grad.gw-now path{animation:none}}
"""

# ROOT is replaced by the root element's id: several steppers can share a notebook.
SCRIPT = """
(function () {
  var root = document.getElementById("ROOT");
  if (!root || root.getAttribute("data-ready")) { return; }
  root.setAttribute("data-ready", "1");
  root.classList.add("gw-js");
  var last = +root.getAttribute("data-last"), step = 0;
  function all(selector) { return Array.prototype.slice.call(root.querySelectorAll(selector)); }
  function listed(element, name) {
    var value = element.getAttribute("data-" + name);
    return value !== null && value.split(" ").indexOf(String(step)) >= 0;
  }
  function show(n) {
    step = Math.max(0, Math.min(last, n));
    all("[data-on]").forEach(function (e) {
      e.classList.toggle("gw-off", step < +e.getAttribute("data-on"));
    });
    all("[data-at]").forEach(function (e) { e.classList.toggle("gw-now", listed(e, "at")); });
    all("[data-arrive]").forEach(function (e) { e.classList.toggle("gw-arrive", listed(e, "arrive")); });
    all(".gw-panel").forEach(function (p) { p.hidden = +p.getAttribute("data-step") !== step; });
    all(".gw-count").forEach(function (c) { c.textContent = "step " + step + " of " + last; });
    all("[data-go=first],[data-go=back]").forEach(function (b) { b.disabled = step === 0; });
    all("[data-go=next],[data-go=last]").forEach(function (b) { b.disabled = step === last; });
    root.setAttribute("data-step", String(step));
    var current = root.querySelector(".gw-figure .gw-node.gw-now");
    if (current && current.scrollIntoView) {  // a picture wider than the screen follows the step
      current.scrollIntoView({block: "nearest", inline: "nearest"});
    }
  }
  var moves = {first: function () { return 0; }, back: function () { return step - 1; },
               next: function () { return step + 1; }, last: function () { return last; }};
  all("[data-go]").forEach(function (b) {
    b.addEventListener("click", function () { show(moves[b.getAttribute("data-go")]()); root.focus(); });
  });
  all("tr[data-at]").forEach(function (row) {
    row.addEventListener("click", function () { show(+row.getAttribute("data-at").split(" ")[0]); });
  });
  var keys = {ArrowRight: "next", " ": "next", n: "next", ArrowLeft: "back", p: "back",
              Home: "first", End: "last"};
  function onKey(event) {
    var move = keys[event.key];
    if (!move || event.altKey || event.ctrlKey || event.metaKey) { return; }
    var tag = (event.target && event.target.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") { return; }
    event.preventDefault();
    event.stopPropagation();
    show(moves[move]());
  }
  if (root.getAttribute("data-keys") === "document") {
    document.addEventListener("keydown", onKey);
  } else {
    root.addEventListener("keydown", onKey);
  }
  show(0);
})();
"""

__all__ = ["CSS", "SCRIPT"]
