from django.urls import path

from congvu.staffing import urls_reorg, urls_roadmap, urls_roster, views

app_name = "staffing"
urlpatterns = [
    path("staffing/units/", views.unit_list, name="unit_list"),
    path("staffing/units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("staffing/units/<int:pk>/classify/", views.unit_classify, name="unit_classify"),
    path("staffing/units/<int:pk>/quota/", views.unit_quota_decision, name="unit_quota_decision"),
    path("staffing/norms/", views.norm_list, name="norm_list"),
    *urls_roster.urlpatterns,  # roster and staffing report
    *urls_reorg.urlpatterns,  # merge wizard
    *urls_roadmap.urlpatterns,  # transfers, surplus roadmap, budget
]
