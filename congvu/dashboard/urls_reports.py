"""Pages of the dashboard app: see congvu/dashboard/urls.py (same namespace)."""

urlpatterns: list = []
