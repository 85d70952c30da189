"""This checkout against another commit, both running bench/dialogs.py on this machine
in one run, round by round: the way issue 15 asks its figure to be measured.

    python bench/side_by_side.py [--against 8ef0c0b] [--rounds 7] [--seconds 30] [--musicians 100]

The other commit gets a git worktree and a virtualenv of its own under ``--workdir``
(made on the first run, kept for the next). Each round runs both benches one after
the other, the order swapped every round (ABBA) so a host slowing down over the run
does not favour one side; this checkout runs with its speed-ups on. Prints each run,
each side's medians and the paired ratios (this / other) of p95 and CPU per update,
round by round.

On a host the three processes of a run keep busy (two cores at 100 musicians), a run
either stays fast or tips into a slow state for its whole length, in both commits, so
one side's own p95 spans several times over within a set: judge the paired ratios'
median over many rounds, on a quiet host, or on more cores."""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
BEFORE_THE_HOUSE_PLAN = "8ef0c0b"
"""Issue 15's "today": the commit before the house plan."""

FIGURES = {
    "updates/s": r"= (\d+) updates/s",
    "p50 ms": r"p50 (\d+) ms",
    "p95 ms": r"p95 (\d+) ms",
    "bot CPU ms": r"CPU per update: bot ([\d.]+) ms",
    "db CPU ms": r"database ([\d.]+) ms",
    "Telegram CPU ms": r"simulated Telegram ([\d.]+) ms",
}
"""What bench/dialogs.py prints, read alike from this commit's output and the other's."""
RATIOS = ("p95 ms", "p50 ms", "bot CPU ms", "db CPU ms")


@dataclass(frozen=True)
class Side:
    name: str
    checkout: Path
    extra: tuple[str, ...]

    @property
    def python(self) -> Path:
        return self.checkout / ".venv" / "bin" / "python"


def run(*command: str | Path, cwd: Path = HERE) -> str:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        shown = " ".join(str(part) for part in command)
        raise SystemExit(f"{shown} (in {cwd}) failed:\n{(done.stdout + done.stderr)[-3000:]}")
    return done.stdout


def other_checkout(revision: str, workdir: Path) -> Path:
    """A worktree of ``revision`` with its own virtualenv, made once (a marker file says
    the install finished, so an interrupted one is done again)."""
    commit = run("git", "rev-parse", "--verify", f"{revision}^{{commit}}").strip()
    checkout = workdir / commit[:12]
    installed = checkout / ".venv" / "installed"
    if not installed.exists():
        print(f"making a worktree of {commit[:12]} with its own virtualenv in {checkout} ...", flush=True)
        if not checkout.exists():
            workdir.mkdir(parents=True, exist_ok=True)
            run("git", "worktree", "add", "--detach", checkout, commit)
        run(sys.executable, "-m", "venv", checkout / ".venv")
        run(checkout / ".venv" / "bin" / "pip", "install", "-q", "-e", ".[test]", cwd=checkout)
        installed.write_text(commit + "\n")
    return checkout


def figures_of(output: str) -> dict[str, float]:
    found = {name: re.search(pattern, output) for name, pattern in FIGURES.items()}
    missing = [name for name, match in found.items() if match is None]
    if missing:
        raise SystemExit(f"bench/dialogs.py printed no {', '.join(missing)}:\n{output[-2000:]}")
    return {name: float(match.group(1)) for name, match in found.items() if match is not None}


def bench(side: Side, args: argparse.Namespace) -> dict[str, float]:
    output = run(
        side.python,
        "bench/dialogs.py",
        "--musicians",
        str(args.musicians),
        "--seconds",
        str(args.seconds),
        "--think",
        str(args.think),
        "--seed",
        str(args.seed),
        *side.extra,
        cwd=side.checkout,
    )
    return figures_of(output)


def line(name: str, figures: dict[str, float]) -> str:
    return f"{name:<8}" + "".join(f"{figures[f]:>{len(f) + 3}g}" for f in FIGURES)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--against", default=BEFORE_THE_HOUSE_PLAN, help="the other commit")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--musicians", type=int, default=100)
    parser.add_argument("--think", type=float, default=0.4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--workdir",
        type=Path,
        default=HERE.parent / "jamroom-bench-checkouts",
        help="where the other commit's worktree goes",
    )
    args = parser.parse_args()

    this = Side("this", HERE, ("--modes", "on"))
    print(f"this: {run('git', 'describe', '--always', '--dirty').strip()}; other: {args.against}", flush=True)
    other = Side(args.against, other_checkout(args.against, args.workdir), ())
    runs: dict[str, list[dict[str, float]]] = {this.name: [], other.name: []}
    print(f"{'':<8}" + "".join(f"{f:>{len(f) + 3}}" for f in FIGURES), flush=True)
    for round_number in range(args.rounds):
        order = (other, this) if round_number % 2 == 0 else (this, other)
        for side in order:
            figures = bench(side, args)
            runs[side.name].append(figures)
            print(line(side.name, figures), f"  (round {round_number + 1})", flush=True)

    print("\nmedians")
    for name, figures in runs.items():
        print(line(name, {f: statistics.median(run[f] for run in figures) for f in FIGURES}))
    print(f"\nthis / {other.name}, round by round (sorted), and the median")
    for figure in RATIOS:
        pairs = zip(runs[this.name], runs[other.name], strict=True)
        ratios = sorted(mine[figure] / theirs[figure] for mine, theirs in pairs)
        shown = " ".join(f"{ratio:.2f}" for ratio in ratios)
        print(f"{figure:<12} {shown}   median {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
