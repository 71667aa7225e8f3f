from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from referentials.kinds import RULE_TYPE_LABELS
from referentials.trees.models import TreeKind
from sam.lib.form_fields import FieldGroupRenderer
from sam.lib.pickers import PickerInput, pickers_bind
from sam.lib.seda.sip import DESCRIPTION_LEVELS

LEVEL_LABELS = {
    "Fonds": _("Fonds"), "Subfonds": _("Sub-fonds"), "Class": _("Class"), "Collection": _("Collection"),
    "Series": _("Series"), "Subseries": _("Sub-series"), "RecordGrp": _("Record group"),
    "SubGrp": _("Sub-group"), "File": pgettext_lazy("description level", "File"), "Item": _("Item"), "OtherLevel": _("Other level"),
}
FINAL_ACTION_CHOICES = (("", _("None (inherited)")), ("Keep", _("Keep")), ("Destroy", _("Destroy")))
SOURCE_CHOICES = (("empty", _("An empty tree")), ("csv", _("A CSV file")), ("seda", _("A SEDA 2.1 manifest (XML)")))


class VersionedForm(forms.Form):
    """Every change of a draft names the version it was made on (optimistic concurrency)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class DraftCreateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of tree"), choices=TreeKind.choices, widget=forms.RadioSelect,
                             initial=TreeKind.FILING_PLAN)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    source = forms.ChoiceField(label=_("Start from"), choices=SOURCE_CHOICES, widget=forms.RadioSelect,
                               initial="empty")
    file = forms.FileField(label=_("File"), required=False, help_text=_(
        "CSV: columns Identifiant; Identifiant parent; Intitulé; and optionally Niveau de description; "
        "Description; Règles; Sort final (UTF-8 or Windows-1252, ';' or ','). Or a SEDA 2.1 manifest.xml."))
    attach_to = forms.CharField(label=_("Attach under the published unit"), required=False, max_length=100,
                                widget=PickerInput("units"), help_text=_(
                                    "Optional: the new tree is published under this existing unit of the holding "
                                    "tree or filing plan. Type part of its title, then choose it in the list."))

    def __init__(self, *args, tenant=None, **kwargs):
        super().__init__(*args, **kwargs)
        pickers_bind(self, tenant)

    def clean(self):
        data = super().clean()
        if data.get("source") in ("csv", "seda") and not data.get("file"):
            self.add_error("file", _("Choose the file to import."))
        return data


class DraftUpdateForm(VersionedForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    attach_to = forms.CharField(label=_("Attach under the published unit"), required=False, max_length=100,
                                widget=PickerInput("units"))

    def __init__(self, *args, tenant=None, **kwargs):
        super().__init__(*args, **kwargs)
        pickers_bind(self, tenant)


class NodeForm(VersionedForm):
    identifier = forms.CharField(label=_("Identifier"), max_length=200,
                                 help_text=_("The code of the node in the plan, e.g. 1.2.3."))
    title = forms.CharField(label=_("Title"), max_length=500)
    level = forms.ChoiceField(label=_("Description level"), initial="Series",
                              choices=[(level, LEVEL_LABELS[level]) for level in DESCRIPTION_LEVELS])
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    rules = forms.MultipleChoiceField(label=_("Management rules"), required=False,
                                      widget=forms.SelectMultiple(attrs={"size": 8}),
                                      help_text=_("Rules of this tenant's referential; hold Ctrl to choose several."))
    final_action = forms.ChoiceField(label=_("Final action"), choices=FINAL_ACTION_CHOICES, required=False)

    def __init__(self, *args, rules=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rules"].choices = [
            (rule["RuleId"], f"{rule['RuleId']} — {rule.get('RuleValue', '')} "
                             f"({RULE_TYPE_LABELS.get(rule.get('RuleType', ''), rule.get('RuleType', ''))})")
            for rule in rules
        ]


class MoveForm(VersionedForm):
    parent = forms.CharField(label=_("New parent"), required=False, max_length=200, help_text=_(
        "The node that will hold this one (neither itself nor one of its descendants)."))

    def __init__(self, *args, targets=(), **kwargs):
        """targets: (identifier, label) of the nodes this one may move under (selectors.move_targets)."""
        super().__init__(*args, **kwargs)
        self.fields["parent"].widget = forms.Select(choices=[("", _("Top level of the tree")), *targets])


class ReorderForm(VersionedForm):
    direction = forms.ChoiceField(choices=(("up", _("Up")), ("down", _("Down"))))


class PublishForm(VersionedForm):
    originating_agency = forms.ChoiceField(label=_("Producing service"), help_text=_(
        "The service recorded as producer of the tree in the archive system."))
    archival_agency = forms.ChoiceField(label=_("Archival agency"))

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(a["Identifier"], f"{a['Identifier']} — {a.get('Name', '')}") for a in agencies]
        self.fields["originating_agency"].choices = choices
        self.fields["archival_agency"].choices = choices
        archives = next((a["Identifier"] for a in agencies if a["Identifier"].upper().startswith("FRAD")), None)
        if archives:
            self.fields["archival_agency"].initial = archives
        producer = next((a["Identifier"] for a in agencies if a["Identifier"].upper().endswith("-ARCH")), None)
        if producer:
            self.fields["originating_agency"].initial = producer


class SearchForm(forms.Form):
    """The trees page's search, drawn on each of its pages: its field through SAM's form renderer."""

    default_renderer = FieldGroupRenderer()
    q = forms.CharField(label=_("Search in the tree (title or identifier)"), required=False, max_length=200)
