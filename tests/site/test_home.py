"""Home page: one section per role, the main menu driven by permissions, nothing of another commune."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db


def _home(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_platform_admin_sees_every_organisation_and_the_shortcuts(client, world):
    page = _home(client, world.admin)
    for organisation in (world.org_a, world.org_b, world.archives):
        assert reverse("tenants:organisation_detail", args=[organisation.pk]) in page
    assert reverse("tenants:organisation_create") in page
    assert f'href="{reverse("tenants:organisation_list")}"' in page
    assert f'href="{reverse("tenants:audit_list")}"' in page


def test_referent_sees_their_commune_users_and_audit_but_not_platform_screens(client, world):
    page = _home(client, world.referent_a)
    assert reverse("tenants:user_create", args=[world.org_a.pk]) in page
    assert reverse("tenants:user_list", args=[world.org_a.pk]) in page
    assert f'href="{reverse("tenants:audit_list")}"' in page
    assert reverse("tenants:organisation_list") not in page
    assert "Commune B" not in page and world.referent_b.username not in page
    assert 'id="platform-title"' not in page


def test_referent_sees_only_their_commune_in_the_latest_actions(client, world):
    # The world's set-up wrote audit entries for both communes (role grants).
    page = _home(client, world.referent_a)
    assert 'id="audit-title"' in page
    assert world.archivist_a.username in page
    assert world.archivist_b.username not in page


def test_archivist_sees_archive_shortcuts_without_user_management(client, world):
    page = _home(client, world.archivist_a)
    assert 'id="archives-title"' in page
    assert 'id="users-title"' not in page
    assert reverse("tenants:user_list", args=[world.org_a.pk]) not in page
    assert f'href="{reverse("tenants:audit_list")}"' not in page


def test_controller_sees_the_visa_section_as_an_empty_state(client, world):
    page = _home(client, world.controller)
    assert 'id="visa-title"' in page
    assert "empty-state" in page
    assert f"<strong>{world.org_a.name}</strong>" in page  # the commune it controls
    assert world.org_b.name not in page
    assert 'id="archives-title"' not in page


def test_researcher_sees_the_research_entry_only(client, world):
    page = _home(client, world.researcher_a)
    assert 'id="research-title"' in page
    for section in ("platform-title", "users-title", "archives-title", "visa-title"):
        assert f'id="{section}"' not in page


def test_user_without_any_role_is_told_whom_to_ask(client, world):
    from tests.factories import make_user

    with translation.override("fr"):
        page = _home(client, make_user("nobody"))
    assert "Aucun rôle" in page
    assert "référent" in page


def test_home_page_is_french_by_default(client, world):
    page = _home(client, world.referent_a)
    assert '<html lang="fr">' in page
    assert "Aller au contenu" in page
    assert "Se déconnecter" in page


def test_several_organisations_get_a_switcher_posting_to_tenants_switch(client, world):
    from tenants.models import Role
    from tenants import services

    services.role_grant(actor=None, organisation=world.org_b, user=world.archivist_a, role=Role.ARCHIVIST)
    page = _home(client, world.archivist_a)
    assert f'action="{reverse("tenants:switch")}"' in page
    assert 'name="organisation"' in page
    assert f'<option value="{world.org_b.pk}"' in page


def test_single_organisation_users_see_their_context_without_a_switcher(client, world):
    page = _home(client, world.archivist_a)
    assert world.org_a.name in page
    assert 'id="switch-organisation"' not in page


def test_home_page_query_count_does_not_grow_with_organisations(client, world, django_assert_max_num_queries):
    from tests.factories import make_organisation

    client.force_login(world.admin)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(reverse("home"))  # the session's first page writes its activity time; later pages do not
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))
    for number in range(15):
        make_organisation(f"Commune {number:02d}")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("home"))
    assert len(many) == len(few)


def _menu(page):
    start = page.index('class="main-nav"')
    return page[start:page.index("</nav>", start)]


def test_archivists_menu_opens_the_archive_and_referential_screens_of_their_tenant(client, world):
    menu = _menu(_home(client, world.archivist_a))
    tenant = world.tenant_a.pk
    for name in ("deposits:deposit_list", "consultation:search", "consultation:operation_list",
                 "consultation:register", "referentials:rule_list", "referentials:agency_list", "trees:tree_browser"):
        assert f'href="{reverse(name, args=[tenant])}"' in menu, name
    assert f"/t/{world.tenant_b.pk}/" not in menu
    for name in ("tenants:organisation_list", "referentials:nomenclature_list", "tenants:audit_list",
                 "consultation:researcher_home"):
        assert reverse(name) not in menu, name
    assert "<details>" in menu and "<summary>Archives</summary>" in menu


def test_menu_entries_follow_the_roles(client, world):
    researcher = _menu(_home(client, world.researcher_a))
    assert f'href="{reverse("consultation:researcher_home")}"' in researcher
    assert "/t/" not in researcher and "<details>" not in researcher
    controller = _menu(_home(client, world.controller))
    assert "/t/" not in controller
    referent = _menu(_home(client, world.referent_a))
    assert reverse("tenants:user_list", args=[world.org_a.pk]) in referent
    assert reverse("tenants:audit_list") in referent
    admin = _menu(_home(client, world.admin))
    assert reverse("tenants:organisation_list") in admin and reverse("referentials:nomenclature_list") in admin


def test_menu_marks_the_current_screen_and_its_group(world, rf):
    from django.template.loader import render_to_string

    url = reverse("referentials:rule_list", args=[world.tenant_a.pk])
    request = rf.get(url + "import/")
    request.user = world.archivist_a
    html = render_to_string("components/main_nav.html", {
        "request": request, "current_tenant": world.tenant_a, "current_organisation": world.org_a,
        "nav": {"can_manage_referentials": True, "can_search": True},
    })
    assert f'<a href="{url}" aria-current="page">' in html
    assert 'class="nav-group nav-group-current"' in html  # the "Referentials" group
    assert html.count('aria-current="page"') == 1


def test_home_links_the_screens_that_exist_and_announces_the_others(client, world):
    from django.urls import NoReverseMatch

    page = _home(client, world.archivist_a)
    expected_upcoming = 0
    for name in ("deposits:deposit_list", "consultation:search", "referentials:rule_list", "elimination:proposal_list"):
        try:
            assert f'<a href="{reverse(name, args=[world.tenant_a.pk])}">' in page, name
        except NoReverseMatch:
            expected_upcoming += 1
    assert page.count("Bientôt disponible") == expected_upcoming


def _proposal(world, organisation, tenant, **fields):
    from datetime import date

    from django.utils import timezone

    from sam.elimination.models import Proposal

    return Proposal.objects.create(
        tenant=tenant, organisation=organisation, title="Permis de construire 2008", analysis_date=date(2026, 1, 1),
        created_by=world.archivist_a, submitted_at=timezone.now(), destroy_count=12, **fields,
    )


def test_controller_home_lists_the_proposals_awaiting_their_visa_only(client, world):
    from sam.elimination.models import Proposal

    waiting = _proposal(world, world.org_a, world.tenant_a, reference="EL-A-1", state=Proposal.State.SUBMITTED)
    _proposal(world, world.org_a, world.tenant_a, reference="EL-A-2", state=Proposal.State.DRAFT)
    _proposal(world, world.org_b, world.tenant_b, reference="EL-B-1", state=Proposal.State.SUBMITTED)
    page = _home(client, world.controller)
    detail = reverse("elimination:proposal_detail", args=[world.tenant_a.pk, waiting.pk])
    assert f'<a href="{detail}">EL-A-1 — Permis de construire 2008</a>' in page
    assert "EL-A-2" not in page  # still a draft of the commune
    assert "EL-B-1" not in page  # commune B is not under this controller
    assert reverse("elimination:visa_list") in page
    assert "Aucune proposition en attente" not in page


def test_user_menu_counts_unread_notifications(client, world):
    from django.utils import timezone

    from sam.elimination.models import Notification

    page = _home(client, world.controller)
    assert reverse("elimination:notification_list") in page and "badge-counter" not in page
    for read_at in (None, None, timezone.now()):
        Notification.objects.create(recipient=world.controller, organisation=world.org_a, kind=Notification.Kind.VISA_REQUESTED,
                                    message="Visa demandé", read_at=read_at)
    page = _home(client, world.controller)
    assert '<span class="badge badge-counter">2<span class="visually-hidden"> notifications non lues</span>' in page


def _deposit(world, title, **fields):
    from sam.deposits.models import Deposit

    return Deposit.objects.create(tenant=world.tenant_a, organisation=world.org_a, created_by=world.archivist_a,
                                  title=title, **fields)


def _decided_proposal(world, title, state, **fields):
    from datetime import date

    from django.utils import timezone

    from sam.elimination.models import Proposal

    return Proposal.objects.create(tenant=world.tenant_a, organisation=world.org_a, title=title, state=state,
                                   reference=f"PE-{title[:6]}", analysis_date=date(2024, 1, 1),
                                   created_by=world.archivist_a, decided_by=world.controller,
                                   decided_at=timezone.now(), decision_comment="Revoir les dates", **fields)


def test_archivist_home_lists_deposits_in_error_or_waiting_and_proposals_to_act_on(client, world):
    from sam.deposits.models import Deposit
    from sam.elimination.models import Proposal

    _deposit(world, "Délibérations refusées", state=Deposit.State.COMPLETED, operation_status="KO")
    _deposit(world, "Registres en attente", state=Deposit.State.WAITING_RETRY)
    _deposit(world, "Versement accepté", state=Deposit.State.COMPLETED, operation_status="OK")
    _decided_proposal(world, "Permis approuvés", Proposal.State.APPROVED)
    _decided_proposal(world, "Permis refusés", Proposal.State.REFUSED)
    _decided_proposal(world, "Permis exécutés", Proposal.State.EXECUTED)
    page = _home(client, world.archivist_a)
    start = page.index('id="work-title"')
    work = page[start:page.index("</section>", start)]
    todo = work[:work.index("recent-activity")] if "recent-activity" in work else work
    assert "Délibérations refusées" in todo and "Registres en attente" in todo
    assert "Versement accepté" not in todo and "Versement accepté" in work  # recent activity, not work
    assert "Permis approuvés" in todo and "Permis refusés" in todo and "Permis exécutés" not in todo
    assert "Bientôt disponible" not in page and "Coming soon" not in page


def test_archivist_home_shows_nothing_of_another_commune(client, world):
    from sam.deposits.models import Deposit

    Deposit.objects.create(tenant=world.tenant_b, organisation=world.org_b, title="Versement secret de B",
                           state=Deposit.State.REJECTED)
    assert "Versement secret de B" not in _home(client, world.archivist_a)


def test_referent_home_lists_pending_invitations_and_waiting_imports(client, world):
    from referentials.models import ReferentialImport
    from tests.factories import make_user

    make_user("nouvelle.recrue", organisation=world.org_a, role="archivist", first_name="Léa", last_name="Nouvelle")
    ReferentialImport.objects.create(tenant=world.tenant_a, kind="rules", filename="regles-2026.csv",
                                     base_fingerprint="x", created_by=world.referent_a)
    ReferentialImport.objects.create(tenant=world.tenant_b, kind="rules", filename="regles-de-b.csv",
                                     base_fingerprint="x")
    page = _home(client, world.referent_a)
    assert 'id="referent-work-title"' in page
    assert "Léa Nouvelle" in page
    assert "regles-2026.csv" in page and "regles-de-b.csv" not in page


def test_platform_admin_sees_the_state_of_every_commune(client, world):
    from sam.deposits.models import Deposit

    _deposit(world, "Refusé", state=Deposit.State.REJECTED)
    page = _home(client, world.admin)
    rows = [row for row in page.split('<tr class="organisation-state">')[1:]]
    row_a = next(row for row in rows if world.org_a.name in row)
    assert "badge-danger" in row_a  # one deposit in error
    assert all("badge-danger" not in row for row in rows if world.org_b.name in row.split("</th>")[0])


def test_archivist_home_query_count_does_not_grow_with_deposits_and_proposals(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sam.deposits.models import Deposit
    from sam.elimination.models import Proposal

    client.force_login(world.archivist_a)
    _deposit(world, "Premier", state=Deposit.State.REJECTED)
    _decided_proposal(world, "Première", Proposal.State.APPROVED)
    client.get(reverse("home"))  # the session's first page writes its activity time; later pages do not
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))
    for number in range(8):
        _deposit(world, f"Versement {number}", state=Deposit.State.REJECTED)
        _decided_proposal(world, f"Proposition {number}", Proposal.State.REFUSED)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("home"))
    assert len(many) == len(few)


def test_user_menu_count_follows_every_way_notifications_change(client, world):
    """The count is cached between pages: creating, reading (one or all) and deleting notifications, through
    the services or directly, shows on the next page."""
    from sam.elimination import services
    from sam.elimination.models import Notification, Proposal

    proposal = _decided_proposal(world, "Registres 1990", Proposal.State.APPROVED)

    def badge():
        page = _home(client, world.controller)
        found = re.search(r'<span class="badge badge-counter">(\d+)<', page)
        return int(found.group(1)) if found else 0

    assert badge() == 0
    services.notify(users=[world.controller, world.archivist_a], proposal=proposal,
                    kind=Notification.Kind.VISA_REQUESTED, message="Visa demandé")
    assert badge() == 1
    single = Notification.objects.create(recipient=world.controller, organisation=world.org_a,
                                         kind=Notification.Kind.DECIDED, message="Visa donné")
    assert badge() == 2
    services.notifications_mark_read(user=world.controller, pks=[single.pk])
    assert badge() == 1
    Notification.objects.create(recipient=world.controller, organisation=world.org_a,
                                kind=Notification.Kind.EXECUTED, message="Élimination faite")
    assert badge() == 2
    Notification.objects.filter(recipient=world.controller, read_at__isnull=True).first().delete()
    assert badge() == 1
    services.notifications_mark_read(user=world.controller)
    assert badge() == 0
