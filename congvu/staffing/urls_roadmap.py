"""Pages of the staffing app: see congvu/staffing/urls.py (same namespace)."""

urlpatterns: list = []
