from django.urls import path

from congvu.schedule import views

app_name = "schedule"
urlpatterns = [
    path("schedule/", views.week_view, name="week"),
    path("schedule/print/", views.week_print, name="print"),
    path("schedule/publish-week/", views.week_publish, name="publish_week"),
    path("schedule/new/", views.entry_new, name="new"),
    path("schedule/<int:pk>/", views.entry_detail, name="detail"),
    path("schedule/<int:pk>/edit/", views.entry_edit, name="edit"),
    path("schedule/<int:pk>/publish/", views.entry_publish, name="publish"),
    path("schedule/<int:pk>/cancel/", views.entry_cancel, name="cancel"),
]
