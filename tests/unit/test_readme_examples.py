"""Every doctest block of the README's betting-math section prints what the README shows (issue 14, Done when).

The arbitrage block is also checked on its own beside the scanner's tests; this covers the blocks added later too.
"""
import doctest
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def betting_math_blocks() -> list[str]:
    text = README.read_text()
    section = text[text.index("## Betting math"):]
    section = section[:section.index("\n## ", 1)]
    blocks, start = [], section.find("```python")
    while start != -1:
        body = start + len("```python")
        end = section.index("```", body)
        blocks.append(section[body:end])
        start = section.find("```python", end + 3)
    return blocks


def test_every_betting_math_example_prints_what_it_shows():
    blocks = betting_math_blocks()
    assert len(blocks) == 2  # arbitrage and exotic ticket; a new block is picked up here
    for number, block in enumerate(blocks, 1):  # each block self-contained: a reader may paste just one
        test = doctest.DocTestParser().get_doctest(block, {}, f"README betting math #{number}", str(README), 0)
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
        runner.run(test)
        assert runner.summarize(verbose=False).failed == 0, f"README betting-math block {number} prints otherwise"
