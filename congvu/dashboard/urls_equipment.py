"""Pages of the dashboard app: see congvu/dashboard/urls.py (same namespace)."""

from django.urls import path

from congvu.dashboard import views_equipment

urlpatterns: list = [
    path("dashboard/equipment/", views_equipment.equipment_list, name="equipment_list"),
    path("dashboard/equipment/new/", views_equipment.equipment_new, name="equipment_new"),
    path("dashboard/equipment/<int:pk>/", views_equipment.equipment_detail, name="equipment_detail"),
    path("dashboard/equipment/<int:pk>/edit/", views_equipment.equipment_edit, name="equipment_edit"),
    path("dashboard/equipment/<int:pk>/check/", views_equipment.equipment_check, name="equipment_check"),
]
