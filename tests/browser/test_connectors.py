"""Cergy's referent finds the demo's Pastell in the menu, declares a second connector with its PEM file,
suspends it and sees the door refuse it."""

import pytest
from django.test import Client

from sam.connectors.models import Connector
from tests.browser.conftest import ARTIFACTS
from tests.connectors.helpers import certificate_header, make_certificate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_referent_declares_and_suspends_a_connector(page, login, live_server, demo, tmp_path):
    login("referent.cergy")
    page.locator(".main-nav summary", has_text="Administration").click()
    page.locator(".main-nav").get_by_role("link", name="Connecteurs").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Connecteurs de Cergy"
    assert "Pastell (démo)" in page.get_by_role("row", name="Pastell (démo)").inner_text()

    pem = make_certificate("AirsDélib de Cergy")
    certificate = tmp_path / "airsdelib.pem"
    certificate.write_bytes(pem)
    page.get_by_role("link", name="Déclarer un connecteur").click()
    page.get_by_label("Nom").fill("AirsDélib")
    page.get_by_label("Cergy — production (2)").check()
    page.get_by_label("Certificat client (PEM)").set_input_files(str(certificate))
    page.get_by_role("button", name="Déclarer le connecteur").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "AirsDélib"
    assert "CN=AirsDélib de Cergy" in page.locator("main").inner_text()

    page.get_by_role("button", name="Suspendre").click()
    page.wait_for_load_state()
    assert "est suspendu" in page.locator("main").inner_text()
    assert Connector.objects.get(name="AirsDélib").state == Connector.State.SUSPENDED
    refused = Client().options("/vitam/ingest-external/v1/", HTTP_X_TENANT_ID="2", headers=certificate_header(pem))
    assert refused.status_code == 401

    page.locator("nav.breadcrumbs").get_by_role("link", name="Connecteurs").click()
    page.wait_for_load_state()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "connectors-list.png"), full_page=True)
    assert "Suspendu" in page.get_by_role("row", name="AirsDélib").inner_text()
