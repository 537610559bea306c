"""/api/v1 routes of staffing_reorg (thin: the app's services and selectors compute)."""

from ninja import Router

router = Router(tags=["staffing_reorg"])
