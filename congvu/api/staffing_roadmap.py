"""/api/v1 routes of staffing_roadmap (thin: the app's services and selectors compute)."""

from ninja import Router

router = Router(tags=["staffing_roadmap"])
