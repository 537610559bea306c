"""The real rendering path of the generated documents: DOCX → PDF with LibreOffice, PDF → text (born
digital), PDF → page images degraded like a scan → Tesseract (vie) → text (scanned).

Text is read through `congvu.intake.sources` when it is there (what the application uses); the fallback
is pdftotext and Tesseract called directly, both followed by `congvu.intake.vntext.repair`. Which reader
was used is reported with the figures.
"""

import os
import random
import shutil
import subprocess
import tempfile
import time
from pathlib import Path


def require(*binaries: str) -> None:
    missing = [b for b in binaries if not shutil.which(b)]
    if missing:
        raise SystemExit(f"missing programs: {', '.join(missing)} (Debian: libreoffice-writer-nogui, "
                         "poppler-utils, tesseract-ocr, tesseract-ocr-vie)")


def docx_to_pdf(docx_files: list[Path], out_dir: Path, batch: int = 40) -> None:
    """Convert with a private LibreOffice profile (another soffice running on the machine is left alone)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    todo = [p for p in docx_files if not (out_dir / (p.stem + ".pdf")).exists()]
    with tempfile.TemporaryDirectory(prefix="bench-soffice-") as profile:
        for i in range(0, len(todo), batch):
            chunk = todo[i:i + batch]
            subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                            "pdf", "--outdir", str(out_dir), *map(str, chunk)], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=900)


def sources_reader():
    """`congvu.intake.sources.read_text` when the module exists, else None."""
    try:
        from congvu.intake import sources
    except ImportError:
        return None
    return getattr(sources, "read_text", None)


def pdf_text(pdf: Path) -> tuple[str, str]:
    """(text, reader) of a born-digital PDF."""
    from congvu.intake.vntext import repair

    read = sources_reader()
    if read is not None:
        result = read(pdf)
        return (result.text if hasattr(result, "text") else str(result)), "congvu.intake.sources.read_text"
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True)
    return repair(out.stdout.decode("utf-8")).text, "pdftotext + vntext.repair"


def docx_text(docx: Path) -> str:
    read = sources_reader()
    if read is None:
        raise SystemExit("congvu.intake.sources is needed to read DOCX")
    return read(docx).text


def pdf_layout_text(pdf: Path) -> str:
    """pdftotext -layout as it comes (no repair): the columns side by side on the same lines, as other PDF
    tools and some OCR engines give them."""
    out = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def scan_pdf(pdf: Path, out_dir: Path, *, dpi: int, seed: int) -> Path:
    """A scanned copy of the PDF: pages rendered at `dpi`, degraded like an office scanner (grey, a slight
    skew, blur, noise, JPEG compression) and put back into an image-only PDF."""
    from PIL import Image, ImageFilter

    out_dir.mkdir(parents=True, exist_ok=True)
    prefix = out_dir / pdf.stem
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(pdf), str(prefix)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rng = random.Random(seed)
    pages = []
    for png in sorted(out_dir.glob(pdf.stem + "-*.png")):
        img = Image.open(png).convert("L")
        img = img.rotate(rng.uniform(-0.8, 0.8), resample=Image.BICUBIC, expand=False, fillcolor=255)
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.8)))
        noise = Image.effect_noise(img.size, rng.uniform(8, 18))
        img = Image.blend(img, noise, 0.06)
        jpg = png.with_suffix(".jpg")
        img.save(jpg, quality=rng.randint(55, 80))
        png.unlink()
        pages.append(Image.open(jpg))
    target = out_dir / f"{pdf.stem}.pdf"
    pages[0].save(target, save_all=True, append_images=pages[1:], resolution=dpi)
    for page in pages:
        Path(page.filename).unlink()
    return target


def ocr_reader() -> str:
    try:
        from congvu.intake import ocr

        if ocr.ocr_available() is None:
            return "congvu.intake.ocr.ocr_file (OCRmyPDF + Tesseract vie)"
    except ImportError:
        pass
    return "tesseract -l vie + vntext.repair"


def ocr_scan(scan: Path, dpi: int) -> tuple[str, float, int]:
    """(text, seconds, pages) of a scanned PDF, through the application's OCR when it can run here."""
    started = time.perf_counter()
    if ocr_reader().startswith("congvu"):
        from congvu.intake import ocr, sources

        result = ocr.ocr_file(scan.read_bytes(), content_type=sources.PDF)
        return result.text, time.perf_counter() - started, result.pages
    from congvu.intake.vntext import repair

    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    with tempfile.TemporaryDirectory(prefix="bench-ocr-") as tmp:
        subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(scan), f"{tmp}/p"], check=True)
        texts = [subprocess.run(["tesseract", str(png), "stdout", "-l", "vie"], capture_output=True, check=True,
                                env=env).stdout.decode("utf-8") for png in sorted(Path(tmp).glob("p-*.png"))]
    return repair("\n".join(texts)).text, time.perf_counter() - started, len(texts)
