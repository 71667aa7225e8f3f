"""HTML screens of Deposits (tenant-scoped: /t/<tenant_pk>/deposits/...)."""

from django.urls import path

from sam.deposits import views

app_name = "deposits"
urlpatterns = [
    path("t/<int:tenant_pk>/deposits/", views.deposit_list, name="deposit_list"),
    path("t/<int:tenant_pk>/deposits/new/", views.deposit_create, name="deposit_create"),
    path("t/<int:tenant_pk>/deposits/simple/", views.simple_create, name="simple_create"),
    path("t/<int:tenant_pk>/deposits/<int:pk>/", views.deposit_detail, name="deposit_detail"),
    path("t/<int:tenant_pk>/deposits/<int:pk>/review/", views.deposit_review, name="deposit_review"),
    path("t/<int:tenant_pk>/deposits/<int:pk>/status/", views.deposit_status, name="deposit_status"),
    path("t/<int:tenant_pk>/deposits/<int:pk>/send/", views.deposit_send, name="deposit_send"),
    path("t/<int:tenant_pk>/deposits/<int:pk>/retry/", views.deposit_retry, name="deposit_retry"),
    path("t/<int:tenant_pk>/deposits/<int:pk>/cancel/", views.deposit_cancel, name="deposit_cancel"),
    path("t/<int:tenant_pk>/deposits/<int:pk>/atr/", views.deposit_atr, name="deposit_atr"),
    path("t/<int:tenant_pk>/deposits/<int:pk>/slip/", views.deposit_slip, name="deposit_slip"),
    path("t/<int:tenant_pk>/deposits/<int:pk>/slip.pdf", views.deposit_slip_pdf, name="deposit_slip_pdf"),
]
