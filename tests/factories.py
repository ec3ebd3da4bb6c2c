import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from portal.accounts.mfa import mfa_required, totp_code
from portal.org.models import Department, JobRole, Shift, Site, StaffMember


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@hospital.example")
    first_name = factory.Faker("name")
    password = factory.django.Password("pw-for-tests-123")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))

    @factory.post_generation
    def authenticator(self, create, extracted, **kwargs):
        """People whose role requires two-factor authentication have set it up, as they must
        (portal/accounts/mfa.py); authenticator=False makes one who has not yet."""
        if create and extracted is not False and mfa_required(self):
            give_authenticator(self)


TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def give_authenticator(user, secret: str = TOTP_SECRET):
    """An authenticator app with a known secret (code_now(secret) gives its current code)."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)


def code_now(secret: str = TOTP_SECRET) -> str:
    return totp_code(secret)


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"S{n}")
    name = factory.Sequence(lambda n: f"Campus {n}")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"D{n}")
    name = factory.Sequence(lambda n: f"Department {n}")
    name_zh = factory.Sequence(lambda n: f"科室{n}")


def job_role(code="nurse"):
    return JobRole.objects.get_or_create(code=code, defaults={"name": code.title()})[0]


def shift(code="day"):
    return Shift.objects.get_or_create(code=code, defaults={"name": code.title()})[0]


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMember

    user = factory.SubFactory(UserFactory)
    employee_no = factory.Sequence(lambda n: f"E{n:05d}")
    full_name = factory.Sequence(lambda n: f"Staff {n}")
    department = factory.SubFactory(DepartmentFactory)
    job_role = factory.LazyFunction(job_role)
    shift = factory.LazyFunction(shift)
    title = "护士"


def person(role_names=(), department=None, **kwargs):
    """A staff member with a login in the given portal roles."""
    user = UserFactory(roles=list(role_names))
    extra = {"department": department} if department else {}
    return StaffFactory(user=user, **extra, **kwargs)
