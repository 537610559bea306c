"""The permission matrix at the selector level: who sees which document through
`visible_documents` and `document_get`, the one place that decides it (issue 2, §8)."""

import contextlib

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from conftest import make_agency, make_official
from congvu.core.errors import NotFound
from congvu.documents.models import Document, DocumentAccess, Secrecy
from congvu.documents.selectors import document_get, visible_documents
from congvu.documents.services import incoming_register, outgoing_register
from congvu.documents.tests.factories import incoming_data, outgoing_data
from congvu.org.models import AgencyKind, Department, Membership, Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class World:
    """Two agencies with one official per role, and documents addressed in every way that matters."""

    def __init__(self):
        self.a = make_agency(name="UBND huyện Nông Sơn")
        self.vp = Department.objects.create(agency=self.a, name="Văn phòng HĐND và UBND", code="VP")
        self.nv = Department.objects.create(agency=self.a, name="Phòng Nội vụ", code="NV")
        self.b = make_agency(name="UBND xã Quế Phước", kind=AgencyKind.COMMUNE_PC)
        self.b_dept = Department.objects.create(agency=self.b, name="Văn phòng UBND xã", code="VP")
        off = {}
        off["clerk"] = make_official(self.a, Role.CLERK, username="vanthu")
        off["leader"] = make_official(self.a, Role.LEADER, username="lanhdao")
        off["officer_nv"] = make_official(self.a, Role.OFFICER, username="cv_noivu", department=self.nv)
        off["officer_vp"] = make_official(self.a, Role.OFFICER, username="cv_vanphong", department=self.vp)
        off["officer_nodept"] = make_official(self.a, Role.OFFICER, username="cv_khongphong")
        off["onestop"] = make_official(self.a, Role.ONESTOP, username="motcua")
        off["admin"] = make_official(self.a, Role.AGENCY_ADMIN, username="quantri")
        off["clerk_b"] = make_official(self.b, Role.CLERK, username="vanthu_xa")
        off["leader_b"] = make_official(self.b, Role.LEADER, username="lanhdao_xa")
        self.officials = off
        self.users = {k: o.user for k, o in off.items()}
        clerk, admin = self.users["clerk"], self.users["admin"]

        def reg(actor, agency, key, **kw):
            return incoming_register(actor=actor, agency=agency, data=incoming_data(number=key, **kw))

        d = {}
        d["to_nv"] = reg(clerk, self.a, "1", receiving_department_id=self.nv.pk)
        d["to_vp"] = reg(clerk, self.a, "2", receiving_department_id=self.vp.pk)
        d["to_person"] = reg(clerk, self.a, "3", receiving_official_id=off["officer_nodept"].pk)
        d["unaddressed"] = reg(clerk, self.a, "4")
        d["outgoing"] = outgoing_register(actor=clerk, agency=self.a, data=outgoing_data())
        # Secret documents: named people only. The registering clerk / admin is named automatically.
        d["secret_for_leader"] = reg(admin, self.a, "5", secrecy=Secrecy.SECRET,
                                     access_official_ids=[off["leader"].pk])
        d["secret_for_nv"] = reg(clerk, self.a, "6", secrecy=Secrecy.CONFIDENTIAL,
                                 receiving_department_id=self.nv.pk, access_official_ids=[off["officer_nv"].pk])
        d["b_plain"] = reg(self.users["clerk_b"], self.b, "7", receiving_department_id=self.b_dept.pk)
        d["b_secret"] = reg(self.users["clerk_b"], self.b, "8", secrecy=Secrecy.TOP_SECRET)
        self.docs = d

    def fresh(self, key):
        """A new user instance, so no cached access from an earlier call hides a change."""
        return get_user_model().objects.get(pk=self.users[key].pk)

    def seen_by(self, user) -> set[str]:
        names = {doc.pk: name for name, doc in self.docs.items()}
        return {names[pk] for pk in visible_documents(user).values_list("pk", flat=True)}


@pytest.fixture
def world():
    return World()


A_NORMAL = {"to_nv", "to_vp", "to_person", "unaddressed", "outgoing"}

MATRIX = {
    # clerks, leaders and agency admins: every non-secret document of their agency, plus secret
    # documents they are named on (the registering clerk is named on what they register)
    "clerk": A_NORMAL | {"secret_for_nv"},
    "leader": A_NORMAL | {"secret_for_leader"},
    "admin": A_NORMAL | {"secret_for_leader"},
    # officers: what is addressed to their department or to them; secret only when named
    "officer_nv": {"to_nv", "secret_for_nv"},
    "officer_vp": {"to_vp"},
    "officer_nodept": {"to_person"},
    # one-stop staff: nothing through the registry
    "onestop": set(),
    # the other agency sees its own documents only
    "clerk_b": {"b_plain", "b_secret"},
    "leader_b": {"b_plain"},
}


@pytest.mark.parametrize("role", list(MATRIX))
def test_matrix_visible_documents(world, role):
    assert world.seen_by(world.fresh(role)) == MATRIX[role]


@pytest.mark.parametrize("role", list(MATRIX))
def test_matrix_document_get_agrees(world, role):
    user = world.fresh(role)
    for name, doc in world.docs.items():
        if name in MATRIX[role]:
            assert document_get(user=user, pk=doc.pk).pk == doc.pk
        else:
            with pytest.raises(NotFound) as err:
                document_get(user=user, pk=doc.pk)
            # the same answer as for a document that does not exist: existence is not revealed
            assert err.value.message == "Không tìm thấy văn bản hoặc bạn không có quyền xem."


def test_missing_document_is_not_found(world):
    with pytest.raises(NotFound) as err:
        document_get(user=world.fresh("leader"), pk=10**9)
    assert err.value.status == 404 and err.value.code == "not_found"


def test_secret_is_hidden_even_from_the_leader_who_is_not_named(world):
    leader = world.fresh("leader")
    assert "secret_for_nv" not in world.seen_by(leader)
    # naming the leader later opens it to the leader and nobody else
    DocumentAccess.objects.create(document=world.docs["secret_for_nv"], official=world.officials["leader"])
    assert "secret_for_nv" in world.seen_by(world.fresh("leader"))
    assert "secret_for_nv" not in world.seen_by(world.fresh("officer_vp"))


def test_anonymous_and_users_without_an_official_see_nothing(world):
    root = get_user_model().objects.create_superuser("root", password="matkhau-123")
    assert visible_documents(AnonymousUser()).count() == 0
    # the system admin manages agencies; reading correspondence needs a position in the agency
    assert visible_documents(root).count() == 0
    with pytest.raises(NotFound):
        document_get(user=root, pk=world.docs["unaddressed"].pk)


def test_kiem_nhiem_sees_each_agency_as_its_role_there(world):
    """One official, leader in agency A and officer of a department in agency B."""
    person = make_official(world.a, Role.LEADER, username="kiemnhiem")
    Membership.objects.create(official=person, agency=world.b, role=Role.OFFICER, department=world.b_dept)
    world.users["kiemnhiem"] = person.user
    assert world.seen_by(world.fresh("kiemnhiem")) == A_NORMAL | {"b_plain"}
    # B's secret document stays hidden: being in B is not being named
    assert "b_secret" not in world.seen_by(world.fresh("kiemnhiem"))


def test_officer_and_leader_in_one_agency_sees_as_leader(world):
    person = world.officials["officer_vp"]
    Membership.objects.create(official=person, agency=world.a, role=Role.LEADER)
    assert world.seen_by(world.fresh("officer_vp")) == A_NORMAL


def test_officer_department_in_the_other_agency_does_not_leak(world):
    """An officer of B's office must not see A's documents addressed to A's office of the same code."""
    person = make_official(world.b, Role.OFFICER, username="cv_xa", department=world.b_dept)
    world.users["cv_xa"] = person.user
    assert world.seen_by(world.fresh("cv_xa")) == {"b_plain"}


@pytest.mark.parametrize("role", ["clerk", "leader", "officer_nv", "admin"])
def test_inactive_membership_sees_nothing(world, role):
    Membership.objects.filter(official=world.officials[role]).update(active=False)
    user = world.fresh(role)
    assert world.seen_by(user) == set()
    for doc in world.docs.values():
        with pytest.raises(NotFound):
            document_get(user=user, pk=doc.pk)


def test_deactivating_one_of_two_positions_keeps_the_other(world):
    person = make_official(world.a, Role.LEADER, username="hai_noi")
    Membership.objects.create(official=person, agency=world.b, role=Role.LEADER)
    world.users["hai_noi"] = person.user
    assert world.seen_by(world.fresh("hai_noi")) == A_NORMAL | {"b_plain"}
    Membership.objects.filter(official=person, agency=world.a).update(active=False)
    assert world.seen_by(world.fresh("hai_noi")) == {"b_plain"}


def test_officer_sees_what_they_registered_while_they_were_clerk(world):
    """Officers also see documents they registered themselves (e.g. before a change of role)."""
    person = make_official(world.a, Role.CLERK, username="tung_la_van_thu")
    user = person.user
    doc = incoming_register(actor=user, agency=world.a, data=incoming_data(number="99"))
    Membership.objects.filter(official=person).update(role=Role.OFFICER)
    world.docs["own"] = doc
    world.users["tung_la_van_thu"] = user
    assert world.seen_by(world.fresh("tung_la_van_thu")) == {"own"}


def test_visibility_is_one_query_not_per_row(world, django_assert_max_num_queries):
    user = world.fresh("officer_nv")
    with django_assert_max_num_queries(3):  # the official, the memberships, then the documents
        ids = list(visible_documents(user).values_list("pk", flat=True))
    assert len(ids) == 2


def test_named_one_stop_staff_sees_that_secret_document_only(world):
    """Being named opens a secret document whatever the role, as long as the position is active."""
    DocumentAccess.objects.create(document=world.docs["secret_for_leader"], official=world.officials["onestop"])
    assert world.seen_by(world.fresh("onestop")) == {"secret_for_leader"}


def test_forbidden_reads_change_nothing(world):
    before = list(Document.objects.order_by("pk").values())
    for role in ("onestop", "officer_vp", "clerk_b"):
        user = world.fresh(role)
        for doc in world.docs.values():
            with contextlib.suppress(NotFound):
                document_get(user=user, pk=doc.pk)
    assert list(Document.objects.order_by("pk").values()) == before


# --- the same matrix for writes: who may register and correct, and refusals change nothing ----------

def _write_state():
    from congvu.audit.models import JournalEntry
    from congvu.documents.models import Register

    return (list(Document.objects.order_by("pk").values()), dict(Register.objects.values_list("pk", "next_number")),
            JournalEntry.objects.count())


WRITERS = {"clerk": True, "admin": True, "leader": False, "officer_nv": False, "onestop": False,
           "clerk_b": False, "leader_b": False}


@pytest.mark.parametrize("role", list(WRITERS))
def test_write_matrix_in_agency_a(world, role):
    from congvu.core.errors import DomainError
    from congvu.documents.services import document_update

    user = world.fresh(role)
    target = world.docs["unaddressed"]
    attempts = [
        lambda: incoming_register(actor=user, agency=world.a, data=incoming_data(number="500")),
        lambda: outgoing_register(actor=user, agency=world.a, data=outgoing_data()),
        lambda: document_update(actor=user, document=target, changes={"subject": "Trích yếu đã sửa"}),
    ]
    if WRITERS[role]:
        for attempt in attempts:
            attempt()
        target.refresh_from_db()
        assert target.subject == "Trích yếu đã sửa"
        return
    before = _write_state()
    messages = []
    for attempt in attempts:
        with pytest.raises(DomainError) as err:
            attempt()
        messages.append(err.value.message)
    # a document the user may not even see is "not found", never "forbidden"
    sees_target = role == "leader"
    assert messages == ["Chỉ văn thư của cơ quan được vào sổ văn bản.",
                        "Chỉ văn thư của cơ quan được cấp số văn bản đi.",
                        "Chỉ văn thư của cơ quan được sửa thông tin văn bản." if sees_target
                        else "Không tìm thấy văn bản hoặc bạn không có quyền xem."]
    assert _write_state() == before


def test_inactive_clerk_can_no_longer_register(world):
    from congvu.core.errors import PermissionDenied

    Membership.objects.filter(official=world.officials["clerk"]).update(active=False)
    before = _write_state()
    with pytest.raises(PermissionDenied):
        incoming_register(actor=world.fresh("clerk"), agency=world.a, data=incoming_data(number="501"))
    assert _write_state() == before
