"""`python -m bench`: build the dataset (unless --skip-dataset) and run every benchmark in turn.

Options: --docs N (default 1,000,000), --skip-dataset, --register-url postgres://… (the registration
benchmark needs PostgreSQL; default: CONGVU_DATABASE_URL when it is PostgreSQL, else
postgres://postgres@127.0.0.1:5432/congvu_bench).
"""

import argparse
import os
import subprocess
import sys

from bench import common


def _run(module: str, *args: str, env: dict | None = None) -> int:
    print(f"\n=== python -m {module} {' '.join(args)}", flush=True)
    return subprocess.call([sys.executable, "-m", module, *args], cwd=common.ROOT, env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--skip-dataset", action="store_true")
    parser.add_argument("--register-url", default=None)
    args = parser.parse_args()
    failed = []
    if not args.skip_dataset and _run("bench.dataset", "--docs", str(args.docs)):
        sys.exit("the dataset could not be built")
    for module in ("bench.search", "bench.listpage", "bench.memory", "bench.mywork", "bench.reminders",
                   "bench.edxml", "bench.ocr"):
        if _run(module):
            failed.append(module)
    # The one-stop bench builds its own 1,000,000-dossier database in ./var/bench-onestop (reused with
    # --skip-dataset); it never touches the document dataset.
    if _run("bench.onestop", *(["--skip-dataset"] if args.skip_dataset else [])):
        failed.append("bench.onestop")
    # The dashboard bench builds its own deployment (1,000,000 documents + 1,000,000 dossiers, 200 agencies) in
    # ./var/bench-dashboard (reused with --skip-dataset), rebuilds the roll-ups and times every indicator.
    if _run("bench.dashboard", *(["--skip-dataset"] if args.skip_dataset else [])):
        failed.append("bench.dashboard")
    # Staffing: the report of a province of 100 communes / 5,000 officials; the merge preview of two communes with
    # 50,000 documents each (each builds its own small data dir).
    for module in ("bench.staffing", "bench.merge"):
        if _run(module):
            failed.append(module)
    url = args.register_url or os.environ.get("CONGVU_DATABASE_URL", "")
    if not url.startswith("postgres"):
        url = "postgres://postgres@127.0.0.1:5432/congvu_bench"
    env = dict(os.environ, CONGVU_DATABASE_URL=url)
    env.setdefault("CONGVU_DATA_DIR", str(common.ROOT / "var" / "bench-register"))
    if _run("django", "migrate", "-v0", env=dict(env, DJANGO_SETTINGS_MODULE="congvu.settings")) or \
            _run("bench.register", env=env):
        failed.append("bench.register")
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
