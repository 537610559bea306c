from django.urls import path

from congvu.documents import views

app_name = "documents"
urlpatterns = [
    path("", views.home, name="home"),
]
