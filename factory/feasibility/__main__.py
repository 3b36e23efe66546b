"""Command line: scenarios as JSON lines on standard input, one assessment per line on standard
output, in the same order; a bad line gives {"error": ...} and the rest go on.

    python -m factory.feasibility [--lang zh] < scenarios.jsonl

A line may be a bare scenario or {"scenario": ..., "expect": ...} (as in the examples file)."""
from __future__ import annotations

import argparse
import json
import sys

from factory.feasibility.assessment import assess
from factory.feasibility.scenario import ScenarioError


def assess_line(line: str, lang: str) -> dict:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as error:
        return {"error": f"not JSON: {error}"}
    if isinstance(data, dict) and "scenario" in data and "today" not in data:
        data = data["scenario"]
    try:
        return assess(data, lang=lang)
    except ScenarioError as error:
        return {"error": str(error)}
    except Exception as error:  # noqa: BLE001 - one bad line must not stop the others
        return {"error": f"could not assess this scenario: {type(error).__name__}: {error}"}


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m factory.feasibility", description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="en", help="language of the reasons' messages: en or zh")
    args = parser.parse_args(argv)
    for line in sys.stdin:
        if not line.strip():
            continue
        sys.stdout.write(json.dumps(assess_line(line, args.lang), ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
