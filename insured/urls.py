from django.urls import path

from insured import views

app_name = "insured"
urlpatterns = [
    path("", views.home, name="home"),
]
