from django.shortcuts import render
from django.urls import include, path

from config.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401
from hospitals.permissions import hospital_role_required


@hospital_role_required("pharmacist")
def stock_list(request):
    return render(request, "throwaway/stock_list.html")


stock_urls = ([path("stock/", stock_list, name="list")], "stock")

urlpatterns = [*urlpatterns, path("manage/<slug:hospital_slug>/", include(stock_urls))]
