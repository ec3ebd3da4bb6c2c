"""Run the test identity provider: `python -m tests.oidc_idp.server WORKDIR`.

WORKDIR holds people.json (the directory: username, password, email, email_verified,
employee_number) and client.json (id, secret, redirect_uris of the one client, the portal).
The provider makes its signing key and SQLite database there, binds a free 127.0.0.1 port and
prints `listening on http://127.0.0.1:PORT` once it answers; it serves until terminated."""

import json
import os
import sys
from pathlib import Path


def _signing_key(path: Path) -> None:
    if path.exists():
        return
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _seed(workdir: Path) -> None:
    from allauth.account.models import EmailAddress
    from allauth.idp.oidc.models import Client
    from django.contrib.auth.models import User

    for person in json.loads((workdir / "people.json").read_text()):
        user = User.objects.create_user(person["username"], person.get("email", ""))
        user.set_password(person["password"])
        user.save()
        if person.get("email"):
            EmailAddress.objects.create(
                user=user,
                email=person["email"],
                verified=person.get("email_verified", True),
                primary=True,
            )
    spec = json.loads((workdir / "client.json").read_text())
    client = Client(id=spec["id"], name="Readyline", skip_consent=True)
    client.set_secret(spec["secret"])
    client.set_scopes(["openid", "profile", "email"])
    client.set_redirect_uris(spec["redirect_uris"])
    client.save()


def main(workdir: Path) -> None:
    _signing_key(workdir / "signing-key.pem")
    os.environ["OIDC_IDP_WORKDIR"] = str(workdir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_idp.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    call_command("migrate", verbosity=0)
    _seed(workdir)
    server = ThreadedWSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    server.set_app(get_wsgi_application())
    print(f"listening on http://127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
