"""What every benchmark shares: Django setup on the benchmark database, timing helpers, machine facts
and writing figures into docs/PERFORMANCE.md.

The benchmarks use their own data directory (./var/bench) unless CONGVU_DATA_DIR is set, so the demo's
database is never touched; CONGVU_DATABASE_URL=postgres://… runs them on PostgreSQL.
"""

import datetime as dt
import os
import platform
import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PERFORMANCE_MD = ROOT / "docs" / "PERFORMANCE.md"


def setup() -> None:
    os.environ.setdefault("CONGVU_DATA_DIR", str(ROOT / "var" / "bench"))
    # whitenoise warns when STATIC_ROOT is missing; the app's files come from the finders anyway.
    Path(os.environ["CONGVU_DATA_DIR"], "static").mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "congvu.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def engine_name() -> str:
    from django.db import connection

    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version} (FTS5)"
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        return f"PostgreSQL {cur.fetchone()[0]}"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        ram = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, AttributeError):
        pass
    try:
        load = os.getloadavg()[0]
        load_text = f", load average {load:.1f} at start"
    except OSError:
        load_text = ""
    return f"{os.cpu_count()} CPU ({cpu}){ram}, Python {platform.python_version()}{load_text}"


def dataset_size() -> str:
    from congvu.documents.models import Document
    from congvu.org.models import Agency

    return f"{Document.objects.count():,} documents in {Agency.objects.count():,} agencies"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_section(name: str, title: str, body: str, *, include_machine: bool = True) -> None:
    """Replace (or append) the section `name` of docs/PERFORMANCE.md with fresh figures."""
    header = f"### {title}\n\n"
    if include_machine:
        header += (f"Measured {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} at commit {git_commit()} "
                   f"on {engine_name()}; machine: {machine()}.\n\n")
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{header}{body.rstrip()}\n{end}"
    text = PERFORMANCE_MD.read_text(encoding="utf-8") if PERFORMANCE_MD.exists() else "# Performance\n"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    PERFORMANCE_MD.write_text(text, encoding="utf-8")
    print(f"\nwrote the figures to {PERFORMANCE_MD.relative_to(ROOT)} (section {name})")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"
