"""Code blocks found for ``y``: wherever the Markdown renderer draws one, and only there."""

from __future__ import annotations

from claude_textual.core.codeblocks import CodeBlock, closes, code_blocks, fence_opening


def test_fences_at_the_top_in_a_list_item_and_in_a_quote_are_all_found():
    text = (
        "Intro\n\n```python\nprint(1)\n```\n\n"
        "1. first step:\n\n   ```bash\n   ls -l\n   ```\n\n"
        "> quoted:\n>\n> ~~~\n> inside a quote\n> ~~~\n"
    )
    assert code_blocks(text) == [
        CodeBlock("python", "print(1)"),
        CodeBlock("bash", "ls -l"),
        CodeBlock("", "inside a quote"),
    ]


def test_inline_code_and_indented_code_are_not_fences_and_an_open_fence_runs_to_the_end():
    assert code_blocks("use ```x``` inline\n\n    indented code\n") == []
    assert code_blocks("text\n\n````js\nlet a = 1\n```\nstill code\n") == [
        CodeBlock("js", "let a = 1\n```\nstill code")
    ]


def test_the_line_rules_agree_with_the_parser():
    assert fence_opening("```python") == ("`", 3, "python")
    assert fence_opening("   ~~~~ text") == ("~", 4, "text")
    assert fence_opening("    ```") is None and fence_opening("``` a ` b") is None
    assert closes("```", "`", 3) and closes("  `````  ", "`", 3)
    assert not closes("``", "`", 3) and not closes("~~~", "`", 3) and not closes("    ```", "`", 3)


def test_a_one_line_block_is_one_line_not_one_lines():
    (block,) = code_blocks("```sh\nls\n```")
    assert block.summary() == "sh · 1 line · ls"
    (two,) = code_blocks("```\na\nb\n```")
    assert two.summary() == "code · 2 lines · a"
