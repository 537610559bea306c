"""/api/v1 routes of dashboard (thin: the app's services and selectors compute)."""

from ninja import Router

router = Router(tags=["dashboard"])
