app_name = "hospitals"
urlpatterns = []
