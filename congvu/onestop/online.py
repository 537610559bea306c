"""Online submission (dịch vụ công trực tuyến): which procedures are offered online today, and a thin layer
that turns the public form into receiving.dossier_submit_online (status 1, immediate code, the counter's
queue shows it). The uploads go through congvu.documents.files (type checked by content, size limit)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from congvu.core.errors import NotFound, ValidationFailed
from congvu.onestop import public
from congvu.onestop.catalogue import version_in_force, versions_in_force
from congvu.onestop.models import (
    ApplicantKind,
    Dossier,
    OnlineLevel,
    Procedure,
    ProcedureComponent,
    ProcedureLevel,
    ProcedureVersion,
)
from congvu.org.models import Agency, AgencyKind

ONLINE_LEVELS = (OnlineLevel.PARTIAL, OnlineLevel.FULL)
# When a procedure names no agency, every agency of its level's kind offers it.
KINDS_OF_LEVEL = {
    ProcedureLevel.COMMUNE: (AgencyKind.COMMUNE_PC, AgencyKind.WARD_PC, AgencyKind.SPECIAL_ZONE_PC),
    ProcedureLevel.DISTRICT: (AgencyKind.DISTRICT_PC,),
    ProcedureLevel.PROVINCE: (AgencyKind.PROVINCE_PC, AgencyKind.DEPARTMENT),
    ProcedureLevel.MINISTRY: (AgencyKind.MINISTRY,),
}


@dataclass(frozen=True)
class Offer:
    procedure: Procedure
    version: ProcedureVersion
    agencies: list[Agency]
    components: list[ProcedureComponent]

    @property
    def ref(self) -> str:
        return self.procedure.local_code


def _agencies(procedure: Procedure, on: dt.date) -> list[Agency]:
    agencies = list(procedure.agencies.all())
    if not agencies:
        agencies = list(Agency.objects.filter(kind__in=KINDS_OF_LEVEL.get(procedure.level, ())))
    return sorted((a for a in agencies if (a.active_to is None or a.active_to > on)), key=lambda a: a.name)


def online_offers(*, on: dt.date | None = None) -> list[Offer]:
    """Every active procedure whose version in force `on` is offered online (partial or full), by field."""
    on = on or timezone.localdate()
    latest: dict[int, ProcedureVersion] = {}
    for version in versions_in_force(on=on).order_by("procedure_id", "-valid_from"):
        latest.setdefault(version.procedure_id, version)
    offers = [Offer(v.procedure, v, [], []) for v in latest.values() if v.online_level in ONLINE_LEVELS]
    return sorted(offers, key=lambda o: (o.procedure.field, o.procedure.name))


def online_offer(ref: str, *, on: dt.date | None = None) -> Offer:
    """The procedure `ref` (local code, or pk) if it is offered online `on`; NotFound otherwise."""
    on = on or timezone.localdate()
    procedure = Procedure.objects.filter(local_code=ref, active=True).first()
    if procedure is None and ref.isdigit():
        procedure = Procedure.objects.filter(pk=int(ref), active=True).first()
    version = version_in_force(procedure=procedure, on=on) if procedure is not None else None
    if version is None or version.online_level not in ONLINE_LEVELS:
        raise NotFound("Thủ tục này không cung cấp dịch vụ công trực tuyến.")
    agencies = _agencies(procedure, on)
    if not agencies:
        raise NotFound("Thủ tục này chưa có cơ quan tiếp nhận trực tuyến.")
    return Offer(procedure, version, agencies, list(version.components.all()))


def component_field(component: ProcedureComponent) -> str:
    return f"component_{component.pk}"


def online_submit(*, client: str, offer: Offer, data, files) -> Dossier:
    """Submit the public form: rate limit (every try counts), the applicant's fields, one upload per
    component (required ones mandatory), then receiving.dossier_submit_online. ValidationFailed with the
    fields' messages; nothing is stored when anything is wrong."""
    from congvu.onestop import receiving

    public.attempts_check(client=client, limit=public.SUBMIT)
    public.attempt_record(client=client, limit=public.SUBMIT)
    errors: dict[str, str] = {}

    def text(name: str, label: str, *, required: bool = True, max_length: int = 200) -> str:
        value = (data.get(name) or "").strip()
        if required and not value:
            errors[name] = f"Vui lòng nhập {label}."
        elif len(value) > max_length:
            errors[name] = f"{label.capitalize()} tối đa {max_length} ký tự."
        return value

    try:
        kind = ApplicantKind(int(data.get("applicant_kind") or ApplicantKind.CITIZEN))
    except ValueError:
        errors["applicant_kind"] = "Đối tượng không hợp lệ."
        kind = ApplicantKind.CITIZEN
    name = text("applicant_name", "họ và tên (tên tổ chức)")
    id_number = text("applicant_id_number", "số định danh cá nhân (mã số doanh nghiệp, tổ chức)", max_length=20)
    phone = text("applicant_phone", "số điện thoại", max_length=20)
    email = text("applicant_email", "thư điện tử để nhận mã hồ sơ", max_length=254)
    address = text("applicant_address", "địa chỉ", max_length=300)
    summary = text("request_summary", "nội dung yêu cầu", required=False, max_length=1000)
    applicant = {"kind": kind, "name": name, "id_number": id_number, "phone": phone, "email": email,
                 "address": address}
    try:  # the receiving rules (12-digit ID, tax code, phone, e-mail) give their messages with ours
        receiving.applicant_check(applicant)
    except ValidationFailed as exc:
        for key, message in exc.fields.items():
            errors.setdefault(key, message)
    agency = None
    if len(offer.agencies) == 1:
        agency = offer.agencies[0]
    else:
        chosen = data.get("agency")
        agency = next((a for a in offer.agencies if str(a.pk) == str(chosen)), None)
        if agency is None:
            errors["agency"] = "Vui lòng chọn cơ quan tiếp nhận hồ sơ."
    components = []
    for component in offer.components:
        upload = files.get(component_field(component))
        if upload is None and component.required:
            errors[component_field(component)] = f"Vui lòng tải lên “{component.name}”."
        components.append({"component_id": component.pk, "provided": upload is not None, "file": upload})
    if errors:
        raise ValidationFailed("Hồ sơ chưa hợp lệ, vui lòng kiểm tra các trường được đánh dấu.", fields=errors)
    try:
        return receiving.dossier_submit_online(agency=agency, version=offer.version, applicant=applicant,
                                               components=components, request_summary=summary)
    except ValidationFailed as exc:
        # A file refused by its content or size: the service names the field "components".
        fields = dict(exc.fields)
        if "components" in fields:
            fields["components"] = exc.message
        raise ValidationFailed(exc.message, fields=fields) from None
