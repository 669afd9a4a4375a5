"""The replay's merged stream is every message of every file in (publish time, file order, line) order.

The independent answer is a plain sort of all the files' messages; the files are shaped to stress the merge's
bookkeeping: one that starts after others have ended, one that overlaps them, equal publish times in two files (file
order decides), heartbeats and an empty line between updates, and a file with no market change at all.
"""
import json

from ingestion.exchange.messages import merged_messages

MC = [{"id": "1.1", "rc": []}]


def write(path, lines):
    path.write_text("".join((json.dumps(line) if isinstance(line, dict) else line) + "\n" for line in lines))
    return path


def mcm(pt, market="1.1"):
    return {"op": "mcm", "pt": pt, "mc": [{"id": market, "rc": []}]}


def test_merged_stream_is_the_sort_of_every_message(tmp_path):
    files = [
        write(tmp_path / "late", [mcm(900, "1.4"), mcm(950, "1.4")]),  # starts after the others end
        write(tmp_path / "early", [mcm(100, "1.1"), {"op": "mcm", "pt": 150, "ct": "HEARTBEAT"}, mcm(300, "1.1"),
                                   "", mcm(500, "1.1")]),
        write(tmp_path / "overlap", [mcm(200, "1.2"), mcm(300, "1.2"), mcm(400, "1.2")]),  # pt 300 ties "early"
        write(tmp_path / "quiet", [{"op": "connection", "connectionId": "x"}]),  # no market change at all
        write(tmp_path / "tail", [mcm(500, "1.3"), mcm(901, "1.3")]),
    ]
    merged = [(m.pt, m.source.rsplit("/", 1)[-1], m.line) for m in merged_messages(files)]

    order = {path.name: i for i, path in enumerate(files)}
    expected = sorted(
        ((line["pt"], path.name, number) for path in files
         for number, text in enumerate(path.read_text().splitlines(), 1) if text
         for line in [json.loads(text)] if line.get("op") == "mcm" and line.get("mc")),
        key=lambda m: (m[0], order[m[1]], m[2]))
    assert merged == expected
    assert merged == [(100, "early", 1), (200, "overlap", 1), (300, "early", 3), (300, "overlap", 2),
                      (400, "overlap", 3), (500, "early", 5), (500, "tail", 1), (900, "late", 1), (901, "tail", 2),
                      (950, "late", 2)]
