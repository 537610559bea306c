"""One-stop shop JSON API (onestop): thin, over congvu.onestop services and selectors."""

from ninja import Router

router = Router(tags=["Một cửa"])
