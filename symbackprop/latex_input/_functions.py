r"""Functions as LaTeX writes them: ``\tanh x``, ``\log_{2}(x)``, ``\max\{0, x\}``, ``\text{LeakyReLU}(z)``,
``\text{GELU}_{\tanh}(z)``, the nested notation's bare words (``sum(…)``, ``softplus(…)``), and a power
of a function, ``\tanh^2(x)``, ``\sigma^2(x)``, ``\log^2 x``: the square of the function's value.
Every name is looked up in the rule table without case or underscores (:func:`symbackprop.ops.function`).
"""

from __future__ import annotations

import sympy

from ..errors import ParseError
from ..ops import DivOp, Log2, Log10, LogOp, MaxOp, Op, PowOp, function, maximum
from ..ops.table import key
from ..vectors import softmax_output
from ._base import Base

#: The LaTeX commands that are functions of one operand (``\tanh x``) or of a list (``\max``).
FUNCTION_COMMANDS = {"tanh", "exp", "log", "ln", "max", "min", "sin", "cos"}
_LISTS = ("max", "min")


class Functions(Base):
    """Reading a function's application."""

    def word_call(self, i: int, hi: int) -> tuple[sympy.Basic, int] | None:
        """The nested notation's bare words: sum(…), mul(…), ReLU(…), max(…) … (touching letters)."""
        toks = self.toks
        if i > 0 and toks[i - 1].kind == "letter" and toks[i - 1].pos == toks[i].pos - 1:
            return None  # inside a word that is not a function: x s u m(…) stays letters
        j = self.touching_letters(i, hi)
        word = "".join(t.text for t in toks[i:j])
        if j - i > 1 and self.is_text(j, hi, "(") and function(word) is not None:
            return self.call(word, i, j)
        return None

    def function_command(self, name: str, i: int, hi: int) -> tuple[sympy.Basic, int]:
        r"""\tanh(x) or \tanh x (one operand), \tanh^2 x (its square), \log_{b} x = log(x) / log(b)
        (\log_2 and \log_{10}: log2, log10); \log and \ln are natural."""
        base = None
        j = i + 1
        if name == "log" and self.is_text(j, hi, "_"):
            base, j = self.atom(j + 1, hi)
        power, j = self.function_power(i, j, hi)
        if self.is_text(j, hi, "(") or (name in _LISTS and self.is_text(j, hi, r"\{")):
            value, j = self.call(name, i, j)
        elif name in _LISTS:
            raise ParseError(f"\\{name} needs its arguments in parentheses", self.col(j))
        else:
            arg, j = self.atom(j, hi)
            cls = function(name)
            assert cls is not None, name
            value = cls(arg)
        if base is not None:
            known = {2: Log2, 10: Log10}.get(int(base)) if isinstance(base, sympy.Integer) else None
            value = known(value.args[0]) if known else DivOp(value, LogOp(base))
        return (value if power is None else PowOp(value, power)), j

    def function_power(self, at: int, j: int, hi: int) -> tuple[sympy.Integer | None, int]:
        r"""A power written on a function's name, ``\tanh^2`` or ``\tanh^{2}``: a whole number of 2 or more;
        ``\tanh^{-1}`` (an inverse) and any other superscript are refused."""
        if not self.is_text(j, hi, "^"):
            return None, j
        a, b, k = self.operand(j + 1, hi)
        texts = [t.text for t in self.toks[a:b]]
        written = self.src[self.toks[at].pos : self.toks[j].pos].strip()
        if texts in (["-", "1"], ["-1"]):
            raise ParseError(f"{written}^{{-1}} (an inverse function) is not supported", self.col(j))
        if len(texts) != 1 or not texts[0].isdigit() or int(texts[0]) < 1:
            raise ParseError(
                f"a power of a function is a whole number ({written}^{{2}}(x)); else write ({written}(x))^{{...}}",
                self.col(j),
            )
        power = sympy.Integer(int(texts[0]))
        self.exponent(power)
        return power, k

    def named_call(self, word: str, at: int, j: int, hi: int) -> tuple[sympy.Basic, int] | None:
        r"""``\text{word}`` at token ``at`` (its braces end before j) as a function: ``\text{ReLU}(z)``,
        ``\text{ReLU}^2(z)``, ``\text{GELU}_{\tanh}(z)``, ``\operatorname{swish}_2(x)``; None where no call follows."""
        name = word
        if key(word) == "softmax":
            return self.softmax(at, j, hi)
        if self.is_text(j, hi, "_"):
            a, b, k = self.operand(j + 1, hi)
            sub = "".join(t.text for t in self.toks[a:b])
            if function(word + sub) is not None and (self.is_text(k, hi, "(") or self.is_text(k, hi, "^")):
                name, j = f"{word}_{sub.lstrip(chr(92))}", k
        if function(name) is None:
            return None
        power, k = self.function_power(at, j, hi)
        if not self.is_text(k, hi, "("):
            if power is not None or name != word:
                raise ParseError(f"{name} needs its arguments in parentheses", self.col(k))
            return None
        value, k = self.call(name, at, k)
        return (value if power is None else PowOp(value, power)), k

    def softmax(self, at: int, j: int, hi: int) -> tuple[sympy.Basic, int]:
        r"""``\text{softmax}_k(z)`` or ``\text{softmax}(z)_k`` (z a vector, or its elements written out): one
        output of a softmax (see :func:`symbackprop.vectors.softmax_output`)."""
        k: int | sympy.Symbol | None = None
        if self.is_text(j, hi, "_"):
            k, j = self.softmax_index(j, hi)
        if not self.is_text(j, hi, "("):
            raise ParseError("softmax needs its arguments in parentheses", self.col(j))
        end = self.match[j]
        ranges = self.arguments(j + 1, end)
        args: list[sympy.Basic] = []
        if len(ranges) == 1:  # a vector as a whole: \text{softmax}(\mathbf{z})
            value, stop = self.atom(*ranges[0])
            if stop == ranges[0][1] and isinstance(value, sympy.Symbol) and value.name in self.vectors:
                args = [value]
        args = args or [self.expr(a, b) for a, b in ranges]
        j = end + 1
        if k is None and self.is_text(j, hi, "_"):
            k, j = self.softmax_index(j, hi)
        return softmax_output(k, args, self.vectors, self.arrays, self.col(at), latex=True), j

    def softmax_index(self, j: int, hi: int) -> tuple[int | sympy.Symbol, int]:
        r"""The subscript at token j (its ``_``) of a softmax: which output, a whole number, or the index of a
        ``\sum`` around it (``\sum_k y_k \log \text{softmax}_k(z)``: each term its own output)."""
        a, b, k = self.operand(j + 1, hi)
        text = "".join(t.text for t in self.toks[a:b])
        if text in self.indices:
            return sympy.Symbol(text), k
        if not text.isdigit() or not text.isascii():
            raise ParseError(
                rf"a softmax's subscript is the output's index, a whole number (\text{{softmax}}_{{0}}(z)), not {text}",
                self.col(a),
            )
        return int(text), k

    def call(self, word: str, at: int, i: int) -> tuple[sympy.Basic, int]:
        r"""``word(arg, …)`` (or ``\max\{…\}``) with the bracket at token i: an operation of the rule table."""
        cls = function(word)
        if cls is None:
            raise ParseError(f"unknown function {word}", self.col(at))
        end = self.match[i]
        ranges = self.arguments(i + 1, end)
        for a, b in ranges:
            if [t.text for t in self.toks[a:b]] == [r"\cdot"]:
                written = self.src[self.toks[at].pos : self.toks[i].pos].strip()
                raise ParseError(
                    rf"'\cdot' as an argument stands for any argument (a placeholder), not a value: write "
                    rf"the argument itself, as in {written}(x)",
                    self.col(a),
                )
        args = [self.expr(a, b) for a, b in ranges]
        return self.applied(cls, word, args, at), end + 1

    def applied(self, cls: type[Op], word: str, args: list[sympy.Basic], at: int) -> sympy.Basic:
        """``cls`` on its arguments, their number checked."""
        low, high = cls.arity()
        if len(args) < low or (high is not None and len(args) > high):
            want = (
                f"exactly {low}" if low == high else f"{low} or more" if high is None else f"{low} or {high}"
            )
            noun = "argument" if low == high == 1 else "arguments"
            raise ParseError(f"{word} takes {want} {noun}, got {len(args)}", self.col(at))
        if cls is PowOp:
            self.exponent(args[1])
        return maximum(*args) if cls is MaxOp else cls(*args)

    def arguments(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """The ranges between top-level commas."""
        out, start, i = [], lo, lo
        while i < hi:
            if self.toks[i].text == ",":
                out.append((start, i))
                start = i + 1
            i = self.next(i)
        if lo < hi:
            out.append((start, hi))
        return out
