"""Where the shared test data (real edXML packages, real published documents) is on this machine.

The data sits beside the repository (`../shared/testdata`), not inside it; a clone elsewhere finds it
through CONGVU_TESTDATA_DIR or the workplace's fixed path.
"""

import os
from pathlib import Path

_REPO = Path(__file__).resolve().parents[2]


def shared_testdata_dir() -> Path | None:
    candidates = []
    if os.environ.get("CONGVU_TESTDATA_DIR"):
        candidates.append(Path(os.environ["CONGVU_TESTDATA_DIR"]))
    candidates += [parent / "shared" / "testdata" for parent in _REPO.parents]
    candidates.append(Path("/work/shared/testdata"))
    return next((c for c in candidates if (c / "documents").is_dir() or (c / "edxml").is_dir()), None)


def shared_testdata(*parts: str) -> Path | None:
    base = shared_testdata_dir()
    path = base.joinpath(*parts) if base else None
    return path if path is not None and path.exists() else None
