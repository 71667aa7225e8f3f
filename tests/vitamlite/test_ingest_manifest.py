"""SEDA descriptive metadata → Vitam JSON (what units look like after ingest)."""

from lxml import etree

from vitamlite.ingest.manifest import to_json


def content(xml):
    return to_json(etree.fromstring(
        f'<Content xmlns="fr:gouv:culture:archivesdefrance:seda:v2.1">{xml}</Content>'))


def test_languages_arrays_objects_and_booleans():
    converted = content(
        '<DescriptionLevel>File</DescriptionLevel>'
        '<Title xml:lang="fr">Délibérations</Title><Title xml:lang="en">Deliberations</Title>'
        '<FilePlanPosition>1.2</FilePlanPosition>'
        '<Keyword><KeywordContent>voirie</KeywordContent></Keyword><Keyword><KeywordContent>budget</KeywordContent></Keyword>'
        '<Writer><FirstName>Jeanne</FirstName><BirthName>Martin</BirthName></Writer>'
        '<Coverage><Spatial>Cergy</Spatial></Coverage>'
        '<SubmissionAgency><Identifier>SV</Identifier></SubmissionAgency>'
    )

    assert converted["Title"] == "Délibérations"
    assert converted["Title_"] == {"fr": "Délibérations", "en": "Deliberations"}
    assert converted["FilePlanPosition"] == ["1.2"]
    assert converted["Keyword"] == [{"KeywordContent": "voirie"}, {"KeywordContent": "budget"}]
    assert converted["Writer"] == [{"FirstName": "Jeanne", "BirthName": "Martin"}]
    assert converted["Coverage"] == {"Spatial": ["Cergy"]}
    assert converted["DescriptionLevel"] == "File"


def test_repeated_single_valued_element_becomes_a_list():
    assert content("<Description>a</Description><Description>b</Description>")["Description"] == ["a", "b"]


def test_agency_identifiers_stay_strings():
    converted = content("<OriginatingAgency><Identifier>FRAN_NP_009913</Identifier></OriginatingAgency>")
    assert converted["OriginatingAgency"] == {"Identifier": "FRAN_NP_009913"}
