"""Command line: ``python -m kit {data,run,catalogue,handout,contract}``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _data(args) -> int:
    import pandas as pd

    from kit import data

    with pd.option_context("display.max_colwidth", 60, "display.width", 200):
        print(data.table()[["rows", "cols", "package", "licence", "citation"]].to_string())
    print("\nLoad any of them with kit.data.load(name); provenance in data/README.md.")
    return 0


def _run(args) -> int:
    from kit.tooling.runner import run_notebooks, scoreboard_markdown

    results = run_notebooks(args.names or None, seed=args.seed, scale=args.scale, device=args.device,
                            out=Path(args.out) if args.out else None, store=args.store,
                            cell_timeout=args.timeout)
    print()
    print(scoreboard_markdown(results))
    failed = [r.lesson.stem for r in results if not r.ok]
    out = Path(args.out) if args.out else Path("output")
    print(f"\nExecuted notebooks and scoreboard.md/.html in {out}/")
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _catalogue(args) -> int:
    from kit.tooling import catalogue, readme

    root = catalogue.repo_root()
    if args.write:
        for path in readme.write_all(root):
            print(f"wrote {path.relative_to(root)}")
    else:
        print(catalogue.map_table(root, links=False))
    return 0


def _handout(args) -> int:
    from kit.tooling import catalogue, contract

    root = catalogue.repo_root()
    lessons = [catalogue.find(n) for n in args.names] if args.names else catalogue.available(root)
    for path in contract.handout([lesson.path(root) for lesson in lessons], Path(args.out)):
        print(f"wrote {path}")
    return 0


def _contract(args) -> int:
    from kit.tooling import catalogue, contract

    root = catalogue.repo_root()
    lessons = [catalogue.find(n) for n in args.names] if args.names else catalogue.available(root)
    bad = 0
    for lesson in lessons:
        issues = contract.check_file(lesson.path(root))
        print(f"{'ok  ' if not issues else 'FAIL'} {lesson.stem}")
        for issue in issues:
            print(f"     - {issue}")
        bad += bool(issues)
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kit", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("data", help="list the registered datasets and their provenance")
    run = sub.add_parser("run", help="execute notebooks headless and print the scoreboard")
    run.add_argument("names", nargs="*", help="notebook numbers or names (default: all)")
    run.add_argument("--seed", type=int, default=None, help="override every notebook's seed")
    run.add_argument("--scale", choices=["quick", "full"], default=None, help="override the scale")
    run.add_argument("--device", choices=["cpu", "auto", "cuda"], default=None,
                     help="override the device (auto: a GPU when present)")
    run.add_argument("--out", default=None, help="output folder (default: output/)")
    run.add_argument("--timeout", type=int, default=900, help="per-cell timeout in seconds")
    run.add_argument("--store", action="store_true",
                     help="write outputs back into the notebooks (with their own parameters)")
    cat = sub.add_parser("catalogue", help="print the survey map; --write regenerates the READMEs")
    cat.add_argument("--write", action="store_true")
    hand = sub.add_parser("handout", help="student copies without solutions or outputs")
    hand.add_argument("names", nargs="*")
    hand.add_argument("--out", default="student", help="output folder (default: student/)")
    con = sub.add_parser("contract", help="check notebooks against the notebook contract")
    con.add_argument("names", nargs="*")
    args = parser.parse_args(argv)
    return {"data": _data, "run": _run, "catalogue": _catalogue, "handout": _handout,
            "contract": _contract}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
