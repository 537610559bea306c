"""The one-stop shop's pages; each part keeps its own list (counter, processing, public, copies, stats)."""

from congvu.onestop import urls_copies, urls_counter, urls_processing, urls_public, urls_stats

app_name = "onestop"

urlpatterns = (urls_counter.urlpatterns + urls_processing.urlpatterns + urls_public.urlpatterns
               + urls_copies.urlpatterns + urls_stats.urlpatterns)
