"""Is an oracle the counterpart again under other names?

Mutants cannot catch an oracle that re-implements the counterpart's formula: a mutated
counterpart disagrees with it, so every mutant dies, yet an error in the equation would be shared
by both. So the body of each oracle is compared with the counterpart's as a sequence of what it
does (the functions it calls, the operators, the attributes, loops and returns), with every
variable name and number abstracted away. A close match is flagged as a re-implementation,
whatever kind the author declared.
"""

from __future__ import annotations

import ast
import difflib
import inspect
import textwrap
from typing import Callable, Iterator

THRESHOLD = 0.8  # similarity of the two sequences at or above which the oracle is flagged
MIN_TOKENS = 4  # shorter bodies say too little to compare
# Spellings of the same operation.
SYNONYMS = {"dot": "matmul", "inner": "matmul", "vdot": "matmul", "matmul": "matmul",
            "fsum": "sum", "nansum": "sum", "amax": "max", "amin": "min", "transpose": "T",
            "mT": "T", "t": "T", "arange": "range", "linspace": "range"}


def _tokens(node: ast.AST) -> Iterator[str]:
    if isinstance(node, ast.Call):
        f = node.func
        name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
        yield "call:" + SYNONYMS.get(name, name)
        if isinstance(f, ast.Attribute):
            yield from _tokens(f.value)
        for child in [*node.args, *(k.value for k in node.keywords)]:
            yield from _tokens(child)
        return
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        yield "call:matmul"
    elif isinstance(node, (ast.BinOp, ast.AugAssign)):
        yield "op:" + type(node.op).__name__
    elif isinstance(node, ast.UnaryOp):
        yield "op:" + type(node.op).__name__
    elif isinstance(node, ast.Attribute):
        yield "attr:" + SYNONYMS.get(node.attr, node.attr)
    elif isinstance(node, ast.Constant) and type(node.value) in (int, float, complex):
        yield "number"
    elif isinstance(node, (ast.For, ast.While, ast.comprehension)):
        yield "loop"
    elif isinstance(node, (ast.Return, ast.Compare, ast.Subscript, ast.IfExp, ast.If)):
        yield type(node).__name__
    for child in ast.iter_child_nodes(node):
        yield from _tokens(child)


def body_tokens(func: Callable) -> list[str] | None:
    """What the function does, in order, names and numbers left out; None without source."""
    try:
        source = textwrap.dedent(inspect.getsource(inspect.unwrap(func)))
        fn = ast.parse(source).body[0]
    except (OSError, TypeError, SyntaxError, IndexError):
        return None
    if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    body = fn.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    return [t for stmt in body for t in _tokens(stmt)]


def similarity(a: list[str], b: list[str]) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def same_shape(chk, counterpart) -> str:
    """Why ``chk``'s oracle counts as a re-implementation of ``counterpart``, or ''."""
    if chk.relation:  # the oracle receives the counterpart and tests a property of it
        return ""
    a, b = body_tokens(chk.func), body_tokens(counterpart.func)
    if not a or not b or min(len(a), len(b)) < MIN_TOKENS:
        return ""
    s = similarity(a, b)
    if s < THRESHOLD:
        return ""
    return (f"the oracle {chk.name} does what the counterpart does under other names "
            f"(similarity {s:.2f} of its calls and operators): it would share an error in the "
            "equation")
