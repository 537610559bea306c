from django.urls import path

from congvu.workflow import task_views

app_name = "tasks"
urlpatterns = [
    path("tasks/", task_views.task_list, name="list"),
    path("tasks/new/", task_views.task_new, name="new"),
    path("tasks/reports/monthly/", task_views.report_monthly, name="report_monthly"),
    path("tasks/<int:pk>/", task_views.task_detail, name="detail"),
    path("tasks/<int:pk>/edit/", task_views.task_edit, name="edit"),
    path("tasks/<int:pk>/complete/", task_views.task_complete, name="complete"),
    path("tasks/<int:pk>/cancel/", task_views.task_cancel, name="cancel"),
    path("tasks/<int:pk>/files/<int:attachment_pk>/", task_views.task_file, name="file"),
]
