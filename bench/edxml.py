"""edXML parsing: `python -m bench.edxml` (needs ../shared/testdata/edxml; no database).

1. Throughput on the ~370 KB sample packages (document_new/recall/update/replace): full parse
   (header, warnings, base64 decoded to a temporary file with its sha256) per second, against a
   baseline measured in the same run: a plain DOM parse of the same bytes (lxml.etree.fromstring when
   lxml is installed, else xml.etree.ElementTree), which neither decodes nor hashes. Goal: >= 200/s.
2. Memory: a package with a generated 100 MB attachment (about 134 MB of XML) is built on disk and
   parsed in a fresh subprocess; reported are the growth of the peak resident set (VmHWM) over the
   process's size just before parsing, and the tracemalloc peak of Python allocations. Goal: < 50 MB.
"""

import argparse
import contextlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from congvu.core.testdata import shared_testdata
from congvu.exchange.edxml import Attachment, Organ, Package, build_package, parse_package

BIG = ("document_new.edxml", "document_recall.edxml", "document_update.edxml", "document_replace.edxml")


def _hwm() -> tuple[int, int]:
    text = Path("/proc/self/status").read_text()
    values = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", text, re.M))
    return int(values["VmRSS"]) * 1024, int(values["VmHWM"]) * 1024


def _reset_hwm() -> None:
    with contextlib.suppress(OSError):  # Linux: writing 5 to clear_refs resets VmHWM to the current RSS
        Path("/proc/self/clear_refs").write_text("5")


def throughput(samples: Path, seconds: float) -> dict:
    blobs = [(samples / name).read_bytes() for name in BIG]
    try:
        from lxml import etree

        def baseline(data: bytes) -> None:
            etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False))

        baseline_name = "lxml.etree.fromstring"
    except ImportError:  # pragma: no cover
        import xml.etree.ElementTree as ET

        def baseline(data: bytes) -> None:
            ET.fromstring(data[data.index(b"<") :])

        baseline_name = "xml.etree.ElementTree.fromstring"

    def rate(fn) -> tuple[float, float]:
        """Packages per wall-clock second and per CPU second (the machine may be shared: both are reported)."""
        n, start, cpu = 0, time.perf_counter(), time.process_time()
        while time.perf_counter() - start < seconds:
            fn(blobs[n % len(blobs)])
            n += 1
        return n / (time.perf_counter() - start), n / (time.process_time() - cpu)

    with tempfile.TemporaryDirectory() as work:
        ours = rate(lambda data: parse_package(io.BytesIO(data), attachments_dir=Path(work), keep_attachments=False))
    base = rate(lambda data: baseline(data[data.index(b"<") :]))
    size = sum(len(b) for b in blobs) / len(blobs)
    return {
        "sample_kb": round(size / 1024),
        "parse_per_s": round(ours[0]),
        "parse_per_cpu_s": round(ours[1]),
        "baseline": baseline_name,
        "baseline_per_s": round(base[0]),
        "baseline_per_cpu_s": round(base[1]),
        "goal_per_s": 200,
        "loadavg": os.getloadavg()[0],
        "cpus": os.cpu_count(),
    }


def _child(path: str) -> None:
    """Subprocess: parse `path`, print RSS growth and tracemalloc peak as JSON."""
    with tempfile.TemporaryDirectory() as work:
        _reset_hwm()
        rss_before, _ = _hwm()
        tracemalloc.start()
        start = time.perf_counter()
        package = parse_package(path, attachments_dir=Path(work), keep_attachments=False)
        elapsed = time.perf_counter() - start
        _cur, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        _rss, hwm = _hwm()
    print(
        json.dumps(
            {
                "rss_growth_mb": round((hwm - rss_before) / 2**20, 1),
                "tracemalloc_peak_mb": round(peak / 2**20, 1),
                "seconds": round(elapsed, 2),
                "attachment_mb": round(package.attachments[0].size / 2**20, 1),
            }
        )
    )


def memory(size_mb: int) -> dict:
    with tempfile.TemporaryDirectory() as work:
        blob = Path(work) / "big.bin"
        with open(blob, "wb") as fh:
            for _ in range(size_mb):
                fh.write(os.urandom(2**20))
        package = Package(
            kind="document",
            sender=Organ("000.00.00.H49", "UBND tỉnh Quảng Ninh"),
            recipients=(Organ("000.00.00.H41", "UBND tỉnh Nghệ An"),),
            document_id="000.00.00.H49,2026/01/05,12/QĐ-UBND",
            number="12",
            notation="QĐ-UBND",
            attachments=(Attachment("cid:1", "big.bin", "application/octet-stream", path=blob),),
        )
        path = Path(work) / "big.edxml"
        with open(path, "wb") as fh:
            build_package(package, fh)
        blob.unlink()
        out = subprocess.run(
            [sys.executable, "-m", "bench.edxml", "--child", str(path)], check=True, capture_output=True, text=True
        )
        result = json.loads(out.stdout)
        result["package_mb"] = round(path.stat().st_size / 2**20, 1)
        result["goal_growth_mb"] = 50
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--attachment-mb", type=int, default=100)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return _child(args.child)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "congvu.settings")
    samples = shared_testdata("edxml")
    if samples is None:
        sys.exit("../shared/testdata/edxml is not on this machine")
    t = throughput(samples, args.seconds)
    print(
        f"throughput on {t['sample_kb']} KB packages: {t['parse_per_s']}/s wall, {t['parse_per_cpu_s']} per CPU-second "
        f"(goal >= {t['goal_per_s']}/s); baseline {t['baseline']}: {t['baseline_per_s']}/s wall, "
        f"{t['baseline_per_cpu_s']} per CPU-second; load average {t['loadavg']:.1f} on {t['cpus']} CPUs"
    )
    m = memory(args.attachment_mb)
    print(
        f"{m['attachment_mb']} MB attachment ({m['package_mb']} MB package) parsed in {m['seconds']} s: "
        f"peak RSS growth {m['rss_growth_mb']} MB, tracemalloc peak {m['tracemalloc_peak_mb']} MB "
        f"(goal < {m['goal_growth_mb']} MB)"
    )


if __name__ == "__main__":
    main()
