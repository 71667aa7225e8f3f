"""Second factor writes: enrolment, verification, recovery codes, reset. Each audited in its transaction."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from tenants.audit import audit_record

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "application"
RECOVERY_DEVICE_NAME = "recovery"
PENDING_KEY_SESSION_KEY = "second_factor_pending_key"


class SecondFactorRefused(Exception):
    """A code that does not match, or too many wrong codes in a row (``wait`` seconds before the next try)."""

    def __init__(self, wait: int = 0):
        super().__init__(wait)
        self.wait = wait


def pending_totp_device(*, user, session) -> TOTPDevice:
    """The device being enrolled, not saved: its secret waits in the session until a code proves it."""
    key = session.get(PENDING_KEY_SESSION_KEY)
    if not key:
        key = session[PENDING_KEY_SESSION_KEY] = default_key()
    return TOTPDevice(user=user, name=TOTP_DEVICE_NAME, key=key, confirmed=True)


def _recovery_codes_replace(user) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_DEVICE_NAME,
                                                          defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def enrolment_confirm(*, user, code: str, request) -> list[str]:
    """Confirms the pending TOTP device with a code from the application; answers the new recovery codes."""
    device = pending_totp_device(user=user, session=request.session)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    code = code.strip().replace(" ", "")
    if not code.isdigit() or not totp.verify(int(code), tolerance=device.tolerance):
        raise SecondFactorRefused()
    TOTPDevice.objects.filter(user=user).delete()
    device.last_t = totp.t()  # the code just typed cannot be replayed at verification
    device.save()
    del request.session[PENDING_KEY_SESSION_KEY]
    request.session.pop("sam_second_factor_needed", None)  # decided again: this person now has a device
    codes = _recovery_codes_replace(user)
    otp_login(request, device)
    audit_record(actor=user, action="user.second_factor_enrol", target=user, request=request)
    return codes


def verify(*, user, code: str, request) -> None:
    """Verifies this session with a TOTP code or a recovery code (spent once); failures are audited."""
    code = code.strip().replace(" ", "")
    wait = 0
    for device in [*TOTPDevice.objects.filter(user=user, confirmed=True),
                   *StaticDevice.objects.filter(user=user, confirmed=True)]:
        allowed, _details = device.verify_is_allowed()
        if not allowed:
            wait = max(wait, _throttle_wait(device))
            continue
        verified = verify_token(user, device.persistent_id, code)
        if verified is not None:
            otp_login(request, verified)
            method = "recovery_code" if isinstance(verified, StaticDevice) else "totp"
            audit_record(actor=user, action="user.second_factor_verify", target=user, after={"method": method},
                         request=request)
            return
    audit_record(actor=user, action="user.second_factor_failure", target=user, after={"locked": bool(wait)},
                 request=request)
    raise SecondFactorRefused(wait)


def _throttle_wait(device) -> int:
    """Seconds left before django-otp's throttling (doubling after each wrong code) lets this device try again."""
    if not device.throttling_failure_timestamp:
        return 1
    delay = device.get_throttle_factor() * (2 ** (device.throttling_failure_count - 1))
    elapsed = (timezone.now() - device.throttling_failure_timestamp).total_seconds()
    return max(1, int(delay - elapsed) + 1)


@transaction.atomic
def recovery_codes_regenerate(*, user, request) -> list[str]:
    codes = _recovery_codes_replace(user)
    audit_record(actor=user, action="user.recovery_codes_regenerate", target=user, request=request)
    return codes


@transaction.atomic
def second_factor_reset(*, actor, organisation, user, request=None) -> None:
    """Removes every device of ``user``: they enrol again at their next sign-in (lost phone)."""
    if user.is_platform_admin and not actor.is_platform_admin:
        raise PermissionDenied("Only a platform administrator resets another one's second factor.")
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit_record(actor=actor, action="user.second_factor_reset", organisation=organisation, target=user,
                 request=request)
