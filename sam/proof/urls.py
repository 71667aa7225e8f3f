"""Screens of probative value reports (relevés de valeur probante)."""

from django.urls import path

from sam.consultation.urls import VitamIdConverter  # noqa: F401 (registers consultation_vitam_id)
from sam.proof import views

app_name = "proof"
T = "t/<int:tenant_pk>/"
PROOF = T + "proofs/<int:pk>/"

urlpatterns = [
    path(T + "units/<consultation_vitam_id:unit_id>/objects/<consultation_vitam_id:usage>/<int:version>/proof/",
         views.proof_request, name="request"),
    path(T + "selections/<int:selection_pk>/proof/", views.proof_selection, name="selection"),
    path(T + "units/<consultation_vitam_id:unit_id>/proof/", views.proof_unit_tree, name="unit_tree"),
    path(PROOF, views.proof_detail, name="detail"),
    path(PROOF + "report.json", views.proof_report_download, name="report"),
    path(PROOF + "attestation/", views.proof_attestation, name="attestation"),
    path(PROOF + "attestation.pdf", views.proof_attestation_pdf, name="attestation_pdf"),
]
