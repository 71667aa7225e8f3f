"""Take up again the background work whose worker stopped (run by sam-retry.timer every five minutes, and
once by `make run` before its worker starts)."""

from django.core.management.base import BaseCommand, CommandError

from sam.lib.jobs.recovery import jobs_recover


class Command(BaseCommand):
    help = "Queue again the jobs whose worker stopped; fail them (and their feature) past the last attempt."

    def add_arguments(self, parser):
        parser.add_argument("--stale-minutes", type=int, default=10,
                            help="a running job silent for longer lost its worker (default 10)")
        parser.add_argument("--max-attempts", type=int, default=3,
                            help="runs of a job before it is failed (default 3)")

    def handle(self, *args, stale_minutes, max_attempts, **options):
        report = jobs_recover(stale_minutes=stale_minutes, max_attempts=max_attempts)
        self.stdout.write(f"jobs taken up again: {len(report.recovered)}, abandoned: {len(report.abandoned)}, "
                          f"errors: {len(report.errors)}")
        if report.errors:  # the unit fails, so that systemctl --failed shows it
            raise CommandError(f"jobs that could not be taken up again (see the log): {report.errors}")
