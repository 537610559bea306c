from django.urls import path

from congvu.drafting import views

app_name = "drafting"
urlpatterns = [
    path("drafts/", views.draft_list, name="list"),
    path("drafts/new/", views.draft_new, name="new"),
    path("drafts/policy/", views.drafting_policy, name="policy"),
    path("drafts/<int:pk>/", views.draft_detail, name="detail"),
    path("drafts/<int:pk>/edit/", views.draft_edit, name="edit"),
    path("drafts/<int:pk>/submit/", views.draft_submit, name="submit"),
    path("drafts/<int:pk>/review/", views.draft_review, name="review"),
    path("drafts/<int:pk>/approve/", views.draft_approve, name="approve"),
    path("drafts/<int:pk>/return/", views.draft_return, name="return"),
    path("drafts/<int:pk>/format/", views.draft_format, name="format"),
    path("drafts/<int:pk>/issue/", views.draft_issue, name="issue"),
    path("drafts/<int:pk>/compare/", views.draft_compare, name="compare"),
    path("drafts/<int:pk>/versions/<int:number>/file/", views.version_download, name="version_file"),
]
