"""Where an operation on a watched array was written, and the names its source line gives.

A Site is one place in the user's code that runs numpy operations: a (code object, instruction)
pair. Python 3.11+ knows the exact columns of every instruction (`co_positions`, what tracebacks
underline), so a Site can say that the `@` of `h = X @ W1 + b1` is the text `X @ W1`, and that
the `+` is the whole value assigned to `h`. Everything is computed once per Site and cached:
watching a training loop costs one dictionary lookup per operation.

    name      what the result is called: the assignment target (`h`), else the expression text
    operands  the text of each operand as written (`lr`, `2.0`, `y_hat - y`)
    grad      the parameter the target is a gradient of, when its name says so (dW1, grads["W1"])
"""

from __future__ import annotations

import ast
import linecache
import os
import re
import sys

import numpy

from gates import shapes

# Frames of these packages are never "the user's line": the watch walks out of them.
LIBRARY_DIRS = tuple(os.path.dirname(os.path.abspath(m.__file__)) + os.sep
                     for m in (numpy, shapes)) + (os.path.dirname(os.path.abspath(__file__)) + os.sep,)
# dW1, grad_W1, gradW1, dJ_dW1, dL_dW1, dloss_dW1 → W1; W1_grad → W1.
GRADIENT_NAME = (re.compile(r"^(?:dJ_?d|dL_?d|dloss_?d|grad_?|d)([A-Za-z]\w*)$"),
                 re.compile(r"^([A-Za-z]\w*?)_?grad$"))
EXPRESSIONS = (ast.BinOp, ast.UnaryOp, ast.Compare, ast.Call, ast.Attribute, ast.Subscript)

_sites: dict = {}       # (id of the code, instruction offset) -> Site (which keeps the code alive)
_library: dict = {}     # file name -> whether it belongs to numpy, gates or graph
_positions: dict = {}   # code -> list of (line, end line, column, end column) per instruction
_files: dict = {}       # file name -> (its lines, the index of its source)


class Site:
    """One place in the user's code; see the module's docstring for the names."""

    __slots__ = ("code", "file", "line", "function", "source", "expr", "name", "operands",
                 "receiver", "returned", "grad")

    def __init__(self, code, line: int, source: str) -> None:
        self.code = code  # held so that its id, half of the cache's key, is never reused
        self.file, self.line, self.function, self.source = code.co_filename, line, code.co_name, source
        self.expr: str | None = None        # the operation's own text: X @ W1
        self.name: str | None = None        # the target it is assigned to, else expr
        self.operands: tuple = ()           # each operand's text, in source order
        self.receiver: str | None = None    # `dz` in dz.sum(axis=0)
        self.returned = False               # the whole value of a return statement
        self.grad: tuple | None = None      # ("name", candidates) or ("key", container, key)


def site_of(frame) -> Site:
    """The Site of the operation `frame` is running, walking out of library frames first.

    The cache's key is the code's id, not the code: hashing a code object hashes its bytecode.
    """
    site = _sites.get((id(frame.f_code), frame.f_lasti))
    if site is None:
        while frame.f_back is not None and is_library(frame.f_code):
            frame = frame.f_back
        key = (id(frame.f_code), frame.f_lasti)
        site = _sites.get(key)
        if site is None:
            if len(_sites) > 100_000:  # a long session of generated code: start afresh
                _sites.clear()
            site = _sites[key] = _make_site(frame)
    return site


def caller_name(frame) -> str | None:
    """What the caller of `frame` calls the value it returns: `a` in `a = sigmoid(z)`."""
    caller = frame.f_back
    if caller is None or is_library(caller.f_code):
        return None
    return site_of(caller).name


def is_library(code) -> bool:
    known = _library.get(code.co_filename)
    if known is None:
        path = os.path.abspath(code.co_filename)
        known = _library[code.co_filename] = path.startswith(LIBRARY_DIRS)
    return known


def _make_site(frame) -> Site:
    code = frame.f_code
    positions = _positions.get(code)
    if positions is None and hasattr(code, "co_positions"):  # Python 3.11+
        positions = _positions[code] = list(code.co_positions())
    span = positions[frame.f_lasti // 2] if positions and frame.f_lasti >= 0 else None
    line = span[0] if span and span[0] else frame.f_lineno
    lines = linecache.getlines(code.co_filename, frame.f_globals)
    source = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    site = Site(code, line, source)
    if span and None not in span and lines:
        _describe(site, span, _index(code.co_filename, lines))
    return site


# --- what the source says about a span ------------------------------------------------------------

class _Index:
    """A file's expressions by span, and the spans that are assigned or returned."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = [line.encode("utf-8") for line in lines]
        self.nodes: dict = {}
        self.assigned: dict = {}
        self.returned: set = set()
        try:
            tree = ast.parse("".join(lines))
        except (SyntaxError, ValueError):  # the file changed on disk, or is not Python
            return
        for node in ast.walk(tree):
            if isinstance(node, (*EXPRESSIONS, ast.AugAssign)):
                self.nodes[_span(node)] = node
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for value in _branches(node.value):  # dW2 = a.T @ d if ok else d.T @ a: both are dW2
                    self.assigned[_span(value)] = targets[0]
            elif isinstance(node, ast.AugAssign):
                self.assigned[_span(node)] = node.target
            elif isinstance(node, ast.Return) and node.value is not None:
                self.returned.add(_span(node.value))

    def text(self, node) -> str:
        """The source of a node, on one line (a continued expression's breaks become spaces)."""
        first, last = node.lineno - 1, node.end_lineno - 1
        if first == last:
            raw = self.lines[first][node.col_offset:node.end_col_offset]
        else:
            raw = b" ".join([self.lines[first][node.col_offset:],
                             *self.lines[first + 1:last], self.lines[last][:node.end_col_offset]])
        return " ".join(raw.decode("utf-8", "replace").split())


def _branches(node) -> list:
    """The expressions a value may be: itself, or each branch of a conditional expression."""
    if isinstance(node, ast.IfExp):
        return [*_branches(node.body), *_branches(node.orelse)]
    return [node]


def _span(node) -> tuple:
    return (node.lineno, node.end_lineno, node.col_offset, node.end_col_offset)


def _index(file: str, lines: list[str]) -> _Index:
    known = _files.get(file)
    if known is None or known[0] is not lines:  # linecache hands out a new list when it reloads
        known = _files[file] = (lines, _Index(lines))
    return known[1]


def _describe(site: Site, span: tuple, index: _Index) -> None:
    node = index.nodes.get(span)
    if node is None:
        return
    text = index.text
    site.expr = text(node)
    target = index.assigned.get(span)
    site.returned = span in index.returned
    site.name = text(target) if target is not None else site.expr
    site.grad = _gradient_target(target, text) if target is not None else None
    if isinstance(node, ast.BinOp):
        site.operands = (text(node.left), text(node.right))
    elif isinstance(node, ast.AugAssign):
        site.operands = (text(node.target), text(node.value))
    elif isinstance(node, ast.Compare):
        site.operands = (text(node.left), text(node.comparators[0]))
    elif isinstance(node, ast.UnaryOp):
        site.operands = (text(node.operand),)
    elif isinstance(node, ast.Call):
        site.operands = tuple(text(a) for a in node.args if not isinstance(a, ast.Starred))
        if isinstance(node.func, ast.Attribute):
            site.receiver = text(node.func.value)
    elif isinstance(node, (ast.Attribute, ast.Subscript)):
        site.receiver = text(node.value)
        site.operands = (site.receiver,)


def _gradient_target(target, text) -> tuple | None:
    """("name", (W1,)) for dW1 = ..., ("key", "grads", "W1") for grads["W1"] = ..., else None."""
    if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant) \
            and isinstance(target.slice.value, str):
        return ("key", text(target.value), target.slice.value)
    name = target.id if isinstance(target, ast.Name) else \
        target.attr if isinstance(target, ast.Attribute) else None
    candidates = gradient_candidates(name) if name else ()
    return ("name", candidates) if candidates else None


def gradient_candidates(name: str) -> tuple[str, ...]:
    """The parameters a name may be the gradient of: dW1 → (W1,), dJ_dW1 → (J_dW1, W1)."""
    return tuple(m.group(1) for pattern in GRADIENT_NAME if (m := pattern.match(name)))


def frame_outside(depth: int = 1):
    """The first frame, `depth` levels up, that is not numpy's, gates' or graph's."""
    frame = sys._getframe(depth + 1)
    while frame.f_back is not None and is_library(frame.f_code):
        frame = frame.f_back
    return frame
