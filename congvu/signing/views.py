"""The signatures page of a document: the latest verification of each file, and "check again"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from congvu.core.errors import NotFound
from congvu.documents.selectors import document_get
from congvu.signing.selectors import document_signature_checks
from congvu.signing.services import document_signatures_check


@login_required
@require_http_methods(["GET", "POST"])
def document_signatures(request, pk: int):
    try:
        doc = document_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404("Không tìm thấy văn bản hoặc bạn không có quyền xem.")
    if request.method == "POST":
        checks = document_signatures_check(actor=request.user, document=doc)
        messages.success(request, f"Đã kiểm tra chữ ký số của {len(checks)} tệp.")
        return redirect("signing:document", pk=doc.pk)
    rows = document_signature_checks(user=request.user, document_id=doc.pk)
    return render(request, "signing/document_signatures.html", {"doc": doc, "rows": rows})
