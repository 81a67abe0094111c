"""An expression's (or a neuron's) formats, by the names every result offers (:mod:`symbackprop._rendered`)."""

from __future__ import annotations

from . import json, latex, markdown, python, text

to_dict = json.to_dict
json_text = json.render
latex_text = latex.render
equations = latex.equations
equation_blocks = latex.blocks
markdown_text = markdown.render
walkthrough = markdown.walkthrough
plain_text = text.render
program = python.render
