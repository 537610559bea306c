"""Downloading a register as PDF or XLSX (Decree 30/2020 Annex IV). The same rows, visibility and dates as
the print page (`views.register_print`); a secret register's export is journaled against each document,
as printing it is."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET

from congvu.core.errors import NotFound, PermissionDenied, ValidationFailed
from congvu.documents import selectors, services
from congvu.documents.register_export import EXPORTERS, export_filename, register_table


def register_export_response(*, user, register_id: int, fmt: str, date_from=None, date_to=None) -> HttpResponse:
    """The file for one register and period. Raises NotFound, PermissionDenied or ValidationFailed as
    `selectors.register_print` does, and NotFound for an unknown format."""
    if fmt not in EXPORTERS:
        raise NotFound("Định dạng tải về phải là pdf hoặc xlsx.")
    printed = selectors.register_print(user=user, register_id=register_id, date_from=date_from, date_to=date_to)
    table = register_table(printed)
    render, content_type = EXPORTERS[fmt]
    content = render(table)
    for doc in printed.documents:
        services.document_access_record(actor=user, document=doc, action="document.print")
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{export_filename(table, fmt)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def register_export(request, pk: int, fmt: str):
    values = {"date_from": request.GET.get("date_from", ""), "date_to": request.GET.get("date_to", "")}
    try:
        return register_export_response(user=request.user, register_id=pk, fmt=fmt, **values)
    except NotFound as exc:
        raise Http404(exc.message)
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message)
    except ValidationFailed:
        # The print page shows what is wrong with the dates, next to the fields.
        return redirect(reverse("documents:register_print", args=[pk]) + "?" + urlencode(values))
