"""The streaming text view draws exactly what one Rich render of the whole text draws."""

from __future__ import annotations

import random

from rich.markdown import Markdown as RichMarkdown
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll

from claude_textual.ui.widgets.blocks import TextView
from claude_textual.ui.widgets.fence import code_theme
from claude_textual.ui.widgets.markdown_lines import rich_markdown

DOC = """Intro paragraph with *emphasis*, **strong** and `code`, long enough to wrap across the width of \
the view at least once or twice when it is drawn.

## A heading

- first item
- second item, with a [link](https://example.com)

1. one
2. two

```python
def f(x):
    return {'k': x}
```

> a quote that goes on for a while

---

| a | b |
|---|---|
| 1 | 2 |

Setext heading
==============

Last paragraph.
"""


BLOCKS = [
    "A paragraph of plain words that goes on and on, long enough to wrap on a narrow view.",
    "Short *one* with `code`.",
    "# Title",
    "## Section",
    "### Small",
    "- a\n- b\n  - nested\n- c",
    "1. one\n2. two\n3. three",
    "```\nplain code\n```",
    "```js\nconst x = {a: 1};\nconsole.log(x);\n```",
    "> quoted text\n> more",
    "---",
    "| h1 | h2 |\n|----|----|\n| x | y |",
    "Setext\n------",
    "    indented code",
]


def random_doc(rng: random.Random, blocks: int) -> str:
    return "\n\n".join(rng.choice(BLOCKS) for _ in range(blocks)) + "\n"


class Holder(App):
    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield TextView({"type": "text", "text": ""})


def lines(strips) -> list[list[tuple[str, object]]]:
    return [[(segment.text, segment.style) for segment in strip] for strip in strips]


async def test_streamed_pieces_draw_what_one_render_of_the_whole_text_draws():
    rng = random.Random(5)
    app = Holder()
    async with app.run_test(size=(72, 30)) as pilot:
        view = app.query_one(TextView)
        at = 0
        while at < len(DOC):
            step = rng.randint(1, 12)
            view.feed("text_delta", DOC[at : at + step])
            at += step
            if rng.random() < 0.3:
                await pilot.pause(0.07)  # some repaints in between, at random places
        await view.settle({"type": "text", "text": DOC})
        await pilot.pause()
        assert view.source == DOC
        width = view.size.width
        frozen, tail = view._render_lines(width)
        whole = view._render(rich_markdown(DOC), width, view.visual_style.rich_style)
        assert lines(frozen + tail) == lines(whole)
        assert view.size.height == len(whole)  # the reserved lines were given back
        assert len(view._chunks) > 3  # it did stream in parts


async def test_random_documents_in_random_pieces_draw_like_one_render():
    rng = random.Random(11)
    app = Holder()
    async with app.run_test(size=(50, 20)) as pilot:
        for _ in range(6):
            doc = random_doc(rng, 14)
            view = TextView({"type": "text", "text": ""})
            await app.query_one(VerticalScroll).mount(view)
            at = 0
            while at < len(doc):
                step = rng.randint(1, 30)
                view.feed("text_delta", doc[at : at + step])
                at += step
                view.append("".join(view._pending))  # paint now, as if every piece got a repaint
                view._pending.clear()
            await view.settle({"type": "text", "text": doc})
            await pilot.pause()
            width = view.size.width
            frozen, tail = view._render_lines(width)
            whole = view._render(rich_markdown(doc), width, view.visual_style.rich_style)
            assert lines(frozen + tail) == lines(whole), doc


async def test_a_finished_block_that_differs_is_redrawn_from_scratch():
    app = Holder()
    async with app.run_test(size=(72, 30)) as pilot:
        view = app.query_one(TextView)
        view.feed("text_delta", "# Title\n\nsome text that will be replaced\n\n- a\n")
        await pilot.pause(0.1)
        await view.settle({"type": "text", "text": "Only this."})
        await pilot.pause()
        assert view.source == "Only this."
        assert [strip.text.rstrip() for strip in view._render_lines(view.size.width)[1]] == ["Only this."]
        assert view.size.height == 1


def test_the_shared_parser_renders_like_rich():
    from rich.console import Console

    console = Console(width=60, color_system="truecolor", record=True)
    ours = console.render_lines(rich_markdown(DOC), console.options)
    theirs = console.render_lines(
        RichMarkdown(DOC, code_theme=code_theme(), hyperlinks=False), console.options
    )
    assert ours == theirs
