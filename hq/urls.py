from django.urls import path

from hq.views import homes, processing, reference, reports

app_name = "hq"
urlpatterns = [
    path("", homes.manager_home, name="home"),
    path("technical/", homes.technical_home, name="technical_home"),
    path("broker-affairs/", homes.broker_affairs_home, name="broker_affairs_home"),
    path("data-processing/", homes.data_processing_home, name="data_processing_home"),
    # Reference data: prepared by an expert, approved by the manager (views/reference.py)
    path("reference/", reference.reference_home, name="reference"),
    path("reference/new/<str:kind>/", reference.change_new, name="change_new"),
    path("reference/<int:pk>/", reference.change_detail, name="change"),
    path("reference/<int:pk>/approve/", reference.change_approve, name="change_approve"),
    path("reference/<int:pk>/reject/", reference.change_reject, name="change_reject"),
    # Data processing: runs queued here, carried out by the worker (views/processing.py, processing.py)
    path("processing/", processing.processing_home, name="processing"),
    path("processing/statements/", processing.start_statements, name="start_statements"),
    path("processing/import/", processing.start_import, name="start_import"),
    path("processing/<int:pk>/", processing.run_detail, name="run"),
    # Reports: chart, table, CSV (views/reports.py)
    path("reports/", reports.report_index, name="reports"),
    path("reports/<slug:slug>/", reports.report_page, name="report"),
]
