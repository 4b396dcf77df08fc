from django.urls import path

from branches.views import branch, counter, credentials, lapse, registry

app_name = "branches"
urlpatterns = [
    path("", branch.home, name="home"),
    path("<str:code>/", branch.branch_detail, name="detail"),
    # The insured registry, statements and debt slips (branches/views/registry.py)
    path("<str:code>/insured/", registry.search, name="insured_search"),
    path("<str:code>/insured/new/", registry.register, name="insured_register"),
    path("<str:code>/insured/<int:pk>/", registry.person, name="insured_detail"),
    # Lapse and return, objections (branches/views/lapse.py)
    path("<str:code>/contracts/<str:number>/extension/", lapse.extension_request, name="extension_request"),
    path("<str:code>/extensions/<int:pk>/decide/", lapse.extension_decide, name="extension_decide"),
    path("<str:code>/contracts/<str:number>/renew/", lapse.contract_renew, name="contract_renew"),
    path("<str:code>/objections/<int:pk>/answer/", lapse.objection_answer, name="objection_answer"),
    path("<str:code>/insured/<int:pk>/edit/", registry.person_edit, name="insured_edit"),
    path("<str:code>/insured/<int:pk>/dependants/", registry.dependant_add, name="dependant_add"),
    path("<str:code>/contracts/<str:number>/statements/<int:year>/", registry.statement, name="statement"),
    path("<str:code>/contracts/<str:number>/statements/<int:year>/compute/", registry.statement_compute,
         name="statement_compute"),
    path("<str:code>/contracts/<str:number>/statements/<int:year>/issue/", registry.statement_issue,
         name="statement_issue"),
    path("<str:code>/contracts/<str:number>/statements/<int:year>/debt-slip/", registry.debt_slip_issue,
         name="debt_slip_issue"),
    path("<str:code>/debt-slips/<str:number>/", registry.debt_slip, name="debt_slip"),
    path("<str:code>/debt-slips/<str:number>/pdf/", registry.debt_slip_pdf, name="debt_slip_pdf"),
    path("<str:code>/debt-slips/<str:number>/paid/", registry.debt_slip_paid, name="debt_slip_paid"),
    # Credential requests, the secretariat register, approval, letters (branches/views/credentials.py)
    path("<str:code>/credentials/", credentials.request_list, name="credential_list"),
    path("<str:code>/credentials/new/", credentials.request_new, name="credential_new"),
    path("<str:code>/credentials/<str:number>/", credentials.request_detail, name="credential_detail"),
    path("<str:code>/credentials/<str:number>/register/", credentials.request_register, name="credential_register"),
    path("<str:code>/credentials/<str:number>/decide/", credentials.request_decide, name="credential_decide"),
    path("<str:code>/credentials/<str:number>/cancel/", credentials.request_cancel, name="credential_cancel"),
    path("<str:code>/credentials/<str:number>/allocate/", credentials.request_allocate, name="credential_allocate"),
    path("<str:code>/credentials/<str:number>/deliver/", credentials.request_deliver, name="credential_deliver"),
    path("<str:code>/credentials/<str:number>/form.pdf", credentials.request_form_pdf, name="credential_form_pdf"),
    path("<str:code>/credentials/<str:number>/letter.pdf", credentials.request_letter_pdf,
         name="credential_letter_pdf"),
    # Slips issued at the counter for a walk-in (branches/views/counter.py)
    path("<str:code>/insured/<int:pk>/slip/", counter.counter_quote, name="counter_quote"),
    path("<str:code>/insured/<int:pk>/slip/issue/", counter.counter_issue, name="counter_issue"),
    path("<str:code>/slips/", counter.slip_list, name="slip_list"),
    path("<str:code>/slips/<str:number>/", counter.counter_slip, name="counter_slip"),
    path("<str:code>/slips/<str:number>/pdf/", counter.counter_slip_pdf, name="counter_slip_pdf"),
]
