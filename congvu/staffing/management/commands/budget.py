"""`congvu budget`: an agency's yearly cost and its operating costs (same as `congvu roadmap budget …`).

    congvu budget cost --agency ID --year Y
    congvu budget operating-cost --agency ID --year Y --amount N [--note …] [--as USER]
"""

from django.core.management.base import BaseCommand, CommandError

from congvu.core.errors import DomainError
from congvu.staffing.management.commands.roadmap import add_budget_arguments, run_budget


class Command(BaseCommand):
    help = "Kinh phí: lương, phụ cấp, chi hoạt động của một cơ quan trong một năm; nhập chi hoạt động."

    def add_arguments(self, parser):
        add_budget_arguments(parser)

    def handle(self, *args, **options):
        try:
            run_budget(self, options)
        except DomainError as exc:
            detail = "\n".join(v for v in exc.fields.values() if v)
            raise CommandError(exc.message + (f"\n{detail}" if detail else "")) from exc
