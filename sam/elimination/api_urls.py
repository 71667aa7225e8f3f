"""REST endpoints of elimination proposals (under /api/v1/). Route names are prefixed "api-"."""

from django.urls import path

from sam.elimination import api

P = "tenants/<int:tenant_pk>/elimination-proposals/"
urlpatterns = [
    path(P, api.ProposalList.as_view(), name="api-elimination-proposal-list"),
    path(P + "<int:pk>/", api.ProposalDetail.as_view(), name="api-elimination-proposal-detail"),
    path(P + "<int:pk>/units/", api.ProposalUnits.as_view(), name="api-elimination-proposal-units"),
    path(P + "<int:pk>/submit/", api.ProposalSubmit.as_view(), name="api-elimination-proposal-submit"),
    path(P + "<int:pk>/decide/", api.ProposalDecide.as_view(), name="api-elimination-proposal-decide"),
    path(P + "<int:pk>/execute/", api.ProposalExecute.as_view(), name="api-elimination-proposal-execute"),
    path(P + "<int:pk>/certificate/", api.ProposalCertificate.as_view(), name="api-elimination-proposal-certificate"),
]
