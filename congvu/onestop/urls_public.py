"""Public pages (no login: lookup, rating, online submission) and the staff's printed forms."""

from django.urls import path

from congvu.onestop import views_print, views_public

urlpatterns: list = [
    path("tra-cuu-ho-so/", views_public.lookup, name="public_lookup"),
    path("tra-cuu-ho-so/<str:code>/", views_public.dossier, name="public_dossier"),
    path("tra-cuu-ho-so/<str:code>/danh-gia/", views_public.rate, name="public_rate"),
    path("dich-vu-cong/", views_public.online_list, name="online_list"),
    path("dich-vu-cong/<str:procedure>/", views_public.online_submit, name="online_submit"),
    path("mot-cua/ho-so/<int:pk>/in/giay-tiep-nhan/", views_print.receipt, name="print_receipt"),
    path("mot-cua/ho-so/<int:pk>/in/phieu-yeu-cau-bo-sung/", views_print.supplement, name="print_supplement"),
    path("mot-cua/ho-so/<int:pk>/in/phieu-tu-choi/", views_print.refusal, name="print_refusal"),
    path("mot-cua/ho-so/<int:pk>/in/phieu-xin-loi/", views_print.apology, name="print_apology"),
    path("mot-cua/ho-so/<int:pk>/in/phieu-kiem-soat/", views_print.control_slip, name="print_control_slip"),
    path("mot-cua/so-theo-doi/", views_print.register, name="print_register"),
]
