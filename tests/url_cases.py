"""Registry of URL cases for tests/test_url_isolation.py, the permission matrix that walks the URL resolver.

Every named URL pattern of the project needs a case, or the suite fails. An app registers its cases in
its own module ``tests/url_cases_<app>.py`` (imported automatically), for example::

    from tests.url_cases import ORGANISATION, UrlCase, register

    register(
        UrlCase("referentials:rule_detail", ORGANISATION, kwargs=lambda w: {"pk": make_rule(w.org_b).pk}),
        UrlCase("referentials:rule_delete", ORGANISATION, methods=("post",),
                kwargs=lambda w: {"pk": make_rule(w.org_b).pk}),
    )

``kwargs(world)`` builds the URL's arguments for COMMUNE B's objects (``world`` is tests.factories.World).
The test then checks, for each method:
- anonymous visitors: redirected to the login page (API: 401/403) unless the case is PUBLIC;
- every user on commune A's side (referent, archivist, researcher of A, controller of the archives
  controlling A): 403 or 404 for ORGANISATION and PLATFORM cases, never a marker of commune B in the
  response, and no change in the database;
- AUTHENTICATED cases (pages every user may open, e.g. the home page): any non-error answer, still
  without a marker of commune B and without a database change;
- platform administrators: reach ORGANISATION and PLATFORM cases (no 403/404/5xx).

Inside commune B itself, tests/test_role_matrix.py tries every ORGANISATION case as B's referent,
archivist, researcher and as a controller of the departmental archives controlling B: ``roles`` names
those who may use the URL (the others get 403/404 and change nothing). Every ORGANISATION case must
declare its roles; a module gives its usual set with ``register(..., roles=...)`` and a case that
differs declares its own.

Screens that work in the *current* organisation/tenant (no id in the URL, e.g. a search page) are
AUTHENTICATED cases: give ``query``/``data`` that name commune B's objects (a forged id) and ``markers``
listing strings of commune B's data that must never come back. API endpoints set ``api=True``.
Objects a kwargs builder creates belong to commune B (``world.org_b``, ``world.tenant_b``,
``world.referent_b``, ``world.archivist_b``); helpers are in tests/factories.py.
"""

import dataclasses
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PUBLIC = "public"                # anyone, signed in or not (login, password reset, schema)
AUTHENTICATED = "authenticated"  # any signed-in user; must not show commune B's data to A's users
PLATFORM = "platform"            # platform administrators only
ORGANISATION = "organisation"    # scoped to commune B by kwargs/data: A's users must get 403/404

ACCESS_LEVELS = (PUBLIC, AUTHENTICATED, PLATFORM, ORGANISATION)

# The roles inside one commune (tests/test_role_matrix.py), and the usual sets of them.
REFERENT, ARCHIVIST, CONTROLLER, RESEARCHER = "referent", "archivist", "controller", "researcher"
ROLES = (REFERENT, ARCHIVIST, CONTROLLER, RESEARCHER)
ARCHIVE_STAFF = frozenset({REFERENT, ARCHIVIST})  # search, deposit, eliminate, manage_referentials
REFERENT_ONLY = frozenset({REFERENT})             # manage_users, view_audit
RESEARCHERS = frozenset({RESEARCHER})             # consult_communicable
VISA = frozenset({CONTROLLER})                    # give_visa (departmental archives)
EVERY_ROLE = frozenset(ROLES)                     # view_organisation
MEMBERS = EVERY_ROLE - {CONTROLLER}               # view_organisation on the commune itself
NOBODY = frozenset()                              # platform administrators only, on a commune's object


def no_kwargs(world):
    return {}


@dataclass(frozen=True)
class UrlCase:
    name: str                                   # reverse() name, with its namespace: "tenants:user_detail"
    access: str
    kwargs: Callable = no_kwargs                # world -> URL kwargs (commune B's objects)
    methods: tuple = ("get",)                   # HTTP methods to try: get, post, put, patch, delete
    data: Callable | None = None                # world -> request body (POST form data, or JSON for API)
    query: Callable | None = None               # world -> GET parameters
    api: bool = False                           # REST endpoint: JSON bodies, 401/403 for anonymous
    markers: Callable | None = None             # world -> extra strings that must never appear for A's users
    roles: frozenset | dict | None = None       # roles of commune B that may use it (ORGANISATION cases),
                                                # or {method: roles} when they differ by method
    audited_reading: bool = False               # A's users may read here, and that reading is audited
    note: str = ""

    def __post_init__(self):
        if self.access not in ACCESS_LEVELS:
            raise ValueError(f"{self.name}: access must be one of {ACCESS_LEVELS}")
        by_method = self.roles.values() if isinstance(self.roles, dict) else [self.roles or ()]
        if not all(set(roles) <= set(ROLES) for roles in by_method):
            raise ValueError(f"{self.name}: roles must be among {ROLES}")
        if isinstance(self.roles, dict) and set(self.roles) != set(self.methods):
            raise ValueError(f"{self.name}: give the roles of each of its methods {self.methods}")

    def roles_for(self, method: str) -> frozenset:
        return frozenset(self.roles[method] if isinstance(self.roles, dict) else self.roles)


REGISTRY: dict[str, UrlCase] = {}
_LOADED = False


def register(*cases: UrlCase, roles: frozenset | None = None) -> None:
    """Adds the cases; ``roles`` is given to those of them that declare none."""
    for case in cases:
        if roles is not None and case.roles is None:
            case = dataclasses.replace(case, roles=frozenset(roles))
        if case.roles is not None:
            case.__post_init__()
        if case.name in REGISTRY:
            raise ValueError(f"URL case registered twice: {case.name}")
        REGISTRY[case.name] = case


def load_all() -> dict[str, UrlCase]:
    """Imports every tests/url_cases_<app>.py once and returns the registry."""
    global _LOADED
    if not _LOADED:
        here = Path(__file__).parent
        for module in sorted(pkgutil.iter_modules([str(here)]), key=lambda m: m.name):
            if module.name.startswith("url_cases_"):
                importlib.import_module(f"tests.{module.name}")
        _LOADED = True
    return REGISTRY


def commune_b_markers(world) -> list[str]:
    return [world.org_b.name, world.referent_b.username, world.archivist_b.username, world.archivist_b.last_name,
            world.tenant_b.label]
