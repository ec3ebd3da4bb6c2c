from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        # Groups and their permissions are data every environment needs. post_migrate fires once
        # per app and permissions appear app by app, so sync after each (idempotent, six groups).
        post_migrate.connect(_sync_roles, dispatch_uid="readyline_roles_sync")
        from django.contrib.auth.signals import user_logged_in

        from .mfa import remember_on_sign_in

        user_logged_in.connect(remember_on_sign_in, dispatch_uid="readyline_mfa_on_sign_in")


def _sync_roles(sender, using="default", **kwargs):
    from .roles import roles_sync

    roles_sync(using=using)
