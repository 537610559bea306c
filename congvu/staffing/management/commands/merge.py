"""`congvu merge`: the merge wizard from the command line (same checks and moves as the pages).

    congvu merge preview --units 20668,20671 --name "Xã Ninh Phước" --code 20667 --type commune --class II \
        --date 2019-12-01 --resolution "NQ 814/NQ-UBTVQH14" \
        (--agency ID | --new-agency-name … --new-agency-notation UBND --new-agency-identifier 000.23.31.H49) \
        [--numbering restart|continue] --as TÊN_ĐĂNG_NHẬP
    congvu merge run …   (same options; does it)

Units are given by code; the one in force the day before the effective date is taken.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from congvu.core.dates import format_vn_date, parse_vn_date
from congvu.core.errors import DomainError
from congvu.staffing import reorg
from congvu.staffing.models import Numbering
from congvu.staffing.selectors import units_in_force


class Command(BaseCommand):
    help = "Sắp xếp đơn vị hành chính: xem trước (preview) hoặc thực hiện (run) việc hợp nhất đơn vị."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["preview", "run"])
        parser.add_argument("--units", required=True, help="Mã các đơn vị hợp nhất, cách nhau bởi dấu phẩy.")
        parser.add_argument("--name", required=True)
        parser.add_argument("--code", required=True)
        parser.add_argument("--type", default="commune", dest="unit_type")
        parser.add_argument("--class", default="", dest="unit_class")
        parser.add_argument("--date", required=True, help="Ngày có hiệu lực, yyyy-mm-dd hoặc dd/mm/yyyy.")
        parser.add_argument("--resolution", required=True)
        parser.add_argument("--agency", type=int, default=None, help="Id cơ quan kế thừa có sẵn.")
        parser.add_argument("--new-agency-name", default="")
        parser.add_argument("--new-agency-notation", default="UBND")
        parser.add_argument("--new-agency-identifier", default="")
        parser.add_argument("--numbering", default=Numbering.RESTART, choices=Numbering.values)
        parser.add_argument("--allow-other-provinces", action="store_true")
        parser.add_argument("--as", required=True, dest="username", help="Người thực hiện (tên đăng nhập).")

    def handle(self, *args, **o):
        user = get_user_model().objects.filter(username=o["username"]).first()
        if user is None:
            raise CommandError(f"Không có người dùng {o['username']}.")
        try:
            day = parse_vn_date(o["date"], field="date", required=True)
            before = day - dt.timedelta(days=1)
            ids = []
            for code in [c.strip() for c in o["units"].split(",") if c.strip()]:
                found = list(units_in_force(before).filter(code=code)) or list(units_in_force(day).filter(code=code))
                if len(found) != 1:
                    raise CommandError(f"Không có đơn vị mã {code} có hiệu lực ngày {format_vn_date(before)}.")
                ids.append(found[0].pk)
            plan = reorg.MergePlan(
                unit_ids=ids, name=o["name"], code=o["code"], unit_type=o["unit_type"], unit_class=o["unit_class"],
                effective_date=day, resolution=o["resolution"], successor_agency_id=o["agency"],
                new_agency_name=o["new_agency_name"] if o["agency"] is None else "",
                new_agency_notation=o["new_agency_notation"] if o["agency"] is None else "",
                new_agency_identifier=o["new_agency_identifier"] if o["agency"] is None else "",
                numbering=o["numbering"], allow_other_provinces=o["allow_other_provinces"])
            if o["action"] == "preview":
                self._show(reorg.merge_preview(actor=user, plan=plan))
            else:
                r = reorg.merge_execute(actor=user, plan=plan)
                s = r.summary
                self.stdout.write(f"Đã sắp xếp (đợt #{r.pk}): {r.successor_unit.name} ({r.successor_unit.code}) có "
                                  f"hiệu lực từ {format_vn_date(r.effective_date)}; cơ quan kế thừa "
                                  f"{r.successor_agency.name} (id {r.successor_agency_id}).")
                for key, n in s.get("moved", {}).items():
                    self.stdout.write(f"  {key}: {n}")
                self.stdout.write(f"Biên chế {s.get('quota')}, có mặt {s.get('in_post')}, dôi dư {s.get('surplus')}.")
        except DomainError as exc:
            detail = "\n".join(v for v in exc.fields.values() if v and v not in exc.message)
            raise CommandError(exc.message + (f"\n{detail}" if detail else "")) from exc

    def _show(self, p: reorg.MergePreview) -> None:
        self.stdout.write(f"Đơn vị mới: {p.plan.name} ({p.plan.code}), {p.area_km2 if p.area_km2 is not None else '?'}"
                          f" km², {p.population if p.population is not None else '?'} người, loại "
                          f"{p.unit_class or 'chưa phân loại'}; cơ quan kế thừa: {p.successor_name}.")
        for g in p.groups:
            self.stdout.write(f"  {g.label}: {g.count}")
            for s in g.samples:
                self.stdout.write(f"    - {s}")
        for old, new in p.aliases:
            self.stdout.write(f"  Mã định danh {old} → mã cũ của {new}")
        self.stdout.write(f"Biên chế {p.quota if p.quota is not None else 'chưa xác định'}, có mặt {p.in_post}, "
                          f"dôi dư {p.surplus if p.surplus is not None else '—'}. {p.quota_explanation}")
