"""Password reset by e-mail for mediators and staff (Django's auth views, French templates in
templates/registration/). Included without a namespace: Django's views and the admin's login
page (« Mot de passe oublié ? », shown when ``admin_password_reset`` exists) look these names up
as they are."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.urls import path


class StaffPasswordResetForm(PasswordResetForm):
    """Only accounts that can log in to the back office get a link: residents have none, and an
    unknown address gets the same answer (no account enumeration)."""

    def get_users(self, email):
        return (user for user in super().get_users(email) if user.is_staff)


urlpatterns = [
    path(
        "mot-de-passe/",
        auth_views.PasswordResetView.as_view(
            form_class=StaffPasswordResetForm,
            email_template_name="registration/password_reset_email.txt",
            subject_template_name="registration/password_reset_subject.txt",
            # Without django.contrib.sites the name would be the request's host.
            extra_email_context={"site_name": settings.SITE_NAME},
        ),
        name="admin_password_reset",
    ),
    path("mot-de-passe/envoye/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "mot-de-passe/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("mot-de-passe/change/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
