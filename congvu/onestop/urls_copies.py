"""Electronic certified copies: the staff register and the public check by code (no login)."""

from django.urls import path

from congvu.onestop import views_copies as views

urlpatterns: list = [
    path("mot-cua/chung-thuc/", views.copy_list, name="copies"),
    path("mot-cua/chung-thuc/moi/", views.copy_new, name="copy_new"),
    path("mot-cua/chung-thuc/so/<int:year>/", views.copy_register, name="copy_register"),
    path("mot-cua/chung-thuc/<int:pk>/", views.copy_detail, name="copy"),
    path("mot-cua/chung-thuc/<int:pk>/tai-ve/", views.copy_download, name="copy_download"),
    path("kiem-tra-ban-sao/", views.public_copy_form, name="public_copy_form"),
    path("kiem-tra-ban-sao/<str:code>/", views.public_copy, name="public_copy"),
    path("kiem-tra-ban-sao/<str:code>/tai-ve/", views.public_copy_download, name="public_copy_download"),
]
