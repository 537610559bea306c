from django.core.management.base import BaseCommand

from congvu.documents.search import reindex_all


class Command(BaseCommand):
    help = "Chỉ mục tìm kiếm: `congvu search reindex` lập lại chỉ mục cho mọi văn bản."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["reindex"])
        parser.add_argument("--chunk-size", type=int, default=2000)

    def handle(self, *args, **options):
        def progress(last_id: int, written: int) -> None:
            if options["verbosity"] > 1:
                self.stdout.write(f"… đến văn bản id={last_id}, đã ghi {written} dòng")

        written = reindex_all(chunk_size=options["chunk_size"], progress=progress)
        self.stdout.write(f"Đã lập lại chỉ mục tìm kiếm: {written} văn bản được cập nhật.")
