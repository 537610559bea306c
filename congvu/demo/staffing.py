"""The demo's staffing world (issue 7): the seed story of Nông Sơn district as data, through the services.

- Administrative units: today's 34 provinces and 3,321 communes from the vietnam-provinces package
  (`units_load`) and, beside them, the historical ones from data/staffing/units.csv (`units_import`): Quảng Nam
  (49, to 30/06/2025, succeeded by Đà Nẵng), Nông Sơn district (519) and its seven communes before 2020. The
  governing agencies are the demo's own (`unit_agency_link`).
- The merger of Quế Phước and Quế Ninh into Ninh Phước on MERGER_DATE, carried out by the merge wizard's
  service (`reorg.merge_execute`). Its rule is that the successor is one of the predecessors' agencies (or a new
  one): the demo's "UBND xã Ninh Phước" continues UBND xã Quế Phước (its numbering continues), and UBND xã
  Quế Ninh is a historical agency of its own whose activity ends the day before the merger.
- Rosters (`roster.staff_member_create` for the people of the story, `roster.roster_import` for the others):
  the 33 cadres and civil servants of the two communes (data/staffing/ninh_phuoc.json), so that Ninh Phước,
  class II, has 33 in post against a quota of 21 (NĐ 34/2019) on MERGER_DATE: a surplus of 12; the other
  communes and the district offices with generated names; part-time workers; retirements carried out on the
  day the person reaches the age (`roster.member_leave`).
- The surplus roadmap (`roadmap.roadmap_create`, 5 years, hiring freeze): the retirements it computes, two
  early retirements, one person leaving, five transfers to communes with vacancies (`roadmap_case_add`,
  `transfer_approve`, `transfer_complete`), all carried out, so Ninh Phước ends the plan at 20, the quota of a
  class II commune under NĐ 33/2023 from 01/08/2023.
- Operating costs per commune and year (`budget.operating_cost_set`): the saving of the merger in 2020
  (`budget.merger_saving`) is what the budget code computes from these figures and the roster.
- The login `noivu`: a civil servant of the Sở Nội vụ who is the agency admin of UBND tỉnh Quảng Nam (province
  code 49), which is what makes someone a province's staffing manager (staffing.services._admin_provinces).

Names, birth dates, pay, classes, the figures of Phước Ninh and Quế Lâm and the split between Quế Phước and
Quế Ninh are illustrative; see the basis of each unit. Everything is written through the services, so every
write is validated and journaled.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from congvu.audit.services import journal_record
from congvu.org.models import Agency, AgencyKind, Membership, Official, Position, Role
from congvu.staffing import services
from congvu.staffing.models import (
    AdministrativeUnit,
    CaseKind,
    LeaveReason,
    Numbering,
    Reorganisation,
    StaffCategory,
    StaffMember,
    SurplusRoadmap,
    UnitSource,
    UnitSuccession,
    UnitType,
)

D = dt.date
DATA_DIR = Path(__file__).parent / "data" / "staffing"

MERGER_DATE = D(2020, 2, 1)
# Báo Quảng Nam reports the merger under "Nghị quyết số 786" of the UBTVQH, while NQ 863/NQ-UBTVQH14 of
# 10/01/2020 is a Quảng Nam commune resolution too; neither text was checked for Nông Sơn, so the citation and
# the date are marked illustrative.
MERGER_RESOLUTION = "NQ 864/NQ-UBTVQH14 ngày 10/01/2020 (số hiệu và ngày hiệu lực minh họa)"
TWO_TIER_DAY = D(2025, 7, 1)
UNITS_START = D(2008, 4, 8)
QUE_NINH_ID = "000.07.18.H47"
NINH_PHUOC_CODE = "20674"  # a merged commune keeps the code of one predecessor (illustrative choice)
NOIVU = "noivu"
NOIVU_NAME = "Trương Thị Minh Nguyệt"
REGION_ALLOWANCE = "0.20"  # phụ cấp khu vực of a mountain commune (illustrative)

# Cadres and civil servants in post in the other communes (quota under NĐ 34/2019: I 23, II 21, III 19): the
# communes receiving transfers have vacancies.
COMMUNE_HEADCOUNT = {"Quế Trung": 20, "Quế Lộc": 21, "Sơn Viên": 18, "Phước Ninh": 19, "Quế Lâm": 20}
PART_TIME_HEADCOUNT = {"Quế Trung": 13, "Quế Lộc": 12, "Sơn Viên": 9, "Phước Ninh": 11, "Quế Lâm": 12,
                       "Quế Phước": 6, "Quế Ninh": 6}
DISTRICT_QUOTA = 62
# Operating costs (chi hoạt động ngoài lương, VND a year) by commune for 2019 and 2020; Ninh Phước's grow 4 % a
# year to the end of its plan.
# Ninh Phước is the continued agency of Quế Phước: its 2019 row is Quế Phước's. Quế Ninh's 2020 row is the
# estimate approved before the merger; the merger saves it from February (budget.merger_saving).
OPERATING = {"Quế Trung": (1_640_000_000, 1_700_000_000), "Quế Lộc": (1_320_000_000, 1_370_000_000),
             "Sơn Viên": (1_060_000_000, 1_100_000_000), "Phước Ninh": (1_210_000_000, 1_260_000_000),
             "Quế Lâm": (1_280_000_000, 1_330_000_000), "Ninh Phước": (910_000_000, 940_000_000),
             "Quế Ninh": (870_000_000, 900_000_000)}
OPERATING_GROWTH = 0.04

CADRE_POSTS = (
    ("Bí thư Đảng ủy", "0.30"), ("Phó Bí thư Đảng ủy", "0.25"), ("Chủ tịch HĐND xã", "0.25"),
    ("Phó Chủ tịch HĐND xã", "0.20"), ("Chủ tịch UBND xã", "0.25"), ("Phó Chủ tịch UBND xã", "0.20"),
    ("Chủ tịch Ủy ban MTTQ Việt Nam xã", "0.20"), ("Bí thư Đoàn TNCS Hồ Chí Minh", "0.15"),
    ("Chủ tịch Hội Liên hiệp Phụ nữ xã", "0.15"), ("Chủ tịch Hội Nông dân xã", "0.15"),
    ("Chủ tịch Hội Cựu chiến binh xã", "0.15"),
)
CIVIL_POSTS = (
    ("Chỉ huy trưởng Ban Chỉ huy Quân sự xã", "0.20"), ("Công chức Văn phòng - Thống kê", "0"),
    ("Công chức Địa chính - Nông nghiệp - Xây dựng và Môi trường", "0"), ("Công chức Tài chính - Kế toán", "0"),
    ("Công chức Tư pháp - Hộ tịch", "0"), ("Công chức Văn hóa - Xã hội", "0"),
    ("Công chức Văn phòng - Thống kê", "0"), ("Công chức Địa chính - Nông nghiệp - Xây dựng và Môi trường", "0"),
    ("Công chức Văn hóa - Xã hội", "0"), ("Công chức Tài chính - Kế toán", "0"), ("Công chức Tư pháp - Hộ tịch", "0"),
)
PART_TIME_POSTS = (
    "Phó Chỉ huy trưởng Ban Chỉ huy Quân sự xã", "Phó Chủ tịch Ủy ban MTTQ Việt Nam xã", "Phó Bí thư Đoàn xã",
    "Phó Chủ tịch Hội Liên hiệp Phụ nữ xã", "Phó Chủ tịch Hội Nông dân xã", "Phó Chủ tịch Hội Cựu chiến binh xã",
    "Văn phòng Đảng ủy", "Thủ quỹ - Văn thư - Lưu trữ", "Chủ tịch Hội Người cao tuổi xã",
    "Chủ tịch Hội Chữ thập đỏ xã", "Phụ trách Đài truyền thanh xã", "Nhân viên thú y xã",
    "Quản lý Nhà văn hóa xã", "Phụ trách công tác Dân số xã",
)
DISTRICT_POSTS = (
    ("Chủ tịch UBND huyện", "0.70"), ("Phó Chủ tịch UBND huyện", "0.60"),
    ("Chánh Văn phòng HĐND và UBND huyện", "0.40"), ("Phó Chánh Văn phòng HĐND và UBND huyện", "0.30"),
)
DISTRICT_OFFICES = (
    "Phòng Nội vụ", "Phòng Tài chính - Kế hoạch", "Phòng Tài nguyên và Môi trường", "Phòng Văn hóa và Thông tin",
    "Phòng Y tế", "Phòng Kinh tế - Hạ tầng", "Phòng Nông nghiệp và Phát triển nông thôn",
    "Phòng Giáo dục và Đào tạo", "Phòng Lao động - Thương binh và Xã hội", "Phòng Tư pháp", "Thanh tra huyện",
)
# The demo's district logins are on the roster under their own names (org.Official ↔ StaffMember).
DISTRICT_PEOPLE = (
    ("lanhdao", "Phó Chủ tịch UBND huyện", "4.40", "0.60", D(1971, 8, 14), "male"),
    ("quantri", "Chánh Văn phòng HĐND và UBND huyện", "4.06", "0.40", D(1975, 2, 3), "male"),
    ("truongphong", "Trưởng Phòng Nội vụ", "3.99", "0.30", D(1978, 11, 21), "female"),
    ("chuyenvien", "Chuyên viên Phòng Nội vụ", "3.00", "0", D(1987, 6, 9), "male"),
    ("vanthu", "Văn thư Văn phòng HĐND và UBND huyện", "2.67", "0", D(1985, 9, 27), "female"),
    ("motcua", "Công chức Bộ phận Một cửa", "2.67", "0", D(1989, 4, 16), "female"),
)
DISTRICT_GENERATED = 52  # + DISTRICT_PEOPLE = 58 in post against the province's allocation of DISTRICT_QUOTA

SURNAMES = ("Nguyễn", "Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Phan", "Trương", "Đoàn", "Hồ", "Đinh",
            "Lương", "Ngô", "Bùi", "Đặng", "Châu", "Mai", "Tô", "Lê", "Trần")
MALE_MIDDLE = ("Văn", "Văn", "Hữu", "Đức", "Quang", "Minh", "Công", "Thanh", "Ngọc", "Tấn")
FEMALE_MIDDLE = ("Thị", "Thị", "Thị Thu", "Thị Kim", "Thị Mỹ", "Thị Thanh", "Thị Ngọc", "Thị Bích")
MALE_GIVEN = ("Hùng", "Dũng", "Tuấn", "Sơn", "Hải", "Phúc", "Lộc", "Thành", "Trung", "Khánh", "Tâm", "Vinh",
              "Hòa", "Tài", "Quý", "Nhân", "Bảo", "Cường", "Định", "Hiếu", "Long", "Thắng", "Toàn", "Nam")
FEMALE_GIVEN = ("Hoa", "Lan", "Hương", "Hạnh", "Trang", "Thủy", "Nga", "Hằng", "Vân", "Loan", "Liên",
                "Nhung", "Phượng", "Diễm", "Thảo", "Trinh", "Hà", "Mai", "Yến", "Sương")


@dataclass
class StaffingDemo:
    reorganisation: Reorganisation
    roadmap: SurplusRoadmap
    ninh_phuoc: Agency
    que_ninh: Agency
    units_loaded: int
    units_imported: int
    members: int
    leaves: int
    transfers: int
    notes: list[str] = field(default_factory=list)


def staffing_logins():
    from congvu.demo.seed import DemoLogin

    return [DemoLogin(NOIVU, "Chuyên viên Sở Nội vụ, quản trị biên chế của tỉnh (UBND tỉnh)",
                      "Sở Nội vụ tỉnh Quảng Nam; biên chế, sắp xếp đơn vị hành chính, lộ trình dôi dư")]


# --- people --------------------------------------------------------------------------------------------

def _name(rng: random.Random, sex: str) -> str:
    if sex == "male":
        return f"{rng.choice(SURNAMES)} {rng.choice(MALE_MIDDLE)} {rng.choice(MALE_GIVEN)}"
    return f"{rng.choice(SURNAMES)} {rng.choice(FEMALE_MIDDLE)} {rng.choice(FEMALE_GIVEN)}"


_RULES: list = []


def _retirement(sex: str, born: D) -> D | None:
    from congvu.staffing.roster import retirement_date, retirement_rules

    if not _RULES:
        _RULES.extend(retirement_rules())  # read once per seeding (cleared by seed_staffing_demo)
    return retirement_date(sex=sex, birth_date=born, rules=_RULES)


def _birth(rng: random.Random, sex: str, *, oldest: int = 1961, youngest: int = 1995) -> D:
    """A birth date whose retirement (if any before 2026) falls after the merger: nobody in the 2019 rosters
    is already past the age."""
    while True:
        born = D(rng.randint(oldest, youngest), rng.randint(1, 12), rng.randint(1, 28))
        retires = _retirement(sex, born)
        if retires is None or retires >= D(2020, 3, 1):
            return born


def _start(rng: random.Random, born: D) -> D:
    first = max(born.year + 22, 1992)
    return D(min(rng.randint(first, first + 12), 2018), rng.randint(1, 12), 1)


def _pay_grade(rng: random.Random, start: D, *, leader: bool) -> tuple[str, str]:
    """Rank and coefficient on 01/2019: chuyên viên (A1: 2.34 + 0.33 a step every three years, here at most
    4.40) or, for some young civil servants, cán sự (A0/B: 1.86 + 0.20 a step every two years)."""
    steps = max(0, (2019 - start.year) // 3)
    if not leader and start.year >= 2012 and rng.random() < 0.3:
        return "Cán sự", f"{1.86 + 0.20 * ((2019 - start.year) // 2):.2f}"
    return "Chuyên viên", f"{min(2.34 + 0.33 * steps + (0.33 if leader else 0), 4.40):.2f}"


def _csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["full_name", "sex", "birth_date", "category", "position", "rank",
                                             "salary_coefficient", "position_allowance", "other_allowance",
                                             "monthly_allowance_vnd", "start_date", "basis"])
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _row(*, name, sex, born: D, category, position, rank, coef, pos, other, start: D, basis) -> dict:
    return {"full_name": name, "sex": "Nam" if sex == "male" else "Nữ", "birth_date": f"{born:%d/%m/%Y}",
            "category": category, "position": position, "rank": rank, "salary_coefficient": coef,
            "position_allowance": pos, "other_allowance": other, "monthly_allowance_vnd": "0",
            "start_date": f"{start:%d/%m/%Y}", "basis": basis}


def _commune_rows(commune: str) -> list[dict]:
    rng = random.Random(f"congvu-staffing-{commune}")
    rows = []
    posts = (CADRE_POSTS + CIVIL_POSTS)[:COMMUNE_HEADCOUNT.get(commune, 0)]
    for position, pos in posts:
        sex = "female" if ("Phụ nữ" in position or rng.random() < 0.3) else "male"
        leader = pos != "0"
        if "Đoàn" in position:  # the youth union's secretary is young
            born = _birth(rng, sex, oldest=1986)
        else:
            born = _birth(rng, sex, youngest=1978 if leader else 1995)
        start = _start(rng, born)
        rank, coef = _pay_grade(rng, start, leader=leader)
        rows.append(_row(name=_name(rng, sex), sex=sex, born=born, category=StaffCategory.CADRE_CIVIL,
                         position=position, rank=rank, coef=coef, pos=pos, other=REGION_ALLOWANCE, start=start,
                         basis="Hồ sơ cán bộ, công chức (minh họa)"))
    rows += _part_time_rows(commune, rng)
    return rows


def _part_time_rows(commune: str, rng: random.Random) -> list[dict]:
    rows = []
    for position in PART_TIME_POSTS[:PART_TIME_HEADCOUNT.get(commune, 0)]:
        sex = "female" if rng.random() < 0.4 else "male"
        born = _birth(rng, sex, oldest=1970, youngest=1996)  # nobody reaches the age before 07/2025
        rows.append(_row(name=_name(rng, sex), sex=sex, born=born, category=StaffCategory.PART_TIME,
                         position=position, rank="", coef="1.00", pos="0", other="0",
                         start=_start(rng, born), basis="Hợp đồng người hoạt động không chuyên trách (minh họa)"))
    return rows


def _district_rows() -> list[dict]:
    rng = random.Random("congvu-staffing-district")
    posts: list[tuple[str, str]] = [DISTRICT_POSTS[0], DISTRICT_POSTS[1], DISTRICT_POSTS[3]]
    for office in DISTRICT_OFFICES:
        head = "Chánh Thanh tra huyện" if office == "Thanh tra huyện" else f"Trưởng {office}"
        deputy = "Phó Chánh Thanh tra huyện" if office == "Thanh tra huyện" else f"Phó Trưởng {office}"
        if office != "Phòng Nội vụ":  # its head is the demo login truongphong
            posts.append((head, "0.30"))
        posts.append((deputy, "0.20"))
    while len(posts) < DISTRICT_GENERATED:
        office = DISTRICT_OFFICES[len(posts) % len(DISTRICT_OFFICES)]
        posts.append((f"Chuyên viên {office}" if office != "Thanh tra huyện" else "Thanh tra viên", "0"))
    rows = []
    for position, pos in posts[:DISTRICT_GENERATED]:
        sex = "female" if rng.random() < 0.4 else "male"
        leader = pos != "0"
        born = _birth(rng, sex, youngest=1978 if leader else 1995)
        start = _start(rng, born)
        rank, coef = _pay_grade(rng, start, leader=leader)
        name = _name(rng, sex)
        if position == DISTRICT_POSTS[0][0]:  # the chair who signs the demo's documents
            name, sex, born = "Nguyễn Văn An", "male", D(1968, 5, 19)
        rows.append(_row(name=name, sex=sex, born=born, category=StaffCategory.CADRE_CIVIL, position=position,
                         rank=rank, coef=coef, pos=pos, other=REGION_ALLOWANCE, start=start,
                         basis="Hồ sơ công chức (minh họa)"))
    return rows


def _story_people() -> list[dict]:
    return json.loads((DATA_DIR / "ninh_phuoc.json").read_text(encoding="utf-8"))["people"]


# --- the seeding ---------------------------------------------------------------------------------------

def _noivu(org) -> object:
    """The Sở Nội vụ's staffing official: a civil servant of the Sở and the agency admin of UBND tỉnh Quảng Nam,
    whose province code (49) makes them the province's staffing manager."""
    Agency.objects.filter(pk=org.province.pk).update(province_code="49")
    org.province.province_code = "49"
    User = get_user_model()
    from congvu.demo.seed import DEMO_PASSWORD

    user = User.objects.create(username=NOIVU, password=make_password(DEMO_PASSWORD))
    official = Official.objects.create(user=user, full_name=NOIVU_NAME, email=f"{NOIVU}@quangnam.gov.vn")
    officer, _ = Position.objects.get_or_create(name="Chuyên viên", defaults={"is_leader": False})
    Membership.objects.create(official=official, agency=org.home_affairs, role=Role.OFFICER, position=officer)
    Membership.objects.create(official=official, agency=org.province, role=Role.AGENCY_ADMIN, position=officer)
    return user


def seed_staffing_demo(*, org, now: dt.datetime) -> StaffingDemo:
    """Load the staffing world into the demo built by `seed_demo` (`org` is its organisation). Runs inside
    seed_demo's transaction; `now` is the demo's clock (the story itself is dated 2008–2025)."""
    from congvu.staffing import budget, reorg, roadmap, roster, transfers

    _RULES.clear()
    admin = org.admin
    noivu = _noivu(org)
    communes = {a.place: a for a in org.communes}
    ninh_phuoc = communes["Ninh Phước"]

    # 1. Units: today's from the package, the historical ones from the data file, and who governed them.
    loaded = services.units_load(actor=admin)
    imported = services.units_import(actor=admin, text=(DATA_DIR / "units.csv").read_text(encoding="utf-8"))
    units = {u.name: u for u in AdministrativeUnit.objects.filter(source=UnitSource.IMPORT)}
    que_ninh = Agency.objects.create(
        name="UBND xã Quế Ninh", short_name="UBND xã Quế Ninh", notation_code="UBND", kind=AgencyKind.COMMUNE_PC,
        parent=org.district, identifier=QUE_NINH_ID, place="Quế Ninh", province_code="49", active_from=UNITS_START)
    old_end = TWO_TIER_DAY - dt.timedelta(days=1)
    services.unit_agency_link(actor=admin, unit=units["Tỉnh Quảng Nam"], agency=org.province, valid_to=old_end)
    services.unit_agency_link(actor=admin, unit=units["Huyện Nông Sơn"], agency=org.district,
                              valid_from=UNITS_START, valid_to=old_end)
    for name in COMMUNE_HEADCOUNT:
        services.unit_agency_link(actor=admin, unit=units[f"Xã {name}"], agency=communes[name],
                                  valid_from=UNITS_START, valid_to=old_end)
    # UBND xã Ninh Phước continues UBND xã Quế Phước (see the module docstring); the merger ends both links.
    services.unit_agency_link(actor=admin, unit=units["Xã Quế Phước"], agency=ninh_phuoc, valid_from=UNITS_START)
    services.unit_agency_link(actor=admin, unit=units["Xã Quế Ninh"], agency=que_ninh, valid_from=UNITS_START)

    # 2. Rosters before the merger, entered by the system (records that predate the deployment).
    members = 0
    story: dict[str, StaffMember] = {}
    for p in _story_people():
        agency = ninh_phuoc if p["from"] == "Quế Phước" else que_ninh
        story[p["name"]] = roster.staff_member_create(
            actor=None, agency=agency, full_name=p["name"], sex=p["sex"], birth_date=D.fromisoformat(p["birth"]),
            category=StaffCategory.CADRE_CIVIL, position=p["position"], rank=p["rank"], salary_coefficient=p["coef"],
            position_allowance=p["pos"], other_allowance=REGION_ALLOWANCE, start_date=D.fromisoformat(p["start"]),
            basis=f"Hồ sơ cán bộ, công chức xã {p['from']} (minh họa)")
        members += 1
    for commune, agency in (("Quế Phước", ninh_phuoc), ("Quế Ninh", que_ninh)):
        for row in _part_time_rows(commune, random.Random(f"congvu-staffing-{commune}")):
            roster.staff_member_create(
                actor=None, agency=agency, full_name=row["full_name"],
                sex="male" if row["sex"] == "Nam" else "female",
                birth_date=dt.datetime.strptime(row["birth_date"], "%d/%m/%Y").date(), category=row["category"],
                position=row["position"], salary_coefficient=row["salary_coefficient"],
                start_date=dt.datetime.strptime(row["start_date"], "%d/%m/%Y").date(), basis=row["basis"])
            members += 1
    for commune in COMMUNE_HEADCOUNT:
        text = _csv(_commune_rows(commune))
        members += roster.roster_import(actor=None, agency=communes[commune], text=text).created
    users = {u.username: u for u in get_user_model().objects.filter(
        username__in=[p[0] for p in DISTRICT_PEOPLE]).select_related("official")}
    for username, position, coef, pos, born, sex in DISTRICT_PEOPLE:
        official = users[username].official
        roster.staff_member_create(
            actor=None, agency=org.district, full_name=official.full_name, sex=sex, birth_date=born,
            category=StaffCategory.CADRE_CIVIL, position=position, rank="Chuyên viên", salary_coefficient=coef,
            position_allowance=pos, other_allowance=REGION_ALLOWANCE, start_date=D(max(born.year + 23, 2005), 9, 1),
            basis="Hồ sơ công chức (minh họa)", official=official)
        members += 1
    members += roster.roster_import(actor=None, agency=org.district, text=_csv(_district_rows())).created
    services.quota_decision_create(
        actor=noivu, agency=org.district, category=StaffCategory.CADRE_CIVIL, quota=DISTRICT_QUOTA,
        valid_from=D(2019, 1, 1), valid_to=old_end, decision_number="3921/QĐ-UBND", decision_date=D(2018, 12, 20),
        basis="Giao biên chế công chức trong các cơ quan hành chính cấp huyện (số quyết định minh họa)")

    # 3. Retirements outside the story, carried out on the day each person reaches the age (before 07/2025).
    today = timezone.localtime(now).date()
    leaves = 0
    others = [communes[name] for name in COMMUNE_HEADCOUNT] + [org.district]
    for posting in roster.in_post([a.pk for a in others], D(2020, 1, 1)).select_related("member"):
        member = posting.member
        retires = _retirement(member.sex, member.birth_date)
        if retires is not None and retires < min(today, TWO_TIER_DAY):
            roster.member_leave(actor=None, member=member, on=retires, reason=LeaveReason.RETIREMENT,
                                basis="Nghỉ hưu đúng tuổi (Bộ luật Lao động 2019, NĐ 135/2020/NĐ-CP)")
            leaves += 1

    # 4. The merger, through the merge wizard's service.
    plan = reorg.MergePlan(
        unit_ids=[units["Xã Quế Phước"].pk, units["Xã Quế Ninh"].pk], name="Xã Ninh Phước", code=NINH_PHUOC_CODE,
        unit_type=UnitType.COMMUNE, unit_class="II", effective_date=MERGER_DATE, resolution=MERGER_RESOLUTION,
        successor_agency_id=ninh_phuoc.pk, numbering=Numbering.CONTINUE)
    reorganisation = reorg.merge_execute(actor=noivu, plan=plan)
    que_ninh.refresh_from_db()
    # The merged commune's leaders (quyết định kiện toàn): one Party secretary and one chair of the UBND.
    for p in _story_people():
        if p.get("after"):
            roster.posting_change(actor=noivu, member=story[p["name"]], on=D(2020, 2, 17),
                                  basis="Quyết định kiện toàn chức danh sau sắp xếp (minh họa)", **p["after"])
    # The province classifies the new commune (class II) under the rules of the period (class only, no score).
    services.classification_decide(
        actor=noivu, unit=reorganisation.successor_unit, decision_number="512/QĐ-UBND",
        decision_date=D(2020, 3, 2), effective_from=MERGER_DATE, unit_class="II",
        basis="Phân loại đơn vị hành chính xã Ninh Phước sau sắp xếp (số quyết định minh họa)")
    # Ninh Phước itself became part of today's Xã Quế Phước (Đà Nẵng) on 01/07/2025, like its neighbours.
    _end_with_two_tier(admin, reorganisation.successor_unit)

    # 5. The surplus roadmap: the retirements it computes, then the other cases, all carried out in date order.
    plan_ = roadmap.roadmap_create(
        actor=noivu, agency=ninh_phuoc, start_date=MERGER_DATE, years=5, hiring_freeze=True,
        title="Lộ trình giải quyết cán bộ, công chức dôi dư sau sắp xếp xã Ninh Phước (2020–2025)",
        basis="NQ 653/2019/UBTVQH14 (đúng định mức trong 5 năm); kế hoạch của UBND huyện Nông Sơn (minh họa)")
    events: list[tuple[D, str, object]] = []
    for case in plan_.cases.select_related("member"):
        events.append((case.planned_date, "leave", (case.member, LeaveReason.RETIREMENT, case.note)))
    for p in _story_people():
        member, fate = story[p["name"]], p["fate"]
        if fate in ("early_retirement", "streamlining"):
            on = D.fromisoformat(p["on"])
            kind = CaseKind.EARLY_RETIREMENT if fate == "early_retirement" else CaseKind.STREAMLINING
            note = ("Nghỉ hưu trước tuổi theo chính sách tinh giản biên chế (NĐ 108/2014/NĐ-CP)"
                    if fate == "early_retirement" else "Thôi việc theo nguyện vọng, hưởng chính sách tinh giản")
            roadmap.roadmap_case_add(actor=noivu, roadmap=plan_, member=member, kind=kind, planned_date=on, note=note)
            reason = LeaveReason.EARLY_RETIREMENT if fate == "early_retirement" else LeaveReason.STREAMLINING
            events.append((on, "leave", (member, reason, note)))
        elif fate == "transfer":
            on = D.fromisoformat(p["on"])
            case = roadmap.roadmap_case_add(
                actor=noivu, roadmap=plan_, member=member, kind=CaseKind.TRANSFER, planned_date=on,
                to_agency=communes[p["to"]], note=f"Điều động về UBND xã {p['to']} (còn thiếu biên chế)")
            events.append((on, "transfer", case.transfer))
    moved = 0
    for number, (on, what, payload) in enumerate(sorted(events, key=lambda e: (e[0], e[1])), start=1):
        if what == "leave":
            member, reason, note = payload
            roster.member_leave(actor=noivu, member=member, on=on, reason=reason, basis=note)
            leaves += 1
        else:
            transfer = transfers.transfer_approve(actor=noivu, transfer=payload,
                                                  decision_number=f"{100 + number}/QĐ-UBND")
            transfers.transfer_complete(actor=noivu, transfer=transfer)
            moved += 1

    # 6. Operating costs per commune and year (the budget's saving is computed from them and the roster).
    for name, (first, second) in OPERATING.items():
        agency = que_ninh if name == "Quế Ninh" else communes[name]
        amounts = {2019: first, 2020: second}
        if name == "Ninh Phước":  # the plan's years, for the budget pages
            amounts |= {year: int(round(second * (1 + OPERATING_GROWTH) ** (year - 2020), -6))
                        for year in range(2021, 2025)}
        for year, amount in amounts.items():
            budget.operating_cost_set(actor=noivu, agency=agency, year=year, amount_vnd=amount,
                                      note="Dự toán chi hoạt động ngoài lương (minh họa)")

    journal_record(actor=admin, agency_id=None, action="demo.staffing_seed", object_type="demo",
                   object_id="staffing",
                   after={"province_code": {org.province.name: "49"}, "units_loaded": loaded.created,
                          "units_imported": imported.created, "members": members, "leaves": leaves,
                          "transfers": moved, "reorganisation": reorganisation.pk, "roadmap": plan_.pk})
    return StaffingDemo(reorganisation=reorganisation, roadmap=plan_, ninh_phuoc=ninh_phuoc, que_ninh=que_ninh,
                        units_loaded=loaded.created, units_imported=imported.created, members=members,
                        leaves=leaves, transfers=moved)


def _end_with_two_tier(actor, unit: AdministrativeUnit) -> None:
    """The merged unit ends on 30/06/2025 and is succeeded by today's commune with the code its neighbours
    Phước Ninh and Quế Lâm pass on (illustrative mapping), as the imported units are."""
    successor = AdministrativeUnit.objects.filter(code="20669", valid_from=TWO_TIER_DAY,
                                                  source=UnitSource.PACKAGE).first()
    end = TWO_TIER_DAY - dt.timedelta(days=1)
    AdministrativeUnit.objects.filter(pk=unit.pk).update(valid_to=end)
    link = None
    if successor is not None:
        link = UnitSuccession.objects.create(
            predecessor=unit, successor=successor, effective_date=TWO_TIER_DAY,
            resolution="NQ của UBTVQH ngày 16/06/2025 về sắp xếp đơn vị hành chính cấp xã của thành phố Đà Nẵng "
                       "(ánh xạ minh họa theo mã kế thừa)")
    journal_record(actor=actor, agency_id=None, action="demo.staffing_unit_end", obj=unit,
                   after={"valid_to": end, "successor": successor.code if successor else None,
                          "succession": link.pk if link else None})
