"""django-axes: repeated failures lock the account (from this address) with a French explanation."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _attempt(client, password):
    return client.post(reverse("login"), {"username": "referent.a", "password": password})


def test_five_failures_lock_the_account_even_for_the_right_password(client, world, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        assert _attempt(client, "wrong").status_code == 200
    locked = _attempt(client, "wrong")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Compte temporairement bloqué" in page
    assert "Trop de tentatives de connexion échouées (5)" in page
    assert "Vous pourrez réessayer dans 15\u00a0minutes" in page
    # The right password does not open the door during the cool-off.
    still_locked = _attempt(client, PASSWORD)
    assert still_locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_success_before_the_limit_resets_the_counter(client, world):
    for _ in range(4):
        _attempt(client, "wrong")
    assert _attempt(client, PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        assert _attempt(client, "wrong").status_code == 200


def test_lock_out_expires_after_the_cool_off(client, world, settings):
    from datetime import timedelta

    from axes.models import AccessAttempt
    from django.utils import timezone

    for _ in range(5):
        _attempt(client, "wrong")
    assert _attempt(client, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert _attempt(client, PASSWORD).status_code == 302
