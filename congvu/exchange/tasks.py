"""Periodic job of the exchange connector: send the outbox, fetch from the peers we pull from (ADR 0019) and collect
the drop folder every minute."""

from datetime import timedelta

from django.conf import settings

from congvu.jobs import job


@job("exchange.run", every=timedelta(minutes=1))
def exchange_run() -> None:
    from congvu.exchange import connector, pull

    pull.fetch_all()  # first, so the 01 of what arrives goes back in the same run
    connector.send_pending()
    folder = getattr(settings, "CONGVU_EXCHANGE_FOLDER", "")
    if folder:
        connector.collect_folder(folder)
