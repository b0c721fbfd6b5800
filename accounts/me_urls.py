from django.urls import path

from . import views

app_name = "me"

urlpatterns = [
    path("", views.me_home, name="home"),
    path("profile/", views.profile, name="profile"),
    path("tokens/", views.api_tokens, name="api-tokens"),
    path("tokens/revoke/", views.revoke_api_token, name="api-token-revoke"),
    path("tokens/revoke-all/", views.revoke_all_api_tokens, name="api-tokens-revoke-all"),
]
