from django.urls import path

from branches import views

app_name = "branches"
urlpatterns = [
    path("", views.home, name="home"),
    path("<str:code>/", views.branch_detail, name="detail"),
]
