"""Statistics and Decision 766 indicator pages (o5), with their XLSX exports."""

from django.urls import path

from congvu.onestop import views_stats as v

urlpatterns: list = [
    path("onestop/stats/", v.stats_page, name="stats"),
    path("onestop/stats/export/", v.stats_export, name="stats_export"),
    path("onestop/indicators/", v.indicators_page, name="indicators"),
    path("onestop/indicators/export/", v.indicators_export, name="indicators_export"),
]
