"""The referent's pages of connector accounts (the door itself is door_urls.py)."""

from django.urls import path

from sam.connectors import views

app_name = "connectors"
urlpatterns = [
    path("organisations/<int:org_pk>/connectors/", views.connector_list, name="connector_list"),
    path("organisations/<int:org_pk>/connectors/new/", views.connector_create, name="connector_create"),
    path("organisations/<int:org_pk>/connectors/<int:pk>/", views.connector_detail, name="connector_detail"),
    path("organisations/<int:org_pk>/connectors/<int:pk>/suspend/", views.connector_suspend,
         name="connector_suspend"),
    path("organisations/<int:org_pk>/connectors/<int:pk>/resume/", views.connector_resume, name="connector_resume"),
    path("organisations/<int:org_pk>/connectors/<int:pk>/certificate/", views.connector_rotate,
         name="connector_rotate"),
]
