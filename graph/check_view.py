"""The gradient checker's table: one row per shape set checked, then what is wrong in words.

    Gradient check against central differences (float64), 4 draws of inputs per shape set
     gate      input shapes   grad shapes   rel. error   result   diagnosis
     addGate   4×3, 1×3       ✓                2.3e-09   pass
    ✗ MyAdd (4×3, 1×3): missing_sum: dJ/dB is 4×3 but should be 1×3, ...
    all 7 shape sets of 1 gate(s) pass

Formatting only: the verdicts are gates.gradcheck's. A gate whose code raised is not in the
problems below the table: the command line says it in one line on standard error.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from gates.gradcheck_report import GateReport, GradCheck
from gates.gradcheck_runs import REGIONS
from gates.shapes import format_shape

NARROW = 76  # below this many columns the table's rows are stacked


def _gradients(check: GradCheck) -> str:
    """✓ when every gradient has its input's shape, else the wrong ones."""
    wrong = []
    for c in check.inputs:
        if not c.backward_ran:
            continue  # forward failed first: there is no gradient to judge
        if c.grad_shape is None:
            wrong.append(f"✗ dJ/d{c.name} None")
        elif not c.shape_ok:
            wrong.append(f"✗ {format_shape(c.grad_shape)} for {format_shape(c.shape)}")
    ran = any(c.backward_ran for c in check.inputs) or not check.inputs
    return ", ".join(wrong) or ("✓" if ran else "—")


def row(check: GradCheck) -> tuple[str, str, str, str, str]:
    """(gradient shapes, max error, result, diagnosis, style) of one shape set."""
    if check.refused is not None:
        return "—", "—", "n/a", "", "dim"
    if check.error is not None and not check.inputs:
        return "—", "—", "ERROR" if check.crashed else "FAIL", "", "bold red"
    error = "—" if math.isnan(check.max_error) else f"{check.max_error:.1e}"
    diagnoses = ", ".join(dict.fromkeys(c.diagnosis for c in check.inputs if c.diagnosis))
    if check.ok:
        return _gradients(check), error, "pass", "", ""
    return _gradients(check), error, "FAIL", diagnoses, "bold red"


def table(reports: Sequence[GateReport]):
    from rich import box
    from rich.table import Table

    result = Table(title=f"Gradient check: backward against central differences (float64), inputs "
                         f"drawn {len(REGIONS)} ways per shape set ({', '.join(REGIONS)})",
                   title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    result.add_column("gate", no_wrap=True)
    result.add_column("input shapes", overflow="fold")
    result.add_column("grad shapes", overflow="fold")
    result.add_column("rel. error", justify="right", no_wrap=True)
    result.add_column("result", no_wrap=True)
    result.add_column("diagnosis", no_wrap=True)
    for report in reports:
        for i, check in enumerate(report.checks or report.refused):  # refused guesses: a note
            *cells, style = row(check)
            result.add_row(report.subject if i == 0 else "", check.shape_text, *cells, style=style)
        result.add_section()
    return result


def stacked(reports: Sequence[GateReport]) -> list[tuple[str, str]]:
    """The table's rows one under another, for a terminal too narrow for its columns."""
    lines = [(f"Gradient check against central differences (float64), inputs drawn "
              f"{len(REGIONS)} ways per shape set", "")]
    for report in reports:
        lines.append((report.subject, "bold"))
        for check in report.checks or report.refused:
            grads, error, result, diagnosis, style = row(check)
            parts = [result + (f" {diagnosis}" if diagnosis else "")]
            parts += [f"grad shapes {grads}"] if grads not in ("✓", "—") else []
            parts += [f"rel. error {error}"] if error != "—" else []
            lines.append((f"  {check.shape_text}: {', '.join(parts)}", style))
    return lines


def _key(check) -> tuple:
    """Problems alike: a shape problem by its whole sentence (the fix names the axis), a wrong
    value by its input and diagnosis (the numbers differ from one shape set to the next)."""
    if check.diagnosis in ("wrong_shape", "missing_sum", "transposed"):
        return check.name, check.diagnosis, check.message
    return check.name, check.diagnosis


def problems(report: GateReport) -> list[str]:
    """Each problem of a gate once, with the other shape sets where it recurs."""
    first: dict[tuple, list] = {}
    for check in report.failed:
        if check.crashed:
            continue  # said in one line on standard error
        found = [((None, check.error), check.error)] if check.error else []
        found += [(_key(c), c.problem) for c in check.inputs if c.problem]
        for key, text in found:
            first.setdefault(key, [f"{report.subject} ({check.shape_text}) {text}"]).append(check.shape_text)
    lines = []
    for text, *sets in first.values():
        again = sets[1:]
        lines.append(text + (f" The same for {'; '.join(again)}." if again else ""))
    return lines


def notes(report: GateReport) -> list[tuple[str, str]]:
    """(text, style) lines under the table for one gate: problems, kinks, refused guesses."""
    lines = [(f"✗ {report.error}", "red")] if report.error and report.checks else []
    lines += [(f"✗ {text}", "red") for text in problems(report)]
    kinks = sum(c.kinks for c in report.checks)
    if kinks:
        lines.append((f"· {report.subject}: {kinks} element(s) sat at a kink, where the one-sided "
                      f"derivatives differ (ReLU at 0): there a gradient is right when it lies "
                      f"between them", "dim"))
    if report.refused and report.checks:
        sets = "; ".join(c.shape_text for c in report.refused)
        lines.append((f"· {report.subject}: its own shape rule refused {sets}; guessed shapes it "
                      f"refuses are not failures", "dim"))
    return lines


def summary(reports: Sequence[GateReport]) -> tuple[str, str]:
    total = sum(len(r.checks) for r in reports)
    failed = sum(len(r.failed) for r in reports) + sum(1 for r in reports if r.error)
    if not failed:
        return f"all {total} shape sets of {len(reports)} gate(s) pass", "green"
    return f"{failed} failure(s) in {len(reports)} gate(s)", "bold red"


def render_reports(reports: Sequence[GateReport], width: int | None = None, file=None) -> None:
    """Print the table, the problems in words and the summary (rich, colour as the terminal allows)."""
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False, width=width, file=file)
    narrow = console.width < NARROW
    first = [Text(text, style=style) for text, style in stacked(reports)] if narrow else [table(reports)]
    lines = [Text(text, style=style) for report in reports for text, style in notes(report)]
    try:
        for item in (*first, *lines, Text(*summary(reports))):
            console.print(item)
    except SystemExit:  # rich ends a broken pipe with SystemExit(1), which would read as a verdict
        raise BrokenPipeError("standard output was closed") from None


__all__ = ["NARROW", "render_reports", "row", "stacked", "summary", "table"]
