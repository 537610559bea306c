"""The counter's pages (Bộ phận tiếp nhận và trả kết quả): its queue, the receive form, and the actions on
online submissions and dossiers waiting for a supplement.

Thin: every write is a congvu.onestop.receiving service; a refused action shows the service's Vietnamese
message and changes nothing. Only the active agency's one-stop staff, leaders and admins get these pages;
a dossier of another agency is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from congvu.core.errors import DomainError
from congvu.core.folding import fold
from congvu.documents.views import agency_required
from congvu.onestop import receiving
from congvu.onestop.catalogue import in_force_q, versions_in_force
from congvu.onestop.models import ApplicantKind, Channel, Dossier, DossierStatus, ProcedureVersion
from congvu.org.models import Agency
from congvu.workdays.calendar import to_local

APPLICANT_FIELDS = ("kind", "name", "id_number", "phone", "email", "address", "representative_name",
                    "representative_id_number")


def vnd(amount: int) -> str:
    """50000 → “50.000” (Vietnamese thousands separator)."""
    return f"{amount:,}".replace(",", ".")


def _when(moment) -> str:
    return f"{to_local(moment):%H:%M ngày %d/%m/%Y}"


def _counter_agency(request) -> Agency:
    if not receiving.can_receive(request.user, request.agency_id):
        raise HttpForbidden("Chỉ cán bộ một cửa, lãnh đạo hoặc quản trị cơ quan được làm việc ở quầy tiếp nhận.")
    return Agency.objects.get(pk=request.agency_id)


def _dossier(request, pk: int) -> Dossier:
    """A dossier of the active agency, for its counter; anything else is a 404."""
    _counter_agency(request)
    d = (Dossier.objects.select_related("procedure_version__procedure", "agency")
         .filter(pk=pk, agency_id=request.agency_id).first())
    if d is None:
        raise Http404("Không có hồ sơ này.")
    return d


def _after(d: Dossier) -> str:
    try:
        return reverse("onestop:dossier", args=[d.pk])
    except NoReverseMatch:  # the processing pages are another part; the counter still works alone
        return reverse("onestop:counter")


def _print_url(name: str, d: Dossier) -> str:
    try:
        return reverse(f"onestop:{name}", args=[d.pk])
    except NoReverseMatch:
        return ""


def counter_queue(agency_id: int):
    """Online submissions to accept (oldest first) and dossiers waiting for their supplement."""
    base = Dossier.objects.filter(agency_id=agency_id).select_related("procedure_version__procedure")
    online = base.filter(status=DossierStatus.REGISTERED).order_by("submitted_at", "id")[:200]
    waiting = (base.filter(status=DossierStatus.SUPPLEMENT, supplement__completed_at__isnull=True)
               .select_related("supplement").order_by("supplement__requested_at", "id")[:200])
    return list(online), list(waiting)


@agency_required
def counter(request):
    agency = _counter_agency(request)
    online, waiting = counter_queue(agency.pk)
    today = timezone.localdate()
    received_today = (Dossier.objects.filter(agency=agency, accepted_at__date=today)
                      .select_related("procedure_version__procedure").order_by("-accepted_at", "-id")[:30])
    return render(request, "onestop/counter_queue.html", {
        "agency": agency, "online": online, "waiting": waiting, "received_today": received_today})


# --- the receive form ----------------------------------------------------------------------------------


def _pick_version(agency: Agency, text: str, on) -> tuple[ProcedureVersion | None, list[ProcedureVersion]]:
    """The procedure typed (local or national code, or part of its name, accents optional) among those in
    force: the version when one matches, else the candidates."""
    text = "".join(ch for ch in (text or "") if ch.isprintable()).strip()  # no NUL byte reaches the database
    if not text:
        return None, []
    code = text.split(" — ", 1)[0].strip()
    # The form posts the local code: one indexed query, components loaded once for the whole receipt.
    direct = (ProcedureVersion.objects.filter(in_force_q(on), procedure__active=True, procedure__local_code=code)
              .select_related("procedure").prefetch_related("components").order_by("-valid_from").first())
    if direct is not None:
        return direct, []
    versions = list(versions_in_force(on=on, agency=agency))
    exact = [v for v in versions if code in (v.procedure.local_code, v.procedure.national_code)
             or text == f"{v.procedure.local_code} — {v.procedure.name}"]
    if len(exact) == 1:
        return exact[0], []
    needle = fold(text)
    found = [v for v in versions if needle in fold(f"{v.procedure.local_code} {v.procedure.name}")]
    if len(found) == 1:
        return found[0], []
    return None, found[:30]


def _components_from_post(request, version: ProcedureVersion) -> list[dict]:
    given = []
    for c in version.components.all():
        upload = request.FILES.get(f"file_{c.pk}")
        given.append({"component_id": c.pk, "provided": request.POST.get(f"provided_{c.pk}") == "1" or bool(upload),
                      **({"file": upload} if upload else {})})
    for i, name in enumerate(request.POST.getlist("extra_name")):
        upload = request.FILES.get(f"extra_file_{i}")
        if name.strip():
            given.append({"name": name, "provided": True, **({"file": upload} if upload else {})})
    return given


@agency_required
@require_http_methods(["GET", "POST"])
def receive(request):
    agency = _counter_agency(request)
    now = timezone.localtime()
    typed = (request.POST.get("procedure") or request.GET.get("procedure") or "").strip()
    version, candidates = _pick_version(agency, typed, now.date())
    values = {f: (request.POST.get(f"applicant_{f}") or "").strip() for f in APPLICANT_FIELDS}
    values.setdefault("kind", "")
    form = {"request_summary": request.POST.get("request_summary", ""), "sets": request.POST.get("sets", "1"),
            "channel": request.POST.get("channel", str(Channel.COUNTER)),
            "supplement_items": request.POST.get("supplement_items", ""), "reason": request.POST.get("reason", "")}
    error, fields = "", {}
    if request.method == "POST" and version is not None:
        outcome = {"accept": "accept", "supplement": "supplement", "refuse": "refuse"}.get(
            request.POST.get("outcome", "accept"), "accept")
        try:
            d = receiving.dossier_receive(
                actor=request.user, agency=agency, version=version, applicant=values,
                components=_components_from_post(request, version), channel=form["channel"],
                request_summary=form["request_summary"], sets=form["sets"], outcome=outcome,
                supplement_items=form["supplement_items"].splitlines(), reason=form["reason"])
        except DomainError as exc:
            error, fields = exc.message, exc.fields
        else:
            if outcome == "accept":
                messages.success(request, f"Đã tiếp nhận hồ sơ {d.code}; hẹn trả {_when(d.due_at)}.")
                printed = _print_url("print_receipt", d)
            elif outcome == "supplement":
                messages.success(request, f"Đã lập phiếu yêu cầu bổ sung cho hồ sơ {d.code}.")
                printed = _print_url("print_supplement", d)
            else:
                messages.success(request, "Đã lập phiếu từ chối tiếp nhận hồ sơ.")
                printed = _print_url("print_refusal", d)
            if request.POST.get("next") == "receive":
                return redirect(reverse("onestop:receive") + (f"?printed={d.pk}" if printed else ""))
            return redirect(_after(d))
    elif request.method == "POST":
        error = "Chọn thủ tục hành chính trước khi tiếp nhận."
    components = list(version.components.all()) if version else []
    if version is not None:
        version.fee_text = vnd(version.fee)
    checked = {c.pk: request.POST.get(f"provided_{c.pk}") == "1" for c in components}
    printed_dossier = None
    if request.GET.get("printed", "").isdigit():
        printed_dossier = Dossier.objects.filter(pk=int(request.GET["printed"]), agency=agency).first()
    all_versions = versions_in_force(on=now.date(), agency=agency).only(
        "pk", "procedure__local_code", "procedure__name")
    return render(request, "onestop/counter_receive.html", {
        "agency": agency, "typed": typed, "version": version, "candidates": candidates,
        "components": components, "checked": checked,
        "values": values, "form": form, "error": error, "fields": fields, "all_versions": all_versions,
        "kinds": ApplicantKind.choices, "channels": [(c.value, c.label) for c in Channel if c != Channel.ONLINE],
        "printed_dossier": printed_dossier,
        "printed_url": _print_url("print_receipt", printed_dossier) if printed_dossier else ""},
        status=400 if error else 200)


# --- actions on a dossier ----------------------------------------------------------------------------------


@agency_required
@require_POST
def accept_online(request, pk: int):
    d = _dossier(request, pk)
    try:
        receiving.dossier_accept_online(actor=request.user, dossier=d)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("onestop:counter")
    d.refresh_from_db()
    messages.success(request, f"Đã tiếp nhận hồ sơ trực tuyến {d.code}; hẹn trả {_when(d.due_at)}.")
    return redirect(_after(d))


@agency_required
@require_http_methods(["GET", "POST"])
def request_supplement(request, pk: int):
    d = _dossier(request, pk)
    error = ""
    missing = list(d.components.filter(component__required=True, provided=False).values_list("name", flat=True))
    items, reason = request.POST.get("items", ""), request.POST.get("reason", "")
    if request.method == "POST":
        try:
            receiving.dossier_request_supplement(actor=request.user, dossier=d, items=items.splitlines(),
                                                 reason=reason)
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, f"Đã lập phiếu yêu cầu bổ sung cho hồ sơ {d.code}.")
            return redirect(_after(d))
    return render(request, "onestop/counter_supplement_request.html", {
        "dossier": d, "missing": missing, "items": items, "reason": reason, "error": error},
        status=400 if error else 200)


@agency_required
@require_http_methods(["GET", "POST"])
def supplement_complete(request, pk: int):
    d = _dossier(request, pk)
    error = ""
    if request.method == "POST":
        try:
            receiving.dossier_supplement_complete(actor=request.user, dossier=d,
                                                  components=_components_from_post(request, d.procedure_version))
        except DomainError as exc:
            error = exc.message
        else:
            d.refresh_from_db()
            messages.success(request, f"Đã nhận bổ sung hồ sơ {d.code}; hẹn trả {_when(d.due_at)}.")
            return redirect(_after(d))
    rows = list(d.components.select_related("component").order_by("id"))
    return render(request, "onestop/counter_supplement.html", {
        "dossier": d, "rows": rows, "supplement": getattr(d, "supplement", None), "error": error},
        status=400 if error else 200)


@agency_required
@require_POST
def refuse(request, pk: int):
    d = _dossier(request, pk)
    try:
        receiving.dossier_refuse(actor=request.user, dossier=d, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("onestop:counter")
    messages.success(request, f"Đã từ chối tiếp nhận hồ sơ {d.code}.")
    return redirect(_after(d))
