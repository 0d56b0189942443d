"""Measure feedgen-news against the baseline script: build times, rewrites and peak memory.

``python -m benchmarks.run [--sizes 1000,10000,100000] [--data DIR] [--skip-baseline]
[--skip-hugo] [--config FILE]``

For each size: generate the records once (cached in DATA/<n>/ while the generator version and
seed match), hard-link them into a scratch input folder, then run, each tool in its own
subprocess: a full build from nothing, the same build again (no-op), and rebuilds after 0.1% and
1% of the records were changed, added or deleted; plus the issue's floors (reading every file,
CSafeLoader parsing alone). When ``hugo`` is on the PATH, Hugo builds the same records as a peer
(``benchmarks/hugo_site.py``), with feedgen-news/Hugo ratios. Prints a Markdown table and writes it
to benchmarks/results.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from . import hugo_site
from .generate import GENERATOR_VERSION, generate, mutate

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT / "benchmarks" / "data"
RESULTS = ROOT / "benchmarks" / "results.md"
SEED = 0
CHANGE_FRACTIONS = (0.001, 0.01)
BASELINE = "baseline"
FEEDGEN_NEWS = "feedgen-news"
HUGO = "hugo"
# The lower bounds, one core: reading every file, and CSafeLoader parsing alone.
FLOORS = ("floor-read", "floor-parse")
TOOL_NAMES = {
    BASELINE: "baseline feedgen script",
    "floor-read": "floor: reading every file",
    "floor-parse": "floor: CSafeLoader parsing alone",
    FEEDGEN_NEWS: "feedgen-news",
    HUGO: "Hugo",
}
_PAGE = os.sysconf("SC_PAGE_SIZE")
_MIB = 1024 * 1024

Snapshot = dict[str, tuple[int, int, int]]
# Users' installs keep compiled bytecode; a sandbox that disables it would make every run pay
# for compiling the tool's modules.
_CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


@dataclass
class Step:
    """One timed subprocess run."""

    name: str
    seconds: float | None = None
    peak_mib: float | None = None
    rewritten: int | None = None  # output files added, changed or removed by this run
    output_files: int | None = None
    error: str | None = None  # why the step failed; None when it succeeded
    load: float | None = None  # 1-minute load average just before: other work skews timings

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class ToolResult:
    size: int
    tool: str
    steps: dict[str, Step] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return any(not s.ok for s in self.steps.values())


# --- measuring one child process ----------------------------------------------------------


def _ppid(pid: str) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    # The command name may contain spaces and parentheses: fields resume after the last ")".
    return int(stat[stat.rindex(b")") + 2 :].split()[1])


def _rss_bytes(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_bytes().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _children(pid: int) -> list[int] | None:
    """Child pids from /proc/PID/task/*/children, or None where the kernel lacks that file."""
    kids: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return kids  # gone
    for task in tasks:
        try:
            kids += [int(k) for k in (task / "children").read_bytes().split()]
        except FileNotFoundError:
            if not task.exists():
                continue  # the thread ended
            return None
        except OSError:
            continue
    return kids


def tree_rss_bytes(root: int) -> int:
    """Resident memory summed over ``root`` and all its descendants (from /proc).

    A sum over processes counts pages shared after fork once per process: an upper bound, which
    is the honest side to err on for a process pool. Children are found through each thread's
    ``children`` file (a few small reads, so sampling steals little CPU from the tool measured),
    or by scanning every process's parent where the kernel has no such file.
    """
    total, todo = 0, [root]
    parents: dict[int, list[int]] | None = None
    while todo:
        pid = todo.pop()
        total += _rss_bytes(pid)
        kids = _children(pid)
        if kids is None:
            parents = parents if parents is not None else _all_children()
            kids = parents.get(pid, [])
        todo += kids
    return total


def _all_children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            parent = _ppid(entry.name)
            if parent is not None:
                children.setdefault(parent, []).append(int(entry.name))
    return children


def run_measured(
    argv: Sequence[str], cwd: Path, log: Path, timeout: float
) -> tuple[float, float, int | None]:
    """Run ``argv``; return (wall seconds, peak MiB of the process tree, exit code or None on
    timeout). Output goes to ``log``.

    A thread blocks in wait4 so the wall time is exact; the main thread samples the tree's
    memory every 50 ms. wait4's own ru_maxrss (the main process's exact peak) is used when it
    is higher than any sample, so short spikes in the main process are not missed.
    """
    with log.open("wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=_CHILD_ENV,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        result: dict[str, float | int] = {}
        done = threading.Event()

        def wait() -> None:
            try:
                _, status, usage = os.wait4(proc.pid, 0)
                result["end"] = time.perf_counter()
                result["code"] = os.waitstatus_to_exitcode(status)
                result["maxrss_kib"] = usage.ru_maxrss
            finally:
                done.set()

        threading.Thread(target=wait, daemon=True).start()
        peak, timed_out = 0, False
        while not done.wait(0.05):
            peak = max(peak, tree_rss_bytes(proc.pid))
            if not timed_out and time.perf_counter() - started > timeout:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)  # its own session: only what we started
        proc.returncode = int(result["code"])  # reaped by wait4; tell Popen so it will not wait
    peak_mib = max(peak / _MIB, float(result["maxrss_kib"]) / 1024)
    return float(result["end"]) - started, peak_mib, None if timed_out else int(result["code"])


# --- the output tree ------------------------------------------------------------------------


def snapshot(root: Path) -> Snapshot:
    """Every file under ``root`` with (inode, mtime_ns, size): an atomic replace changes the
    inode, an in-place write the mtime."""
    snap: Snapshot = {}
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            path = Path(dirpath) / name
            st = path.stat()
            snap[path.relative_to(root).as_posix()] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return snap


def count_rewritten(before: Snapshot, after: Snapshot) -> int:
    """Files added, removed or touched between two snapshots."""
    return sum(1 for k in before.keys() | after.keys() if before.get(k) != after.get(k))


# --- the report file --------------------------------------------------------------------------

# The watch benchmark's section of the report file (``benchmarks.watch_latency``): a run of
# this benchmark rewrites the rest and keeps it.
SECTION_BEGIN = "<!-- watch latency: begin -->"
SECTION_END = "<!-- watch latency: end -->"


def watch_section(text: str) -> str:
    """The watch benchmark's section of a report file's text, markers and all; "" if none."""
    start, end = text.find(SECTION_BEGIN), text.find(SECTION_END)
    if start < 0 or end < start:
        return ""
    return text[start : end + len(SECTION_END)] + "\n"


def replace_section(text: str, section: str) -> str:
    """A report file's text with the watch benchmark's section replaced (or appended)."""
    marked = f"{SECTION_BEGIN}\n{section.rstrip()}\n{SECTION_END}\n"
    old = watch_section(text)
    if old:
        return text.replace(old, marked)
    return text.rstrip() + "\n\n" + marked if text.strip() else marked


# --- data --------------------------------------------------------------------------------------


def ensure_data(data_dir: Path, n: int, seed: int = SEED) -> tuple[Path, float | None]:
    """The pristine records for size ``n``: (folder, generation seconds or None if cached)."""
    home = data_dir / str(n)
    records = home / "records"
    stamp_path = home / "stamp.json"
    stamp = {"generator": GENERATOR_VERSION, "n": n, "seed": seed}
    try:
        if json.loads(stamp_path.read_text(encoding="utf-8")) == stamp and records.is_dir():
            return records, None
    except (OSError, ValueError):
        pass
    shutil.rmtree(home, ignore_errors=True)
    started = time.perf_counter()
    generate(records, n, seed)
    seconds = time.perf_counter() - started
    # Written last: an interrupted generation is never mistaken for a complete one.
    stamp_path.write_text(json.dumps(stamp), encoding="utf-8")
    return records, seconds


def link_copy(src: Path, dst: Path) -> None:
    """A scratch copy of the records made of hard links (fast, no extra space). Safe because
    ``mutate`` replaces files by rename and never writes into an existing inode."""
    try:
        shutil.copytree(src, dst, copy_function=os.link)
    except OSError:  # another filesystem, or no hard links: copy for real
        shutil.rmtree(dst, ignore_errors=True)
        shutil.copytree(src, dst)


# --- one size -----------------------------------------------------------------------------------


def _cli() -> Path | None:
    beside = Path(sys.executable).parent / "feedgen-news"
    if beside.exists():
        return beside
    found = shutil.which("feedgen-news")
    return Path(found) if found else None


def _last_line(log: Path) -> str:
    lines = [ln.strip() for ln in log.read_text(encoding="utf-8", errors="replace").splitlines()]
    lines = [ln for ln in lines if ln]
    return lines[-1][:200] if lines else "(no output)"


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def bench_size(
    n: int,
    data_dir: Path,
    tools: Sequence[str],
    timeout: float,
    keep: bool,
    hugo: str = "hugo",
    config: Path | None = None,
) -> tuple[list[ToolResult], float | None]:
    """Run every step for one size. Returns one result per tool and the generation time.
    ``hugo`` is the Hugo executable, used when ``tools`` has HUGO."""
    _say(f"[{n:,}] preparing records in {data_dir / str(n)} ...")
    records, gen_seconds = ensure_data(data_dir, n)
    _say(
        f"[{n:,}] "
        + (f"generated in {gen_seconds:.1f} s" if gen_seconds is not None else "records cached")
    )
    work = data_dir / "work" / str(n)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    in_dir = work / "in"
    link_copy(records, in_dir)
    cli = _cli()

    def argv(tool: str) -> list[str] | str:
        out, cache = work / f"{tool}-out", work / f"{tool}-cache"
        if tool == BASELINE:
            return [sys.executable, "-m", "benchmarks.baseline", str(in_dir), str(out)]
        if tool in FLOORS:
            return [sys.executable, "-m", "benchmarks.baseline", f"--{tool}", str(in_dir), str(out)]
        if tool == HUGO:
            return hugo_site.argv(hugo, work / "hugo-site", out, cache)
        if cli is None:
            return "feedgen-news is not installed in this environment (pip install -e .)"
        return [
            str(cli),
            "build",
            str(in_dir),
            "-o",
            str(out),
            "--cache-dir",
            str(cache),
            "--quiet",
            *(["--config", str(config)] if config is not None else []),
        ]

    results = {tool: ToolResult(n, tool) for tool in tools}

    def step(tool: str, name: str) -> None:
        result = results[tool]
        if result.failed or (tool in FLOORS and name != "full build"):
            return  # a rebuild after a failed build measures nothing; floors have no rebuild
        out = work / f"{tool}-out"
        if tool == HUGO:
            _hugo_content(n, work, in_dir, fresh=name == "full build")
        before = snapshot(out)
        cmd = argv(tool)
        if isinstance(cmd, str):
            result.steps[name] = Step(name, error=cmd)
            _say(f"[{n:,}] {tool} {name}: FAILED: {cmd}")
            return
        log = work / f"{tool}-{name.replace(' ', '-')}.log"
        # The baseline must run from the repo root to import `benchmarks`; feedgen-news runs in
        # the scratch folder (as Hugo does) so no feedgen-news.toml of the repo is picked up.
        cwd = work if tool in (FEEDGEN_NEWS, HUGO) else ROOT
        load = os.getloadavg()[0]
        seconds, peak, code = run_measured(cmd, cwd, log, timeout)
        s = Step(name, seconds, peak, load=load)
        if code is None:
            s.error = f"timed out after {timeout:.0f} s (log: {log})"
        elif code != 0:
            s.error = f"exit {code}: {_last_line(log)} (log: {log})"
        elif tool not in FLOORS:
            after = snapshot(out)
            s.rewritten = count_rewritten(before, after)
            s.output_files = len(after)
        result.steps[name] = s
        if s.ok:
            _say(
                f"[{n:,}] {tool} {name}: {seconds:.2f} s, peak {peak:.0f} MiB"
                + ("" if tool in FLOORS else f", {s.rewritten} of {s.output_files} files written")
            )
        else:
            _say(f"[{n:,}] {tool} {name}: FAILED: {s.error}")

    for tool in tools:
        step(tool, "full build")
    for tool in tools:
        step(tool, "no-op rebuild")
    for i, fraction in enumerate(CHANGE_FRACTIONS, start=1):
        k = max(3, round(n * fraction))
        changed, added, deleted = mutate(in_dir, k, seed=i)
        _say(f"[{n:,}] mutated input: {changed} changed, {added} added, {deleted} deleted")
        for tool in tools:
            step(tool, _change_label(fraction))
    if keep or any(r.failed for r in results.values()):
        _say(f"[{n:,}] scratch folder and logs kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return list(results.values()), gen_seconds


def _hugo_content(n: int, work: Path, in_dir: Path, fresh: bool) -> None:
    """Bring Hugo's content up to date with the records, outside the timed run; before a full
    build, also remove what an earlier build left (output, resources, cache)."""
    site = work / "hugo-site"
    if fresh:
        hugo_site.clean(site, work / f"{HUGO}-out", work / f"{HUGO}-cache")
    started = time.perf_counter()
    linked, removed = hugo_site.sync_content(in_dir, hugo_site.write_site(site))
    _say(
        f"[{n:,}] {HUGO} content: {linked} linked, {removed} removed in "
        f"{time.perf_counter() - started:.2f} s (not timed)"
    )


def _change_label(fraction: float) -> str:
    return f"{fraction * 100:g}% changed"


# --- report -------------------------------------------------------------------------------------


def _cell(
    step: Step | None, base: Step | None, value: Callable[[Step], float | None], unit: str
) -> str:
    if step is None:
        return "—"
    if not step.ok:
        return "failed" if "timed out" not in (step.error or "") else "timeout"
    v = value(step)
    if v is None:
        return "—"
    text = f"{v:.2f} {unit}" if unit == "s" else f"{v:.0f}"
    b = value(base) if base is not None and base.ok else None
    if b is not None and v > 0:
        ratio = b / v
        text += (
            f" ({ratio:.1f}x {'faster' if unit == 's' else 'less'})"
            if ratio >= 1
            else (f" ({1 / ratio:.1f}x {'slower' if unit == 's' else 'more'})")
        )
    return text


def _peak(result: ToolResult) -> Step | None:
    ok = [s for s in result.steps.values() if s.ok and s.peak_mib is not None]
    if not ok:
        return next(iter(result.steps.values()), None)
    return max(ok, key=lambda s: s.peak_mib or 0.0)


def _by_size(results: Sequence[ToolResult], tool: str) -> dict[int, ToolResult]:
    return {r.size: r for r in results if r.tool == tool}


def versus_hugo(results: Sequence[ToolResult], columns: Sequence[str]) -> dict[int, dict[str, str]]:
    """Per size measured with both, per column and "peak MiB": feedgen-news's figure over
    Hugo's, as a table cell."""
    ours, hugos = _by_size(results, FEEDGEN_NEWS), _by_size(results, HUGO)
    table: dict[int, dict[str, str]] = {}
    for size in (s for s in ours if s in hugos):
        row = table[size] = {
            c: hugo_site.ratio_cell(_seconds(ours[size], c), _seconds(hugos[size], c), "s")
            for c in columns
        }
        peak, hugo_peak = _peak(ours[size]), _peak(hugos[size])
        row["peak MiB"] = hugo_site.ratio_cell(
            peak.peak_mib if peak else None, hugo_peak.peak_mib if hugo_peak else None, "MiB"
        )
    return table


def _seconds(result: ToolResult, column: str) -> float | None:
    step = result.steps.get(column)
    return step.seconds if step is not None and step.ok else None


def report(
    results: Sequence[ToolResult],
    gen_times: dict[int, float | None],
    hugo: str | None = None,
    config: Path | None = None,
) -> str:
    """The Markdown report: a summary table with ratios against the baseline, then details.
    ``hugo`` names the Hugo version that ran, if any; ``config`` the feedgen-news settings."""
    columns = ["full build", "no-op rebuild", *map(_change_label, CHANGE_FRACTIONS)]
    lines = [
        "# feedgen-news benchmark",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {os.cpu_count()} cores · "
        f"Python {platform.python_version()} · {platform.system()} {platform.machine()}",
        "",
        f"Records from `benchmarks/generate.py` (generator v{GENERATOR_VERSION}, seed {SEED}); "
        "the baseline is `benchmarks/baseline.py`. Times are wall-clock seconds for a fresh "
        "process (interpreter start-up included); peak memory is the largest resident-set sum "
        "over the process tree, sampled every 50 ms, the largest of any step. Ratios compare "
        "with the baseline. The changed rebuilds follow each other: 0.1% of the records are "
        "changed, added or deleted (a third each), rebuilt, then 1% more. A high load average "
        "in the step table means other work shared the machine and times are inflated.",
        "",
        "feedgen-news settings: "
        + (f"`{config.name}`." if config else "the defaults (feeds per topic and category)."),
        "",
        "| records | tool | " + " | ".join(columns) + " | peak MiB | files rewritten on no-op |",
        "|---:|---|" + "---:|" * (len(columns) + 2),
    ]
    by_size: dict[int, dict[str, ToolResult]] = {}
    for r in results:
        by_size.setdefault(r.size, {})[r.tool] = r
    for size, tools in by_size.items():
        base = tools.get(BASELINE)
        for tool, r in tools.items():
            other = base if base is not None and tool != BASELINE else None
            cells = [
                _cell(
                    r.steps.get(c), other.steps.get(c) if other else None, lambda s: s.seconds, "s"
                )
                for c in columns
            ]
            peak = _peak(r)
            base_peak = _peak(other) if other else None
            cells.append(_cell(peak, base_peak, lambda s: s.peak_mib, "MiB"))
            noop = r.steps.get("no-op rebuild")
            cells.append(
                f"{noop.rewritten} of {noop.output_files}" if noop is not None and noop.ok else "—"
            )
            lines.append(f"| {size:,} | {TOOL_NAMES[tool]} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Generation: "
        + ", ".join(
            f"{n:,} records {'cached' if t is None else f'in {t:.1f} s'}"
            for n, t in gen_times.items()
        )
        + ".",
        "",
    ]
    vs = versus_hugo(results, columns)
    if vs:
        headers = [*columns, "peak MiB"]
        lines += [
            "## feedgen-news against Hugo",
            "",
            f"{hugo or 'Hugo'} built the same records in the same run: `benchmarks/hugo_site.py` "
            "hard-links them as content (not timed) and renders the home RSS feed and one RSS "
            f"feed per topic, {hugo_site.LIMIT} items each. A full build starts without output, "
            "resources or cache. Each cell is feedgen-news / Hugo: below 1x, feedgen-news "
            "took less.",
            "",
            "| records | " + " | ".join(headers) + " |",
            "|---:|" + "---:|" * len(headers),
            *(f"| {n:,} | " + " | ".join(row[h] for h in headers) + " |" for n, row in vs.items()),
            "",
        ]
    lines += ["## Every step", ""]
    lines += [
        "| records | tool | step | seconds | peak MiB | files written | output files | load "
        "| result |",
        "|---:|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        for s in r.steps.values():
            lines.append(
                f"| {r.size:,} | {TOOL_NAMES[r.tool]} | {s.name} | "
                + (f"{s.seconds:.2f}" if s.seconds is not None else "—")
                + " | "
                + (f"{s.peak_mib:.0f}" if s.peak_mib is not None else "—")
                + f" | {'—' if s.rewritten is None else s.rewritten}"
                + f" | {'—' if s.output_files is None else s.output_files}"
                + f" | {'—' if s.load is None else f'{s.load:.1f}'}"
                + f" | {'ok' if s.ok else s.error} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated sizes")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="where data is cached")
    parser.add_argument("--skip-baseline", action="store_true", help="no baseline script or floors")
    parser.add_argument("--skip-hugo", action="store_true", help="no Hugo even if installed")
    parser.add_argument("--timeout", type=float, help="seconds per step (default: by size)")
    parser.add_argument(
        "--keep", action="store_true", help="keep scratch folders and logs (always kept on failure)"
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="Markdown report file")
    parser.add_argument(
        "--config",
        type=Path,
        help="feedgen-news.toml for feedgen-news's builds (e.g. benchmarks/editorial.toml); "
        "default: none, so the default settings",
    )
    args = parser.parse_args(argv)
    try:
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes must be comma-separated integers, got {args.sizes!r}")
    if not sizes or min(sizes) < 1:
        parser.error("--sizes must be positive")
    tools = [FEEDGEN_NEWS] if args.skip_baseline else [BASELINE, *FLOORS, FEEDGEN_NEWS]
    hugo = None if args.skip_hugo else shutil.which("hugo")
    hugo_version = hugo_site.version(hugo) if hugo else None
    if hugo:
        tools.append(HUGO)
    _say(
        f"{os.cpu_count()} cores; sizes {', '.join(f'{n:,}' for n in sizes)}; "
        + (
            f"{hugo_version} as a peer"
            if hugo
            else f"Hugo is skipped ({'--skip-hugo' if args.skip_hugo else 'not on the PATH'})"
        )
    )
    cores = os.cpu_count() or 1
    if os.getloadavg()[0] > cores / 2:
        _say(
            f"warning: load average {os.getloadavg()[0]:.1f} on {cores} cores: other work is "
            "running, timings will be inflated (see the load column in the report)"
        )
    results: list[ToolResult] = []
    gen_times: dict[int, float | None] = {}
    for n in sizes:
        timeout = args.timeout or 120 + n * 0.006
        config = args.config.resolve() if args.config else None
        size_results, gen_times[n] = bench_size(
            n, args.data.resolve(), tools, timeout, args.keep, hugo or "hugo", config
        )
        results += size_results
        for row in versus_hugo(size_results, ["full build", "no-op rebuild"]).values():
            _say(f"[{n:,}] feedgen-news / Hugo: " + "; ".join(f"{k} {v}" for k, v in row.items()))
    text = report(results, gen_times, hugo_version, args.config)
    print(text)
    kept = watch_section(args.output.read_text(encoding="utf-8")) if args.output.exists() else ""
    args.output.write_text(text + ("\n" + kept if kept else ""), encoding="utf-8")
    _say(f"written to {args.output}")
    return 1 if any(r.failed for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
