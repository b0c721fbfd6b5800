def dashboard(request):
    pass
