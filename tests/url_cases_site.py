"""URL cases of the site-wide screens (sam/site/urls.py) and of the API schema."""

from tests.url_cases import AUTHENTICATED, PUBLIC, UrlCase, register


def _reset_kwargs(world):
    return {"uidb64": "MQ", "token": "set-password"}


def _revoke_token_of_b(world):
    from tenants.tokens import token_issue

    if "token_b" not in world.extra:  # built once: the matrix compares the database before and after
        world.extra["token_b"] = token_issue(actor=world.archivist_b, user=world.archivist_b,
                                             name="Secretbee connector").token.pk
    return {"action": "revoke", "token": world.extra["token_b"]}


register(
    UrlCase("home", AUTHENTICATED),
    UrlCase("api_tokens", AUTHENTICATED, methods=("get", "post"), data=_revoke_token_of_b,
            markers=lambda w: ["Secretbee connector"],
            note="a token of commune B named in the form is not found among the user's own"),
    UrlCase("profile", AUTHENTICATED),
    UrlCase("password_change", AUTHENTICATED),
    UrlCase("password_change_done", AUTHENTICATED),
    UrlCase("healthz", PUBLIC, note="monitoring probe: states and figures, nothing about any organisation"),
    UrlCase("login", PUBLIC),
    UrlCase("logout", PUBLIC, methods=("post",)),
    UrlCase("password_reset", PUBLIC),
    UrlCase("password_reset_done", PUBLIC),
    UrlCase("password_reset_confirm", PUBLIC, kwargs=_reset_kwargs),
    UrlCase("password_reset_complete", PUBLIC),
    UrlCase("set_language", PUBLIC, methods=("post",), data=lambda w: {"language": "en", "next": "/"}),
    UrlCase("oidc_authentication_init", PUBLIC, note="404 while single sign-on is not configured"),
    UrlCase("oidc_authentication_callback", PUBLIC, note="404 while single sign-on is not configured"),
    UrlCase("sso_refused", PUBLIC, note="404 while single sign-on is not configured"),
    UrlCase("second_factor:status", AUTHENTICATED),
    UrlCase("second_factor:enrol", AUTHENTICATED),
    UrlCase("second_factor:verify", AUTHENTICATED),
    UrlCase("second_factor:recovery_codes", AUTHENTICATED, methods=("post",)),
    UrlCase("api-schema", PUBLIC, note="the OpenAPI description of the API holds no data"),
    UrlCase("api-token", PUBLIC, methods=("post",), api=True,
            data=lambda w: {"username": w.referent_b.username, "password": "wrong"}),
)
