from django.urls import path

from hq import views

app_name = "hq"
urlpatterns = [
    path("technical/", views.technical_home, name="technical_home"),
    path("broker-affairs/", views.broker_affairs_home, name="broker_affairs_home"),
    path("data-processing/", views.data_processing_home, name="data_processing_home"),
]
