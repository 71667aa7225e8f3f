from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = _("Organisations and users")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_login_failed
        from django.db.backends.signals import connection_created

        from sam.lib.jobs.recovery import job_abandoned, job_recovered
        from tenants import audit
        from tenants.second_factor.middleware import decide_at_sign_in

        connection_created.connect(audit.register_sqlite_functions, dispatch_uid="sam_audit_sqlite_functions")
        user_logged_in.connect(audit.record_login, dispatch_uid="sam_audit_login")
        user_login_failed.connect(audit.record_login_failure, dispatch_uid="sam_audit_login_failed")
        job_recovered.connect(audit.record_job_recovery, dispatch_uid="sam_audit_job_recovered")
        job_abandoned.connect(audit.record_job_recovery, dispatch_uid="sam_audit_job_abandoned")
        user_logged_in.connect(decide_at_sign_in, dispatch_uid="sam_second_factor_decision")
