"""Screens of transfers to definitive archives."""

from django.urls import path

from sam.transfers import views

app_name = "transfers"
T = "t/<int:tenant_pk>/"
TRANSFER = T + "transfers/<int:pk>/"

urlpatterns = [
    path(T + "transfers/", views.transfer_list, name="list"),
    path(T + "transfers/new/", views.transfer_new_dua, name="new_dua"),
    path(T + "selections/<int:selection_pk>/transfer/", views.transfer_new_selection, name="new_selection"),
    path(TRANSFER, views.transfer_detail, name="detail"),
    path(TRANSFER + "sip.zip", views.transfer_sip, name="sip"),
    path(TRANSFER + "reply/", views.transfer_reply, name="reply"),
    path(TRANSFER + "bordereau/", views.transfer_print, name="print"),
    path(TRANSFER + "bordereau.pdf", views.transfer_print_pdf, name="print_pdf"),
    path(TRANSFER + "reply.xml", views.transfer_reply_file, name="reply_file"),
    path(TRANSFER + "send/", views.transfer_send, name="send"),
    path(TRANSFER + "parts/", views.transfer_group, name="group"),
    path(TRANSFER + "resume/", views.transfer_resume, name="resume"),
    path(TRANSFER + "parts/send/", views.transfer_parts_send, name="parts_send"),
    path(T + "transfers/platforms/", views.platform_list, name="platforms"),
    path(T + "transfers/platforms/<int:pk>/delete/", views.platform_delete, name="platform_delete"),
]
