from django.urls import path

import branches.credentials as cred
from branches import views

app_name = "branches"
urlpatterns = [
    path("", views.home, name="home"),
    path("<str:code>/", views.branch_detail, name="detail"),
    # Credential requests, the secretariat register, approval, letters (branches/credentials.py)
    path("<str:code>/credentials/", cred.request_list, name="credential_list"),
    path("<str:code>/credentials/new/", cred.request_new, name="credential_new"),
    path("<str:code>/credentials/<str:number>/", cred.request_detail, name="credential_detail"),
    path("<str:code>/credentials/<str:number>/register/", cred.request_register, name="credential_register"),
    path("<str:code>/credentials/<str:number>/decide/", cred.request_decide, name="credential_decide"),
    path("<str:code>/credentials/<str:number>/cancel/", cred.request_cancel, name="credential_cancel"),
    path("<str:code>/credentials/<str:number>/allocate/", cred.request_allocate, name="credential_allocate"),
    path("<str:code>/credentials/<str:number>/deliver/", cred.request_deliver, name="credential_deliver"),
    path("<str:code>/credentials/<str:number>/form.pdf", cred.request_form_pdf, name="credential_form_pdf"),
    path("<str:code>/credentials/<str:number>/letter.pdf", cred.request_letter_pdf, name="credential_letter_pdf"),
]
