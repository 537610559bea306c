from django.core.management.base import BaseCommand, CommandError

from congvu.audit.services import journal_verify


class Command(BaseCommand):
    help = "Kiểm tra nhật ký: `congvu audit verify` tính lại chuỗi băm và báo dòng đầu tiên bị sửa."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, **options):
        result = journal_verify()
        if result.ok:
            self.stdout.write(f"Nhật ký toàn vẹn: đã kiểm tra {result.checked} dòng.")
            return
        row = result.first_bad
        where = f"dòng id={row.pk} (chuỗi {row.chain.key}, số thứ tự {row.seq})" if row else "cuối chuỗi"
        raise CommandError(f"Nhật ký bị can thiệp tại {where}: {result.reason}.")
