#!/usr/bin/env bash
# Run every benchmark: builds the 1M-document dataset, then search, list page, memory and (on
# PostgreSQL) registration throughput. Figures go to docs/PERFORMANCE.md. Arguments pass to `python -m bench`.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m bench "$@"
