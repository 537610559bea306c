"""The demo deployment: UBND huyện Nông Sơn (Quảng Nam), its offices and six communes, with logins
for every role and about two years of synthetic correspondence.

Documents are written with bulk inserts (the demo must load in seconds), so this module keeps by hand
the invariants the registration services keep one row at a time: every register numbers its documents
1..N without gaps in arrival order and its `next_number` is N+1, `issuer_folded` is set, secret
documents sit in the secret register with an access list, the search index is written and the
seeding itself is journaled.
"""

import datetime as dt
import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from congvu.audit.services import journal_record
from congvu.core.folding import fold_for_index
from congvu.demo import corpus
from congvu.demo.dashboard import seed_dashboard_demo
from congvu.demo.onestop import seed_onestop_demo
from congvu.demo.rows import TableWriter
from congvu.demo.staffing import seed_staffing_demo, staffing_logins
from congvu.documents import files as file_store
from congvu.documents import search
from congvu.documents.models import (
    Attachment,
    Channel,
    Direction,
    Document,
    DocumentAccess,
    DocumentStatus,
    DocumentType,
    Recipient,
    Register,
    SearchEntry,
    Secrecy,
    StoredFile,
    Urgency,
)
from congvu.documents.numbering import build_notation, format_number
from congvu.documents.services import register_for
from congvu.org.models import Agency, AgencyKind, Department, Membership, Official, Position, Role

# QCVN 102 identifiers (V1V2V3.Z1Z2.Y1Y2.MX1X2): H47 is Quảng Nam; the district and department codes
# are plausible values in the right format, not official ones.
PROVINCE_ID = "000.00.00.H47"
HOME_AFFAIRS_ID = "000.00.04.H47"
DISTRICT_ID = "000.00.18.H47"
COMMUNE_IDS = {name: f"000.{i:02d}.18.H47" for i, name in enumerate(corpus.COMMUNES, start=1)}

DEMO_PASSWORD = "congvu-demo"

# The communes whose clerks register documents in the demo (besides the district). All six at 30–40
# documents a day for two years would be 165,000 documents and too slow a first start; these two show
# kiêm nhiệm (Quế Trung) and the merged commune (Ninh Phước). The other four are issuers and recipients.
REGISTERING_COMMUNES = ("Quế Trung", "Ninh Phước")

DISTRICT_DEPARTMENTS = (
    ("Văn phòng HĐND và UBND", "VP"),
    ("Phòng Nội vụ", "NV"),
    ("Phòng Tài chính - Kế hoạch", "TCKH"),
    ("Phòng Tài nguyên và Môi trường", "TNMT"),
    ("Phòng Văn hóa và Thông tin", "VHTT"),
    ("Phòng Y tế", "YT"),
    ("Phòng Kinh tế - Hạ tầng", "KTHT"),
    ("Phòng Nông nghiệp và Phát triển nông thôn", "NN"),
    ("Phòng Giáo dục và Đào tạo", "GDĐT"),
    ("Phòng Lao động - Thương binh và Xã hội", "LĐTBXH"),
    ("Phòng Tư pháp", "TP"),
    ("Thanh tra huyện", "TTr"),
)
COMMUNE_DEPARTMENTS = (
    ("Văn phòng - Thống kê", "VP"),
    ("Địa chính - Xây dựng - Nông nghiệp và Môi trường", "ĐC"),
    ("Văn hóa - Xã hội", "VHXH"),
    ("Tư pháp - Hộ tịch", "TP"),
)

EXTERNAL_RECIPIENTS = (
    "Sở Tài chính tỉnh Quảng Nam", "Sở Kế hoạch và Đầu tư tỉnh Quảng Nam", "Văn phòng UBND tỉnh Quảng Nam",
    "Thường trực Huyện ủy Nông Sơn", "Thường trực HĐND huyện Nông Sơn", "Ủy ban MTTQ Việt Nam huyện Nông Sơn",
    "Công an huyện Nông Sơn", "Ban Chỉ huy Quân sự huyện Nông Sơn", "Kho bạc Nhà nước Nông Sơn",
    "Trung tâm Y tế huyện Nông Sơn", "Các phòng, ban, ngành thuộc huyện",
)


@dataclass
class DemoLogin:
    username: str
    role: str  # what the person does, in Vietnamese
    where: str


@dataclass
class SeedResult:
    created: bool  # False when an existing demo was found and reused
    incoming: int = 0
    outgoing: int = 0
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    logins: list[DemoLogin] = field(default_factory=list)


def demo_exists() -> bool:
    return Agency.objects.filter(identifier=DISTRICT_ID).exists()


def demo_logins() -> list[DemoLogin]:
    """The logins of the demo, for printing (all share DEMO_PASSWORD)."""
    rows = [
        DemoLogin("vanthu", "Văn thư", "UBND huyện Nông Sơn"),
        DemoLogin("lanhdao", "Lãnh đạo (Phó Chủ tịch)", "UBND huyện Nông Sơn"),
        DemoLogin("chuyenvien", "Chuyên viên Phòng Nội vụ", "UBND huyện Nông Sơn"),
        DemoLogin("truongphong", "Trưởng phòng Nội vụ (lãnh đạo đơn vị)", "UBND huyện Nông Sơn"),
        DemoLogin("motcua", "Cán bộ một cửa", "UBND huyện Nông Sơn"),
        DemoLogin("quantri", "Quản trị cơ quan", "UBND huyện Nông Sơn"),
        DemoLogin("admin", "Quản trị hệ thống", "toàn hệ thống"),
        DemoLogin("kiemnhiem", "Kiêm nhiệm: chuyên viên huyện và Phó Chủ tịch xã",
                  "UBND huyện Nông Sơn, UBND xã Quế Trung"),
    ]
    rows += [DemoLogin(commune_clerk_username(c), "Văn thư", f"UBND xã {c}") for c in REGISTERING_COMMUNES]
    from congvu.demo.onestop import COUNTER_COMMUNES
    rows += [DemoLogin(u, "Cán bộ một cửa", f"UBND xã {c}") for c, u in COUNTER_COMMUNES.items()]
    rows += staffing_logins()
    return rows


def commune_clerk_username(commune: str) -> str:
    return "vanthu_" + fold_for_index(commune).replace(" ", "")


# --- organisation ------------------------------------------------------------------------------

@dataclass
class _Org:
    district: Agency
    communes: list[Agency]
    province: Agency
    home_affairs: Agency
    departments: dict[int, list[Department]]  # agency id → departments
    clerk: dict[int, object]  # agency id → the user who registers there
    readers: dict[int, list[Official]]  # agency id → officials named on its secret documents
    officer_dept: Department
    officer: Official
    admin: object


def _build_org(today: dt.date) -> _Org:
    User = get_user_model()
    password = make_password(DEMO_PASSWORD)  # hashed once: hashing per user would take seconds

    province = Agency.objects.create(name="UBND tỉnh Quảng Nam", short_name="UBND tỉnh", notation_code="UBND",
                                     kind=AgencyKind.PROVINCE_PC, identifier=PROVINCE_ID, place="Quảng Nam")
    home_affairs = Agency.objects.create(name="Sở Nội vụ tỉnh Quảng Nam", short_name="Sở Nội vụ",
                                         notation_code="SNV", kind=AgencyKind.DEPARTMENT, parent=province,
                                         identifier=HOME_AFFAIRS_ID, place="Quảng Nam")
    district = Agency.objects.create(name="UBND huyện Nông Sơn", short_name="UBND huyện", notation_code="UBND",
                                     kind=AgencyKind.DISTRICT_PC, parent=province, identifier=DISTRICT_ID,
                                     place="Nông Sơn", separate_numbering_types=["quyet_dinh"])
    communes = [
        Agency.objects.create(name=f"UBND xã {c}", short_name=f"UBND xã {c}", notation_code="UBND",
                              kind=AgencyKind.COMMUNE_PC, parent=district, identifier=COMMUNE_IDS[c], place=c)
        for c in corpus.COMMUNES
    ]
    departments = {
        district.pk: list(Department.objects.bulk_create(
            [Department(agency=district, name=n, code=c) for n, c in DISTRICT_DEPARTMENTS])),
    }
    for commune in communes:
        departments[commune.pk] = list(Department.objects.bulk_create(
            [Department(agency=commune, name=n, code=c) for n, c in COMMUNE_DEPARTMENTS]))

    positions = {}
    for name, leader in (("Chủ tịch", True), ("Phó Chủ tịch", True), ("Chánh Văn phòng", True),
                         ("Trưởng phòng", True), ("Chuyên viên", False), ("Văn thư", False),
                         ("Công chức một cửa", False), ("Công chức Văn phòng - Thống kê", False)):
        positions[name], _ = Position.objects.get_or_create(name=name, defaults={"is_leader": leader})

    def person(username, full_name, **kw):
        user = User.objects.create(username=username, password=password, **kw)
        return user, Official.objects.create(user=user, full_name=full_name,
                                             email=f"{username}@nongson.quangnam.gov.vn")

    def member(official, agency, role, position, department=None):
        Membership.objects.create(official=official, agency=agency, role=role, position=positions[position],
                                  department=department)

    dept = {d.code: d for d in departments[district.pk]}
    clerk_user, clerk = person("vanthu", "Nguyễn Thị Thu Hà")
    member(clerk, district, Role.CLERK, "Văn thư", dept["VP"])
    _, leader = person("lanhdao", "Trần Văn Minh")
    member(leader, district, Role.LEADER, "Phó Chủ tịch")
    _, officer = person("chuyenvien", "Lê Quang Huy")
    member(officer, district, Role.OFFICER, "Chuyên viên", dept["NV"])
    # A unit head: re-assigns inside Phòng Nội vụ and initials its drafts.
    _, head = person("truongphong", "Võ Thị Kim Oanh")
    member(head, district, Role.LEADER, "Trưởng phòng", dept["NV"])
    _, onestop = person("motcua", "Hồ Thị Mỹ Linh")
    member(onestop, district, Role.ONESTOP, "Công chức một cửa", dept["VP"])
    _, agency_admin = person("quantri", "Phan Văn Tài")
    member(agency_admin, district, Role.AGENCY_ADMIN, "Chánh Văn phòng", dept["VP"])
    admin, _ = person("admin", "Quản trị hệ thống", is_staff=True, is_superuser=True)
    # Kiêm nhiệm: a district officer who is also Vice-Chair of a commune.
    quetrung = communes[0]
    _, dual = person("kiemnhiem", "Alăng Thị Xuân")
    member(dual, district, Role.OFFICER, "Chuyên viên", dept["NV"])
    member(dual, quetrung, Role.LEADER, "Phó Chủ tịch")

    clerks = {district.pk: clerk_user}
    readers = {district.pk: [clerk, leader]}
    for commune, name in zip(communes, corpus.COMMUNES):
        if name not in REGISTERING_COMMUNES:
            continue
        user, official = person(commune_clerk_username(name), corpus.person_name(random.Random(name)))
        member(official, commune, Role.CLERK, "Công chức Văn phòng - Thống kê", departments[commune.pk][0])
        clerks[commune.pk] = user
        readers[commune.pk] = [official] + ([dual] if commune == quetrung else [])
    return _Org(district, communes, province, home_affairs, departments, clerks, readers, dept["NV"], officer,
                admin)


# --- documents ---------------------------------------------------------------------------------

def _arrival_times(rng: random.Random, day: dt.date, n: int, now: dt.datetime) -> list[dt.datetime]:
    """`n` sorted moments of office hours on `day` (today: up to now)."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time(7, 30), tz)
    end = dt.datetime.combine(day, dt.time(17, 0), tz)
    if end > now:
        end = now
        if start >= end:
            start = dt.datetime.combine(day, dt.time(0, 0), tz)
    span = max((end - start).total_seconds(), 1.0)
    return sorted(start + dt.timedelta(seconds=rng.uniform(0, span)) for _ in range(n))


def _urgency(rng: random.Random, type_code: str) -> str:
    if type_code == "cong_dien":
        return rng.choice((Urgency.VERY_URGENT, Urgency.FLASH))
    r = rng.random()
    if r < 0.01:
        return Urgency.FLASH
    if r < 0.04:
        return Urgency.VERY_URGENT
    if r < 0.12:
        return Urgency.URGENT
    return Urgency.NORMAL


def _secrecy(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.002:
        return Secrecy.SECRET
    if r < 0.01:
        return Secrecy.CONFIDENTIAL
    return Secrecy.NORMAL


@dataclass(slots=True)
class _TypeName:
    name: str


@dataclass(slots=True)
class _IndexView:
    """The fields the search index reads from a document, for rows that are not model instances."""

    number: str
    notation: str
    subject: str
    issuer: str
    signer: str
    signer_title: str
    notes: str
    doc_type: _TypeName
    agency_id: int

    number_notation = property(Document.number_notation.fget)


def index_body(values: dict, type_name: str, recipient_names: list[str], attachment_texts: list[str],
               fold=fold_for_index) -> str:
    """The search text of a generated row: exactly what `search.index_document` would store for it.

    `fold` may be a caching fold_for_index for the fields that repeat (issuers, signers, notations):
    folding is idempotent and word-wise, so folding them first leaves the indexed text unchanged.
    """
    view = _IndexView(values["number"], fold(values["notation"]), values["subject"], fold(values["issuer"]),
                      fold(values.get("signer", "")), fold(values.get("signer_title", "")), values.get("notes", ""),
                      _TypeName(fold(type_name)), values["agency_id"])
    return search._body(view, [fold(n) for n in recipient_names], attachment_texts)


class _Builder:
    """Writes documents in arrival order and hands out register numbers as the services would."""

    def __init__(self, org: _Org, rng: random.Random, today: dt.date, working: list[dt.date]):
        self.org, self.rng, self.today, self.working = org, rng, today, working
        self.types = {t.code: t for t in DocumentType.objects.filter(valid_to__isnull=True)}
        self.registers: dict[tuple, Register] = {}
        self.counters: dict[int, int] = defaultdict(int)
        self.issuer_numbers: dict[tuple[str, int], int] = defaultdict(int)
        self.folded: dict[str, str] = {}
        self.documents = TableWriter(Document)
        self.entries = TableWriter(SearchEntry)
        self.access = TableWriter(DocumentAccess)
        self.recipients = TableWriter(Recipient)
        self.attachments = TableWriter(Attachment)
        self.next_id = self.documents.next_id()
        self.next_access_id = self.access.next_id()
        self.next_recipient_id = self.recipients.next_id()
        self.next_attachment_id = self.attachments.next_id()
        self.incoming_count = self.outgoing_count = 0
        district_issuer = corpus.Issuer(org.district.name, "UBND", ("VP", "NV", "TCKH", "TNMT"),
                                        (("Trần Văn Minh", "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"),
                                         ("Nguyễn Văn An", "CHỦ TỊCH")), 40)
        known = {org.province.name: org.province, org.home_affairs.name: org.home_affairs}
        ext = [(i, known.get(i.name)) for i in corpus.EXTERNAL_ISSUERS]
        self.issuers_for: dict[int, list[tuple[corpus.Issuer, Agency | None]]] = {
            org.district.pk: ext + [(corpus.commune_issuer(c.name), c) for c in org.communes],
        }
        for c in org.communes:
            self.issuers_for[c.pk] = ext + [(district_issuer, org.district)]
        self.weights = {pk: [i.weight for i, _ in choices] for pk, choices in self.issuers_for.items()}
        self.others = {a.pk: [c for c in [org.district, *org.communes] if c != a]
                       for a in [org.district, *org.communes]}
        self.next_working = {d: n for d, n in zip(working, working[1:])}

    def fold(self, text: str) -> str:
        """fold_for_index, remembered: issuers, signers and notations repeat thousands of times."""
        folded = self.folded.get(text)
        if folded is None:
            folded = self.folded[text] = fold_for_index(text)
        return folded

    def register(self, agency: Agency, year: int, direction: str, type_code: str, secrecy: str) -> Register:
        secret = secrecy != Secrecy.NORMAL
        per_type = direction == Direction.OUTGOING and not secret and type_code in agency.separate_numbering_types
        key = (agency.pk, year, direction, type_code if per_type else "", secret)
        if key not in self.registers:
            # The services' own rule chooses (and creates) the register.
            self.registers[key] = register_for(agency=agency, year=year, direction=direction,
                                               doc_type=self.types[type_code], secrecy=secrecy)
        return self.registers[key]

    def _number(self, register: Register) -> int:
        self.counters[register.pk] += 1
        return self.counters[register.pk]

    def incoming(self, agency: Agency, at: dt.datetime) -> None:
        rng = self.rng
        day = timezone.localtime(at).date()
        type_code = corpus.pick_type(rng, corpus.INCOMING_TYPES)
        doc_type = self.types[type_code]
        issuer, issuer_agency = rng.choices(self.issuers_for[agency.pk], weights=self.weights[agency.pk])[0]
        issued = day - dt.timedelta(days=rng.choice((0, 0, 1, 1, 1, 2, 2, 3, 4, 6)))
        if issued.year != day.year:
            issued = day
        key = (issuer.name, issued.year)
        self.issuer_numbers[key] += rng.randint(1, 3)
        signer, title = rng.choice(issuer.signers)
        secrecy = _secrecy(rng)
        register = self.register(agency, day.year, Direction.INCOMING, type_code, secrecy)
        dept = rng.choice(self.org.departments[agency.pk])
        if agency == self.org.district and rng.random() < 0.15:
            dept = self.org.officer_dept
        due = None
        if type_code == "giay_moi":
            due = day + dt.timedelta(days=rng.randint(1, 7))
        elif rng.random() < 0.3:
            due = day + dt.timedelta(days=rng.randint(3, 20))
        values = dict(
            agency_id=agency.pk, direction=Direction.INCOMING, register_id=register.pk,
            register_number=self._number(register), registered_at=at, number=str(self.issuer_numbers[key]),
            notation=build_notation(type_abbreviation=doc_type.abbreviation, agency_code=issuer.code,
                                    department_code=rng.choice(issuer.units)),
            doc_type_id=doc_type.pk, issuer=issuer.name, issuer_agency_id=issuer_agency.pk if issuer_agency else None,
            issued_date=issued, subject=corpus.subject(rng, type_code, issued), signer=signer, signer_title=title,
            urgency=_urgency(rng, type_code), secrecy=secrecy, pages=rng.randint(1, 12), due_date=due,
            channel=rng.choices((Channel.ELECTRONIC, Channel.PAPER, Channel.EMAIL, Channel.FAX),
                                weights=(70, 20, 7, 3))[0],
            receiving_department_id=dept.pk,
            receiving_official_id=(self.org.officer.pk if dept == self.org.officer_dept and rng.random() < 0.5
                                   else None),
            status=DocumentStatus.REGISTERED, created_by_id=self.org.clerk[agency.pk].pk,
            issuer_folded=self.fold(issuer.name)[:200],
        )
        self.incoming_count += 1
        self._write(values, doc_type, [])

    def outgoing(self, agency: Agency, at: dt.datetime) -> None:
        rng = self.rng
        day = timezone.localtime(at).date()
        type_code = corpus.pick_type(rng, corpus.OUTGOING_TYPES)
        doc_type = self.types[type_code]
        secrecy = _secrecy(rng) if rng.random() < 0.5 else Secrecy.NORMAL
        register = self.register(agency, day.year, Direction.OUTGOING, type_code, secrecy)
        n = self._number(register)
        dept = rng.choice(self.org.departments[agency.pk])
        # Dispatched the same or the next working day (Decree 30 Art. 16), unless that is still ahead.
        dispatched = day if rng.random() < 0.7 else self.next_working.get(day, day)
        if dispatched > self.today:
            dispatched = None
        targets: list[tuple[Agency | None, str]] = [(a, a.name) for a in
                                                    rng.sample(self.others[agency.pk], rng.randint(0, 3))]
        if agency != self.org.district and rng.random() < 0.3:
            targets.append((self.org.province, self.org.province.name))
        targets += [(None, name) for name in rng.sample(EXTERNAL_RECIPIENTS, rng.randint(0 if targets else 1, 2))]
        signer, title = ("Nguyễn Văn An", "CHỦ TỊCH") if rng.random() < 0.3 else \
            ("Trần Văn Minh", "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH")
        values = dict(
            agency_id=agency.pk, direction=Direction.OUTGOING, register_id=register.pk, register_number=n,
            registered_at=at, number=format_number(n),
            notation=build_notation(type_abbreviation=doc_type.abbreviation, agency_code=agency.notation_code,
                                    department_code=dept.code),
            doc_type_id=doc_type.pk, issuer=agency.name, issuer_agency_id=agency.pk, issued_date=day,
            subject=corpus.subject(rng, type_code, day), signer=signer, signer_title=title,
            urgency=_urgency(rng, type_code), secrecy=secrecy, pages=rng.randint(1, 8), channel=Channel.PAPER,
            drafting_department_id=dept.pk, dispatched_on=dispatched, copies=len(targets) + 1,
            status=DocumentStatus.DISPATCHED if dispatched else DocumentStatus.ISSUED,
            created_by_id=self.org.clerk[agency.pk].pk, issuer_folded=self.fold(agency.name)[:200],
        )
        self.outgoing_count += 1
        self._write(values, doc_type, targets)

    def _write(self, values: dict, doc_type: DocumentType, targets: list[tuple[Agency | None, str]]) -> None:
        doc_id = values["id"] = self.next_id
        self.next_id += 1
        self.documents.add(values)
        for position, (agency, name) in enumerate(targets):
            self.recipients.add(dict(id=self.next_recipient_id, document_id=doc_id,
                                     agency_id=agency.pk if agency else None, name=name, position=position))
            self.next_recipient_id += 1
        if values["secrecy"] != Secrecy.NORMAL:
            for official in self.org.readers[values["agency_id"]]:
                self.access.add(dict(id=self.next_access_id, document_id=doc_id, official_id=official.pk))
                self.next_access_id += 1
        texts = []
        if self.rng.random() < 0.015:
            lines = [values["issuer"], f"So: {values['number']}/{values['notation']}",
                     f"Ngay {values['issued_date']:%d/%m/%Y}", values["subject"][:90]]
            stored = _store_pdf(corpus.small_pdf(lines), "\n".join(lines))
            slug = fold_for_index(doc_type.name).replace(" ", "-")
            self.attachments.add(dict(id=self.next_attachment_id, document_id=doc_id, file_id=stored.pk,
                                      original_name=f"{slug}-{values['number']}.pdf", position=0))
            self.next_attachment_id += 1
            texts.append(stored.text)
        self.entries.add(dict(document_id=doc_id,
                              body=index_body(values, doc_type.name, [name for _, name in targets], texts,
                                              fold=self.fold)))

    def finish(self) -> None:
        # Documents first: the other rows refer to them.
        for writer in (self.documents, self.recipients, self.access, self.attachments, self.entries):
            writer.finish()
        for register in self.registers.values():
            Register.objects.filter(pk=register.pk).update(next_number=self.counters[register.pk] + 1)


def _store_pdf(content: bytes, text: str) -> StoredFile:
    """Store a generated PDF the way the file store does: once, under its SHA-256."""
    digest = hashlib.sha256(content).hexdigest()
    existing = StoredFile.objects.filter(sha256=digest).first()
    if existing is not None:
        return existing
    target = file_store.storage_path(digest)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    rel = str(target.relative_to(Path(settings.MEDIA_ROOT)))
    return StoredFile.objects.create(sha256=digest, size=len(content), content_type=file_store.PDF, path=rel,
                                     text=text)


def _seed_work(org: _Org, now: dt.datetime) -> None:
    """What happened to the documents: processing history, tasks, schedule, drafts, case files."""
    from congvu.demo.processing import seed_processing_demo
    from congvu.demo.work import seed_work_demo
    from congvu.records.demo import seed_records_demo

    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(
        username__in=["vanthu", "lanhdao", "chuyenvien", "kiemnhiem"]).select_related("official")}
    seed_processing_demo(agency=org.district, clerk=users["vanthu"].official, leader=users["lanhdao"].official,
                         now=now)
    seed_work_demo(district=org.district, now=now)
    seed_records_demo(agency=org.district, leader=users["lanhdao"], clerk=users["vanthu"],
                      officers=[users["chuyenvien"], users["kiemnhiem"]], today=timezone.localtime(now).date())


DEMO_SIGNERS = {"lanhdao": "Trần Văn Minh", "vanthu": "Nguyễn Thị Thu Hà"}


def demo_keys(directory: Path | None = None):
    """The demo's signing keys (idempotent): a demo CA, the district agency's key (agency.p12) and personal
    keys of lanhdao and vanthu, in `directory` (default: the configured PKI folder, <data dir>/pki), so
    approving and issuing sign in the demo. Verification trusts that CA while CONGVU_TRUST_ROOTS is unset
    (congvu.signing.config). Returns the DemoPKI."""
    from congvu.signing.config import pki_dir
    from congvu.signing.pki import demo_ca

    return demo_ca(directory or pki_dir(), agency="UBND huyện Nông Sơn", people=dict(DEMO_SIGNERS))


@transaction.atomic
def seed_demo(*, days: int | None = None, years: int = 2, seed: int = 2025, now: dt.datetime | None = None
              ) -> SeedResult:
    """Load the demo deployment once; when it exists already, change nothing and return created=False.

    `days` limits the history to that many working days up to today (tests); by default it covers `years`
    years. Today always gets documents, even on a weekend, so the home page has figures.
    """
    if demo_exists():
        return SeedResult(created=False, logins=demo_logins())
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    rng = random.Random(seed)
    org = _build_org(today)

    start = today - dt.timedelta(days=round(365.25 * years))
    working = corpus.working_days(start, today + dt.timedelta(days=15))
    history = [d for d in working if d < today]
    if days is not None:
        history = history[len(history) - (days - 1):] if days > 1 else []
    calendar = history + [today]

    builder = _Builder(org, rng, today, working)
    registering = [org.district, *(c for c in org.communes if c.place in REGISTERING_COMMUNES)]
    for day in calendar:
        arrivals: list[tuple[dt.datetime, int, Agency, str]] = []
        for agency in registering:
            arrivals += [(at, agency.pk, agency, "in") for at in _arrival_times(rng, day, rng.randint(30, 40), now)]
            arrivals += [(at, agency.pk, agency, "out") for at in _arrival_times(rng, day, rng.randint(10, 15), now)]
        # Rows go in in arrival order, so ids (the lists' keyset) follow time as they would live.
        arrivals.sort(key=lambda row: (row[0], row[1]))
        for at, _, agency, direction in arrivals:
            if direction == "in":
                builder.incoming(agency, at)
            else:
                builder.outgoing(agency, at)
    builder.finish()
    _seed_work(org, now)
    seed_onestop_demo(district=org.district, communes=org.communes, province=org.province,
                      home_affairs=org.home_affairs, now=now, days=days)
    seed_staffing_demo(org=org, now=now)
    seed_dashboard_demo(org=org, now=now)  # equipment points, then the roll-ups over everything above
    with connection.cursor() as cursor:  # statistics for the planner, now that the tables are full
        cursor.execute("ANALYZE")

    result = SeedResult(created=True, incoming=builder.incoming_count, outgoing=builder.outgoing_count,
                        first_day=calendar[0], last_day=today, logins=demo_logins())
    journal_record(actor=org.admin, agency_id=org.district.pk, action="demo.seed", object_type="demo",
                   object_id=DISTRICT_ID,
                   after={"incoming": result.incoming, "outgoing": result.outgoing, "from": calendar[0],
                          "to": today, "agencies": len(registering), "seed": seed})
    return result
