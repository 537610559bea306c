"""Background jobs of intake: OCR of scans, and a sweep for readings a lost message or a dead worker left."""

from datetime import timedelta

from congvu.jobs import job


@job("intake.ocr", max_attempts=2)
def ocr_run(*, extraction_id: int, **_ignored) -> None:
    """OCR one extraction (idempotent: a finished one, or one another worker runs, is left alone)."""
    from congvu.intake.services import extraction_ocr

    extraction_ocr(extraction_id=extraction_id)


@job("intake.ocr_sweep", every=timedelta(minutes=15))
def ocr_sweep(**_ignored) -> None:
    """Queue again readings left pending or silent past the lease (they then finish or fail)."""
    from congvu.intake.services import extractions_sweep

    extractions_sweep()


@job("intake.fingerprints_backfill", every=timedelta(minutes=15))
def fingerprints_backfill_run(**_ignored) -> None:
    """Fingerprint files attached without going through the form (API, exchange, before intake), a batch
    at a time, so near-duplicates of them are found too."""
    from congvu.intake.duplicates import fingerprints_backfill

    for _ in range(20):  # at most 10,000 files a run; the next run goes on
        if fingerprints_backfill(limit=500) == 0:
            break
