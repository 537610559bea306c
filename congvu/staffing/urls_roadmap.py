"""Pages of the staffing app: see congvu/staffing/urls.py (same namespace). Transfers, surplus roadmaps, budget."""

from django.urls import path

from congvu.staffing import views_roadmap as v

urlpatterns: list = [
    path("staffing/roadmaps/", v.roadmap_list, name="roadmap_list"),
    path("staffing/roadmaps/new/", v.roadmap_new, name="roadmap_new"),
    path("staffing/roadmaps/<int:pk>/", v.roadmap_detail, name="roadmap_detail"),
    path("staffing/roadmaps/<int:pk>/cases/", v.roadmap_case_add, name="roadmap_case_add"),
    path("staffing/roadmaps/<int:pk>/cases/<int:case_pk>/remove/", v.roadmap_case_remove,
         name="roadmap_case_remove"),
    path("staffing/roadmaps/<int:pk>/suggestions/", v.roadmap_suggestions, name="roadmap_suggestions"),
    path("staffing/transfers/", v.transfer_list, name="transfer_list"),
    path("staffing/transfers/new/", v.transfer_new, name="transfer_new"),
    path("staffing/transfers/<int:pk>/<str:action>/", v.transfer_action, name="transfer_action"),
    path("staffing/budget/", v.budget_page, name="budget"),
    path("staffing/budget/operating/", v.budget_operating, name="budget_operating"),
    path("staffing/reorganisations/<int:pk>/saving/", v.merger_saving, name="merger_saving"),
]
