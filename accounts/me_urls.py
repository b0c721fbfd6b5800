from django.urls import path

from . import views

app_name = "me"

urlpatterns = [
    path("", views.me_home, name="home"),
    path("profile/", views.profile, name="profile"),
    path("cart/", views.my_cart, name="cart"),
    path("orders/", views.my_orders, name="orders"),
    path("tokens/", views.api_tokens, name="api-tokens"),
    path("tokens/revoke/", views.revoke_api_token, name="api-token-revoke"),
    path("tokens/revoke-all/", views.revoke_all_api_tokens, name="api-tokens-revoke-all"),
]
