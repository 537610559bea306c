"""Dossier processing pages (o2): list, office queue, dossier page and its actions."""

from django.urls import path

from congvu.onestop import views_processing as v

urlpatterns: list = [
    path("onestop/dossiers/", v.dossier_list, name="dossiers"),
    path("onestop/office/", v.office, name="office"),
    path("onestop/dossiers/<int:pk>/", v.dossier_detail, name="dossier"),
    path("onestop/dossiers/<int:pk>/files/<int:file_pk>/", v.dossier_file, name="dossier_file"),
    path("onestop/dossiers/<int:pk>/hand-over/", v.hand_over, name="hand_over"),
    path("onestop/dossiers/<int:pk>/pause/", v.pause, name="pause"),
    path("onestop/dossiers/<int:pk>/resume/", v.resume, name="resume"),
    path("onestop/dossiers/<int:pk>/withdraw/", v.withdraw, name="withdraw"),
    path("onestop/dossiers/<int:pk>/apology/", v.apology, name="apology"),
    path("onestop/dossiers/<int:pk>/result/", v.result, name="result"),
    path("onestop/dossiers/<int:pk>/return/", v.return_result, name="return"),
]
