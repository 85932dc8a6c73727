from django.urls import path

from svduty.access import views
from svduty.access.decorators import public

app_name = "access"
urlpatterns = [
    path("login/", public(views.SignInView.as_view()), name="login"),
    path("logout/", views.sign_out, name="logout"),
    path("two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("audit/", views.audit_search, name="audit"),
    path("", views.my_account, name="my_account"),
]
