"""Command line: ``python -m kit {data,run,sweep,catalogue,handout,contract,site}``."""

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
                            cell_timeout=args.timeout, dry_run=args.dry_run)
    if args.dry_run:
        return 0
    print()
    print(scoreboard_markdown(results))
    failed = [r.lesson.stem for r in results if not r.ok]
    out = Path(args.out) if args.out else Path("output")
    print(f"\nExecuted notebooks and scoreboard.md/.html in {out}/")
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _sweep(args) -> int:
    from kit.tooling import claims, sweep
    from kit.tooling.catalogue import repo_root

    seeds = sweep.parse_seeds(args.seeds)
    out = Path(args.out) if args.out else repo_root() / "output" / "sweep"
    records = sweep.sweep(args.names or None, seeds, scale=args.scale, device=args.device, out=out,
                          cell_timeout=args.timeout, scheduler=args.scheduler, workers=args.workers,
                          resume=args.resume, dry_run=args.dry_run)
    if args.dry_run:
        return 0
    report = claims.write_report(records, out)
    print(report.read_text())
    print(f"Report: {report}, sweep.html, sweep.json, claims.csv; records: {out / sweep.RECORDS}")
    if args.write_claims:
        print(f"Updated {claims.write_claims_table(records, repo_root() / 'notebooks' / 'CLAIMS.md')}")
    failed = [s for s in sweep.claim_stats(records) if not all(s.holds)]
    crashed = [r for r in records if sweep.is_crash(r)]
    if failed or crashed:
        print(f"FAILED: {len(failed)} claims failed on some seed; {len(crashed)} runs crashed", file=sys.stderr)
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
    for path in contract.handout([lesson.path(root) for lesson in lessons], Path(args.out), force=args.force):
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


def _site(args) -> int:
    from kit.tooling import catalogue, site

    out = Path(args.out) if args.out else catalogue.repo_root() / "output" / "site"
    print(f"building the course site from the stored notebooks into {out / 'html'} (about 20 s) ...")
    try:
        index = site.build(out)
    except RuntimeError as exc:
        print(f"python -m kit site: error: {exc}", file=sys.stderr)
        return 1
    problems = site.broken_links(index.parent) + site.needs_network(index.parent)
    for problem in problems:
        print(f"  broken: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"no broken links, nothing fetched from the network. Open {index.resolve().as_uri()}")
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: a user's mistake is not a traceback or a usage dump."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="python -m kit", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("data", help="list the registered datasets and their provenance")
    run = sub.add_parser("run", help="execute notebooks headless and print the scoreboard")
    run.add_argument("names", nargs="*", help="notebook numbers or names (default: all)")
    run.add_argument("--seed", type=int, default=None, help="override every notebook's seed")
    run.add_argument("--scale", choices=["quick", "full"], default=None, help="override the scale")
    run.add_argument("--device", choices=["cpu", "auto", "cuda"], default=None,
                     help="override the device (auto: a GPU when present)")
    run.add_argument("--out", default=None, help="output folder (default: output/)")
    run.add_argument("--timeout", type=int, default=900, help="per-cell timeout in seconds (> 0)")
    run.add_argument("--dry-run", action="store_true", help="check the arguments, print the plan, run nothing")
    run.add_argument("--store", action="store_true",
                     help="write outputs back into the notebooks (with their own parameters)")
    sw = sub.add_parser("sweep", help="run notebooks over many seeds on Dask; report each claim's hold rate")
    sw.add_argument("names", nargs="*", help="notebook numbers or names (default: all)")
    sw.add_argument("--seeds", default="0-29", help="seeds, e.g. 0-29 or 0-4,10 (default: 0-29)")
    sw.add_argument("--scale", choices=["quick", "full"], default=None, help="override the scale")
    sw.add_argument("--device", choices=["cpu", "auto", "cuda"], default=None, help="override the device")
    sw.add_argument("--out", default=None, help="output folder (default: output/sweep/)")
    sw.add_argument("--timeout", type=int, default=900, help="per-cell timeout in seconds (> 0)")
    sw.add_argument("--dry-run", action="store_true", help="check the arguments, print the plan, run nothing")
    sw.add_argument("--scheduler", default=None,
                    help="address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: a "
                         "LocalCluster on this machine)")
    sw.add_argument("--workers", type=int, default=None,
                    help="LocalCluster worker processes (default: one per CPU core)")
    sw.add_argument("--resume", action="store_true", help="keep the records in --out and skip finished runs")
    sw.add_argument("--write-claims", action="store_true",
                    help="update notebooks/CLAIMS.md with the swept notebooks' sections")
    cat = sub.add_parser("catalogue", help="print the survey map; --write regenerates the READMEs")
    cat.add_argument("--write", action="store_true")
    hand = sub.add_parser("handout", help="student copies without solutions or outputs")
    hand.add_argument("names", nargs="*")
    hand.add_argument("--out", default="student", help="output folder (default: student/)")
    hand.add_argument("--force", action="store_true", help="overwrite student copies already in --out")
    con = sub.add_parser("contract", help="check notebooks against the notebook contract")
    con.add_argument("names", nargs="*")
    web = sub.add_parser("site", help="build the course website offline from the stored notebooks")
    web.add_argument("--out", default=None, help="output folder (default: output/site/; pages in html/)")
    args = parser.parse_args(argv)
    command = {"data": _data, "run": _run, "sweep": _sweep, "catalogue": _catalogue,
               "handout": _handout, "contract": _contract, "site": _site}[args.command]
    try:
        return command(args)
    except (KeyError, ValueError, TypeError, OSError) as exc:  # user errors: one line
        if isinstance(exc, KeyError) and exc.args:
            message = exc.args[0]
        elif isinstance(exc, OSError) and exc.filename:
            message = f"{exc.strerror or type(exc).__name__}: {exc.filename}"
        else:
            message = str(exc)
        print(f"python -m kit {args.command}: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
