from django.urls import path

from congvu.workdays import views

app_name = "workdays"
urlpatterns = [
    path("manage/calendar/", views.calendar_page, name="calendar"),
    path("manage/calendar/days/<int:pk>/edit/", views.day_edit, name="day_edit"),
    path("manage/calendar/days/<int:pk>/delete/", views.day_delete, name="day_delete"),
    path("manage/calendar/days/<int:pk>/restore/", views.day_restore, name="day_restore"),
    path("manage/calendar/office-hours/", views.office_hours_set, name="office_hours_set"),
    path("manage/calendar/office-hours/<int:pk>/delete/", views.office_hours_delete, name="office_hours_delete"),
]
