from django.urls import path

from congvu.documents import export_views, views

app_name = "documents"
urlpatterns = [
    path("", views.home, name="home"),
    path("incoming/", views.incoming_list, name="incoming_list"),
    path("incoming/new/", views.incoming_new, name="incoming_new"),
    path("outgoing/", views.outgoing_list, name="outgoing_list"),
    path("outgoing/new/", views.outgoing_new, name="outgoing_new"),
    path("search/", views.search_page, name="search"),
    path("issuers/", views.issuer_suggest, name="issuer_suggest"),
    path("documents/<int:pk>/", views.document_detail, name="detail"),
    path("documents/<int:pk>/edit/", views.document_edit, name="edit"),
    path("documents/<int:pk>/files/<int:attachment_pk>/", views.attachment_download, name="attachment"),
    path("registers/<int:pk>/print/", views.register_print, name="register_print"),
    path("registers/<int:pk>/export/<str:fmt>/", export_views.register_export, name="register_export"),
    path("manage/agencies/<int:agency_pk>/registers/", views.register_admin_page, name="registers"),
    path("manage/agencies/<int:agency_pk>/registers/<int:pk>/closed/", views.register_toggle,
         name="register_toggle"),
]
