"""The offline model's own cost of understanding: importing (compiling) the grammar, and the
time to read one message and plan a turn, over the phrasing corpus and the held-out sets.

    .venv/bin/python bench/offline_understanding.py [--repeat 5]

Prints the import time, then p50 / p95 / max of `parse_request` alone and of one whole turn in
process (`decide` for every round, with the tools answered from the seven-scene board), then the
worst of `parse_request` on messages of the longest length the chat accepts, built to make a
backtracking pattern look far ahead (repeated references with no end, many commands in a row).
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _figures(name: str, seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return (
        f"{name}: p50 {statistics.median(ordered) * 1000:.3f} ms, p95 {p95 * 1000:.3f} ms, "
        f"max {ordered[-1] * 1000:.3f} ms over {len(ordered)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat

    started, cpu = time.perf_counter(), time.process_time()
    from backend.assistant.offline.grammar import parse_request

    wall_ms, cpu_ms = (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000
    print(f"import of the grammar (regexes compiled): {wall_ms:.1f} ms wall, {cpu_ms:.1f} ms CPU")

    from tests.assistant.phrasing_corpus import CORPUS
    from tests.assistant.phrasing_harness import load_fresh, run_in_process

    held_out = [
        text
        for name in ("fresh_phrasings.json", "fresh_phrasings_2.json", "fresh_phrasings_3.json")
        for text, _ in load_fresh(ROOT / "tests" / "assistant" / name)
    ]
    texts = [text for text, _ in CORPUS] + held_out
    parse_times, turn_times = [], []
    for _ in range(repeat):
        for text in texts:
            started = time.perf_counter()
            parse_request(text)
            parse_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            run_in_process(text)
            turn_times.append(time.perf_counter() - started)
    print(_figures("parse_request", parse_times))
    print(_figures("whole turn in process (every round)", turn_times))

    from backend.schemas.chat import MESSAGE_MAX

    long_messages = {
        "swap + “a and b” repeated": "swap " + "a and b " * 1000,
        "delete + “the beach and” repeated": "delete " + "the beach and " * 600,
        "move + “the beach before” repeated": "move " + "the beach before " * 470,
        "“delete scene 1 then” repeated": "delete scene 1 then " * 400,
        "delete scenes 1, 1, 1, …": "delete scenes " + "1, " * 2600,
        "rename scene 2 to + 4,000 words": "rename scene 2 to " + "x " * 4000,
    }
    for name, text in long_messages.items():
        text = text[:MESSAGE_MAX]
        worst = 0.0
        for _ in range(repeat):
            started = time.perf_counter()
            parse_request(text)
            worst = max(worst, time.perf_counter() - started)
        print(f"parse_request, {len(text):,} characters ({name}): max {worst * 1000:.1f} ms")


if __name__ == "__main__":
    main()
