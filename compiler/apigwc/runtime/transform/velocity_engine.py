"""The airspeed engine adapted to Velocity 1.7 on Java, as API Gateway runs it (runtime ref §3).

Part of the runtime support library copied verbatim into every generated gateway: relative imports
only. Needs the PyPI package `airspeed-ext` (LocalStack's maintained fork of airspeed, import name
`airspeed`), pinned `airspeed-ext==0.6.9`.

Flow: a parsed airspeed template tree → `adopt_java_semantics(root)` (once, at compile time) swaps
the classes of its elements for the subclasses below; `merge(template, namespace)` renders. Where
airspeed differs from Velocity 1.7 / API Gateway:
- members and printing follow `velocity.py` (Java `toString`, null as nothing, no Python internals);
- `#foreach` stops after 1,000 iterations (§3.1), iterates a map's values, supports `#break`;
- conditions are Java's (only null and false are false; airspeed treats an undefined reference as
  true), `==` compares `toString` across types, `+` concatenates strings, integer `/` and `%`
  truncate like Java and a zero divisor gives null;
- `#set` with a null value keeps the old value; an assignment through a missing map is ignored;
  a variable first set inside `#foreach` outlives the loop;
- the newline after a `#foreach(...)` or `#else` line is gobbled and spaces before a `#set` that
  follows a reference or directive are dropped (Velocity 1.7 lexer, [3P] oracle §3.8);
- an unknown macro call prints as text; `#include`, `#parse`, `#evaluate` fail (no resource loader);
- a render runs within `render_budget`'s bounds: wall time, `#foreach` steps over all loops, and
  the length of what it builds or prints; exceeding one fails the render (500).
"""

from __future__ import annotations

import itertools
import math
import operator
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final

from airspeed import operators as _ops  # type: ignore[import-untyped]

from .render_budget import (
    MAX_TEXT_CHARS,
    BudgetExceeded,
    RenderTimeout,
    StepBudget,
    bounded_text,
    within_deadline,
)
from .velocity import (
    FOREACH_LIMIT,
    MissingPath,
    VtlRenderError,
    is_null,
    java_string,
    member_property,
    method_of,
)

# ---------------------------------------------------------------------------------------------
# Truth and operators
# ---------------------------------------------------------------------------------------------


def velocity_truth(value: Any) -> bool:
    """Velocity 1.7 `#if`: false only for null and Boolean false (an empty string is true)."""
    return not (is_null(value) or value is False)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _java_equals(left: Any, right: Any) -> bool:
    if isinstance(left, MissingPath) or isinstance(right, MissingPath):
        return bool(left == right) if isinstance(left, MissingPath) else bool(right == left)
    if left is None or right is None:
        return left is right
    if _is_number(left) and _is_number(right):
        return bool(left == right)
    if type(left) is type(right):
        return bool(left == right)
    # Velocity compares the toString() of values of different classes ('1' == 1 is true).
    return java_string(left) == java_string(right)


def _compare(test: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    # Ordering is defined for numbers only; anything else is false (Velocity logs an error).
    return lambda a, b: _is_number(a) and _is_number(b) and test(a, b)


def _add(left: Any, right: Any) -> Any:
    if _is_number(left) and _is_number(right):
        return left + right
    if isinstance(left, str) or isinstance(right, str):
        if is_null(left) or is_null(right):
            return None
        return bounded_text(java_string(left) + java_string(right))
    return None


def _arithmetic(apply: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    return lambda a, b: apply(a, b) if _is_number(a) and _is_number(b) else None


def _divide(left: Any, right: Any) -> Any:
    if right == 0:
        return None  # Velocity: division by zero gives null
    if isinstance(left, int) and isinstance(right, int):
        quotient = abs(left) // abs(right)
        return quotient if (left >= 0) == (right >= 0) else -quotient
    return left / right


def _modulo(left: Any, right: Any) -> Any:
    if right == 0:
        return None
    if isinstance(left, int) and isinstance(right, int):
        return int(math.fmod(left, right))
    return math.fmod(left, right)


_OPERATORS: Final[dict[str, Callable[[Any, Any], Any]]] = {
    "==": _java_equals,
    "!=": lambda a, b: not _java_equals(a, b),
    "<": _compare(operator.lt),
    "<=": _compare(operator.le),
    ">": _compare(operator.gt),
    ">=": _compare(operator.ge),
    "+": _add,
    "-": _arithmetic(operator.sub),
    "*": _arithmetic(operator.mul),
    "/": _arithmetic(_divide),
    "%": _arithmetic(_modulo),
    "&&": lambda a, b: velocity_truth(a) and velocity_truth(b),
    "||": lambda a, b: velocity_truth(a) or velocity_truth(b),
}
_ALIASES: Final = {
    "eq": "==",
    "ne": "!=",
    "lt": "<",
    "le": "<=",
    "gt": ">",
    "ge": ">=",
    "and": "&&",
    "or": "||",
}
# The engine stores the operator function on each element; map it back to its symbol.
_ENGINE_OPERATOR_SYMBOL: Final = {
    id(function): _ALIASES.get(symbol, symbol)
    for symbol, function in _ops.BinaryOperator.OPERATORS.items()
}


# ---------------------------------------------------------------------------------------------
# Engine elements with Java semantics
# ---------------------------------------------------------------------------------------------


class _BreakLoop(Exception):
    """`#break`: leaves the innermost `#foreach` (or the template)."""


def _is_break(error: BaseException) -> bool:
    return isinstance(error, _BreakLoop) or isinstance(error.__cause__, _BreakLoop)


class _JavaNameOrCall(_ops.NameOrCall):  # type: ignore[misc]
    """Member access restricted to Java-style methods and map keys."""

    def calculate(self, current_object: Any, loader: Any, top_namespace: Any) -> Any:
        if isinstance(current_object, _ops.LocalNamespace):
            return super().calculate(current_object, loader, top_namespace)
        if self.parameters is not None:
            method = method_of(current_object, self.name)
            if method is None:
                return None
            return method(*self.parameters.calculate(top_namespace, loader))
        result = member_property(current_object, self.name)
        if self.index is not None and result is not None:
            result = _indexed(result, self.index.calculate(top_namespace, loader))
        return result


def _indexed(container: Any, key: Any) -> Any:
    if isinstance(container, list):
        valid = isinstance(key, int) and not isinstance(key, bool) and 0 <= key < len(container)
        return container[key] if valid else None
    if isinstance(container, dict):
        return container.get(key)
    return None


class _JavaFormalReference(_ops.FormalReference):  # type: ignore[misc]
    """`$ref` printing: Java `toString`, null as nothing. A `$` not followed by an identifier
    (`$1`, `$5.00`, `$ `) is no reference in Velocity: it prints as written, so a Java
    `replaceAll` replacement keeps its `$1` group reference."""

    def evaluate_raw(self, stream: Any, namespace: Any, loader: Any) -> None:
        if self.expression is None:
            stream.write(self.my_text())
            return
        value = self.expression.calculate(namespace, loader)
        if is_null(value) and self.alternate is not None:
            value = self.alternate.calculate(namespace, loader)
        stream.write(java_string(value))


class _CappedForeach(_ops.ForeachDirective):  # type: ignore[misc]
    """`#foreach` with API Gateway's 1,000-iteration cap, map values and `#break`; every
    iteration spends one step of the render's budget (`render_budget.MAX_RENDER_STEPS`)."""

    def evaluate_raw(self, stream: Any, namespace: Any, loader: Any) -> None:
        iterable = self.value.calculate(namespace, loader)
        # One item past the cap tells whether `$foreach.hasNext` is true on the last round.
        items = list(itertools.islice(_iteration(iterable), FOREACH_LIMIT + 1))
        length = len(items)
        budget = _steps_of(namespace)
        for counter, item in enumerate(items[:FOREACH_LIMIT], start=1):
            budget.spend()
            local = _ops.LocalNamespace(namespace)
            local["velocityCount"] = counter
            local["velocityHasNext"] = counter < length
            local["foreach"] = {
                "count": counter,
                "index": counter - 1,
                "hasNext": counter < length,
                "first": counter == 1,
                "last": counter == length,
            }
            local[self.loop_var_name] = item
            try:
                self.block.evaluate(stream, local, loader)
            except _ops.TemplateExecutionError as error:
                if _is_break(error):
                    return
                raise


def _steps_of(namespace: Any) -> StepBudget:
    try:
        return namespace[_STEPS]  # type: ignore[no-any-return]
    except KeyError:  # a namespace `merge` did not make (only tests render so)
        return StepBudget()


def _iteration(iterable: Any) -> Iterator[Any]:
    # Velocity iterates collections, arrays and a map's values; anything else (null, a string,
    # a number) runs the body zero times.
    if isinstance(iterable, Mapping):
        return iter(iterable.values())
    if isinstance(iterable, list | tuple | range):
        return iter(iterable)
    return iter(())


class _JavaCondition(_ops.Condition):  # type: ignore[misc]
    def calculate(self, namespace: Any, loader: Any) -> bool:
        return velocity_truth(self.expression.calculate(namespace, loader))


class _VelocityNot(_ops.UnaryOperatorValue):  # type: ignore[misc]
    def calculate(self, namespace: Any, loader: Any) -> bool:
        return not velocity_truth(self.value.calculate(namespace, loader))


class _JavaAssignment(_ops.Assignment):  # type: ignore[misc]
    """`#set`: a null value keeps the old one; a path through a missing map is ignored.

    `$input.path`'s null object is a value, not Java null: `#set($r = $input.path('$.none'))`
    makes `$r == ""` true ([AWS-REC] test_input_path_template_formatting, `empty-body`)."""

    def evaluate_raw(self, stream: Any, namespace: Any, loader: Any) -> None:
        value = self.value.calculate(namespace, loader)
        if value is None:
            return
        if not self.terms:
            _scope_for(namespace, self.root_term)[self.root_term] = value
            return
        try:
            target = namespace[self.root_term]
            for term in self.terms[:-1]:
                target = target[term.calculate(namespace, loader)]
            key = self.terms[-1].calculate(namespace, loader)
        except (KeyError, IndexError, TypeError):
            return
        if isinstance(target, dict) or (isinstance(target, list) and _valid_index(target, key)):
            target[key] = value


def _scope_for(namespace: Any, name: str) -> Any:
    # A new variable set inside `#foreach` outlives the loop: Velocity has one template context.
    scope = namespace.find_outermost(name)
    if scope is not None:
        return scope
    while isinstance(namespace.parent, _ops.LocalNamespace):
        namespace = namespace.parent
    return namespace


def _valid_index(target: list[Any], key: Any) -> bool:
    return isinstance(key, int) and not isinstance(key, bool) and 0 <= key < len(target)


class _BoundedInterpolation(_ops.InterpolatedStringLiteral):  # type: ignore[misc]
    """A `"...$ref..."` literal, bounded like the output (a string doubled in a loop)."""

    def calculate(self, namespace: Any, loader: Any) -> str:
        output = _BoundedStream()
        self.block.evaluate(output, namespace, loader)
        return str(output.getvalue())


class _BoundedStream(_ops.StoppableStream):  # type: ignore[misc]
    """The render's output, at most `render_budget.MAX_TEXT_CHARS` characters."""

    def __init__(self) -> None:
        super().__init__()
        self.size = 0

    def write(self, text: str) -> None:
        self.size += len(text)
        if self.size > MAX_TEXT_CHARS:
            raise BudgetExceeded("template output too long")
        super().write(text)


class _LiteralMacroCall(_ops.MacroCall):  # type: ignore[misc]
    """A call of an undefined macro prints as text, as in Velocity."""

    def evaluate_raw(self, stream: Any, namespace: Any, loader: Any) -> None:
        try:
            namespace["#" + self.macro_name]
        except KeyError:
            stream.write(self.my_text())
            return
        super().evaluate_raw(stream, namespace, loader)


class _Break(_ops._Element):  # type: ignore[misc]
    def evaluate_raw(self, stream: Any, namespace: Any, loader: Any) -> None:
        raise _BreakLoop()


class _Unsupported(_ops._Element):  # type: ignore[misc]
    """`#include`, `#parse`, `#evaluate`: API Gateway has no resource loader."""

    def evaluate_raw(self, stream: Any, namespace: Any, loader: Any) -> None:
        raise VtlRenderError(f"unsupported directive: {self.my_text()[:40]}")


_JAVA_ELEMENTS: Final[dict[type, type]] = {
    _ops.NameOrCall: _JavaNameOrCall,
    _ops.FormalReference: _JavaFormalReference,
    _ops.ForeachDirective: _CappedForeach,
    _ops.Condition: _JavaCondition,
    _ops.UnaryOperatorValue: _VelocityNot,
    _ops.Assignment: _JavaAssignment,
    _ops.MacroCall: _LiteralMacroCall,
    _ops.InterpolatedStringLiteral: _BoundedInterpolation,
    _ops.IncludeDirective: _Unsupported,
    _ops.ParseDirective: _Unsupported,
    _ops.EvaluateDirective: _Unsupported,
}

_LINE_END = re.compile(r"[ \t\r]*\n")
_BREAK = re.compile(r"break\b")


# ---------------------------------------------------------------------------------------------
# Compile-time adoption and rendering
# ---------------------------------------------------------------------------------------------


def adopt_java_semantics(root: Any) -> None:
    """Swap the parsed elements' classes for the Java-semantics ones above (compile time)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        element = stack.pop()
        if id(element) in seen:
            continue
        seen.add(id(element))
        _adopt(element)
        stack.extend(_children(element))


def _adopt(element: Any) -> None:
    if isinstance(element, _ops.BinaryOperator):
        symbol = _ENGINE_OPERATOR_SYMBOL.get(id(element.apply_to))
        if symbol is not None:
            element.apply_to = _OPERATORS[symbol]
    if isinstance(element, _ops.ForeachDirective | _ops.ElseBlock):
        # Velocity gobbles the rest of a `#foreach(...)` / `#else` line with its newline.
        _gobble_line_end(element.block)
    if isinstance(element, _ops.Block):
        _adopt_break(element)
        _drop_spaces_before_set(element)
    replacement = _JAVA_ELEMENTS.get(type(element))
    if replacement is not None:
        element.__class__ = replacement


def _gobble_line_end(block: Any) -> None:
    first = block.children[0] if block.children else None
    if isinstance(first, _ops.Text) and (match := _LINE_END.match(first.text)):
        first.text = first.text[match.end() :]


def _adopt_break(block: Any) -> None:
    # The engine reads `#break` as a stray `#` followed by text starting with "break".
    children = block.children
    for index in range(len(children) - 1):
        hash_text, text = children[index], children[index + 1]
        if _is_break_pair(hash_text, text):
            hash_text.__class__ = _Break
            text.text = text.text[len("break") :]


def _is_break_pair(hash_text: Any, text: Any) -> bool:
    return (
        isinstance(hash_text, _ops.FallthroughHashText)
        and hash_text.text == "#"
        and isinstance(text, _ops.Text)
        and _BREAK.match(text.text) is not None
    )


def _drop_spaces_before_set(block: Any) -> None:
    # Velocity 1.7's lexer folds spaces before `#set` into the directive when they follow a
    # reference or another directive (`$a #set(...)` prints `1`, not `1 `) ([3P] oracle).
    children = block.children
    for index in range(1, len(children) - 1):
        spaces, following = children[index], children[index + 1]
        preceding = children[index - 1]
        if (
            isinstance(following, _ops.SetDirective)
            and isinstance(spaces, _ops.Text)
            and not isinstance(preceding, _ops.Text)
            and spaces.text.strip(" \t") == ""
        ):
            spaces.text = ""


def _children(element: Any) -> Iterator[Any]:
    for value in vars(element).values():
        # Some elements keep only a bound `calculate` of their child (ParenthesizedExpression).
        owner = getattr(value, "__self__", None)
        if isinstance(owner, _ops._Element):
            yield owner
        if isinstance(value, _ops._Element):
            yield value
        elif isinstance(value, list | tuple):
            yield from (item for item in value if isinstance(item, _ops._Element))


_LOADER: Final = _ops.NullLoader()
# The render's step budget, in its namespace under a name no template can spell.
_STEPS: Final = "foreach steps"


def merge(engine_template: Any, namespace: dict[str, Any]) -> str:
    """Render within the budgets of `render_budget`; a top-level `#break` ends the output there.
    Failures (a budget exceeded included) raise `VtlRenderError`."""
    stream = _BoundedStream()
    namespace[_STEPS] = StepBudget()
    try:
        # `Template.merge_to` without its per-call loader and compile check: `Template.compile`
        # compiled the template, and a NullLoader holds no state.
        within_deadline(lambda: engine_template.root_element.evaluate(stream, namespace, _LOADER))
    except _ops.TemplateExecutionError as error:
        if _is_break(error):
            return str(stream.getvalue())
        if isinstance(error.__cause__, VtlRenderError):
            raise VtlRenderError(str(error.__cause__)) from error
        raise VtlRenderError(str(error)) from error
    except _BreakLoop:
        return str(stream.getvalue())
    except RenderTimeout as error:
        raise VtlRenderError("template exceeded its time budget") from error
    except (BudgetExceeded, MemoryError) as error:
        raise VtlRenderError(str(error) or "template too large") from error
    except RecursionError as error:
        raise VtlRenderError("template recursion too deep") from error
    return str(stream.getvalue())
