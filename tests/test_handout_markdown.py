"""The Markdown handout as the common renderers show it: CommonMark with GitHub's tables
(markdown-it-py) and Python-Markdown with its tables extension. Every text from the rule base
comes out as the same characters, with no backslash, markup, link or HTML of its own."""
from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser

import markdown
import pytest
from conftest import full_answers
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from runrehab.commands.run import app
from runrehab.rules.loader import load

KB = load()


def rendered(handout: str) -> list[str]:
    """The handout made HTML by each renderer."""
    return [MarkdownIt("commonmark").enable("table").render(handout),
            markdown.markdown(handout, extensions=["tables"])]


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def shown(page: str) -> str:
    """What a reader sees of an HTML page: its text, white space as single spaces."""
    parser = _Text()
    parser.feed(page)
    parser.close()
    return re.sub(r"\s+", " ", "".join(parser.parts))


@pytest.mark.parametrize("symptom", ["tight-itb", "posterior-leg-pain", "hand-tingling"])
def test_every_renderer_shows_the_rule_base_texts_as_they_are_written(tmp_path, symptom):
    runner = CliRunner()
    db = str(tmp_path / "h.db")
    result = runner.invoke(app, ["triage", "--answers", "-", "--db", db, "--date", "2026-03-01", "--json"],
                           input=json.dumps(full_answers(KB, symptom)))
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.stdout)
    handout = runner.invoke(app, ["plan", "--format", "markdown", "--db", db, "--date", "2026-03-02"]).stdout
    texts = [f"{r['source']['title']}: \u201c{r['source']['quote']}\u201d" for r in plan["rules"]]
    texts += [*plan["advice"], *plan["stop_if"], KB.symptoms[symptom].name]
    texts += [step for item in plan["routine"] for step in KB.exercises[item["exercise"]].instructions]
    for page in rendered(handout):
        seen = shown(page)
        for text in texts:
            assert re.sub(r"\s+", " ", text) in seen, (text, page)
        assert not re.search(r"\\[^\w\s]", seen.replace("\\x", "")), "a backslash escape shown as text"
        assert "<a " not in page and "<img" not in page and page.count("<em>") == 1  # the disclaimer


def test_the_source_title_with_an_ampersand_reads_as_written():
    """The title that Python-Markdown showed as "Jogging \\& Running"."""
    from runrehab.render.markdown import _md

    title = "Ask the Expert, Jogging & Running: \"Yes, it's me again\""
    for page in rendered(f"- {_md(title)}\n\n| {_md('a | b & c')} | x |\n| --- | --- |\n| {_md('~~no~~ <b>')} | y |\n"):
        seen = shown(page)
        assert title in seen and "a | b & c" in seen and "~~no~~ <b>" in seen, page
        assert "<b>" not in page and "<del>" not in page and "<s>" not in page
        assert html.unescape(page).count("|") >= 1
