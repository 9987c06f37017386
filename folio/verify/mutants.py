"""Altered versions ("mutants") of a counterpart's source, one small change each.

A check that cannot tell the counterpart from a version with a flipped sign, a factor of two, a
dropped transpose or a moved reduction axis cannot catch that error in the equation either. Each
mutant is the counterpart's function with exactly one of these changes:

    negate-result    return x         -> return -(x)
    scale-result     return x         -> return 2 * (x)
    add-sub          a + b, a - b     -> a - b, a + b (also +=, -=)
    drop-minus       -a               -> a
    mul-div          a * b, a / b     -> a / b, a * b (also *=, /=)
    drop-transpose   A.T, transpose(A), A.transpose(...), A.t()  -> A
    drop-inverse     inv(A), pinv(A), A ** -1 -> A;  solve(A, B) -> B
    swap-args        f(a, b, ...), a @ b      -> f(b, a, ...), b @ a
    constant         2 -> 1, 0.5 -> 1, 0 -> 1, 1 -> 2
    reduction-axis   axis=0 -> axis=1, axis=1 / -1 -> axis=0 (also dim=, and .sum(0))

A mutant's id is ``operator#k``, k counting that operator's sites in source order, so an author
can declare one equivalent (``@equation(label, equivalent={"constant#3": "why"})``).
"""

from __future__ import annotations

import ast
import copy
import inspect
import textwrap
from dataclasses import dataclass
from typing import Callable, Iterator

TRANSPOSE_ATTRS = {"T", "mT", "H", "mH"}
TRANSPOSE_CALLS = {"transpose", "swapaxes", "t", "permute_dims", "matrix_transpose"}
INVERSE_CALLS = {"inv", "pinv"}
SOLVE_CALLS = {"solve", "solve_triangular", "cho_solve", "lu_solve"}
REDUCTIONS = {"sum", "mean", "prod", "max", "min", "std", "var", "cumsum", "cumprod", "argmax",
              "argmin", "norm", "trapezoid", "trapz", "median", "logsumexp", "softmax", "any",
              "all", "nansum", "nanmean", "average", "diff", "gradient", "concatenate", "stack"}
AXIS_KEYWORDS = {"axis", "dim", "axes"}
OPERATORS = ("negate-result", "scale-result", "add-sub", "drop-minus", "mul-div",
             "drop-transpose", "drop-inverse", "swap-args", "constant", "reduction-axis")


class NotMutable(Exception):
    """The function's source cannot be read or re-compiled on its own (a closure, a lambda)."""


@dataclass(frozen=True)
class Mutant:
    id: str
    operator: str
    line: int  # in the module
    before: str
    after: str
    source: str  # the whole altered function, as it will be compiled

    @property
    def diff(self) -> str:
        return f"line {self.line}: {self.before}  →  {self.after}"


# Operators that trade places: + and -, * and /.
SWAPPED_OPS = {"add-sub": {ast.Add: ast.Sub, ast.Sub: ast.Add},
               "mul-div": {ast.Mult: ast.Div, ast.Div: ast.Mult}}


def _with_op(node: ast.AST, op: ast.operator) -> ast.AST:
    m = copy.copy(node)
    m.op = op
    return m


def _callee(node: ast.Call) -> str:
    f = node.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def _number(node: ast.AST) -> float | None:
    """The value of a numeric literal, negative ones (``-1``) included."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)
            and isinstance(node.operand, ast.Constant) and type(node.operand.value) in (int, float)):
        return -node.operand.value
    return None


def _other_axis(k: float) -> int:
    return 1 if k == 0 else 0


def _new_constant(v: float):
    new = 2 if v == 1 else 1
    return float(new) if isinstance(v, float) else new


def _sites(fn: ast.FunctionDef) -> Iterator[tuple[str, ast.AST, Callable[[ast.AST], ast.AST]]]:
    """(operator, node, replacement builder) for every place a mutant can be made, in source
    order within each operator."""
    body = fn.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]  # the docstring
    nodes = [n for stmt in body for n in ast.walk(stmt)]
    nodes.sort(key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))
    axis_nodes: set[int] = set()  # literals that are reduction axes: mutated as axes, not numbers
    for n in nodes:
        if isinstance(n, ast.Call):
            for kw in n.keywords:
                if kw.arg in AXIS_KEYWORDS and _number(kw.value) is not None:
                    axis_nodes.update(id(x) for x in ast.walk(kw.value))
            if (_callee(n) in REDUCTIONS and isinstance(n.func, ast.Attribute) and n.args
                    and _number(n.args[0]) is not None):
                axis_nodes.update(id(x) for x in ast.walk(n.args[0]))

    def each_element(value: ast.AST, wrap: Callable[[ast.AST], ast.AST]) -> ast.AST:
        if isinstance(value, ast.Tuple):
            return ast.Tuple([wrap(e) for e in value.elts], ast.Load())
        return wrap(value)

    for op in OPERATORS:
        for n in nodes:
            if op == "negate-result" and isinstance(n, ast.Return) and n.value is not None:
                yield op, n, lambda n: ast.Return(each_element(
                    n.value, lambda e: ast.UnaryOp(ast.USub(), e)))
            elif op == "scale-result" and isinstance(n, ast.Return) and n.value is not None:
                yield op, n, lambda n: ast.Return(each_element(
                    n.value, lambda e: ast.BinOp(ast.Constant(2), ast.Mult(), e)))
            elif op in SWAPPED_OPS and isinstance(n, (ast.BinOp, ast.AugAssign)) \
                    and type(n.op) in SWAPPED_OPS[op]:
                yield op, n, lambda n, op=op: _with_op(n, SWAPPED_OPS[op][type(n.op)]())
            elif op == "drop-minus" and isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub) \
                    and id(n) not in axis_nodes:
                yield op, n, lambda n: n.operand
            elif op == "drop-transpose":
                if isinstance(n, ast.Attribute) and n.attr in TRANSPOSE_ATTRS:
                    yield op, n, lambda n: n.value
                elif isinstance(n, ast.Call) and _callee(n) in TRANSPOSE_CALLS:
                    method = isinstance(n.func, ast.Attribute) and not _is_module(n.func.value)
                    if method:  # A.transpose(), A.t(), A.swapaxes(0, 1)
                        yield op, n, lambda n: n.func.value
                    elif n.args:  # np.transpose(A), torch.transpose(A, 0, 1), transpose(A)
                        yield op, n, lambda n: n.args[0]
            elif op == "drop-inverse":
                if isinstance(n, ast.Call) and _callee(n) in INVERSE_CALLS and n.args:
                    yield op, n, lambda n: n.args[0]
                elif isinstance(n, ast.Call) and _callee(n) in SOLVE_CALLS and len(n.args) >= 2:
                    yield op, n, lambda n: n.args[1]
                elif isinstance(n, ast.BinOp) and isinstance(n.op, ast.Pow) \
                        and _number(n.right) == -1:
                    yield op, n, lambda n: n.left
            elif op == "swap-args":
                if isinstance(n, ast.Call) and len(n.args) >= 2 \
                        and not any(isinstance(a, ast.Starred) for a in n.args[:2]) \
                        and ast.dump(n.args[0]) != ast.dump(n.args[1]):
                    def swap(n):
                        m = copy.copy(n)
                        m.args = [n.args[1], n.args[0], *n.args[2:]]
                        return m
                    yield op, n, swap
                elif isinstance(n, ast.BinOp) and isinstance(n.op, ast.MatMult) \
                        and ast.dump(n.left) != ast.dump(n.right):
                    yield op, n, lambda n: ast.BinOp(n.right, ast.MatMult(), n.left)
            elif op == "constant" and isinstance(n, ast.Constant) \
                    and type(n.value) in (int, float) and id(n) not in axis_nodes:
                yield op, n, lambda n: ast.Constant(_new_constant(n.value))
            elif op == "reduction-axis" and isinstance(n, ast.Call):
                for i, kw in enumerate(n.keywords):
                    k = _number(kw.value) if kw.arg in AXIS_KEYWORDS else None
                    if k is not None:
                        def move(n, i=i, k=k):
                            m = copy.copy(n)
                            m.keywords = list(n.keywords)
                            m.keywords[i] = ast.keyword(n.keywords[i].arg,
                                                        ast.Constant(_other_axis(k)))
                            return m
                        yield op, n, move
                if (_callee(n) in REDUCTIONS and isinstance(n.func, ast.Attribute) and n.args
                        and _number(n.args[0]) is not None):
                    k = _number(n.args[0])

                    def move_positional(n, k=k):
                        m = copy.copy(n)
                        m.args = [ast.Constant(_other_axis(k)), *n.args[1:]]
                        return m
                    yield op, n, move_positional


def _is_module(node: ast.AST) -> bool:
    """``np`` in ``np.transpose(A)``, ``torch`` in ``torch.transpose(A, 0, 1)``: a module, not
    the array, so the argument is what the transpose drops to."""
    return isinstance(node, ast.Name) and node.id in {"np", "numpy", "torch", "jnp", "scipy"} or \
        isinstance(node, ast.Attribute) and node.attr in {"linalg", "math", "special"}


def function_tree(func: Callable) -> tuple[ast.Module, int, str]:
    """The function's definition as a one-statement module (decorators removed, line numbers
    those of its file), its first line, and its file."""
    func = inspect.unwrap(func)
    if func.__code__.co_freevars:
        raise NotMutable(f"{func.__qualname__} is a closure; define it at module level")
    try:
        lines, first = inspect.getsourcelines(func)
        file = inspect.getsourcefile(func) or "<unknown>"
    except (OSError, TypeError) as exc:
        raise NotMutable(f"the source of {func.__qualname__} cannot be read ({exc})") from exc
    tree = ast.parse(textwrap.dedent("".join(lines)))
    fn = tree.body[0] if tree.body else None
    if not isinstance(fn, ast.FunctionDef):
        raise NotMutable(f"{func.__qualname__} is not a plain def")
    ast.increment_lineno(tree, first - 1)
    fn.decorator_list = []
    return tree, first, file


def mutants(func: Callable) -> list[Mutant]:
    """Every first-order mutant of ``func``, distinct from it and from each other."""
    tree, _, _ = function_tree(func)
    fn = tree.body[0]
    original = ast.unparse(tree)
    seen, out, counts = {original}, [], {}
    sites = list(_sites(fn))
    for op, node, build in sites:
        counts[op] = counts.get(op, 0) + 1
        mutant_id = f"{op}#{counts[op]}"
        index = [i for i, n in enumerate(ast.walk(fn)) if n is node][0]
        tree2 = copy.deepcopy(tree)
        target = list(ast.walk(tree2.body[0]))[index]
        replacement = ast.copy_location(build(target), target)
        tree2 = _replace(tree2, target, replacement)
        ast.fix_missing_locations(tree2)
        source = ast.unparse(tree2)
        if source in seen:
            continue
        seen.add(source)
        out.append(Mutant(mutant_id, op, getattr(node, "lineno", 0), _snippet(node),
                          _snippet(replacement), source))
    return out


def _snippet(node: ast.AST, width: int = 70) -> str:
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= width else text[:width - 1] + "…"


class _Swap(ast.NodeTransformer):
    def __init__(self, target: ast.AST, replacement: ast.AST):
        self.target, self.replacement = target, replacement

    def generic_visit(self, node):
        if node is self.target:
            return self.replacement
        return super().generic_visit(node)

    def visit(self, node):
        if node is self.target:
            return self.replacement
        return super().visit(node)


def _replace(tree: ast.Module, target: ast.AST, replacement: ast.AST) -> ast.Module:
    return _Swap(target, replacement).visit(tree)


def compile_mutant(func: Callable, mutant: Mutant) -> Callable:
    """The mutant as a function living in ``func``'s module (its globals), not bound there."""
    func = inspect.unwrap(func)
    _, _, file = function_tree(func)
    tree = ast.parse(mutant.source)
    # Line numbers as in the module, so a traceback from a mutant points at the right line.
    ast.increment_lineno(tree, mutant_first_line(func) - 1)
    namespace: dict = {}
    exec(compile(tree, f"{file} (mutant {mutant.id})", "exec"), func.__globals__, namespace)
    return namespace[func.__name__]


def mutant_first_line(func: Callable) -> int:
    return function_tree(func)[1]
