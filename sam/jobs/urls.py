from django.urls import path

from sam.jobs import views

app_name = "jobs"
urlpatterns = [
    path("jobs/<int:pk>/status/", views.job_status, name="job_status"),
]
