"""Screens of selections (paniers) and of the actions on them."""

from django.urls import path

from sam.selection import views

app_name = "selection"
T = "t/<int:tenant_pk>/"
SELECTION = T + "selections/<int:pk>/"

urlpatterns = [
    path(T + "selection/", views.selection_current, name="current"),
    path(T + "selection/add/", views.selection_add, name="add"),
    path(T + "selections/", views.selection_list, name="list"),
    path(SELECTION, views.selection_detail, name="detail"),
    path(SELECTION + "update/", views.selection_update, name="update"),
    path(SELECTION + "rules/", views.selection_mass_update, name="mass_update"),
    path(SELECTION + "description/", views.selection_description_update, name="description_update"),
    path(SELECTION + "elimination/", views.selection_analysis, name="analysis"),
    path(SELECTION + "export.csv", views.selection_export, name="export"),
    path(SELECTION + "files/", views.selection_zip, name="zip"),
]
