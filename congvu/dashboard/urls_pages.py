"""Pages of the dashboard app: see congvu/dashboard/urls.py (same namespace)."""

from django.urls import path

from congvu.dashboard import views

urlpatterns: list = [
    path("dashboard/", views.home, name="home"),
    path("dashboard/wall/", views.wall, name="wall"),
    path("dashboard/indicators/<slug:key>/", views.indicator, name="indicator"),
    path("dashboard/items/<slug:key>/", views.items_page, name="items"),
]
