from django import forms
from django.utils.translation import gettext_lazy as _

from sam.consultation.forms import FastRenderedForm
from sam.consultation.seda_labels import DESCRIPTION_LEVELS, RULE_CATEGORIES
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


class DepositFilterForm(FastRenderedForm):
    """The deposit list's filters, drawn on each of its pages: fields through SAM's form renderer."""

    scope = forms.ChoiceField(label=_("Deposits"), required=False,
                              choices=[("all", _("My commune's")), ("mine", _("Mine"))])
    state = forms.ChoiceField(label=_("State"), required=False,
                              choices=[("", _("All states"))] + list(Deposit.State.choices))
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


LEVEL_CHOICES = list(DESCRIPTION_LEVELS.items())
FINAL_ACTION_CHOICES = [("", _("(none)")), ("Keep", _("Keep (conservation)")), ("Destroy", _("Destroy (elimination)"))]


def default_archival_agency(agencies) -> str:
    """The commune's archival service among the services: the departmental archives (FRAD…) that
    keep and control the commune's archives, as the demo and the filing-plan publication name it."""
    return next((a["Identifier"] for a in agencies if a["Identifier"].upper().startswith("FRAD")), "")


class SimpleDepositForm(forms.Form):
    files = MultipleFileField(
        label=_("Files"), help_text=_("Several files, or one zip of a folder tree: folders become archive units. "
                                      "Each file is dated by its own metadata (PDF, office documents, photos) or "
                                      "else its last modification; you review every date before sending."))
    metadata_csv = forms.FileField(
        label=_("Metadata CSV (optional)"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        help_text=_("ReSIP's format: one line per file or folder; first column File (its path in the folder), "
                    "then Content.DescriptionLevel, Content.Title, Content.Description, Content.StartDate, "
                    "Content.EndDate."))
    title = forms.CharField(label=_("Title"), max_length=500)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    originating_agency = forms.ChoiceField(label=_("Producing service"))
    archival_agency = forms.ChoiceField(label=_("Archival service"), help_text=_(
        "The service that keeps the archives (service d'archives), not the producing service."))
    filing_unit = forms.ChoiceField(label=_("Filing plan node"), required=False,
                                    help_text=_("Where the deposit is filed in the published filing plan."))
    rules = forms.MultipleChoiceField(label=_("Management rules"), required=False,
                                      widget=forms.SelectMultiple(attrs={"size": 6}), help_text=_(
                                          "Each unit's rules run from its own end date."))
    final_action = forms.ChoiceField(label=_("Final action"), required=False, choices=FINAL_ACTION_CHOICES)
    description_level = forms.ChoiceField(label=_("Description level"), choices=LEVEL_CHOICES, initial="File")

    def __init__(self, *args, agencies=(), filing_units=(), rules=(), **kwargs):
        super().__init__(*args, **kwargs)
        agency_choices = [(a["Identifier"], f"{a.get('Name') or a['Identifier']} ({a['Identifier']})")
                          for a in agencies]
        self.fields["originating_agency"].choices = [("", "—")] + agency_choices
        self.fields["archival_agency"].choices = agency_choices
        self.fields["archival_agency"].initial = default_archival_agency(agencies)
        self.fields["filing_unit"].choices = [("", _("(not filed)"))] + [
            (u["id"], f"{u['identifier']} — {u['title']}" if u["identifier"] else u["title"]) for u in filing_units]
        self.rule_types = {r["RuleId"]: r["RuleType"] for r in rules}
        self.fields["rules"].choices = [
            (r["RuleId"], f"{r.get('RuleValue') or r['RuleId']} ({RULE_CATEGORIES.get(r['RuleType'], r['RuleType'])}, "
                          f"{r['RuleId']})") for r in rules]

    def clean_metadata_csv(self):
        upload = self.cleaned_data.get("metadata_csv")
        if not upload:
            return None
        if upload.size > simple.CSV_MAX_BYTES:
            raise forms.ValidationError(_("The metadata CSV is too large (5 Mo at most)."))
        return simple.parse_metadata_csv(upload.read())

    def clean(self):
        data = super().clean()
        chosen = data.get("rules") or []
        types = [self.rule_types.get(rule) for rule in chosen]
        for rule_type in set(types):
            if rule_type and types.count(rule_type) > 1 and rule_type in ("AppraisalRule", "StorageRule"):
                self.add_error("rules", _("Choose at most one rule of type %(type)s.")
                               % {"type": RULE_CATEGORIES.get(rule_type, rule_type)})
        if data.get("final_action") and "AppraisalRule" not in types:
            self.add_error("final_action", _("A final action needs an appraisal rule (DUA)."))
        return data

    def to_simple(self, tenant):
        data = self.cleaned_data
        return simple.SimpleDepositForm(
            title=data["title"], description=data.get("description", ""),
            description_level=data["description_level"],
            originating_agency=data["originating_agency"], archival_agency=data["archival_agency"],
            filing_unit=data.get("filing_unit") or "",
            rules=[(rule, self.rule_types[rule]) for rule in data.get("rules") or []],
            final_action=data.get("final_action") or "", archival_agreement=tenant.ingest_contract,
        )


class UnitReviewForm(forms.Form):
    """One unit of a simple deposit, as the archivist corrects it before sending."""

    level = forms.ChoiceField(label=_("Level"), choices=LEVEL_CHOICES)
    title = forms.CharField(label=_("Title"), max_length=1000)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 1}))
    start = forms.DateField(label=_("Start date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("End date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end date is before the start date."))
        return data


class BaseUnitReviewFormSet(forms.BaseFormSet):
    """One page of the tree; `first_line` is the line number of its first unit in the whole tree."""

    def __init__(self, *args, units=(), first_line=1, **kwargs):
        self.units = list(units)
        self.first_line = first_line
        super().__init__(*args, initial=[{key: unit.get(key, "") for key in
                                          ("level", "title", "description", "start", "end")}
                                         for unit in self.units], **kwargs)

    def clean(self):
        """One message per faulty line, naming the line and the unit, above the table."""
        if any(form.errors for form in self.forms):
            raise forms.ValidationError([
                _("Line %(line)d (%(unit)s): %(problem)s") % {
                    "line": self.first_line + index - 1,
                    "unit": self.units[index - 1]["path"] or self.units[index - 1]["title"],
                    "problem": " ".join(f"{form.fields[name].label if name in form.fields else ''} — {message}"
                                        for name, messages in form.errors.items() for message in messages)}
                for index, form in enumerate(self.forms, start=1) if form.errors])

    def rows(self) -> list[dict]:
        return [{"path": unit["path"], **{key: form.cleaned_data.get(key) for key in
                                          ("level", "title", "description")},
                 "start": form.cleaned_data["start"].isoformat() if form.cleaned_data.get("start") else "",
                 "end": form.cleaned_data["end"].isoformat() if form.cleaned_data.get("end") else ""}
                for unit, form in zip(self.units, self.forms)]


UnitReviewFormSet = forms.formset_factory(UnitReviewForm, formset=BaseUnitReviewFormSet, extra=0,
                                          max_num=100000, absolute_max=100000)
