"""Screens of communications (DIP)."""

from django.urls import path

from sam.communication import views

app_name = "communication"
T = "t/<int:tenant_pk>/"

urlpatterns = [
    path(T + "selections/<int:selection_pk>/communicate/", views.communication_create, name="create"),
    path(T + "communications/", views.communication_list, name="list"),
    path(T + "communications/<int:pk>/", views.communication_detail, name="detail"),
    path(T + "communications/<int:pk>/dip.zip", views.communication_download, name="download"),
    path(T + "communications/<int:pk>/parts/<int:index>/dip.zip", views.communication_download,
         name="part_download"),
    path(T + "communications/<int:pk>/resume/", views.communication_resume, name="resume"),
]
