"""Java regular expressions, as API Gateway reads them, translated for Python's `re`.

Where it sits: the support library, used at build time by the model compiler
(`apigwc.emitters.runtime_models`: a model's `pattern` and `patternProperties` keys) and by
`apigwc validate` (AGW211/AGW305, AGW423), and at run time by the Velocity engine
(`String.matches`, `replaceAll`, `split` in mapping templates, which API Gateway runs on Java) and
by integration-response selection (`selectionPattern`, `whole_match`). Flows in: a pattern's
text; flows out: a Python pattern that matches what Java matches, or `PatternError`.
"""

from __future__ import annotations

import functools
import re
from typing import Final

#
# API Gateway checks `pattern` (and `patternProperties` keys) with a Java JSON-schema validator
# whose messages name "ECMA 262 regex"; Python's `re` reads some patterns differently or not at
# all. `java_pattern` rewrites the constructs real specs use so that Python matches what API
# Gateway matches:
#   - `\d`, `\w` (and `\p{Alpha}`-style POSIX classes) are ASCII-only in Java and ECMA 262;
#   - a `-` next to a class shorthand inside `[...]` is literal (`[\w-_]`), an error in Python;
#   - `$` inside `[...]` is literal (fastjsonschema turns every bare `$` into `\Z`);
#   - `\p{L}`, `\p{IsAlphabetic}`, `\p{Nd}`/`\p{IsDigit}` (Unicode letters and digits), also
#     inside a class; `\P{...}` their complement;
#   - `\z` (end of input) and Java's `\Z` (end, or before a final line terminator);
#   - `(?<name>...)` named groups and `\k<name>` back-references; `\Q...\E` quoting;
#   - possessive quantifiers and atomic groups pass as they are (Python 3.11 has them).
# Anything else that Python cannot compile (Java class intersections `[a-z&&[^e]]`, other
# Unicode properties) raises `PatternError`: `apigwc validate` reports it (AGW211 when malformed,
# else AGW305), and the
# compiled model rejects every string it would have checked (fail closed).

_ASCII_CLASSES: Final = {
    "Lower": "a-z",
    "Upper": "A-Z",
    "ASCII": "\\x00-\\x7f",
    "Alpha": "A-Za-z",
    "Digit": "0-9",
    "Alnum": "A-Za-z0-9",
    "Punct": "!-/:-@\\[-`{-~",
    "Graph": "!-~",
    "Print": " -~",
    "Blank": " \\t",
    "Cntrl": "\\x00-\\x1f\\x7f",
    "XDigit": "0-9a-fA-F",
    "Space": " \\t\\n\\x0b\\f\\r",
}
# Unicode properties Python's `re` can express (a letter is a word character that is neither a
# digit nor `_`); positive forms as a class body usable alone, negative as a whole class.
_UNICODE_CLASSES: Final = {
    "L": ("[^\\W\\d_]", "[\\W\\d_]"),
    "IsL": ("[^\\W\\d_]", "[\\W\\d_]"),
    "IsLetter": ("[^\\W\\d_]", "[\\W\\d_]"),
    "IsAlphabetic": ("[^\\W\\d_]", "[\\W\\d_]"),
    "Nd": ("\\d", "\\D"),
    "IsDigit": ("\\d", "\\D"),
}
_SHORTHAND_IN_CLASS: Final = {"d": "0-9", "w": "A-Za-z0-9_"}
_SHORTHAND: Final = {"d": "[0-9]", "D": "[^0-9]", "w": "[A-Za-z0-9_]", "W": "[^A-Za-z0-9_]"}
UNCHECKABLE_PATTERN: Final = "(?!)"  # matches nothing: a pattern apigwc cannot translate


class PatternError(ValueError):
    """A model pattern that apigwc cannot translate to a Python regular expression: `invalid`
    when it is malformed (no dialect reads it), else a form apigwc does not translate."""

    def __init__(self, reason: str, *, invalid: bool = False) -> None:
        super().__init__(reason)
        self.invalid = invalid


def java_pattern(pattern: str) -> str:
    """`pattern` as a Python regular expression matching what API Gateway matches."""
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            piece, index = _escape(pattern, index)
            out.append(piece)
        elif char == "[":
            piece, index = _char_class(pattern, index)
            out.append(piece)
        elif pattern.startswith("(?<", index) and pattern[index + 3 : index + 4] not in ("=", "!"):
            out.append("(?P<")
            index += 3
        else:
            out.append(char)
            index += 1
    translated = "".join(out)
    try:
        re.compile(translated)
    except (re.error, OverflowError, RecursionError) as error:
        raise PatternError(str(error), invalid=True) from error
    return translated


def whole_match(pattern: str, text: str) -> bool:
    """Java's `Pattern.matches`: does `pattern` match the whole of `text`? An integration
    response's `selectionPattern` is read so (runtime reference §1.7: `.+` misses a successful
    Lambda's empty string, `.` stops at a newline). A pattern that cannot be read matches
    nothing; `apigwc validate` reports a malformed one (AGW423)."""
    regex = _compiled(pattern)
    return regex is not None and regex.fullmatch(text) is not None


@functools.lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(java_pattern(pattern))
    except PatternError:
        return None


def _escape(pattern: str, index: int) -> tuple[str, int]:
    """One escape outside a class, from the backslash at `index`."""
    letter = pattern[index + 1 : index + 2]
    if not letter:
        raise PatternError("the pattern ends with a backslash", invalid=True)
    if letter in _SHORTHAND:
        return _SHORTHAND[letter], index + 2
    if letter == "z":
        return "\\Z", index + 2
    if letter == "Z":
        return "(?=\\n?\\Z)", index + 2
    if letter in "pP":
        name, end = _property_name(pattern, index)
        return _property_class(letter, name), end
    if letter == "Q":
        end = pattern.find("\\E", index + 2)
        stop = len(pattern) if end < 0 else end
        return re.escape(pattern[index + 2 : stop]), stop if end < 0 else end + 2
    if letter == "k" and pattern[index + 2 : index + 3] == "<":
        close = pattern.find(">", index + 3)
        if close < 0:
            raise PatternError("unterminated \\k<name>")
        return f"(?P={pattern[index + 3 : close]})", close + 1
    return pattern[index : index + 2], index + 2


def _property_name(pattern: str, index: int) -> tuple[str, int]:
    """`\\p{Name}` or `\\pL` from the backslash at `index` → (name, index after it)."""
    if pattern[index + 2 : index + 3] != "{":
        return pattern[index + 2 : index + 3], index + 3
    close = pattern.find("}", index + 3)
    if close < 0:
        raise PatternError("unterminated \\p{...}")
    return pattern[index + 3 : close], close + 1


def _property_class(letter: str, name: str) -> str:
    """`\\p{name}` (`letter` p) or `\\P{name}` as a whole Python class."""
    if name in _ASCII_CLASSES:
        return f"[{'^' if letter == 'P' else ''}{_ASCII_CLASSES[name]}]"
    if name in _UNICODE_CLASSES:
        return _UNICODE_CLASSES[name][letter == "P"]
    raise PatternError(f"the Unicode property \\{letter}{{{name}}} is not supported")


def _char_class(pattern: str, index: int) -> tuple[str, int]:
    """A `[...]` class from `index`; Unicode properties inside become an alternation."""
    body: list[str] = []
    extra: list[str] = []  # whole classes Python cannot nest in a class body
    position = index + 1
    negated = pattern.startswith("^", position)
    position += negated
    if pattern.startswith("]", position):  # a leading `]` is literal in Java
        body.append("\\]")
        position += 1
    after_shorthand = False
    while True:
        if position >= len(pattern):
            raise PatternError("unterminated character class", invalid=True)
        char = pattern[position]
        if char == "]":
            break
        if char == "[" or pattern.startswith("&&", position):
            raise PatternError("nested classes and class intersections (Java) are not supported")
        shorthand = False
        if char == "\\":
            letter = pattern[position + 1 : position + 2]
            if letter in _SHORTHAND_IN_CLASS:
                body.append(_SHORTHAND_IN_CLASS[letter])
                shorthand, position = True, position + 2
            elif letter in ("p", "P"):
                name, position = _property_name(pattern, position)
                if name in _ASCII_CLASSES and letter == "p":
                    body.append(_ASCII_CLASSES[name])
                else:
                    extra.append(_property_class(letter, name))
                shorthand = True
            elif letter in ("D", "W", "s", "S"):
                body.append(pattern[position : position + 2])
                shorthand, position = True, position + 2
            else:
                body.append(pattern[position : position + 2])
                position += 2
        elif char == "-" and (after_shorthand or _shorthand_at(pattern, position + 1)):
            body.append("\\-")  # literal next to a shorthand, as in Java and ECMA 262
            position += 1
        elif char == "$":
            body.append("\\$")
            position += 1
        else:
            body.append(char)
            position += 1
        after_shorthand = shorthand
    end = position + 1
    if not extra:
        return f"[{'^' if negated else ''}{''.join(body)}]", end
    choices = ([f"[{''.join(body)}]"] if body else []) + extra
    either = f"(?:{'|'.join(choices)})"
    return (f"(?!{either})[\\s\\S]" if negated else either), end


def _shorthand_at(pattern: str, position: int) -> bool:
    return pattern[position : position + 1] == "\\" and pattern[position + 1 : position + 2] in (
        "dDwWsSpP"
    )
