"""REST endpoints of Deposits (under /api/v1/). Route names are prefixed "api-"."""

from django.urls import path

from sam.deposits import api

urlpatterns = [
    path("tenants/<int:tenant_pk>/deposits/", api.DepositListCreate.as_view(), name="api-deposit-list"),
    path("tenants/<int:tenant_pk>/deposits/<int:pk>/", api.DepositDetail.as_view(), name="api-deposit-detail"),
    path("tenants/<int:tenant_pk>/deposits/<int:pk>/atr/", api.DepositAtr.as_view(), name="api-deposit-atr"),
]
