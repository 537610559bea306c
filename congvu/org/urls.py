from django.urls import path

from congvu.org import views

app_name = "org"
urlpatterns = [
    path("agency/switch/", views.agency_switch, name="agency_switch"),
    path("manage/", views.manage_index, name="manage"),
    path("manage/agencies/", views.agency_list, name="agency_list"),
    path("manage/agencies/new/", views.agency_edit, name="agency_new"),
    path("manage/agencies/<int:pk>/edit/", views.agency_edit, name="agency_edit"),
    path("manage/agencies/<int:agency_pk>/departments/", views.department_list, name="department_list"),
    path("manage/agencies/<int:agency_pk>/departments/<int:pk>/", views.department_edit, name="department_edit"),
    path("manage/agencies/<int:agency_pk>/officials/", views.official_list, name="official_list"),
    path("manage/agencies/<int:agency_pk>/officials/new/", views.official_new, name="official_new"),
    path("manage/agencies/<int:agency_pk>/officials/<int:pk>/edit/", views.official_edit, name="official_edit"),
    path("manage/agencies/<int:agency_pk>/memberships/new/", views.membership_new, name="membership_new"),
    path("manage/agencies/<int:agency_pk>/memberships/<int:pk>/active/", views.membership_toggle,
         name="membership_toggle"),
]
