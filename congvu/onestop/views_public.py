"""Public pages, no login: dossier lookup (by code or the receipt's QR link), the satisfaction rating, and
online submission. Thin: the rules are in public.py and online.py."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from congvu.core.errors import DomainError, NotFound, ValidationFailed
from congvu.documents.upload_handlers import check_upload_size
from congvu.onestop import online, public


def too_many(request, exc: public.TooManyAttempts):
    return render(request, "onestop/public_429.html", {"message": exc.message}, status=429)


@never_cache
@require_http_methods(["GET"])
def lookup(request):
    """/tra-cuu-ho-so/?ma=<code>: the form, and the result when a code was given."""
    code = (request.GET.get("ma") or "").strip()
    if not code:
        return render(request, "onestop/public_lookup.html", {"code": ""})
    return _result(request, code)


@never_cache
@require_http_methods(["GET"])
def dossier(request, code: str):
    """/tra-cuu-ho-so/<code>/: where the receipt's QR code points."""
    return _result(request, code)


def _result(request, code: str):
    client = public.client_key(request)
    try:
        found = public.public_lookup(client=client, code=code)
    except public.TooManyAttempts as exc:
        return too_many(request, exc)
    except NotFound as exc:
        return render(request, "onestop/public_lookup.html", {"code": code, "error": exc.message}, status=404)
    return render(request, "onestop/public_lookup.html", {"code": found.code, "dossier": found})


def _rating_questions(posted=None, errors=None):
    posted, errors = posted or {}, errors or {}
    questions = []
    for key, label, choices in (*public.INDICATORS, public.OVERALL):
        questions.append({"key": key, "label": label, "selected": str(posted.get(key, "")),
                          "error": errors.get(key, ""),
                          "choices": [(str(score), text) for score, text in zip(public.SCORE_OF_CHOICE, choices,
                                                                                strict=True)]})
    return questions


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def rate(request, code: str):
    """/tra-cuu-ho-so/<code>/danh-gia/: the form shows nothing about the dossier until the proof is given."""
    context = {"code": code, "questions": _rating_questions(request.POST if request.method == "POST" else None)}
    if request.method == "GET":
        return render(request, "onestop/public_rate.html", context)
    answers = {key: request.POST.get(key) for key, _l, _c in (*public.INDICATORS, public.OVERALL)}
    try:
        public.rating_submit(client=public.client_key(request), code=code, proof=request.POST.get("proof", ""),
                             answers=answers, comment=request.POST.get("comment", ""))
    except public.TooManyAttempts as exc:
        return too_many(request, exc)
    except DomainError as exc:
        fields = dict(exc.fields)
        if "attachments" in fields:
            fields["components"] = fields.pop("attachments")
        context.update(error=exc.message, field_errors=fields, comment=request.POST.get("comment", ""),
                       questions=_rating_questions(request.POST, exc.fields))
        return render(request, "onestop/public_rate.html", context, status=exc.status)
    return render(request, "onestop/public_rate_done.html", {"code": code})


# --- online submission ------------------------------------------------------------------------------------

@require_http_methods(["GET"])
def online_list(request):
    """/dich-vu-cong/: the procedures offered online today."""
    return render(request, "onestop/public_online_list.html", {"offers": online.online_offers()})


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def online_submit(request, procedure: str):
    """/dich-vu-cong/<local code or pk>/: the form; on success the code is shown at once (and e-mailed)."""
    try:
        offer = online.online_offer(procedure)
    except NotFound as exc:
        raise Http404(exc.message) from None
    context = {"offer": offer, "values": request.POST if request.method == "POST" else {},
               "components": [(c, "") for c in offer.components],
               "max_mb": settings.MAX_UPLOAD_BYTES // (1024 * 1024)}
    if request.method == "GET":
        return render(request, "onestop/public_online_form.html", context)
    try:
        check_upload_size(request)  # a file past the limit was cut off while streaming: say so, store nothing
        submitted = online.online_submit(client=public.client_key(request), offer=offer, data=request.POST,
                                         files=request.FILES)
    except public.TooManyAttempts as exc:
        return too_many(request, exc)
    except ValidationFailed as exc:
        fields = dict(exc.fields)
        if "attachments" in fields:
            fields["components"] = fields.pop("attachments")
        context.update(error=exc.message, field_errors=fields,
                       components=[(c, exc.fields.get(online.component_field(c), "")) for c in offer.components])
        return render(request, "onestop/public_online_form.html", context, status=400)
    return render(request, "onestop/public_online_done.html", {"offer": offer, "dossier": submitted})
