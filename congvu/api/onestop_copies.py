"""One-stop shop JSON API (onestop_copies): thin, over congvu.onestop services and selectors."""

from ninja import Router

router = Router(tags=["Một cửa"])
