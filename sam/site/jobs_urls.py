from django.urls import path

from sam.site import jobs as views

app_name = "jobs"
urlpatterns = [
    path("jobs/<int:pk>/status/", views.job_status, name="job_status"),
]
