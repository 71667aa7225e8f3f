"""Who must prove a second factor, and which devices they have (reads only)."""

from django.conf import settings
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from tenants.models import Role, RoleGroup


def is_privileged(user) -> bool:
    """Platform administrators and referents (of any organisation) hold the keys of other people's access."""
    if user.is_platform_admin:
        return True
    return RoleGroup.objects.filter(role=Role.REFERENT, group__user=user).exists()


def second_factor_required(user) -> bool:
    return bool(settings.OTP_REQUIRED) and is_privileged(user)


def verification_needed(user) -> bool:
    """A session must be verified when the policy requires it, or when the person chose to enrol."""
    return user_has_device(user) or second_factor_required(user)


def confirmed_totp(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def recovery_codes_left(user) -> int:
    device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    return device.token_set.count() if device else 0
