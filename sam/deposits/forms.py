from django import forms
from django.utils.translation import gettext_lazy as _

from sam.lib.seda.sip import DESCRIPTION_LEVELS
from sam.deposits import simple
from sam.deposits.models import Deposit


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class SipUploadForm(forms.Form):
    sip = forms.FileField(label=_("SIP (SEDA 2.1 zip)"), allow_empty_file=True,
                          widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
                          help_text=_("A zip holding manifest.xml and the files it declares."))
    test_only = forms.BooleanField(
        label=_("Test deposit only (entrée à blanc): Vitam runs every check but stores nothing"), required=False)


class DepositFilterForm(forms.Form):
    scope = forms.ChoiceField(label=_("Deposits"), required=False,
                              choices=[("all", _("My commune's")), ("mine", _("Mine"))])
    state = forms.ChoiceField(label=_("State"), required=False,
                              choices=[("", _("All states"))] + list(Deposit.State.choices))
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


LEVEL_CHOICES = [(level, level) for level in DESCRIPTION_LEVELS]
FINAL_ACTIONS = [("", _("(none)")), ("Keep", _("Keep (conservation)")), ("Destroy", _("Destroy (elimination)"))]


class SimpleDepositForm(forms.Form):
    files = MultipleFileField(
        label=_("Files"), help_text=_("Several files, or one zip of a folder tree: folders become archive units."))
    title = forms.CharField(label=_("Title"), max_length=500)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    start_date = forms.DateField(label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=_("End date"), widget=forms.DateInput(attrs={"type": "date"}))
    originating_agency = forms.ChoiceField(label=_("Producing service"))
    filing_unit = forms.ChoiceField(label=_("Filing plan node"), required=False,
                                    help_text=_("Where the deposit is filed in the published filing plan."))
    rules = forms.MultipleChoiceField(label=_("Management rules"), required=False,
                                      widget=forms.SelectMultiple(attrs={"size": 6}))
    final_action = forms.ChoiceField(label=_("Final action"), required=False, choices=FINAL_ACTIONS)
    description_level = forms.ChoiceField(label=_("Description level"), choices=LEVEL_CHOICES, initial="File")

    def __init__(self, *args, agencies=(), filing_units=(), rules=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["originating_agency"].choices = [("", "—")] + [
            (a["Identifier"], f"{a['Identifier']} — {a.get('Name', '')}") for a in agencies]
        self.fields["filing_unit"].choices = [("", _("(not filed)"))] + [
            (u["id"], f"{u['identifier']} — {u['title']}" if u["identifier"] else u["title"]) for u in filing_units]
        self.rule_types = {r["RuleId"]: r["RuleType"] for r in rules}
        self.fields["rules"].choices = [
            (r["RuleId"], f"{r['RuleId']} — {r.get('RuleValue', '')} ({r['RuleType']})") for r in rules]

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and start > end:
            self.add_error("end_date", _("The end date is before the start date."))
        chosen = data.get("rules") or []
        types = [self.rule_types.get(rule) for rule in chosen]
        for rule_type in set(types):
            if rule_type and types.count(rule_type) > 1 and rule_type in ("AppraisalRule", "StorageRule"):
                self.add_error("rules", _("Choose at most one rule of type %(type)s.") % {"type": rule_type})
        if data.get("final_action") and "AppraisalRule" not in types:
            self.add_error("final_action", _("A final action needs an appraisal rule (DUA)."))
        return data

    def to_simple(self, tenant):
        data = self.cleaned_data
        return simple.SimpleDepositForm(
            title=data["title"], description=data.get("description", ""),
            description_level=data["description_level"],
            start_date=data["start_date"].isoformat() if data.get("start_date") else "",
            end_date=data["end_date"].isoformat() if data.get("end_date") else "",
            originating_agency=data["originating_agency"], filing_unit=data.get("filing_unit") or "",
            rules=[(rule, self.rule_types[rule]) for rule in data.get("rules") or []],
            final_action=data.get("final_action") or "", archival_agreement=tenant.ingest_contract,
        )
