"""Start the retries that are due and resume the follow-up of deposits left without one; a send whose worker
stopped is retried at once (it asks Vitam first whether the interrupted attempt reached it).

The database worker already runs scheduled retries; this command is the safety net after a
worker outage (run it from cron, or by hand)."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from sam.deposits.models import Deposit
from sam.deposits.services import deposits_retry_due, deposits_sending_recover
from sam.deposits.tasks import deposit_follow_task


class Command(BaseCommand):
    help = "Retry the deposits waiting for Vitam and resume stale follow-ups."

    def add_arguments(self, parser):
        parser.add_argument("--stale-minutes", type=int, default=10)

    def handle(self, *args, stale_minutes, **options):
        interrupted = deposits_sending_recover(stale_minutes=stale_minutes)
        retried = deposits_retry_due()
        stale = Deposit.objects.filter(state__in=Deposit.FOLLOWED_STATES,
                                       updated_at__lt=timezone.now() - timedelta(minutes=stale_minutes))
        resumed = 0
        for deposit in stale:
            deposit_follow_task.enqueue(deposit_id=deposit.pk)
            resumed += 1
        self.stdout.write(f"deposits retried: {retried}, follow-ups resumed: {resumed}, "
                          f"interrupted sends: {interrupted}")
