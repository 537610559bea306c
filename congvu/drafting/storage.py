"""Storing a draft's file in the registry's content-addressed storage (documents/files.py).

The same rules as registration (ADR 0001): the type is read from the bytes, the text is extracted before
any transaction, and inside it the `StoredFile` row is inserted before the bytes are written, so a
rollback removes exactly the files this call wrote and nobody else can have linked to them meanwhile.
"""

from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction

from congvu.documents import files as file_store
from congvu.documents.models import StoredFile


def prepare(upload) -> file_store.PreparedFile:
    """Check the upload (type, size) and extract its text; raises ValidationFailed on the field "file"."""
    prepared = file_store.prepare_upload(upload, field="file")
    try:
        if not StoredFile.objects.filter(sha256=prepared.sha256).exists():
            prepared.text = file_store.extract_text(prepared.temp_path, prepared.content_type)
    except BaseException:
        file_store.discard(prepared)
        raise
    return prepared


def discard(prepared: file_store.PreparedFile | None) -> None:
    if prepared is not None:
        file_store.discard(prepared)


@contextmanager
def storing(prepared: file_store.PreparedFile | None):
    """Yield the StoredFile of `prepared` (None when there is none); must run inside the caller's
    transaction. If the block fails, bytes written here are removed before the rollback."""
    if prepared is None:
        yield None
        return
    written: Path | None = None
    row = StoredFile.objects.filter(sha256=prepared.sha256).first()
    if row is None:
        try:
            with transaction.atomic():
                row = StoredFile.objects.create(sha256=prepared.sha256, size=prepared.size,
                                                content_type=prepared.content_type,
                                                path=file_store.storage_relpath(prepared.sha256), text=prepared.text)
        except IntegrityError:  # stored meanwhile by someone else: share it
            row = StoredFile.objects.get(sha256=prepared.sha256)
        else:
            written = Path(settings.MEDIA_ROOT) / file_store.put_file(prepared)
    try:
        yield row
    except BaseException:
        if written is not None:
            written.unlink(missing_ok=True)
        raise
