"""``.. cli-reference::``: the command line's reference, generated from ``symbackprop.cli.build_parser()``.

One section per command with its description, usage, options (grouped as ``--help`` groups
them, with defaults) and examples, so the page can never disagree with the program.
"""

from __future__ import annotations

import argparse
from typing import Any

from docutils import nodes
from docutils.nodes import make_id
from sphinx.util.docutils import SphinxDirective

from symbackprop.cli import build_parser


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _option_table(group: argparse._ArgumentGroup) -> nodes.table | None:
    rows = []
    for action in group._group_actions:
        if action.help == argparse.SUPPRESS or isinstance(action, argparse._SubParsersAction):
            continue
        names = ", ".join(action.option_strings) or (action.metavar or action.dest)
        if action.option_strings and action.nargs != 0:
            choices = "{" + ",".join(map(str, action.choices)) + "}" if action.choices else None
            names += f" {action.metavar or choices or action.dest.upper()}"
        text = (action.help or "").replace("%(default)s", str(action.default))
        rows.append((names, text))
    if not rows:
        return None
    table = nodes.table(classes=["cli-options"])
    group_node = nodes.tgroup(cols=2)
    table += group_node
    group_node += nodes.colspec(colwidth=35)
    group_node += nodes.colspec(colwidth=65)
    body = nodes.tbody()
    for names, text in rows:
        row = nodes.row()
        row += nodes.entry("", nodes.paragraph("", "", nodes.literal(names, names)))
        row += nodes.entry("", nodes.paragraph("", text))
        body += row
    group_node += body
    return table


class CliReference(SphinxDirective):
    has_content = False

    def _section(self, title: str, parser: argparse.ArgumentParser) -> nodes.section:
        section = nodes.section(ids=[make_id(title)])
        section += nodes.title(title, "", nodes.literal(title, title))
        if parser.description:
            section += nodes.paragraph("", parser.description)
        usage = parser.format_usage().strip()
        section += nodes.literal_block(usage, usage, language="text")
        for group in parser._action_groups:
            table = _option_table(group)
            if table is None:
                continue
            section += nodes.rubric("", (group.title or "options").capitalize())
            section += table
        if parser.epilog:
            epilog = parser.epilog.strip()
            section += nodes.literal_block(epilog, epilog, language="text")
        return section

    def run(self) -> list[nodes.Node]:
        parser = build_parser()
        out = [self._section(parser.prog, parser)]
        for name, sub in _subcommands(parser).items():
            out.append(self._section(f"{parser.prog} {name}", sub))
        return out


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("cli-reference", CliReference)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
