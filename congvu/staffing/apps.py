from django.apps import AppConfig


class StaffingConfig(AppConfig):
    name = "congvu.staffing"
    verbose_name = "Đơn vị hành chính và biên chế"
