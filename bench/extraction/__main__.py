"""`python -m bench.extraction`: accuracy and speed of the metadata extractor (congvu.intake.extract).

Sets measured:
1. the real published documents of ../shared/testdata/documents (text and true metadata), as given and
   after `vntext.repair`;
2. N generated documents (default 200, bench/extraction/generate.py) through the real rendering path:
   DOCX → PDF (LibreOffice) → text layer read by congvu.intake.sources (born digital), and PDF → 300 dpi
   page images degraded like a scan → Tesseract vie (scanned); also the DOCX itself read by
   congvu.intake.sources, and the PDF through `pdftotext -layout` (columns side by side, as other tools
   extract them).

Per field: exact-match accuracy over the documents whose truth has the field ("present"), and how often
a value was returned where the truth has none ("invented"). Then calibration (confidence against observed
accuracy, per way a field was found) and throughput (extraction alone, documents per second, against the
time to read the text in the same run).

Generated files go to ./var/bench/extraction (never committed); a second run reuses PDFs and OCR text
(--fresh starts over). --no-ocr skips the scanned set. --write-performance puts the tables into
docs/PERFORMANCE.md (section "extraction").
"""

import argparse
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

from bench.extraction import generate, render  # noqa: E402
from congvu.core.testdata import shared_testdata  # noqa: E402
from congvu.intake.extract import CONFIDENCE, CONFIDENCE_SCANNED, FIELDS, explain  # noqa: E402

TESTDATA = shared_testdata("documents", "documents.jsonl")
OUT = ROOT / "var" / "bench" / "extraction"


def evaluate(items: list[tuple[str, dict, str]], *, scanned: bool = False) -> dict:
    """items: (key, truth, text). Returns per-field counts, per-path calibration and the misses."""
    per_field = {f: {"present": 0, "right": 0, "absent": 0, "invented": 0} for f in FIELDS}
    paths: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    bins: dict[int, list[float]] = defaultdict(lambda: [0, 0, 0.0])
    misses = []
    for key, truth, text in items:
        fields, confidence, how = explain(text, scanned=scanned)
        for f in FIELDS:
            if f not in truth:
                continue
            want, got = truth[f], fields[f]
            right = got == want
            stats = per_field[f]
            if want in (None, []):
                stats["absent"] += 1
                stats["invented"] += got not in (None, [])
            else:
                stats["present"] += 1
                stats["right"] += right
            p = paths[(f, how[f])]
            p[0] += 1
            p[1] += right
            b = bins[min(9, int(confidence[f] * 10))]
            b[0] += 1
            b[1] += right
            b[2] += confidence[f]
            if not right:
                misses.append({"doc": key, "field": f, "got": got, "want": want, "path": how[f]})
    return {"fields": per_field, "paths": {f"{f}/{p}": v for (f, p), v in sorted(paths.items())},
            "bins": {k: v for k, v in sorted(bins.items())}, "misses": misses, "count": len(items)}


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:.1f}%" if b else "–"


def accuracy_table(results: dict[str, dict]) -> str:
    names = list(results)
    head = "| Field | " + " | ".join(f"{n} (n={results[n]['count']})" for n in names) + " |"
    lines = [head, "|---|" + "---|" * len(names)]
    for f in FIELDS:
        cells = []
        for n in names:
            s = results[n]["fields"][f]
            if s["present"] == 0 and s["absent"] == 0:
                cells.append("–")
                continue
            cell = f"{pct(s['right'], s['present'])} of {s['present']}" if s["present"] else "none present"
            if s["absent"]:
                cell += f"; invented {s['invented']}/{s['absent']}"
            cells.append(cell)
        lines.append(f"| {f} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def calibration_table(results: dict[str, dict], table: dict) -> str:
    merged: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in results.values():
        for k, (n, right) in r["paths"].items():
            merged[k][0] += n
            merged[k][1] += right
    lines = ["| Field / how found | Confidence given | Observed right | n |", "|---|---|---|---|"]
    for k, (n, right) in sorted(merged.items()):
        f, p = k.split("/", 1)
        lines.append(f"| {f} / {p} | {table[f].get(p, 0.0):.2f} | {pct(right, n)} | {n} |")
    return "\n".join(lines)


def proposed_table(results: dict[str, dict], cap: float) -> dict[str, dict[str, float]]:
    """Per field and path seen at least 5 times, the observed accuracy with Laplace smoothing
    ((right + 1) / (n + 2)), capped: what the confidence tables are set to."""
    merged: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in results.values():
        for k, (n, right) in r["paths"].items():
            merged[k][0] += n
            merged[k][1] += right
    table: dict[str, dict[str, float]] = defaultdict(dict)
    for k, (n, right) in sorted(merged.items()):
        f, p = k.split("/", 1)
        if n >= 5 and p != "absent":
            table[f][p] = round(min(cap, (right + 1) / (n + 2)), 2)
    return dict(table)


def bins_table(results: dict[str, dict]) -> str:
    merged: dict[int, list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for r in results.values():
        for k, (n, right, conf) in r["bins"].items():
            m = merged[int(k)]
            m[0] += n
            m[1] += right
            m[2] += conf
    lines = ["| Confidence | Mean confidence | Observed right | n |", "|---|---|---|---|"]
    for k in sorted(merged):
        n, right, conf = merged[k]
        lines.append(f"| {k / 10:.1f}–{(k + 1) / 10:.1f} | {conf / n:.2f} | {pct(right, n)} | {int(n)} |")
    return "\n".join(lines)


def testdata_items(repaired: bool) -> list[tuple[str, dict, str]]:
    from congvu.intake.vntext import repair

    if TESTDATA is None:
        sys.exit("shared/testdata/documents is not on this machine (set CONGVU_TESTDATA_DIR).")
    items = []
    for i, line in enumerate(TESTDATA.read_text(encoding="utf-8").splitlines()):
        row = json.loads(line)
        truth = row["truth"]
        text = row["text"]
        if repaired:  # one tone placement for text and truth alike ("HOÀ" → "HÒA")
            text = repair(text).text
            truth = {k: " ".join(repair(v).text.split()) if isinstance(v, str) else v for k, v in truth.items()}
        items.append((f"testdata{i}", truth, text))
    return items


def build(args) -> tuple[list[generate.Doc], dict]:
    out = args.out
    docs = generate.make_docs(args.count, seed=args.seed)
    info: dict = {}
    (out / "docx").mkdir(parents=True, exist_ok=True)
    generate.save_truth(docs, out / "truth.jsonl")
    for doc in docs:
        path = out / "docx" / f"{doc.key}.docx"
        if not path.exists():
            generate.write_docx(doc, path)
    started = time.perf_counter()
    render.docx_to_pdf([out / "docx" / f"{d.key}.docx" for d in docs], out / "pdf")
    info["convert_seconds"] = time.perf_counter() - started
    return docs, info


def born_digital(args, docs) -> tuple[list, dict]:
    items, read_times, reader = [], [], ""
    (args.out / "text").mkdir(exist_ok=True)
    for doc in docs:
        started = time.perf_counter()
        text, reader = render.pdf_text(args.out / "pdf" / f"{doc.key}.pdf")
        read_times.append(time.perf_counter() - started)
        (args.out / "text" / f"{doc.key}.txt").write_text(text, encoding="utf-8")
        items.append((doc.key, doc.truth, text))
    return items, {"reader": reader, "read_seconds": read_times}


def scanned(args, docs) -> tuple[list, dict]:
    items, seconds, pages = [], 0.0, 0
    reader = render.ocr_reader()
    (args.out / "ocr").mkdir(exist_ok=True)
    for n, doc in enumerate(docs):
        cached = args.out / "ocr" / f"{doc.key}.txt"
        if cached.exists():
            text = cached.read_text(encoding="utf-8")
        else:
            scan = render.scan_pdf(args.out / "pdf" / f"{doc.key}.pdf", args.out / "scan", dpi=args.dpi, seed=n)
            text, took, count = render.ocr_scan(scan, args.dpi)
            seconds += took
            pages += count
            cached.write_text(text, encoding="utf-8")
            if (n + 1) % 20 == 0:
                print(f"  OCR {n + 1}/{len(docs)}", flush=True)
        items.append((doc.key, doc.truth, text))
    return items, {"reader": reader, "ocr_seconds": seconds, "pages": pages}


def throughput(items: list, read_seconds: list[float]) -> dict:
    texts = [t for _, _, t in items]
    from congvu.intake.extract import extract_fields

    for t in texts[:20]:
        extract_fields(t)  # warm the regex caches
    rounds = max(1, 2000 // max(1, len(texts)))
    started = time.perf_counter()
    for _ in range(rounds):
        for t in texts:
            extract_fields(t)
    elapsed = time.perf_counter() - started
    per_doc = elapsed / (rounds * len(texts))
    return {"docs_per_second": 1 / per_doc, "ms_per_doc": per_doc * 1000, "documents": rounds * len(texts),
            "read_ms_per_doc": statistics.mean(read_seconds) * 1000 if read_seconds else None,
            "mean_chars": statistics.mean(len(t) for t in texts)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=30)
    parser.add_argument("--dpi", type=int, default=300)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--no-ocr", action="store_true")
    parser.add_argument("--fresh", action="store_true", help="delete earlier generated files first")
    parser.add_argument("--misses", action="store_true", help="print every wrong field")
    parser.add_argument("--write-performance", action="store_true")
    parser.add_argument("--calibrate", action="store_true",
                        help="print the confidence tables the observed accuracies suggest")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "congvu.settings")
    import django

    django.setup()  # congvu.intake.sources and .ocr read Django settings
    if args.fresh and args.out.exists():
        import shutil

        shutil.rmtree(args.out)
    args.out.mkdir(parents=True, exist_ok=True)
    render.require("soffice", "pdftotext", "pdftoppm", *([] if args.no_ocr else ["tesseract"]))

    results: dict[str, dict] = {}
    results["real, as given"] = evaluate(testdata_items(False))
    results["real, repaired"] = evaluate(testdata_items(True))
    print(f"generating {args.count} documents into {args.out} …", flush=True)
    docs, info = build(args)
    digital, dinfo = born_digital(args, docs)
    results["generated, born digital"] = evaluate(digital)
    results["generated, DOCX"] = evaluate([(d.key, d.truth, render.docx_text(args.out / "docx" / f"{d.key}.docx"))
                                           for d in docs])
    results["generated, PDF -layout"] = evaluate([(d.key, d.truth, render.pdf_layout_text(args.out / "pdf" /
                                                                                       f"{d.key}.pdf"))
                                                  for d in docs])
    sinfo = {}
    if not args.no_ocr:
        print("OCR of the scanned set (Tesseract vie) …", flush=True)
        scans, sinfo = scanned(args, docs)
        results["generated, scanned"] = evaluate(scans, scanned=True)
    speed = throughput(digital, dinfo["read_seconds"])
    real_speed = throughput(testdata_items(False), [])

    report = ["#### Accuracy per field (exact match)", "",
              "Cells: share of right values among the documents whose truth has the field; "
              "\"invented\": values returned where the truth has none.", "", accuracy_table(results), "",
              f"Born-digital text read by {dinfo['reader']}; scanned text by "
              f"{sinfo.get('reader', '–')} from image-only PDFs rendered at {args.dpi} dpi and degraded like a scan "
              "(grey, skew ±0.8°, blur, noise, JPEG).", "",
              "#### Throughput (born digital)", "",
              f"- extraction alone: **{speed['docs_per_second']:.0f} documents/s** ({speed['ms_per_doc']:.2f} ms "
              f"per document, {speed['documents']} extractions, mean text {speed['mean_chars']:.0f} characters)",
              f"- on the real documents (longer: mean {real_speed['mean_chars']:.0f} characters): "
              f"{real_speed['docs_per_second']:.0f} documents/s ({real_speed['ms_per_doc']:.2f} ms per document)",
              f"- baseline in the same run: reading the text of one PDF took {speed['read_ms_per_doc']:.1f} ms "
              f"({1000 / speed['read_ms_per_doc']:.0f} documents/s)" if speed["read_ms_per_doc"] else "", ""]
    if sinfo.get("pages"):
        report.append(f"- OCR of the scans, for scale: {sinfo['ocr_seconds'] / sinfo['pages']:.1f} s per page over "
                      f"{sinfo['pages']} pages (this run; cached OCR text is not re-timed)")
        report.append("")
    text_sets = {k: v for k, v in results.items() if k != "real, repaired" and "scanned" not in k}
    scan_sets = {k: v for k, v in results.items() if "scanned" in k}
    report += ["#### Calibration", "",
               "Text layers, Word and copied text (`extract_fields(text)`; real as given, born digital, DOCX, "
               "-layout), per way a field was found:", "", calibration_table(text_sets, CONFIDENCE), "",
               "Per confidence band:", "", bins_table(text_sets)]
    if scan_sets:
        report += ["", "OCR text (`extract_fields(text, scanned=True)`):", "",
                   calibration_table(scan_sets, CONFIDENCE_SCANNED), "", "Per confidence band:", "",
                   bins_table(scan_sets)]
    text = "\n".join(report)
    print("\n" + text)
    (args.out / "results.md").write_text(text + "\n", encoding="utf-8")
    (args.out / "results.json").write_text(json.dumps({"results": results, "speed": speed, "real_speed": real_speed},
                                                      ensure_ascii=False,
                                                      indent=1, default=str), encoding="utf-8")
    if args.misses:
        for name, r in results.items():
            for m in r["misses"]:
                print(f"[{name}] {m['doc']} {m['field']} ({m['path']}): got {m['got']!r} want {m['want']!r}")
    print(f"\nmisses and details: {args.out / 'results.json'}")
    if args.calibrate:
        print("\nproposed CONFIDENCE (text):", json.dumps(proposed_table(text_sets, 0.98), ensure_ascii=False))
        if scan_sets:
            print("proposed CONFIDENCE_SCANNED:", json.dumps(proposed_table(scan_sets, 0.97), ensure_ascii=False))
    if args.write_performance:
        from bench import common

        common.write_section("extraction", "Metadata extraction (bench/extraction)", text, include_machine=False)


if __name__ == "__main__":
    main()
