from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Staff come from the roster and are invited; nobody signs themselves up."""

    def is_open_for_signup(self, request):
        return False
