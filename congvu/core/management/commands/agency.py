"""`congvu agency create | department | official`: set up an agency of this deployment from a shell, through the
organisation services (the same rules and journal as the admin pages), acting as a system administrator."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from congvu.core.errors import DomainError
from congvu.org.models import Agency, AgencyKind, Department, Role
from congvu.org.services import agency_create, department_create, official_create


class Command(BaseCommand):
    help = ("Khai báo cơ quan từ dòng lệnh (thay cho trang quản trị): `congvu agency create TÊN --identifier MÃ "
            "--code UBND --as QUẢN_TRỊ`, `congvu agency department MÃ_CQ TÊN --code VP --as ...`, `congvu agency "
            "official MÃ_CQ TÊN_ĐĂNG_NHẬP --role clerk --full-name ... --password ... [--department VP] --as ...`.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Tạo cơ quan.")
        create.add_argument("name")
        create.add_argument("--identifier", default="", help="Mã định danh QCVN 102 (ví dụ 000.00.00.H40).")
        create.add_argument("--code", required=True, help="Chữ viết tắt trong ký hiệu (ví dụ UBND).")
        create.add_argument("--kind", default=AgencyKind.OTHER, choices=AgencyKind.values)
        create.add_argument("--place", default="")
        dept = sub.add_parser("department", help="Thêm phòng, ban.")
        dept.add_argument("agency", help="Mã định danh của cơ quan.")
        dept.add_argument("name")
        dept.add_argument("--code", required=True)
        official = sub.add_parser("official", help="Thêm cán bộ (tài khoản đăng nhập và vị trí công tác).")
        official.add_argument("agency", help="Mã định danh của cơ quan.")
        official.add_argument("username")
        official.add_argument("--role", required=True, choices=Role.values)
        official.add_argument("--full-name", required=True)
        official.add_argument("--password", required=True)
        official.add_argument("--department", default="", help="Chữ viết tắt của phòng, ban.")
        official.add_argument("--position", default="", help="Chức vụ (ví dụ Chủ tịch).")
        for p in (create, dept, official):
            p.add_argument("--as", dest="actor", required=True, help="Tên đăng nhập của quản trị hệ thống.")

    def handle(self, *args, action, actor, **options):
        User = get_user_model()
        user = User.objects.filter(username=actor, is_superuser=True, is_active=True).first()
        if user is None:
            raise CommandError(f"“{actor}” không phải quản trị hệ thống (tạo bằng `congvu createsuperuser`).")
        try:
            getattr(self, f"_{action}")(user, **options)
        except DomainError as exc:
            fields = " ".join(v for v in (getattr(exc, "fields", None) or {}).values())
            raise CommandError(exc.message + (f" ({fields})" if fields else "")) from None

    def _agency(self, identifier: str) -> Agency:
        agency = Agency.objects.filter(identifier=identifier).first() if identifier else None
        if agency is None:
            raise CommandError(f"Không có cơ quan mã định danh “{identifier}”.")
        return agency

    def _create(self, user, *, name, identifier, code, kind, place, **_):
        agency = agency_create(actor=user, name=name, notation_code=code, kind=kind, short_name=name,
                               identifier=identifier, place=place)
        self.stdout.write(f"Đã tạo cơ quan {agency.name} (số {agency.pk}, mã {agency.identifier or '—'}).")

    def _department(self, user, *, agency, name, code, **_):
        dept = department_create(actor=user, agency=self._agency(agency), name=name, code=code)
        self.stdout.write(f"Đã thêm {dept.name} ({dept.code}).")

    def _official(self, user, *, agency, username, role, full_name, password, department, position, **_):
        target = self._agency(agency)
        dept = None
        if department:
            dept = Department.objects.filter(agency=target, code=department.upper()).first()
            if dept is None:
                raise CommandError(f"Cơ quan không có phòng, ban “{department}”.")
        official = official_create(actor=user, agency=target, username=username, password=password,
                                   full_name=full_name, role=role, department_id=dept.pk if dept else None,
                                   position_name=position)
        self.stdout.write(f"Đã thêm {official.full_name} ({username}, {Role(role).label}, cán bộ số {official.pk}).")
