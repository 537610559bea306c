from django.urls import path

from congvu.signing import views

app_name = "signing"
urlpatterns = [
    path("signatures/documents/<int:pk>/", views.document_signatures, name="document"),
]
