"""Single sign-on (issue 9): the settings the environment asks for, the sign-in page's buttons,
matching people to the roster, and signing in end to end through a real OpenID Connect provider
(allauth's identity-provider mode, tests/oidc_idp/) running in its own process on loopback."""

from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import urljoin

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session

from portal.accounts.sso import REFUSALS, Refused, employee_number, roster_match
from portal.records.models import AuditEvent
from portal.settings.sso import sso_settings
from tests.factories import StaffFactory, UserFactory
from tests.oidc_idp.harness import running_provider

PASSWORD = "idp-pass-123"
# The provider's directory. Chen's IdP email differs from her portal login: only her employee
# number can match her. Wang has no number: his (verified) email must. The stranger is on no
# roster; Li's email is unverified; Zhao has left.
IDP_PEOPLE = [
    {"username": "chen", "email": "n.chen@idp.example", "employee_number": "E10001"},
    {"username": "wang", "email": "Wang.Wei@Riverside.example"},
    {"username": "stranger", "email": "stranger@elsewhere.example", "employee_number": "X1"},
    {"username": "li", "email": "li.na@riverside.example", "email_verified": False},
    {"username": "zhao", "email": "zhao@idp.example", "employee_number": "E10004"},
]
for _person in IDP_PEOPLE:
    _person.setdefault("password", PASSWORD)


# --- settings ----------------------------------------------------------------------------------


def test_nothing_configured_means_no_provider():
    built = sso_settings({})
    assert built["SOCIALACCOUNT_PROVIDERS"] == {}
    # The apps (and so their tables) are there whatever the environment.
    assert "allauth.socialaccount.providers.openid_connect" in built["SSO_APPS"]
    assert "allauth.socialaccount.providers.saml" in built["SSO_APPS"]


def test_oidc_is_configured_by_the_environment():
    built = sso_settings(
        {
            "OIDC_SERVER_URL": "https://id.hospital.example/realms/staff",
            "OIDC_CLIENT_ID": "readyline",
            "OIDC_CLIENT_SECRET": "s3cret",
            "OIDC_NAME": "Riverside ID",
            "OIDC_EMPLOYEE_NUMBER_CLAIM": "staff_no",
            "OIDC_EMAIL_VERIFIED": "true",
        }
    )
    (app,) = built["SOCIALACCOUNT_PROVIDERS"]["openid_connect"]["APPS"]
    assert app["provider_id"] == "hospital"
    assert (app["name"], app["client_id"], app["secret"]) == ("Riverside ID", "readyline", "s3cret")
    assert app["settings"]["server_url"] == "https://id.hospital.example/realms/staff"
    assert app["settings"]["employee_number_claim"] == "staff_no"
    assert app["settings"]["verified_email"] is True
    assert app["settings"]["oauth_pkce_enabled"] is True
    assert "saml" not in built["SOCIALACCOUNT_PROVIDERS"]


def test_saml_is_configured_by_the_environment():
    built = sso_settings(
        {
            "SAML_IDP_ENTITY_ID": "https://adfs.hospital.example/adfs/services/trust",
            "SAML_IDP_METADATA_URL": "https://adfs.hospital.example/metadata.xml",
            "SAML_NAME": "Hospital AD",
        }
    )
    (app,) = built["SOCIALACCOUNT_PROVIDERS"]["saml"]["APPS"]
    assert app["client_id"] == "hospital" and app["name"] == "Hospital AD"
    assert app["settings"]["idp"] == {
        "entity_id": "https://adfs.hospital.example/adfs/services/trust",
        "metadata_url": "https://adfs.hospital.example/metadata.xml",
    }
    assert app["settings"]["advanced"]["want_assertion_signed"] is True
    assert app["settings"]["verified_email"] is False


# --- the sign-in page --------------------------------------------------------------------------


def test_sign_in_page_has_no_sso_button_when_nothing_is_configured(client, db, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    body = client.get("/accounts/login/").content.decode()
    assert "data-sso" not in body and "Sign in with" not in body


def test_sign_in_page_has_a_button_per_provider(client, db, settings):
    settings.SOCIALACCOUNT_PROVIDERS = sso_settings(
        {
            "OIDC_SERVER_URL": "http://127.0.0.1:1",
            "OIDC_CLIENT_ID": "x",
            "OIDC_NAME": "Riverside ID",
            "SAML_IDP_ENTITY_ID": "urn:idp",
            "SAML_IDP_SSO_URL": "http://127.0.0.1:1/sso",
            "SAML_NAME": "Hospital AD",
        }
    )["SOCIALACCOUNT_PROVIDERS"]
    forms = _forms(client.get("/accounts/login/?next=/exams/").content.decode())
    sso = {form["attrs"]["data-sso"]: form for form in forms if "data-sso" in form["attrs"]}
    assert (
        sso["openid_connect"]["action"]
        == "/accounts/oidc/hospital/login/?process=login&next=%2Fexams%2F"
    )
    assert sso["openid_connect"]["method"] == "post"
    assert sso["openid_connect"]["button"] == "Sign in with Riverside ID"
    assert sso["saml"]["action"].startswith("/accounts/saml/hospital/login/")
    assert sso["saml"]["button"] == "Sign in with Hospital AD"
    # The password form is still there, unchanged.
    assert any(form["action"] == "/accounts/login/" for form in forms)


# --- matching (SAML-shaped claims, no network) -------------------------------------------------


class _Assertion:
    """What python3-saml hands allauth after checking a response's signature."""

    def __init__(self, attributes, nameid="nameid-1"):
        self._attributes = attributes
        self._nameid = nameid

    def get_attributes(self):
        return self._attributes

    def get_nameid(self):
        return self._nameid

    def get_nameid_format(self):
        return "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"


def _saml_login(rf, attributes):
    from allauth.socialaccount.models import SocialApp
    from allauth.socialaccount.providers.saml.provider import SAMLProvider

    config = sso_settings({"SAML_IDP_ENTITY_ID": "urn:idp", "SAML_IDP_SSO_URL": "http://x/"})
    app_config = config["SOCIALACCOUNT_PROVIDERS"]["saml"]["APPS"][0]
    app = SocialApp(provider="saml", client_id="hospital", settings=app_config["settings"])
    request = rf.get("/")
    provider = SAMLProvider(request, app=app)
    return provider.sociallogin_from_response(request, _Assertion(attributes))


def test_saml_attributes_give_the_employee_number_and_emails(rf, db):
    login = _saml_login(
        rf,
        {
            "urn:oid:2.16.840.1.113730.3.1.3": ["E20001"],
            "urn:oid:0.9.2342.19200300.100.1.3": ["sun@riverside.example"],
        },
    )
    assert employee_number(login) == "E20001"
    # SAML_EMAIL_VERIFIED is off by default: the email alone would not match anyone.
    assert [(a.email, a.verified) for a in login.email_addresses] == [
        ("sun@riverside.example", False)
    ]


def test_roster_match_prefers_the_employee_number(db):
    staff = StaffFactory(employee_no="E30001", user=UserFactory(email="gao@riverside.example"))
    other = UserFactory(email="someone@riverside.example")
    assert roster_match(number="e30001", emails=[]) == staff.user
    assert roster_match(number="", emails=["SOMEONE@riverside.example"]) == other
    # The provider's number belongs to nobody, and the email's owner has another number.
    with pytest.raises(Refused) as refused:
        roster_match(number="E39999", emails=["gao@riverside.example"])
    assert refused.value.reason == "no_match"


def test_roster_match_refuses_leavers_and_staff_without_a_login(db):
    StaffFactory(employee_no="E30002", active=False)
    StaffFactory(employee_no="E30003", user=None)
    UserFactory(email="off@riverside.example", is_active=False)
    for number, emails, reason in [
        ("E30002", [], "inactive"),
        ("E30003", [], "no_login"),
        ("", ["off@riverside.example"], "inactive"),
        ("", [], "no_match"),
    ]:
        with pytest.raises(Refused) as refused:
            roster_match(number=number, emails=emails)
        assert refused.value.reason == reason


# --- end to end through a real OpenID Connect provider ------------------------------------------


@pytest.fixture(scope="module")
def provider(live_server, tmp_path_factory):
    callback = f"{live_server.url}/accounts/oidc/hospital/login/callback/"
    with running_provider(
        tmp_path_factory.mktemp("oidc-idp"), people=IDP_PEOPLE, redirect_uris=[callback]
    ) as running:
        yield running


@pytest.fixture
def portal(provider, live_server, transactional_db, settings):
    """The portal signing in through the provider, with its roster: Chen (by number), Wang (by
    email), Li (email on the roster, but the provider has not verified it) and Zhao (left)."""
    from django.core.cache import cache

    cache.clear()
    settings.SOCIALACCOUNT_PROVIDERS = sso_settings(provider.environ())["SOCIALACCOUNT_PROVIDERS"]
    people = SimpleNamespace(
        chen=StaffFactory(
            employee_no="E10001", user=UserFactory(email="chen.na@riverside.example")
        ),
        wang=StaffFactory(
            employee_no="E10002", user=UserFactory(email="wang.wei@riverside.example")
        ),
        li=StaffFactory(employee_no="E10003", user=UserFactory(email="li.na@riverside.example")),
        zhao=StaffFactory(employee_no="E10004", active=False),
    )
    return SimpleNamespace(url=live_server.url, people=people)


def test_matched_by_employee_number_is_signed_in(portal):
    browser = requests.Session()
    landed = sso_sign_in(browser, portal.url, "chen")
    assert landed.url == f"{portal.url}/training/"
    chen = portal.people.chen.user
    assert signed_in_user_id(browser) == chen.pk
    account = SocialAccount.objects.get(user=chen)
    assert account.provider == "hospital"
    assert AuditEvent.objects.filter(action="auth.sso_connected", object_id=str(chen.pk)).exists()
    # Her password still works: connecting an identity provider does not take it away.
    chen.refresh_from_db()
    assert chen.has_usable_password()
    # Next time the connection itself finds her (no second account).
    again = requests.Session()
    assert sso_sign_in(again, portal.url, "chen").url == f"{portal.url}/training/"
    assert signed_in_user_id(again) == chen.pk
    assert SocialAccount.objects.filter(user=chen).count() == 1


def test_matched_by_verified_email_whatever_its_case(portal):
    browser = requests.Session()
    landed = sso_sign_in(browser, portal.url, "wang")
    assert landed.url == f"{portal.url}/training/"
    assert signed_in_user_id(browser) == portal.people.wang.user.pk


@pytest.mark.parametrize(
    ("username", "reason"), [("stranger", "no_match"), ("li", "no_match"), ("zhao", "inactive")]
)
def test_refused_on_the_sign_in_page_and_nobody_is_created(portal, username, reason):
    users_before = get_user_model().objects.count()
    browser = requests.Session()
    landed = sso_sign_in(browser, portal.url, username)
    assert landed.url == f"{portal.url}/accounts/login/"
    assert str(REFUSALS[reason]) in _unescape(landed.text)
    assert signed_in_user_id(browser) is None
    assert get_user_model().objects.count() == users_before
    assert not SocialAccount.objects.exists()
    refusal = AuditEvent.objects.get(action="auth.sso_refused")
    assert refusal.after["reason"] == reason


# --- helpers -----------------------------------------------------------------------------------


def sso_sign_in(browser: requests.Session, portal_url: str, username: str) -> requests.Response:
    """What a person does: on the portal's sign-in page, press the provider's button; at the
    provider, sign in; follow the redirects back. Returns the page they end on."""
    page = browser.get(f"{portal_url}/accounts/login/", timeout=30)
    (button,) = [f for f in _forms(page.text) if f["attrs"].get("data-sso") == "openid_connect"]
    at_provider = browser.post(
        urljoin(page.url, button["action"]), data=button["fields"], timeout=30
    )
    assert "/accounts/login/" in at_provider.url and not at_provider.url.startswith(portal_url)
    (login,) = [f for f in _forms(at_provider.text) if "password" in f["fields"]]
    fields = {**login["fields"], "login": username, "password": PASSWORD}
    return browser.post(urljoin(at_provider.url, login["action"]), data=fields, timeout=30)


def signed_in_user_id(browser: requests.Session):
    key = browser.cookies.get("sessionid", domain="localhost") or browser.cookies.get("sessionid")
    if not key:
        return None
    session = Session.objects.filter(session_key=key).first()
    data = session.get_decoded() if session else {}
    return int(data["_auth_user_id"]) if "_auth_user_id" in data else None


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._in_button = False

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(
                {
                    "action": attrs.get("action", ""),
                    "method": attrs.get("method", "get").lower(),
                    "attrs": attrs,
                    "fields": {},
                    "button": "",
                }
            )
        elif tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value", "")
        elif tag == "button" and self.forms:
            self._in_button = True

    def handle_endtag(self, tag):
        if tag == "button":
            self._in_button = False

    def handle_data(self, data):
        if self._in_button:
            self.forms[-1]["button"] += data.strip()


def _forms(html: str) -> list[dict]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms
