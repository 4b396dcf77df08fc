from django.urls import path

from payments import views

app_name = "payments"
urlpatterns = [
    path("slip/<str:number>/", views.pay_slip, name="pay_slip"),
    path("slip/<str:number>/receipt/", views.slip_receipt, name="slip_receipt"),
    path("debt/<str:number>/", views.pay_debt_slip, name="pay_debt_slip"),
    path("office/slip/<str:number>/", views.pay_office_slip, name="pay_office_slip"),
    path("branch/<str:code>/slip/<str:number>/", views.pay_branch_slip, name="pay_branch_slip"),
    path("branch/<str:code>/debt/<str:number>/", views.pay_branch_debt_slip, name="pay_branch_debt_slip"),
    path("office/slip/<str:number>/receipt/", views.office_slip_receipt, name="office_slip_receipt"),
    path("callback/<str:order_id>/", views.callback, name="callback"),
    path("result/<uuid:public_key>/", views.result, name="result"),
    path("receipt/<uuid:public_key>/pdf/", views.receipt_pdf, name="receipt_pdf"),
    path("hq/gateways/", views.gateway_report, name="gateway_report"),
    path("hq/gateways/csv/", views.gateway_report_csv, name="gateway_report_csv"),
    path("hq/review/", views.review_find, name="review_find"),
    path("hq/review/<str:order_id>/", views.review, name="review"),
]
