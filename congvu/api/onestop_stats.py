"""One-stop shop JSON API (onestop_stats): thin, over congvu.onestop services and selectors."""

from ninja import Router

router = Router(tags=["Một cửa"])
