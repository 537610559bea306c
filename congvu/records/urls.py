from django.urls import path

from congvu.records import views

app_name = "records"
urlpatterns = [
    path("records/", views.index, name="index"),
    # the yearly file plan (danh mục hồ sơ)
    path("records/plans/", views.plan_list, name="plans"),
    path("records/plans/<int:year>/", views.plan_detail, name="plan"),
    path("records/plans/<int:year>/print/", views.plan_print, name="plan_print"),
    path("records/plans/<int:year>/settings/", views.plan_settings, name="plan_settings"),
    path("records/plans/<int:year>/issue/", views.plan_issue, name="plan_issue"),
    path("records/plans/<int:year>/headings/", views.heading_add, name="heading_add"),
    path("records/plans/<int:year>/headings/<int:pk>/", views.heading_edit, name="heading_edit"),
    path("records/plans/<int:year>/headings/<int:pk>/remove/", views.heading_remove, name="heading_remove"),
    path("records/plans/<int:year>/entries/new/", views.entry_new, name="entry_new"),
    path("records/plans/<int:year>/entries/<int:pk>/", views.entry_edit, name="entry_edit"),
    path("records/plans/<int:year>/entries/<int:pk>/remove/", views.entry_remove, name="entry_remove"),
    # case files (hồ sơ công việc)
    path("records/files/", views.case_file_list, name="case_files"),
    path("records/files/mine/", views.my_case_files, name="my_case_files"),
    path("records/files/new/", views.case_file_new, name="case_file_new"),
    path("records/files/<int:pk>/", views.case_file_detail, name="case_file"),
    path("records/files/<int:pk>/edit/", views.case_file_edit, name="case_file_edit"),
    path("records/files/<int:pk>/search/", views.case_file_search, name="case_file_search"),
    path("records/files/<int:pk>/documents/", views.case_file_document_add, name="case_file_document_add"),
    path("records/files/<int:pk>/documents/<int:document_pk>/remove/", views.case_file_document_remove,
         name="case_file_document_remove"),
    path("records/documents/<int:document_pk>/file/", views.document_file, name="document_file"),
    path("records/files/<int:pk>/close/", views.case_file_close, name="case_file_close"),
    path("records/files/<int:pk>/reopen/", views.case_file_reopen, name="case_file_reopen"),
    path("records/files/<int:pk>/index/", views.case_file_index, name="case_file_index"),
    # deposit in the agency archive (nộp lưu)
    path("records/transfers/", views.transfer_list, name="transfers"),
    path("records/transfers/due/", views.due_list, name="due"),
    path("records/transfers/new/", views.transfer_new, name="transfer_new"),
    path("records/transfers/<int:pk>/", views.transfer_detail, name="transfer"),
    path("records/transfers/<int:pk>/print/", views.transfer_print, name="transfer_print"),
    # the retention schedule (system-wide data)
    path("records/retention/", views.retention, name="retention"),
    path("records/retention/new/", views.schedule_new, name="schedule_new"),
    path("records/retention/<int:pk>/", views.schedule_edit, name="schedule"),
    path("records/retention/<int:pk>/items/", views.item_add, name="item_add"),
    path("records/retention/items/<int:pk>/", views.item_edit, name="item_edit"),
]
