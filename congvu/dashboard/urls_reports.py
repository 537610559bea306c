"""Pages of the dashboard app: see congvu/dashboard/urls.py (same namespace)."""

from django.urls import path

from congvu.dashboard import views_reports

urlpatterns: list = [
    path("dashboard/reports/", views_reports.report, name="report"),
]
