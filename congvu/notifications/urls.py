from django.urls import path

from congvu.notifications import views

app_name = "notifications"
urlpatterns = [
    path("notifications/", views.inbox_page, name="inbox"),
    path("notifications/badge/", views.badge, name="badge"),
    path("notifications/read-all/", views.mark_all_read, name="read_all"),
    path("notifications/<int:notification_id>/", views.open_notification, name="open"),
    path("notifications/<int:notification_id>/read/", views.mark_read, name="read"),
]
