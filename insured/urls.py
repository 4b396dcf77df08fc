from django.urls import path

from insured import slip_views, views

app_name = "insured"
urlpatterns = [
    path("", views.home, name="home"),
    path("quote/", slip_views.quote, name="quote"),
    path("slips/", slip_views.slip_list, name="slips"),
    path("slips/issue/", slip_views.issue, name="issue"),
    path("slips/<str:number>/", slip_views.slip_detail, name="slip"),
    path("slips/<str:number>/pdf/", slip_views.slip_pdf, name="slip_pdf"),
    path("months/", slip_views.months, name="months"),
]
