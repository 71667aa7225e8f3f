"""django-filter sets shared by the audit pages, the CSV export and the API."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tenants import permissions
from tenants.models import AuditEntry, Organisation


class AuditEntryFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(field_name="actor__username", lookup_expr="icontains", label=_("Actor (login)"))
    organisation = django_filters.ModelChoiceFilter(queryset=Organisation.objects.none(), label=_("Organisation"))
    action = django_filters.CharFilter(lookup_expr="istartswith", label=_("Action"))
    date_from = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label=_("To"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    target = django_filters.CharFilter(method="filter_target", label=_("Target"))

    class Meta:
        model = AuditEntry
        fields = ["actor", "organisation", "action", "date_from", "date_to", "target"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        user = user if user is not None else getattr(self.request, "user", None)
        # Only organisations whose audit the user may read: a forged id is a form error, not a leak.
        self.filters["organisation"].queryset = permissions.organisations_for(user, "view_audit").order_by("name")

    def filter_target(self, queryset, name, value):
        return queryset.filter(Q(target_repr__icontains=value) | Q(target_id=value) | Q(target_type__iexact=value))
