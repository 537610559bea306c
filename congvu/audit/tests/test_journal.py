import pytest
from django.core.management import CommandError, call_command

from congvu.audit.models import JournalEntry
from congvu.audit.services import journal_verify
from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data

pytestmark = pytest.mark.django_db


def test_chain_verifies_then_detects_an_edited_row(agency, clerk, capsys):
    for i in range(4):
        incoming_register(actor=clerk, agency=agency, data=incoming_data(number=str(i + 1)))
    call_command("audit", "verify")
    # four registrations and the register the first one opened
    assert "đã kiểm tra 5 dòng" in capsys.readouterr().out
    victim = JournalEntry.objects.order_by("seq")[2]
    JournalEntry.objects.filter(pk=victim.pk).update(after={**victim.after, "subject": "Đã bị sửa"})
    result = journal_verify()
    assert not result.ok and result.first_bad.pk == victim.pk
    with pytest.raises(CommandError, match=f"id={victim.pk}"):
        call_command("audit", "verify")


def test_deleted_row_is_detected(agency, clerk):
    for i in range(3):
        incoming_register(actor=clerk, agency=agency, data=incoming_data(number=str(i + 1)))
    JournalEntry.objects.order_by("seq")[1].delete()
    result = journal_verify()
    assert not result.ok and result.first_bad.seq == 3


@pytest.mark.django_db(transaction=True)
def test_journal_needs_a_transaction(agency, clerk):
    from congvu.audit.services import journal_record

    with pytest.raises(RuntimeError):
        journal_record(actor=clerk, agency_id=agency.pk, action="x", object_type="t", object_id="1")


def test_editing_the_displayed_author_is_detected(agency, clerk):
    incoming_register(actor=clerk, agency=agency, data=incoming_data())
    entry = JournalEntry.objects.get(action="document.register_incoming")
    JournalEntry.objects.filter(pk=entry.pk).update(actor_name="lanhdao")
    result = journal_verify()
    assert not result.ok and result.first_bad.pk == entry.pk
