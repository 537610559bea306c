"""`congvu roadmap`: surplus roadmaps, and (as `congvu roadmap budget …` or `congvu budget …`) the budget.

    congvu roadmap create --agency ID --start dd/mm/yyyy --title "…" [--years 5] [--no-freeze] [--basis …] --as USER
    congvu roadmap show ID            # the plan and its cases
    congvu roadmap projection ID      # year by year: start, leaving, hires, end, quota, surplus
    congvu budget cost --agency ID --year Y
    congvu budget operating-cost --agency ID --year Y --amount N [--note …] [--as USER]

Writes go through congvu.staffing.roadmap / budget (checked, journaled). `--as` names the account recorded as the
author (a roadmap needs one); reading commands run as the console.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from congvu.core.dates import format_vn_date, parse_vn_date
from congvu.core.errors import DomainError
from congvu.org.models import Agency
from congvu.staffing import budget
from congvu.staffing import roadmap as rm
from congvu.staffing.models import CaseKind, SurplusRoadmap


def vnd(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def add_budget_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="budget_action", required=True, metavar="{cost,operating-cost}")
    cost = sub.add_parser("cost", help="Lương, phụ cấp, chi hoạt động của một cơ quan trong một năm.")
    cost.add_argument("--agency", type=int, required=True)
    cost.add_argument("--year", type=int, required=True)
    op = sub.add_parser("operating-cost", help="Nhập chi hoạt động cả năm của một cơ quan.")
    op.add_argument("--agency", type=int, required=True)
    op.add_argument("--year", type=int, required=True)
    op.add_argument("--amount", type=int, required=True, help="Đồng.")
    op.add_argument("--note", default="")
    op.add_argument("--as", dest="actor", default="", help="Tên đăng nhập ghi vào nhật ký (mặc định: hệ thống).")


def _agency(pk: int) -> Agency:
    agency = Agency.objects.filter(pk=pk).first()
    if agency is None:
        raise CommandError(f"Không có cơ quan id {pk}.")
    return agency


def _user(username: str):
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"Không có tài khoản {username}.")
    return user


def run_budget(command: BaseCommand, options: dict) -> None:
    agency = _agency(options["agency"])
    if options["budget_action"] == "cost":
        cost = budget.agency_cost(agency=agency, year=options["year"])
        out = command.stdout.write
        out(f"{agency.name} — năm {cost.year} (đồng)")
        out("Tháng\tLương cơ sở\tSố người\tTiền lương\tPhụ cấp")
        for m in cost.months:
            out(f"{m.month:%m/%Y}\t{vnd(m.base_salary)}\t{m.people}\t{vnd(m.salaries)}\t{vnd(m.allowances)}")
        out(f"Tiền lương: {vnd(cost.salaries)}")
        out(f"Phụ cấp: {vnd(cost.allowances)}")
        out(f"Chi hoạt động: {vnd(cost.operating)}{'' if cost.operating_entered else ' (chưa nhập)'}")
        out(f"Tổng cộng: {vnd(cost.total)}")
    else:
        row = budget.operating_cost_set(actor=_user(options["actor"]), agency=agency, year=options["year"],
                                        amount_vnd=options["amount"], note=options["note"])
        command.stdout.write(f"Đã ghi chi hoạt động năm {row.year} của {agency.name}: {vnd(row.amount_vnd)} đồng.")


class Command(BaseCommand):
    help = "Lộ trình giải quyết dôi dư: lập, xem, dự kiến theo năm; kinh phí (budget cost|operating-cost)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{create,show,projection,budget}")
        create = sub.add_parser("create", help="Lập lộ trình (tự thêm người đến tuổi nghỉ hưu).")
        create.add_argument("--agency", type=int, required=True)
        create.add_argument("--start", required=True, help="Từ ngày dd/mm/yyyy.")
        create.add_argument("--title", required=True)
        create.add_argument("--years", type=int, default=5)
        create.add_argument("--no-freeze", action="store_true", help="Không dừng tuyển mới.")
        create.add_argument("--basis", default="")
        create.add_argument("--as", dest="actor", required=True, help="Tên đăng nhập người lập.")
        for name in ("show", "projection"):
            p = sub.add_parser(name, help="Xem lộ trình." if name == "show" else "Dự kiến theo năm.")
            p.add_argument("id", type=int)
        add_budget_arguments(sub.add_parser("budget", help="Kinh phí."))

    def handle(self, *args, **options):
        try:
            action = options["action"]
            if action == "budget":
                run_budget(self, options)
            elif action == "create":
                plan = rm.roadmap_create(actor=_user(options["actor"]), agency=_agency(options["agency"]),
                                         start_date=parse_vn_date(options["start"], field="start", required=True),
                                         title=options["title"], years=options["years"],
                                         hiring_freeze=not options["no_freeze"], basis=options["basis"])
                self.stdout.write(f"Đã lập lộ trình {plan.pk}: {plan.cases.count()} người đến tuổi nghỉ hưu "
                                  "trong thời gian lộ trình.")
            else:
                plan = SurplusRoadmap.objects.select_related("agency").filter(pk=options["id"]).first()
                if plan is None:
                    raise CommandError(f"Không có lộ trình {options['id']}.")
                if action == "show":
                    self._show(plan)
                else:
                    self._projection(plan)
        except DomainError as exc:
            detail = "\n".join(v for v in exc.fields.values() if v)
            raise CommandError(exc.message + (f"\n{detail}" if detail else "")) from exc

    def _show(self, plan: SurplusRoadmap) -> None:
        last = rm.roadmap_end(plan) - dt.timedelta(days=1)
        self.stdout.write(f"{plan.title} — {plan.agency.name}")
        self.stdout.write(f"{format_vn_date(plan.start_date)} – {format_vn_date(last)} ({plan.years} năm)"
                          f"{', dừng tuyển mới' if plan.hiring_freeze else ''}")
        for c in plan.cases.select_related("member", "transfer__to_agency").order_by("planned_date", "pk"):
            extra = (f" → {c.transfer.to_agency.name} ({c.transfer.get_status_display().lower()})"
                     if c.transfer else "")
            self.stdout.write(f"{format_vn_date(c.planned_date)}\t{c.get_kind_display()}\t{c.member.full_name}{extra}")

    def _projection(self, plan: SurplusRoadmap) -> None:
        projection = rm.roadmap_projection(plan)
        kinds = [label for _v, label in CaseKind.choices]
        self.stdout.write("\t".join(["Năm", "Đầu năm", *kinds, "Tuyển mới", "Cuối năm", "Biên chế", "Dôi dư"]))
        for y in projection:
            self.stdout.write("\t".join(str(x) for x in [
                y.label, y.headcount_start, *[n for _l, n in y.leaving_rows], y.hires, y.headcount_end,
                "—" if y.quota is None else y.quota, "—" if y.surplus is None else y.surplus]))
        reached = rm.reaches_quota(projection)
        self.stdout.write(f"Về đúng biên chế: {'năm ' + reached.label if reached else 'chưa'}")
