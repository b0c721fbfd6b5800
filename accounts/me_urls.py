app_name = "me"
urlpatterns = []
