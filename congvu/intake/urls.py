from django.urls import path

from congvu.intake import views

app_name = "intake"
urlpatterns = [
    path("intake/uploads/", views.upload, name="upload"),
    path("intake/uploads/<int:pk>/", views.upload_status, name="upload_status"),
    path("intake/uploads/<int:pk>/read/", views.upload_read, name="upload_read"),
    path("intake/link/", views.link, name="link"),
    path("intake/accuracy/", views.accuracy, name="accuracy"),
]
