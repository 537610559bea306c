from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="registration/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("congvu.documents.urls")),
    path("", include("congvu.org.urls")),
    path("", include("congvu.workdays.urls")),
    path("", include("congvu.jobs.urls")),
    path("", include("congvu.notifications.urls")),
    path("", include("congvu.workflow.urls")),
    path("", include("congvu.workflow.task_urls")),
    path("", include("congvu.drafting.urls")),
    path("", include("congvu.exchange.urls")),
    path("", include("congvu.schedule.urls")),
    path("", include("congvu.records.urls")),
    path("", include("congvu.intake.urls")),
    path("", include("congvu.signing.urls")),
    path("", include("congvu.onestop.urls")),
    path("", include("congvu.staffing.urls")),
    path("", include("congvu.dashboard.urls")),
    path("api/v1/", include("congvu.api.urls")),
]
