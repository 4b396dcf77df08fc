from django.urls import path

from brokers import views

app_name = "brokers"
urlpatterns = [
    path("", views.home, name="home"),
    path("<str:code>/", views.office_detail, name="detail"),
]
