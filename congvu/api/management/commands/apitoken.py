from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from congvu.api.models import ApiToken
from congvu.api.services import api_token_create, api_token_revoke
from congvu.core.errors import DomainError


class Command(BaseCommand):
    help = "Quản lý khóa API: `congvu apitoken create TÊN_ĐĂNG_NHẬP [--name TÊN]`, `list`, `revoke SỐ`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Tạo khóa API; khóa chỉ được in ra một lần.")
        create.add_argument("username")
        create.add_argument("--name", default="", help="tên gợi nhớ của khóa, ví dụ “đồng bộ một cửa”")
        listing = sub.add_parser("list", help="Liệt kê khóa API (không in khóa).")
        listing.add_argument("username", nargs="?")
        revoke = sub.add_parser("revoke", help="Thu hồi một khóa API theo số.")
        revoke.add_argument("token_id", type=int)

    def handle(self, *args, **options):
        action = options["action"]
        if action == "create":
            User = get_user_model()
            user = User.objects.filter(**{User.USERNAME_FIELD: options["username"]}).first()
            if user is None:
                raise CommandError(f"Không có người dùng “{options['username']}”.")
            token, raw = api_token_create(actor=None, user=user, name=options["name"])
            self.stdout.write(raw)
            self.stderr.write(f"Đã tạo khóa API số {token.pk} cho {user.get_username()}. "
                              "Hãy lưu khóa ngay: khóa sẽ không hiển thị lại.")
        elif action == "list":
            rows = ApiToken.objects.select_related("user").order_by("pk")
            if options["username"]:
                rows = rows.filter(user__username=options["username"])
            for t in rows:
                used = f"{t.last_used:%d/%m/%Y %H:%M}" if t.last_used else "chưa dùng"
                state = "đã thu hồi" if t.revoked else "đang dùng"
                self.stdout.write(f"{t.pk}\t{t.user.get_username()}\t{t.name}\t{state}\t{used}")
        elif action == "revoke":
            try:
                token = api_token_revoke(actor=None, token_id=options["token_id"])
            except DomainError as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write(f"Đã thu hồi khóa API số {token.pk}.")
