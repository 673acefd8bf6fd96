"""How the compiled code names its values: reserved words, a value's stem, JavaScript spelling.

>>> javascript_name("w·a"), stem(Value(1.0), given=True)
('w$b7$a', 'x')
"""

from __future__ import annotations

import re
import unicodedata

from ..engine import Value
from ..ops import operation_of

__all__ = ["JAVASCRIPT_WORDS", "NOT_ALNUM", "javascript_name", "stem"]

# Words a name of the code must not be, in JavaScript (Python's keywords are known to it).
JAVASCRIPT_WORDS = frozenset(
    [
        "arguments",
        "await",
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "debugger",
        "default",
        "delete",
        "do",
        "else",
        "enum",
        "eval",
        "export",
        "extends",
        "false",
        "finally",
        "for",
        "function",
        "if",
        "implements",
        "import",
        "in",
        "instanceof",
        "interface",
        "let",
        "new",
        "null",
        "package",
        "private",
        "protected",
        "public",
        "return",
        "static",
        "super",
        "switch",
        "this",
        "throw",
        "true",
        "try",
        "typeof",
        "undefined",
        "var",
        "void",
        "while",
        "with",
        "yield",
        "Infinity",
        "NaN",
        "Math",
        "Number",
    ]
)
NOT_ALNUM = re.compile(r"[^A-Za-z0-9]+")


def stem(n: Value, given: bool) -> str:
    """The stem of a value's generated name when it has no label: its operation's word."""
    if given:
        return "x"
    if not n.children:
        return "leaf"
    operation = operation_of(n)
    if operation is not None:
        return operation.word
    return n.op if n.op.isascii() and n.op.isidentifier() else "node"


def javascript_name(name: str) -> str:
    """A name of the code as every JavaScript engine reads it (a number's text stays as it is).

    The names are Python's (NFKC, see ``Writer._fresh``); an ASCII one is a JavaScript name
    already. Of the others, a character stays when it was a letter already in Unicode 3.2 (a
    mark or digit after the first): every engine knows those as a name's characters, whatever
    its Unicode version. Any other becomes ``$hex$``; no Python name holds a $, so two names
    never meet: σ stays σ, w·a becomes w$b7$a.
    """
    if name.isascii() or not name.isidentifier():
        return name
    out = []
    for i, c in enumerate(name):
        category = unicodedata.ucd_3_2_0.category(c)
        if c.isascii() or category in _LETTERS or (i and category in _MARKS_AND_DIGITS):
            out.append(c)
        else:
            out.append(f"${ord(c):x}$")
    return "".join(out)


_LETTERS = frozenset(("Lu", "Ll", "Lt", "Lm", "Lo", "Nl"))  # JavaScript's first characters
_MARKS_AND_DIGITS = frozenset(("Mn", "Mc", "Nd", "Pc"))  # and the ones it allows after them
