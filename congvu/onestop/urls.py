from django.urls import path  # noqa: F401 - pages are added by the modules that own them

app_name = "onestop"

urlpatterns: list = []
