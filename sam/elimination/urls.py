"""HTML screens of eliminations (tenant-scoped), visas, mass updates and notifications."""

from django.urls import path

from sam.elimination import views

app_name = "elimination"
T = "t/<int:tenant_pk>/"
P = T + "elimination/<int:pk>/"
urlpatterns = [
    path(T + "elimination/", views.proposal_list, name="proposal_list"),
    path(T + "elimination/new/", views.analysis_create, name="analysis_create"),
    path(P, views.proposal_detail, name="proposal_detail"),
    path(P + "units/", views.proposal_units_update, name="proposal_units_update"),
    path(P + "submit/", views.proposal_submit, name="proposal_submit"),
    path(P + "decide/", views.proposal_decide, name="proposal_decide"),
    path(P + "execute/", views.proposal_execute, name="proposal_execute"),
    path(P + "copy/", views.proposal_copy, name="proposal_copy"),
    path(P + "discard/", views.proposal_discard, name="proposal_discard"),
    path(P + "bordereau/", views.proposal_print, name="proposal_print"),
    path(P + "bordereau.pdf", views.proposal_print_pdf, name="proposal_print_pdf"),
    path(P + "units.csv", views.proposal_csv, name="proposal_csv"),
    path(P + "certificate.pdf", views.proposal_certificate, name="proposal_certificate"),
    path(P + "report.jsonl", views.proposal_report, name="proposal_report"),
    path(P + "certificate-annex.csv", views.proposal_certificate_annex, name="proposal_certificate_annex"),
    path(P + "certificate/restart/", views.proposal_certificate_restart, name="proposal_certificate_restart"),
    path("visas/", views.visa_list, name="visa_list"),
    path(T + "mass-updates/", views.mass_update_list, name="mass_update_list"),
    path(T + "mass-updates/new/", views.mass_update_create, name="mass_update_create"),
    path(T + "mass-updates/<int:pk>/", views.mass_update_detail, name="mass_update_detail"),
    path(T + "mass-updates/<int:pk>/resume/", views.mass_update_resume, name="mass_update_resume"),
    path(T + "mass-updates/<int:pk>/report.jsonl", views.mass_update_report, name="mass_update_report"),
    path("notifications/", views.notification_list, name="notification_list"),
]
