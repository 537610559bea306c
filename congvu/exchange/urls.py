from django.urls import path

from congvu.exchange import views

app_name = "exchange"
urlpatterns = [
    path("exchange/inbox/", views.inbox_list, name="inbox"),
    path("exchange/inbox/<int:pk>/", views.inbox_detail, name="inbox_detail"),
    path("exchange/inbox/<int:pk>/register/", views.inbox_register, name="inbox_register"),
    path("exchange/inbox/<int:pk>/return/", views.inbox_return, name="inbox_return"),
    path("exchange/inbox/<int:pk>/files/<int:file_pk>/", views.inbox_file, name="inbox_file"),
    path("exchange/outbox/", views.outbox_list, name="outbox"),
    path("exchange/outbox/<int:pk>/posted/", views.outbox_posted, name="outbox_posted"),
    path("exchange/documents/<int:pk>/dispatch/", views.document_dispatch, name="dispatch"),
    path("exchange/documents/<int:pk>/statuses/", views.document_statuses, name="document_statuses"),
    path("exchange/deliveries/<int:pk>/recall/", views.delivery_recall, name="delivery_recall"),
    path("exchange/inbox/<int:pk>/recall/accept/", views.inbox_recall_accept, name="inbox_recall_accept"),
    path("exchange/inbox/<int:pk>/recall/refuse/", views.inbox_recall_refuse, name="inbox_recall_refuse"),
    # Update, replace, recall to other systems, earlier versions (docs/decisions/0018).
    path("exchange/documents/<int:pk>/update/", views.document_update_send, name="document_update_send"),
    path("exchange/documents/<int:pk>/replace/", views.document_replace_send, name="document_replace_send"),
    path("exchange/outbox/<int:pk>/recall/", views.outbox_recall, name="outbox_recall"),
    path("exchange/versions/<int:pk>/", views.version_detail, name="version_detail"),
    path("exchange/versions/<int:pk>/files/<int:index>/", views.version_file, name="version_file"),
]

from congvu.exchange import directory_views  # noqa: E402

urlpatterns += [
    path("exchange/directory/", directory_views.directory_list, name="directory"),
    path("exchange/directory/new/", directory_views.directory_new, name="directory_new"),
    path("exchange/directory/import/", directory_views.directory_import, name="directory_import"),
    path("exchange/directory/export.csv", directory_views.directory_export, name="directory_export"),
    path("exchange/directory/<str:identifier>/", directory_views.directory_entry, name="directory_entry"),
]

from django.urls import include  # noqa: E402

from congvu.exchange import peer_api  # noqa: E402

# Machine-to-machine endpoints for peer systems (signed requests, no login; docs/decisions/0017).
urlpatterns += [
    path("exchange/peer/v1/", include([path("packages", peer_api.packages, name="peer_packages"),
                                       path("packages/<int:pk>/ack", peer_api.package_ack, name="peer_package_ack")])),
]

from congvu.exchange import peer_views  # noqa: E402

urlpatterns += [
    path("exchange/peers/", peer_views.peer_list, name="peers"),
    path("exchange/peers/new/", peer_views.peer_new, name="peer_new"),
    path("exchange/peers/<int:pk>/", peer_views.peer_edit, name="peer_edit"),
]
