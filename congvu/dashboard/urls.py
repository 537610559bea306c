from congvu.dashboard import urls_equipment, urls_pages, urls_reports

app_name = "dashboard"
urlpatterns = [
    *urls_pages.urlpatterns,  # the dashboard, wall mode, the items behind a figure
    *urls_equipment.urlpatterns,  # equipment points
    *urls_reports.urlpatterns,  # period reports (PDF, XLSX)
]
