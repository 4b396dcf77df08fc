from django.urls import path

from insured.views import home, slips, statements

app_name = "insured"
urlpatterns = [
    path("", home.home, name="home"),
    path("quote/", slips.quote, name="quote"),
    path("slips/", slips.slip_list, name="slips"),
    path("slips/issue/", slips.issue, name="issue"),
    path("slips/<str:number>/", slips.slip_detail, name="slip"),
    path("slips/<str:number>/pdf/", slips.slip_pdf, name="slip_pdf"),
    path("months/", slips.months, name="months"),
    path("reminders/", home.reminders, name="reminders"),
    path("statements/", statements.statement_list, name="statements"),
    path("statements/<str:number>/<int:year>/", statements.statement_detail, name="statement"),
    path("statements/<str:number>/<int:year>/object/", statements.statement_object, name="statement_object"),
]
