"""Pages of the staffing app: see congvu/staffing/urls.py (same namespace). The merge wizard."""

from django.urls import path

from congvu.staffing import views_reorg

urlpatterns: list = [
    path("staffing/merge/", views_reorg.merge_new, name="merge_new"),
    path("staffing/merge/preview/", views_reorg.merge_preview, name="merge_preview"),
    path("staffing/merge/<int:pk>/", views_reorg.merge_done, name="merge_done"),
    path("staffing/reorganisations/", views_reorg.reorganisation_list, name="reorganisation_list"),
]
