"""Pages of the staffing app: see congvu/staffing/urls.py (same namespace). Roster and staffing report."""

from django.urls import path

from congvu.staffing import views_roster

urlpatterns: list = [
    path("staffing/roster/", views_roster.roster_list, name="roster"),
    path("staffing/roster/import/", views_roster.roster_import, name="roster_import"),
    path("staffing/roster/new/", views_roster.member_new, name="member_new"),
    path("staffing/roster/<int:pk>/", views_roster.member_detail, name="member_detail"),
    path("staffing/roster/<int:pk>/change/", views_roster.member_change, name="member_change"),
    path("staffing/roster/<int:pk>/leave/", views_roster.member_leave, name="member_leave"),
    path("staffing/report/", views_roster.report_page, name="report"),
    path("staffing/report/print/", views_roster.report_print, name="report_print"),
    path("staffing/report/xlsx/", views_roster.report_xlsx, name="report_xlsx"),
]
