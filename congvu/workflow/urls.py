from django.urls import path

from congvu.workflow import views

app_name = "workflow"
urlpatterns = [
    path("my-work/", views.my_work, name="my_work"),
    path("processing/overdue/", views.overdue, name="overdue"),
    path("processing/to-present/", views.to_present, name="to_present"),
    path("processing/awaiting-direction/", views.awaiting_direction, name="awaiting_direction"),
    path("processing/policy/", views.policy, name="policy"),
    path("processing/documents/<int:pk>/panel/", views.panel, name="panel"),
    path("processing/documents/<int:pk>/present/", views.present, name="present"),
    path("processing/documents/<int:pk>/presentations/<int:presentation_pk>/withdraw/", views.withdraw,
         name="withdraw"),
    path("processing/documents/<int:pk>/direct/", views.direct, name="direct"),
    path("processing/documents/<int:pk>/slip/", views.slip, name="slip"),
    path("processing/assignments/<int:pk>/<slug:action>/", views.assignment_action, name="assignment_action"),
    path("processing/extensions/<int:pk>/decide/", views.extension_decide, name="extension_decide"),
    path("processing/files/<int:pk>/", views.progress_file, name="progress_file"),
]
