app_name = "signing"
urlpatterns: list = []
