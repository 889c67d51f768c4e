"""The walkthrough as one self-contained HTML page: the graph, a stepper, and the whole table.

    python -m gates.trace --html walk.html
    write_html(walk, "walk.html")          # a Walkthrough, or a Comparison of two conventions
    walk.to_html()                          # the page as text; in a notebook the walk shows it

The page needs nothing but a browser: the picture is SVG laid out in Python (graph.html_layout),
the styles and the script are inline (graph.html_assets), there is no link, font or script from
anywhere else, so it opens from a USB stick in a classroom. Step by step (buttons, or the arrow
keys) it highlights each gate of the forward pass with its row (formula, shape arithmetic, the
matrices when small), then each gradient flowing back along its edge in the backward colour
(δ³ 4×1 arriving at z³, then δ² 4×3 at z²), then each update and the loss. The table of the
walkthrough is below the picture, its current row highlighted; a click on a row jumps there.
A Comparison shows the rows and the columns convention side by side, stepping together.
"""

from __future__ import annotations

import itertools
import secrets

from .files import write_text
from .html_assets import CSS, SCRIPT
from .html_layout import picture
from .html_model import RANKDIRS
from .html_steps import Step, panel, steps, timeline
from .html_svg import esc, svg
from .render import document
from .render_model import Document, is_comparison

_PHASES = ("forward", "backward", "update", "loss")
_counter = itertools.count(1)


def _walks(obj) -> list[tuple[str | None, object]]:
    """(side, walkthrough) pairs: one walkthrough, or the rows and columns of a Comparison."""
    if is_comparison(obj):
        return [("rows: z = X·W + b", obj.rows), ("columns: z = W·X + b", obj.columns)]
    if not hasattr(obj, "forward"):
        raise TypeError(f"to_html draws a Walkthrough or a Comparison (graph.walkthrough); got "
                        f"{type(obj).__name__}")
    return [(None, obj)]


def _twin_order(rows, columns) -> list[int]:
    """The step of each backward event of `columns`: that of its twin in `rows` (the gradient of
    the same node: the columns names of the values follow the rows ones position by position)."""
    renamed = {r["output"]: c["output"] for r, c in zip(rows.forward, columns.forward)}
    position = {(e["grad_of"]): j for j, e in enumerate(columns.backward)}
    order = [0] * len(columns.backward)
    for j, event in enumerate(rows.backward):
        twin = position.get(renamed.get(event["grad_of"], event["grad_of"]))
        if twin is not None:
            order[twin] = 1 + len(rows.forward) + j
    return order


def _twin_steps(columns, order: list[int], count: int) -> dict[int, Step]:
    """The columns walkthrough's steps, numbered as its rows twin's."""
    own = steps(columns)
    by_number = {s.number: s for s in own if s.phase != "backward"}
    backward = [s for s in own if s.phase == "backward"]
    for step, number in zip(backward, order):
        by_number[number] = Step(number, "backward", step.event, step.index, step.total)
    by_number[count - 1] = Step(count - 1, "loss")
    return by_number


# --- the table ---------------------------------------------------------------------------------

def _marks(doc: Document, walk, last: int) -> list[list[str]]:
    """For each section of the document, each row's step (as text), where the rows are events."""
    counts = {"forward": len(walk.forward), "backward": len(walk.backward), "update": len(walk.update)}
    first = {"forward": 1, "backward": 1 + counts["forward"],
             "update": 1 + counts["forward"] + counts["backward"]}
    marks = []
    for section, phase in zip(doc.sections, _PHASES):
        if phase == "loss":
            marks.append([str(last)] * len(section.rows))
        elif len(section.rows) == counts[phase]:
            marks.append([str(first[phase] + i) for i in range(len(section.rows))])
        else:
            marks.append([""] * len(section.rows))
    return marks + [[""] * len(s.rows) for s in doc.sections[len(marks):]]


def _table(doc: Document, marks: list[list[str]]) -> str:
    parts = ['<section class="gw-table">']
    for section, rows in zip(doc.sections, marks):
        columns = [j for j in range(len(section.columns)) if any(r.cells[j] for r in section.rows)]
        parts.append(f"<h2>{esc(section.title)}</h2><table>")
        if any(section.columns[j] for j in columns):
            parts.append("<tr>" + "".join(f"<th>{esc(section.columns[j])}</th>" for j in columns) + "</tr>")
        for row, mark in zip(section.rows, rows):
            attrs = (f' data-at="{mark}"' if mark else "") + (' class="gw-delta"' if row.delta else "")
            parts.append(f"<tr{attrs}>" + "".join(f"<td>{esc(row.cells[j])}</td>" for j in columns) + "</tr>")
        parts.append("</table>" + "".join(f'<p class="gw-after">{esc(line)}</p>' for line in section.after))
    parts.append("</section>")
    return "".join(parts)


# --- the page ----------------------------------------------------------------------------------

DEFAULT_RANKDIR = "TB"
"""Top to bottom: the picture beside its panel fits a 16:9 screen, and two conventions fit side
by side. "LR" draws left to right, as docs/NETWORK.md does."""


def _check_rankdir(rankdir: str | None) -> str:
    rankdir = DEFAULT_RANKDIR if rankdir is None else rankdir
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be TB (top to bottom) or LR (left to right); got {rankdir!r}")
    return rankdir


LEGEND = ('<p class="gw-legend">→ the value and its shape, flowing forward · '
          '<span class="gw-b">⇠ the gradient and its shape, flowing back (top_diff × local_diff)</span> · '
          'blue outline: the gate at work · <span class="gw-b">red outline: where the gradient '
          'arrives</span></p>')


def _least(pic, rankdir: str) -> str:
    """How small the page may draw the picture: 85% of its size, where the labels stay readable
    (15 px → 13 px); beyond that the picture scrolls instead of shrinking."""
    if rankdir == "LR":
        return f"min-width:{0.85 * pic.width:.0f}px"
    return f"min-height:{0.85 * pic.height:.0f}px"


def _panels(walks, numbered: list[Step], twins: dict[int, Step] | None) -> str:
    parts = ['<div class="gw-panels">']
    for step in numbered:
        if twins is None:
            inside = panel(walks[0][1], step)
        else:
            pair = [(walks[0], step), (walks[1], twins.get(step.number, step))]
            inside = '<div class="gw-panel-pair">' + "".join(
                f'<div><div class="gw-side">{esc(side)}</div>{panel(walk, s)}</div>'
                for (side, walk), s in pair) + "</div>"
        # hidden until the script shows the current one (without it: the finished picture and table)
        parts.append(f'<div class="gw-panel" data-step="{step.number}" hidden>{inside}</div>')
    return "".join(parts) + "</div>"


BAR = ('<div class="gw-bar"><button type="button" data-go="first" title="Home">« Start</button>'
       '<button type="button" data-go="back" title="←">◀ Back</button>'
       '<button type="button" data-go="next" title="→ or Space">Next ▶</button>'
       '<button type="button" data-go="last" title="End">End »</button>'
       '<span class="gw-count">step 0 of {last}</span>'
       '<span class="gw-hint">keys: ← → (click the picture first in a notebook)</span></div>')


def _figures(walks, orders, rankdir: str, root: str) -> str:
    """Each walkthrough's picture, its elements marked with the steps they belong to."""
    figures = []
    for i, ((side, walk), order) in enumerate(zip(walks, orders)):
        pic = picture(walk.forward, walk.backward, walk.update, rankdir)
        drawn = svg(pic, ids=f"{root}-{i}", timeline=timeline(walk, order), style=_least(pic, rankdir))
        caption = f"<figcaption>{esc(side)}</figcaption>" if side else ""
        figures.append(f'<figure class="gw-figure">{caption}{drawn}</figure>')
    return "".join(figures)


def fragment(obj, *, rankdir: str | None = None, root: str | None = None, page: bool = False) -> str:
    """The stepper as one <div> with its <style> and <script>: for a notebook, or a page.

    root: the id of the stepper's element (unique on its page; made up when not given).
    page: the arrow keys work anywhere on the page (else only once the stepper has the focus).
    """
    rankdir = _check_rankdir(rankdir)
    walks = _walks(obj)
    root = root or f"gw-{next(_counter)}-{secrets.token_hex(3)}"
    main = walks[0][1]
    numbered = steps(main)
    orders = [None] + [_twin_order(main, walk) for _, walk in walks[1:]]
    twins = _twin_steps(walks[1][1], orders[1], len(numbered)) if len(walks) > 1 else None
    doc = document(obj)
    facts = " · ".join(f"{name}: {value}" for name, value in doc.facts)
    last = numbered[-1].number
    classes = " ".join(["gw-root", f"gw-{rankdir.lower()}", *(["gw-page"] if page else []),
                        *(["gw-compare"] if twins else [])])
    return (f"<style>{CSS}</style>"
            f'<div class="{classes}" id="{root}" data-last="{last}" '
            f'data-keys="{"document" if page else "root"}" tabindex="0">'
            f"<h1>{esc(doc.title)}</h1><p class=\"gw-facts\">{esc(facts)}</p>{BAR.format(last=last)}"
            f'<div class="gw-stage"><div class="gw-pictures">{_figures(walks, orders, rankdir, root)}</div>'
            f"{_panels(walks, numbered, twins)}</div>{LEGEND}"
            f"{_table(doc, _marks(doc, main, last))}</div>"
            f"<script>{SCRIPT.replace('ROOT', root)}</script>")


def to_html(obj, *, rankdir: str | None = None) -> str:
    """A whole HTML page (UTF-8, nothing loaded from elsewhere) for a Walkthrough or Comparison."""
    body = fragment(obj, rankdir=rankdir, root="gw-walk", page=True)
    title = document(obj).title
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{esc(title)}</title>\n</head>\n<body>\n{body}\n</body>\n</html>\n")


def write_html(obj, path, *, rankdir: str | None = None) -> str:
    """Write the page to `path`, whole or not at all (graph.files); returns the path."""
    if str(path).strip() == "":
        raise ValueError("the HTML walkthrough needs a file name, e.g. walk.html")
    return write_text(path, to_html(obj, rankdir=rankdir))


__all__ = ["DEFAULT_RANKDIR", "LEGEND", "fragment", "to_html", "write_html"]
