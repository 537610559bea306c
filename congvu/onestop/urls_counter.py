"""The counter (o1): queue, receive form, actions on online and incomplete dossiers; the catalogue pages."""

from django.urls import path

from congvu.onestop import views_catalogue, views_counter

urlpatterns: list = [
    path("mot-cua/quay/", views_counter.counter, name="counter"),
    path("mot-cua/quay/tiep-nhan/", views_counter.receive, name="receive"),
    path("mot-cua/quay/<int:pk>/tiep-nhan/", views_counter.accept_online, name="accept_online"),
    path("mot-cua/quay/<int:pk>/yeu-cau-bo-sung/", views_counter.request_supplement, name="request_supplement"),
    path("mot-cua/quay/<int:pk>/bo-sung/", views_counter.supplement_complete, name="supplement_complete"),
    path("mot-cua/quay/<int:pk>/tu-choi/", views_counter.refuse, name="refuse"),
    path("mot-cua/thu-tuc/", views_catalogue.catalogue_list, name="catalogue"),
    path("mot-cua/thu-tuc/xuat-excel/", views_catalogue.catalogue_export, name="catalogue_export"),
    path("mot-cua/thu-tuc/nhap-excel/", views_catalogue.catalogue_import, name="catalogue_import"),
    path("mot-cua/thu-tuc/moi/", views_catalogue.procedure_edit, name="procedure_new"),
    path("mot-cua/thu-tuc/<int:pk>/", views_catalogue.procedure_detail, name="procedure"),
    path("mot-cua/thu-tuc/<int:pk>/phien-ban-moi/", views_catalogue.procedure_edit, name="procedure_version_new"),
]
